"""SMOTE-NC / SMOTE-N categorical rule: "vote" (the papers') against "endpoint".

For every KEEL set with categorical columns: the mean total-variation distance between the
real minority's and the synthetic rows' categorical marginals, the categories of the minority
that never appear in the synthetic rows, and downstream PR-AUC / F1 (gensample.compare,
5-fold, lr and rf, no threshold tuning) with each rule.

    python benchmarks/bench_categorical_rule.py /work/shared/datasets/keel
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

import gensample as gs

RULES = ("vote", "endpoint")


def main(folder: str) -> int:
    warnings.simplefilter("ignore")
    manifest = json.loads((Path(folder) / "manifest.json").read_text())
    names = [d["name"] for d in manifest if d["categorical"] > 0]
    marg, down = [], []
    for name in names:
        df = pd.read_csv(Path(folder) / f"{name}.csv")
        minority = df["Class"].value_counts().idxmin()
        real = df[df["Class"] == minority]
        cats = [c for c in df.columns if c != "Class" and df[c].dtype == object]
        row = {"set": name}
        for rule in RULES:
            syn = gs.sample_minority(df, "Class", random_state=0, categorical_rule=rule).synthetic
            tv = [0.5 * real[c].value_counts(normalize=True).sub(syn[c].value_counts(normalize=True), fill_value=0).abs().sum() for c in cats]
            row[f"{rule}_tvd"] = float(np.mean(tv)) if tv else np.nan
            row[f"{rule}_lost"] = sum(len(set(real[c]) - set(syn[c])) for c in cats)
            res = gs.compare(df, "Class", methods=["smote"], classifiers=["lr", "rf"], folds=5, repeats=1,
                             tune_threshold=False, fidelity=False, method_params={"smote": {"categorical_rule": rule}}, seed=0)
            f = res.folds
            f = f[(f["method"] == "smote") & (f["operating_point"] == "default")]
            for clf, g in f.groupby("classifier"):
                down.append({"set": name, "rule": rule, "clf": clf, "pr_auc": g["pr_auc"].mean(), "f1": g["f1"].mean()})
        marg.append(row)
        print(name, file=sys.stderr, flush=True)
    m = pd.DataFrame(marg)
    d = pd.DataFrame(down).pivot_table(index=["set", "clf"], columns="rule", values=["pr_auc", "f1"])
    diff = d[("pr_auc", "endpoint")] - d[("pr_auc", "vote")]
    print(f"{len(names)} KEEL sets with categorical columns")
    print(f"mean categorical TVD: vote {m['vote_tvd'].mean():.3f}, endpoint {m['endpoint_tvd'].mean():.3f}")
    print(f"minority categories never produced (total): vote {m['vote_lost'].sum()}, endpoint {m['endpoint_lost'].sum()}")
    print(f"mean PR-AUC: vote {d[('pr_auc', 'vote')].mean():.4f}, endpoint {d[('pr_auc', 'endpoint')].mean():.4f}; "
          f"endpoint higher in {(diff > 0).sum()}, lower in {(diff < 0).sum()} of {len(diff)} (set, classifier) pairs; "
          f"Wilcoxon p = {wilcoxon(d[('pr_auc', 'endpoint')], d[('pr_auc', 'vote')]).pvalue:.3f}")
    print(f"mean F1: vote {d[('f1', 'vote')].mean():.4f}, endpoint {d[('f1', 'endpoint')].mean():.4f}")
    print(f"largest PR-AUC changes: {diff.sort_values().head(2).round(3).to_dict()} / {diff.sort_values().tail(2).round(3).to_dict()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets/keel"))
