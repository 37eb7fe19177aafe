"""Which rule should the vs-smote gate follow? Measured on KEEL sets, on outer folds it never saw.

For each KEEL set, stratified outer k-fold CV (``--outer``); in each outer training part:

* ``deep``: the deep method oversamples the minority class up to the majority, raw (``check=False,
  gate=None``: the method's own rows);
* ``smote``: SMOTE does;
* the gate's utility test (:func:`gensample.selection.gate.vs_smote` with ``tests=("utility",)``,
  the default 3 inner folds x 1 repeat, logistic regression, PR-AUC) runs on the outer training
  part only, and its evidence (per-fold PR-AUC of both methods) is stored.

Every rule is then replayed on that same evidence with :func:`gensample.selection.gate.judge`:
the gated result of a fold is ``deep``'s outer PR-AUC when the rule keeps the deep method and
``smote``'s otherwise. Rules: ``not-worse`` (keep unless the mean paired inner difference is
below ``-n_se`` corrected standard errors) for several ``n_se``, ``better`` (keep only if above
``+n_se`` SE), ``always`` (no gate) and ``never`` (always SMOTE). A random forest (``rf``, the
classifier of the issue's report) and a logistic regression (``lr``, the gate's own) are trained
on each augmented outer training part and scored by PR-AUC (average precision) on the untouched
outer test part.

Target (issue 10, item 6): mean PR-AUC of "deep behind the gate" not below SMOTE's by more than
0.01 on average over the sets, and on no set by more than 0.05.

Run (small budget: the deep method at reduced ``--steps`` so that the run fits a shared CPU)::

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_vs_smote_gate.py --method wgan-gp \
        --steps 100 --outer 3 --out benchmarks/out/bench_vs_smote_gate.json

``--from-json`` re-prints the summary of a saved run.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

KEEL = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "keel"

#: Varied minority sizes (17-217 rows), numeric, mixed (abalone9-18) and categorical (flare-F)
#: tables, all small enough for a shared CPU.
DEFAULT_SETS = ("glass2", "ecoli-0-3-4_vs_5", "winequality-red-8_vs_6", "glass6", "yeast-1_vs_7",
                "new_thyroid2", "ecoli3", "abalone9-18", "flare-F", "yeast-2_vs_4", "ecoli1", "haberman")

#: (rule, n_se, tolerance) replayed on the stored evidence.
RULES = [("not-worse", 0.0, 0.0), ("not-worse", 0.0, 0.01), ("not-worse", 0.0, 0.02), ("not-worse", 0.5, 0.0),
         ("not-worse", 1.0, 0.0), ("not-worse", 2.0, 0.0), ("better", 0.0, 0.0), ("better", 1.0, 0.0)]


def pr_auc(train: pd.DataFrame, test: pd.DataFrame, target: str, positive) -> dict:
    """PR-AUC of lr and rf trained on ``train``, scored on ``test`` (gensample's classifiers)."""
    from gensample.evaluation.classifiers import features, make_classifier
    from gensample.schema import TableSchema

    schema = TableSchema.infer(pd.concat([train, test], ignore_index=True), target)
    a, b = schema.encode(train), schema.encode(test)
    Xa, Xb = features(a.numeric, a.categorical), features(b.numeric, b.categorical)
    ya = (train[target] == positive).to_numpy().astype(int)
    yb = (test[target] == positive).to_numpy().astype(int)
    from sklearn.metrics import average_precision_score

    out = {}
    for name in ("lr", "rf"):
        clf = make_classifier(name, len(schema.numeric), [len(c.categories) for c in schema.categorical],
                              random_state=0)
        clf.fit(Xa, ya)
        out[name] = float(average_precision_score(yb, clf.predict_proba(Xb)[:, 1]))
    return out


def run_dataset(name: str, method: str, params: dict, outer: int, seed: int) -> list[dict]:
    from gensample.selection.gate import vs_smote
    from gensample.sampling import sample_minority

    df = pd.read_csv(KEEL / f"{name}.csv")
    target = "Class"
    positive = df[target].value_counts().idxmin()
    rows = []
    cv = StratifiedKFold(n_splits=outer, shuffle=True, random_state=seed)
    for fold, (tr, te) in enumerate(cv.split(df, df[target])):
        train, test = df.iloc[tr].reset_index(drop=True), df.iloc[te].reset_index(drop=True)
        fold_seed = seed * 1000 + fold
        smote = sample_minority(train, target, "smote", random_state=fold_seed)
        started = time.perf_counter()
        deep = sample_minority(train, target, method, random_state=fold_seed, check=False, gate=None, **params)
        deep_seconds = time.perf_counter() - started
        started = time.perf_counter()
        decision = vs_smote(train, target, positive, method, params=params, random_state=fold_seed,
                            tests=("utility",))
        gate_seconds = time.perf_counter() - started
        rows.append({
            "dataset": name, "fold": fold, "method": method, "rows": len(train),
            "minority": int((train[target] == positive).sum()), "deep_used": deep.method_used,
            "pr_auc_deep": pr_auc(deep.augmented, test, target, positive),
            "pr_auc_smote": pr_auc(smote.augmented, test, target, positive),
            "evidence": decision.to_dict()["evidence"], "default_why": decision.why,
            "seconds_deep": deep_seconds, "seconds_gate": gate_seconds,
        })
    return rows


def keeps(row: dict, rule: str = "default", n_se: float = 0.0, tolerance: float = 0.0) -> bool:
    from gensample.selection.gate import DEFAULT_N_SE, DEFAULT_RULE, DEFAULT_TOLERANCE, PASSED, UNDECIDED, judge

    if rule == "default":
        rule, n_se, tolerance = DEFAULT_RULE, DEFAULT_N_SE, DEFAULT_TOLERANCE
    if rule == "always":
        return True
    if rule == "never":
        return False
    why = judge(row["evidence"], rule, n_se=n_se, tolerance=tolerance)
    # The default gate keeps the asked method when it cannot judge it (policy.after_vs_smote).
    return why in PASSED or why in UNDECIDED


def summarise(rows: list[dict]) -> str:
    if not rows:
        return "no rows"
    t = pd.DataFrame(rows)
    method = t["method"].iloc[0]
    lines = [f"{method}: {t['dataset'].nunique()} sets x {t['fold'].nunique()} outer folds = {len(t)} folds; "
             f"raw {method} fell back in {(t['deep_used'] != method).sum()} folds; mean seconds per fold: "
             f"{method} fit {t['seconds_deep'].mean():.1f}, gate (utility, 3 inner deep fits) "
             f"{t['seconds_gate'].mean():.1f}"]
    rules = [("always", 0.0, 0.0), ("never", 0.0, 0.0)] + RULES
    for clf in ("rf", "lr"):
        deep = t["pr_auc_deep"].map(lambda d: d[clf]).to_numpy()
        smote = t["pr_auc_smote"].map(lambda d: d[clf]).to_numpy()
        lines.append("")
        lines.append(f"outer PR-AUC, {clf}: gated minus smote (mean over sets; worst set), folds kept, target met "
                     "(mean >= -0.01 and worst >= -0.05)")
        lines.append("| rule | mean gap to smote | worst set (gap) | best set (gap) | deep kept (folds) | target met |")
        lines.append("|---|---|---|---|---|---|")
        for rule, n_se, tol in rules:
            kept = np.array([keeps(r, rule, n_se, tol) for r in rows])
            gated = np.where(kept, deep, smote)
            per = pd.DataFrame({"dataset": t["dataset"], "gap": gated - smote}).groupby("dataset", sort=False)["gap"].mean()
            label = rule if rule in ("always", "never") else f"{rule}, {n_se:g} SE" + (f" + {tol:g}" if tol else "")
            met = per.mean() >= -0.01 and per.min() >= -0.05
            lines.append(f"| {label} | {per.mean():+.4f} | {per.idxmin()} ({per.min():+.3f}) | {per.idxmax()} "
                         f"({per.max():+.3f}) | {kept.sum()}/{len(kept)} | {'yes' if met else 'no'} |")
    lines.append("")
    lines.append(f"per set (mean over outer folds): minority rows in the outer training part, PR-AUC rf {method} / smote / "
                 "gated (the default rule), lr the same, folds the default rule kept")
    lines.append(f"| set | minority | rf {method} | rf smote | rf gated | lr {method} | lr smote | lr gated | kept |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    kept = np.array([keeps(r) for r in rows])
    for name, g in t.assign(kept=kept).groupby("dataset", sort=False):
        cells = [name, f"{g['minority'].mean():.0f}"]
        for clf in ("rf", "lr"):
            d = g["pr_auc_deep"].map(lambda x: x[clf])
            s = g["pr_auc_smote"].map(lambda x: x[clf])
            cells += [f"{d.mean():.3f}", f"{s.mean():.3f}", f"{np.where(g['kept'], d, s).mean():.3f}"]
        cells.append(f"{int(g['kept'].sum())}/{len(g)}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="wgan-gp")
    parser.add_argument("--steps", type=int, default=100,
                        help="deep training steps (wgan-gp, ctgan, tvae); 0: leave the method's own budget "
                             "(forest-flow, arf, which have no steps)")
    parser.add_argument("--outer", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--datasets", default=",".join(DEFAULT_SETS))
    parser.add_argument("--out", default=None, help="JSON file for every fold's numbers")
    parser.add_argument("--from-json", default=None, help="only summarise a saved JSON file")
    args = parser.parse_args()
    if args.from_json:
        print(summarise(json.loads(Path(args.from_json).read_text())["rows"]))
        return
    names = args.datasets.split(",")
    params = {"steps": args.steps, "verbose": False} if args.steps else {"verbose": False}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    print(f"machine: {platform.machine()}, python {platform.python_version()}, commit {commit}; "
          f"{args.method} {params}; sets ({len(names)}): {', '.join(names)}", flush=True)
    rows = []
    started = time.perf_counter()
    warnings.filterwarnings("ignore")
    with threadpool_limits(1):
        for name in names:
            t0 = time.perf_counter()
            rows.extend(run_dataset(name, args.method, params, args.outer, args.seed))
            print(f"  {name}: {time.perf_counter() - t0:.0f} s", flush=True)
            if args.out:
                Path(args.out).parent.mkdir(parents=True, exist_ok=True)
                Path(args.out).write_text(json.dumps({"args": vars(args), "commit": commit, "rows": rows}, indent=1))
    print(f"total {time.perf_counter() - started:.0f} s")
    print(summarise(rows))
    print(f"reproduce: OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_vs_smote_gate.py --method {args.method} "
          f"--steps {args.steps} --outer {args.outer} --seed {args.seed} --datasets {args.datasets}")


if __name__ == "__main__":
    main()
