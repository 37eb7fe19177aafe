"""Issue 11: ``auto`` judged by each outer classifier against the stored lr-judged rows and SMOTE.

Reads the rows of a resumable ``bench_compare.py --methods auto --classifiers rf,hgb --jsonl FILE``
run (where ``compare`` judges ``auto`` by each classifier) and the stored issue-11 rows
(``benchmarks/results/i11_*.jsonl.gz``, where ``auto`` was judged by lr for every classifier).
For every classifier and every dataset the judged run has finished (10 folds), it prints how many
folds the judged ``auto`` scored exactly as SMOTE (kept SMOTE's rows) and, per metric, on how
many datasets its mean over folds is better / equal / worse than SMOTE's, beside the same count
for the lr-judged rows. No training: a minute at most.

    python benchmarks/compare_judged_auto.py benchmarks/out/i11_judged.jsonl
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
STORED = (HERE / "results" / "i11_small.jsonl.gz", HERE / "results" / "i11_large.jsonl.gz")
METRICS = ("pr_auc", "mcc", "g_mean")


def _lines(path: Path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _counts(diffs: list) -> str:
    return (f"{sum(x > 1e-12 for x in diffs)}/{sum(abs(x) <= 1e-12 for x in diffs)}/"
            f"{sum(x < -1e-12 for x in diffs)}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("judged", help="--jsonl file of the judged run")
    ap.add_argument("--classifiers", default="rf,hgb")
    args = ap.parse_args(argv)
    stored = collections.defaultdict(dict)
    for p in STORED:
        for r in _lines(p):
            if r["method"] in ("auto", "smote") and r["operating_point"] == "default":
                stored[(r["dataset"], r["classifier"], r["method"])][(r["repeat"], r["fold"])] = r
    judged = collections.defaultdict(dict)
    for r in _lines(Path(args.judged)):
        if r["method"] == "auto" and r["operating_point"] == "default":
            judged[(r["dataset"], r["classifier"])][(r["repeat"], r["fold"])] = r
    for clf in args.classifiers.split(","):
        sets = sorted(d for d, c in judged if c == clf and len(judged[(d, c)]) == 10)
        same = total = 0
        new_d = {m: [] for m in METRICS}
        old_d = {m: [] for m in METRICS}
        for d in sets:
            smote, old, new = stored[(d, clf, "smote")], stored[(d, clf, "auto")], judged[(d, clf)]
            for k in smote:
                total += 1
                same += all(new[k][m] == smote[k][m] or (np.isnan(new[k][m]) and np.isnan(smote[k][m]))
                            for m in METRICS)
            for m in METRICS:
                base = np.nanmean([smote[k][m] for k in smote])
                new_d[m].append(np.nanmean([new[k][m] for k in smote]) - base)
                old_d[m].append(np.nanmean([old[k][m] for k in smote]) - base)
        print(f"{clf}: {len(sets)} datasets; folds where the {clf}-judged auto scored as smote: {same}/{total}")
        for m in METRICS:
            print(f"  {m}: vs smote, datasets better/equal/worse: {clf}-judged {_counts(new_d[m])}, "
                  f"lr-judged {_counts(old_d[m])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
