"""Run the ten SMOTE-family methods on every KEEL dataset and check gensample's guarantees.

For each CSV in the KEEL folder and each method, ``sample_minority(df, "Class", method=m,
random_state=0)`` is called and the result checked:

* dtypes: ``synthetic`` and ``augmented`` have exactly the input's dtypes;
* categories: every text/categorical value in a new row was observed in that column;
* integers: integer columns hold whole numbers inside the observed range;
* originals: the head of ``augmented`` equals the input less ``removed_index``, cell for cell;
* counts: ``counts``, ``per_class``, ``synthetic`` and ``augmented`` agree, and methods that do
  not clean make exactly the planned rows.

It prints one line per failure, then a table per method: datasets run, failures, total and
slowest time, and the fallbacks and in-method decisions (SMOTE instead, lowered k, k-means
retries, cleaning) that were warned.

Reproduce (about a minute on two cores)::

    python benchmarks/bench_keel_family.py /work/shared/datasets/keel
    python benchmarks/bench_keel_family.py /work/shared/datasets/keel --methods adasyn prowsyn
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import traceback
import warnings
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

import gensample

METHODS = [
    "random", "smote", "borderline-smote", "adasyn", "svm-smote", "kmeans-smote",
    "smote-enn", "smote-tomek", "polynom-fit-smote", "prowsyn",
]
CLEANING = {"smote-enn", "smote-tomek"}

# Warning texts -> a short name for the summary.
DECISIONS = [
    ("SMOTE instead", re.compile(r"made with plain SMOTE")),
    ("k lowered", re.compile(r"was lowered from")),
    ("k-means retry", re.compile(r"k-means found no cluster with enough rows")),
    ("cleaned originals", re.compile(r"cleaning removed [1-9]")),
    ("policy fallback", re.compile(r"used '(smote|random)' instead")),
]


def check(data: pd.DataFrame, result, method: str) -> list[str]:
    """Every guarantee that does not hold, in words (empty when all hold)."""
    problems = []
    syn, aug = result.synthetic, result.augmented
    for frame, what in ((syn, "synthetic"), (aug, "augmented")):
        if list(frame.columns) != list(data.columns):
            problems.append(f"{what} columns differ")
        bad = [c for c in data.columns if frame[c].dtype != data[c].dtype]
        if bad:
            problems.append(f"{what} dtypes differ in {bad[:3]}")
    for name in data.columns:
        if name not in syn.columns:
            continue
        col, seen = syn[name].dropna(), data[name].dropna()
        if pd.api.types.is_integer_dtype(data[name].dtype) and len(col):
            v = col.to_numpy(dtype=np.float64)
            if not np.all(v == np.round(v)) or v.min() < seen.min() or v.max() > seen.max():
                problems.append(f"integer column {name!r} not whole or out of range")
        elif not pd.api.types.is_numeric_dtype(data[name].dtype) and not pd.api.types.is_bool_dtype(data[name].dtype):
            new = set(col.astype(object)) - set(seen.astype(object))
            if new:
                problems.append(f"column {name!r} has unobserved values {sorted(map(str, new))[:3]}")
        elif pd.api.types.is_float_dtype(data[name].dtype) and len(col) and not np.isfinite(col.to_numpy(float)).all():
            problems.append(f"column {name!r} has non-finite values")
    removed = list(result.removed_index)
    if removed and method not in CLEANING:
        problems.append(f"{len(removed)} rows removed by a method that does not clean")
    kept = data.drop(index=removed) if removed else data
    head = aug.iloc[: len(kept)].reset_index(drop=True)
    try:
        pd.testing.assert_frame_equal(head, kept.reset_index(drop=True), check_exact=True)
    except AssertionError as exc:
        problems.append(f"original rows changed: {str(exc).splitlines()[0]}")
    majority = max(c["before"] for c in result.counts.values())
    gone = data.loc[removed, "Class"].value_counts().to_dict() if removed else {}
    made = syn["Class"].value_counts().to_dict()
    for label, c in result.counts.items():
        if made.get(label, 0) != c["generated"]:
            problems.append(f"class {label!r}: counts say {c['generated']} generated, synthetic has {made.get(label, 0)}")
        if c["after"] != c["before"] - gone.get(label, 0) + c["generated"] or (aug["Class"] == label).sum() != c["after"]:
            problems.append(f"class {label!r}: after-count inconsistent")
        if method not in CLEANING and c["generated"] != majority - c["before"]:
            problems.append(f"class {label!r}: {c['generated']} generated, {majority - c['before']} planned")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder of KEEL CSV files (target column 'Class')")
    parser.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    args = parser.parse_args(argv)
    files = sorted(args.folder.glob("*.csv"))
    if not files:
        print(f"no CSV files in {args.folder}", file=sys.stderr)
        return 2
    print(f"gensample {gensample.__version__}; {len(files)} datasets in {args.folder}; random_state=0")
    print(f"command: python {' '.join(sys.argv)}\n")
    stats = {m: {"runs": 0, "failures": 0, "seconds": 0.0, "slowest": (0.0, ""), "decisions": Counter()} for m in args.methods}
    failures = defaultdict(list)
    tables = [(path.stem, pd.read_csv(path)) for path in files]
    for method in args.methods:
        for name, data in tables:
            started = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = gensample.sample_minority(data, "Class", method=method, random_state=0)
                problems = check(data, result, method)
            except Exception as exc:  # a crash is a failure to report, not a reason to stop
                result = None
                problems = [f"raised {type(exc).__name__}: {exc}"]
                traceback.print_exc(limit=3)
            seconds = time.perf_counter() - started
            s = stats[method]
            s["runs"] += 1
            s["seconds"] += seconds
            if seconds > s["slowest"][0]:
                s["slowest"] = (seconds, name)
            if problems:
                s["failures"] += 1
                failures[method].append((name, problems))
                print(f"FAIL {method:18s} {name}: {'; '.join(problems)}")
            if result is not None:
                for decision, pattern in DECISIONS:
                    if any(pattern.search(w) for w in result.warnings):
                        s["decisions"][decision] += 1
    print()
    header = f"{'method':18s} {'datasets':>8s} {'failures':>8s} {'total s':>8s} {'slowest s':>9s}  slowest dataset / decisions warned (datasets)"
    print(header)
    print("-" * len(header))
    for method, s in stats.items():
        decisions = ", ".join(f"{k} {v}" for k, v in s["decisions"].items()) or "none"
        print(f"{method:18s} {s['runs']:8d} {s['failures']:8d} {s['seconds']:8.1f} {s['slowest'][0]:9.2f}  "
              f"{s['slowest'][1]} / {decisions}")
    total_fail = sum(s["failures"] for s in stats.values())
    print(f"\n{total_fail} failing runs of {sum(s['runs'] for s in stats.values())}")
    return 1 if total_fail else 0


if __name__ == "__main__":
    sys.exit(main())
