"""Should the vs-smote gate be the default for deep methods? Measured on the KEEL data sets.

For each KEEL set whose minority class is large enough that a training fold still has 50
minority rows (the deep methods' ``min_rows``) after the gate holds 30 % out (90 rows with 5
folds), stratified k-fold CV; in each training fold:

* ``deep``: the deep method oversamples the minority class ("auto": up to the majority);
* ``smote``: SMOTE does;
* ``gate``: :func:`gensample.fidelity.gate.vs_smote` holds out 30 % of the fold's minority
  rows, fits the deep method and SMOTE on the rest, and picks one; the fold is then
  oversampled by the picked method (the same rows as ``deep`` or ``smote``, same seed);
* ``check``: the ``check=True`` gate, i.e. the fidelity report of the deep rows against the
  fold's minority rows; mode collapse or copies would send the class to SMOTE.

Each augmented fold trains a classifier (histogram gradient boosting and logistic
regression) scored by PR-AUC (average precision) on the untouched test fold. The gate
should be the default if ``gate`` scores at least as well as ``deep`` (it costs a second fit).

Run::

    nice python benchmarks/bench_vs_smote_gate.py --methods ctgan,tvae --folds 5 \
        --out benchmarks/out/bench_vs_smote_gate.json
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

KEEL = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "keel"


def classifiers(frame: pd.DataFrame):
    cat = [c for c in frame.columns if frame[c].dtype == object or str(frame[c].dtype) == "category"]
    num = [c for c in frame.columns if c not in cat]
    pre = ColumnTransformer([("num", StandardScaler(), num),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), cat)])
    pre_hgb = ColumnTransformer([("num", "passthrough", num),
                                 ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat)])
    return {
        "hgb": make_pipeline(pre_hgb, HistGradientBoostingClassifier(random_state=0)),
        "lr": make_pipeline(pre, LogisticRegression(max_iter=2000)),
    }


def pr_auc(train: pd.DataFrame, test: pd.DataFrame, target: str, positive) -> dict:
    X, y = train.drop(columns=target), (train[target] == positive).astype(int)
    Xt, yt = test.drop(columns=target), (test[target] == positive).astype(int)
    out = {}
    for name, clf in classifiers(X).items():
        clf.fit(X, y)
        out[name] = float(average_precision_score(yt, clf.predict_proba(Xt)[:, 1]))
    return out


def run_dataset(name: str, methods: list[str], folds: int, seed: int) -> list[dict]:
    from gensample.fidelity.gate import check_rows, gate_verdict, vs_smote
    from gensample.sampling import sample_minority

    df = pd.read_csv(KEEL / f"{name}.csv")
    target = "Class"
    positive = df[target].value_counts().idxmin()
    rows = []
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (tr, te) in enumerate(cv.split(df, df[target])):
        train, test = df.iloc[tr].reset_index(drop=True), df.iloc[te].reset_index(drop=True)
        fold_seed = seed * 1000 + fold
        started = time.perf_counter()
        smote = sample_minority(train, target, "smote", random_state=fold_seed)
        smote_score = pr_auc(smote.augmented, test, target, positive)
        smote_seconds = time.perf_counter() - started
        for method in methods:
            started = time.perf_counter()
            deep = sample_minority(train, target, method, random_state=fold_seed, verbose=False)
            deep_seconds = time.perf_counter() - started
            deep_score = pr_auc(deep.augmented, test, target, positive)
            started = time.perf_counter()
            gate = vs_smote(train, target, positive, method, params={"verbose": False}, random_state=fold_seed)
            gate_seconds = time.perf_counter() - started
            report = check_rows(train[train[target] == positive], deep.synthetic, deep.schema, label=positive,
                                random_state=fold_seed)
            verdict = gate_verdict(report)
            rows.append({
                "dataset": name, "fold": fold, "method": method, "minority": int((train[target] == positive).sum()),
                "deep_used": deep.method_used,
                "pr_auc_deep": deep_score, "pr_auc_smote": smote_score,
                "gate_keep_deep": bool(gate.keep_deep), "gate_deep_score": gate.deep.get("score"),
                "gate_smote_score": gate.smote.get("score"), "gate_deep_coverage": gate.deep.get("coverage"),
                "gate_smote_coverage": gate.smote.get("coverage"), "gate_deep_auc": gate.deep.get("auc"),
                "gate_smote_auc": gate.smote.get("auc"),
                "check_rejects": verdict is not None, "check_verdict": verdict,
                "check_passed": report.passed,
                "seconds_deep": deep_seconds, "seconds_smote": smote_seconds, "seconds_gate": gate_seconds,
            })
    return rows


def summarise(rows: list[dict]) -> str:
    if not rows:
        return "no dataset qualified"
    table = pd.DataFrame(rows)
    lines = []
    for method, t in table.groupby("method", sort=False):
        lines.append(f"method {method}: {t['dataset'].nunique()} datasets, {len(t)} folds"
                     + (f" ({(t['deep_used'] != method).sum()} folds fell back: {method} did not run)"
                        if (t["deep_used"] != method).any() else ""))
        gate_share = t["gate_keep_deep"].mean()
        lines.append(f"  vs-smote gate kept {method} in {t['gate_keep_deep'].sum()} of {len(t)} folds ({gate_share:.0%})")
        lines.append(f"  check=True gate would reject {method}'s rows in {t['check_rejects'].sum()} of {len(t)} folds")
        lines.append(f"  mean seconds per fold: {method} {t['seconds_deep'].mean():.1f}, gate {t['seconds_gate'].mean():.1f}, "
                     f"smote {t['seconds_smote'].mean():.2f}")
        for clf in ("hgb", "lr"):
            deep = t["pr_auc_deep"].map(lambda d: d[clf])
            smote = t["pr_auc_smote"].map(lambda d: d[clf])
            gate = np.where(t["gate_keep_deep"], deep, smote)
            check = np.where(t["check_rejects"], smote, deep)
            per_ds = pd.DataFrame({"dataset": t["dataset"], "deep": deep, "smote": smote, "gate": gate,
                                   "check": check}).groupby("dataset").mean()
            ranks = per_ds.rank(axis=1, ascending=False).mean()
            deep_better = deep > smote
            agree = (t["gate_keep_deep"] == deep_better).mean()
            lines.append(
                f"  {clf}: mean PR-AUC deep {deep.mean():.4f}, smote {smote.mean():.4f}, gate {gate.mean():.4f}, "
                f"check-gated {check.mean():.4f}; mean rank over datasets deep {ranks['deep']:.2f}, smote "
                f"{ranks['smote']:.2f}, gate {ranks['gate']:.2f}, check-gated {ranks['check']:.2f}; "
                f"{method} beat smote in {deep_better.sum()} of {len(t)} folds; gate picked the fold's winner "
                f"in {agree:.0%}; gate >= deep in {(per_ds['gate'] >= per_ds['deep'] - 1e-12).sum()} of "
                f"{len(per_ds)} datasets"
            )
        deep = t["pr_auc_deep"].map(lambda d: d["hgb"])
        smote = t["pr_auc_smote"].map(lambda d: d["hgb"])
        won = deep > smote
        lines.append(f"  hgb: {method} beat smote in {won.sum()} folds; the gate kept {method} in "
                     f"{(t['gate_keep_deep'] & won).sum()} of them and in {(t['gate_keep_deep'] & ~won).sum()} "
                     "folds where it lost")
        per = pd.DataFrame({"dataset": t["dataset"], "minority": t["minority"], "deep": deep, "smote": smote,
                            "gate": np.where(t["gate_keep_deep"], deep, smote), "kept": t["gate_keep_deep"],
                            "rejected": t["check_rejects"]})
        agg = per.groupby("dataset", sort=False).agg(
            minority=("minority", "first"), deep=("deep", "mean"), smote=("smote", "mean"), gate=("gate", "mean"),
            kept=("kept", "sum"), rejected=("rejected", "sum"))
        lines.append("")
        lines.append(f"| dataset | minority rows (training fold) | PR-AUC (hgb) {method} | smote | vs-smote gate | "
                     f"gate kept {method} | check=True rejected |")
        lines.append("|---|---|---|---|---|---|---|")
        n_folds = t.groupby("dataset")["fold"].nunique().max()
        for name, r in agg.iterrows():
            lines.append(f"| {name} | {int(r['minority'])} | {r['deep']:.3f} | {r['smote']:.3f} | {r['gate']:.3f} | "
                         f"{int(r['kept'])}/{n_folds} | {int(r['rejected'])}/{n_folds} |")
        lines.append("")
    return "\n".join(lines)


def qualifying(min_minority: int) -> list[str]:
    """KEEL sets whose smallest class has at least ``min_minority`` rows, counted in the file.

    (The manifest's ``minority`` field is not used: for ecoli-0_vs_1 it holds the larger
    class, 143 rows, where the file's minority has 77.)
    """
    manifest = json.loads((KEEL / "manifest.json").read_text())
    names = []
    for d in manifest:
        if d["minority"] >= min_minority or d["rows"] - d["minority"] >= min_minority:
            counts = pd.read_csv(KEEL / f"{d['name']}.csv", usecols=["Class"])["Class"].value_counts()
            if counts.min() >= min_minority:
                names.append(d["name"])
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="ctgan,tvae", help="deep methods, comma-separated; default ctgan,tvae")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-minority", type=int, default=None,
                        help="smallest minority class; default: 50 rows left in a training fold after the gate "
                             "holds out 30 %% (90 with 5 folds)")
    parser.add_argument("--datasets", default=None, help="comma-separated names (default: all that qualify)")
    parser.add_argument("--out", default=None, help="JSON file for every fold's numbers")
    parser.add_argument("--from-json", default=None, help="only summarise a saved JSON file")
    args = parser.parse_args()
    if args.min_minority is None:
        args.min_minority = int(np.ceil(50 / (0.7 * (1 - 1 / args.folds))))
    names = qualifying(args.min_minority)
    if args.datasets:
        names = [n for n in names if n in args.datasets.split(",")]
    if args.from_json:
        rows = [r for r in json.loads(Path(args.from_json).read_text())["rows"] if r["dataset"] in names]
        print(f"datasets ({len({r['dataset'] for r in rows})}): {', '.join(dict.fromkeys(r['dataset'] for r in rows))}")
        print(summarise(rows))
        return
    methods = args.methods.split(",")
    print(f"machine: {platform.machine()}, python {platform.python_version()}; datasets ({len(names)}): {', '.join(names)}")
    rows = []
    started = time.perf_counter()
    warnings.filterwarnings("ignore")
    with threadpool_limits(1):
        for name in names:
            t0 = time.perf_counter()
            rows.extend(run_dataset(name, methods, args.folds, args.seed))
            print(f"  {name}: {time.perf_counter() - t0:.0f} s", flush=True)
            if args.out:
                Path(args.out).parent.mkdir(parents=True, exist_ok=True)
                Path(args.out).write_text(json.dumps({"args": vars(args), "rows": rows}, indent=1))
    print(f"total {time.perf_counter() - started:.0f} s")
    print(summarise(rows))
    print("reproduce: nice python benchmarks/bench_vs_smote_gate.py --methods " + ",".join(methods)
          + f" --folds {args.folds} --seed {args.seed} --min-minority {args.min_minority}")


if __name__ == "__main__":
    main()
