"""Time and peak memory of gensample's SMOTE against imbalanced-learn, in the same run.

Cases (issue 2):
  numeric-100k  100,000 rows x 30 numeric features, 1 % minority   vs imblearn SMOTE
  numeric-1M    1,000,000 rows x 30 numeric features, 1 % minority vs imblearn SMOTE
  mixed-1M      1,000,000 rows x (20 numeric + 10 categorical), 1 % minority vs imblearn SMOTENC

Every measurement runs in a fresh process: the data are made there (same seed for both
libraries), the peak-RSS counter is reset (/proc/self/clear_refs), then the sampler runs; the
added peak is VmHWM minus the RSS before the call. Runs alternate between the libraries and the
median is reported. imbalanced-learn gets NumPy arrays (its fastest input); gensample gets the
DataFrame a user has. gensample's ``augmented`` table is built lazily: the "gensample+augmented"
row also builds it, for a like-for-like comparison with imbalanced-learn's stacked output.

Usage:
    python benchmarks/bench_smote.py                   # all cases, 3 runs each (SMOTENC: 1)
    python benchmarks/bench_smote.py --cases numeric-100k --runs 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

CASES = {
    "numeric-100k": (100_000, 30, 0),
    "numeric-1M": (1_000_000, 30, 0),
    "mixed-1M": (1_000_000, 20, 10),
}


def make_data(n: int, n_num: int, n_cat: int):
    import numpy as np
    import pandas as pd
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n, n_features=n_num + n_cat, n_informative=10, weights=[0.99], random_state=0
    )
    frame = pd.DataFrame(X[:, :n_num], columns=[f"num{i}" for i in range(n_num)])
    for j in range(n_cat):  # bin a column into 5 text categories
        col = X[:, n_num + j]
        codes = np.digitize(col, np.quantile(col, [0.2, 0.4, 0.6, 0.8]))
        frame[f"cat{j}"] = np.array(["a", "b", "c", "d", "e"], dtype=object)[codes]
    frame["y"] = y
    return frame


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    raise RuntimeError(field)


def worker(lib: str, case: str) -> dict:
    import numpy as np

    n, n_num, n_cat = CASES[case]
    frame = make_data(n, n_num, n_cat)
    if lib.startswith("imblearn"):
        from imblearn.over_sampling import SMOTE, SMOTENC

        X = frame.drop(columns="y")
        y = frame["y"].to_numpy()
        X = X.to_numpy() if n_cat == 0 else X
        sampler = SMOTE(random_state=0) if n_cat == 0 else SMOTENC(
            categorical_features=[f"cat{j}" for j in range(n_cat)], random_state=0
        )
        run = lambda: sampler.fit_resample(X, y)  # noqa: E731
    else:
        import gensample
        import gensample.generators.smote  # noqa: F401 - imports outside the timing, as for imblearn
        import gensample.sampling  # noqa: F401
        import imblearn.utils  # noqa: F401

        def run():
            result = gensample.sample_minority(frame, "y", method="smote", random_state=0)
            if lib == "gensample+augmented":
                result.augmented  # noqa: B018 - builds the joined table
            return result

    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak RSS counter
    before = _rss_kib("VmRSS:")
    start = time.perf_counter()
    out = run()
    seconds = time.perf_counter() - start
    peak = _rss_kib("VmHWM:")
    del out, np
    return {"seconds": seconds, "peak_added_mib": (peak - before) / 1024, "input_mib": frame.memory_usage(deep=True).sum() / 2**20}


def measure(lib: str, case: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", lib, case], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{lib} {case} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return 0
    rows = []
    for case in args.cases.split(","):
        peer = "imblearn-SMOTE" if CASES[case][2] == 0 else "imblearn-SMOTENC"
        runs = 1 if case == "mixed-1M" else args.runs  # SMOTENC takes minutes per run
        results: dict[str, list] = {"gensample": [], "gensample+augmented": [], peer: []}
        for i in range(runs):
            order = ["gensample", "gensample+augmented", peer] if i % 2 == 0 else [peer, "gensample+augmented", "gensample"]
            for lib in order:
                results[lib].append(measure(lib, case))
                print(f"  {case} run {i + 1}: {lib} {results[lib][-1]['seconds']:.2f} s, "
                      f"+{results[lib][-1]['peak_added_mib']:.0f} MiB", file=sys.stderr)
        ref_t = statistics.median(r["seconds"] for r in results[peer])
        ref_m = statistics.median(r["peak_added_mib"] for r in results[peer])
        for lib, rs in results.items():
            t = statistics.median(r["seconds"] for r in rs)
            m = statistics.median(r["peak_added_mib"] for r in rs)
            rows.append((case, lib, len(rs), t, m, t / ref_t, m / ref_m, rs[0]["input_mib"]))
    print("| case | library | runs | median s | peak added MiB | time ratio | memory ratio | input MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for case, lib, runs, t, m, tr, mr, inp in rows:
        print(f"| {case} | {lib} | {runs} | {t:.2f} | {m:.0f} | {tr:.2f}x | {mr:.2f}x | {inp:.0f} |")
    print(f"\ncommand: python benchmarks/bench_smote.py --cases {args.cases} --runs {args.runs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
