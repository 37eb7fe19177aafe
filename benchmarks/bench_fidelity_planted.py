"""How often the fidelity verdict flags planted generators, over many seeds.

Real rows: a mixture of five Gaussian modes in four dimensions plus a categorical and an
integer column (the frame of ``tests/test_fidelity.py``). Planted generators:

* ``healthy``: fresh rows of the same mixture;
* ``collapse1`` / ``collapse4``: rows from 1 / 4 of the 5 modes only;
* ``memorise``: real rows again plus noise of 0.001 sd;
* ``shift``: fresh rows with column ``x1`` shifted by one standard deviation;
* ``blur``: fresh rows with the modes 1.6 times wider;
* ``smote``: SMOTE interpolation between real rows and their 5 nearest neighbours.

For each: share of seeds that pass, are flagged as mode collapse, as copies, and whose
failed columns include ``x1``; mean coverage, precision, detection AUC and DCR ratio.

Run::

    python benchmarks/bench_fidelity_planted.py --real 100 --synthetic 100 --seeds 40
    python benchmarks/bench_fidelity_planted.py --real 30 --synthetic 300 --seeds 40
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

CENTRES = np.random.default_rng(123).normal(0, 4, (5, 4))
CASES = ("healthy", "collapse1", "collapse4", "memorise", "shift", "blur", "smote")


def mixture(n, rng, modes=None, scale=1.0):
    lab = rng.integers(0, 5, n) if modes is None else rng.choice(modes, n)
    df = pd.DataFrame(CENTRES[lab] + rng.normal(0, scale, (n, 4)), columns=[f"x{i}" for i in range(4)])
    df["c"] = np.where(rng.random(n) < 0.3 + 0.1 * (lab % 3), "a", np.where(rng.random(n) < 0.5, "b", "c"))
    df["k"] = rng.integers(0, 5, n) + lab
    return df


def smote(real, m, rng, k=5):
    X = real[["x0", "x1", "x2", "x3", "k"]].to_numpy(float)
    _, idx = NearestNeighbors(n_neighbors=min(k + 1, len(X))).fit(X).kneighbors(X)
    base = rng.integers(0, len(X), m)
    other = idx[base, rng.integers(1, idx.shape[1], m)]
    gap = rng.random((m, 1))
    out = pd.DataFrame(X[base] + gap * (X[other] - X[base]), columns=["x0", "x1", "x2", "x3", "k"])
    out["k"] = np.rint(out["k"]).astype(int)
    out["c"] = real["c"].to_numpy()[np.where(gap[:, 0] < 0.5, base, other)]
    return out[real.columns]


def planted(case, real, m, rng):
    if case == "healthy":
        return mixture(m, rng)
    if case == "collapse1":
        return mixture(m, rng, modes=[0])
    if case == "collapse4":
        return mixture(m, rng, modes=[0, 1, 2, 3])
    if case == "memorise":
        out = real.sample(m, replace=m > len(real), random_state=int(rng.integers(2**31 - 1))).reset_index(drop=True)
        num = ["x0", "x1", "x2", "x3"]
        out[num] = out[num] + rng.normal(0, 1e-3, (m, 4)) * real[num].std().to_numpy()
        return out
    if case == "shift":
        out = mixture(m, rng)
        out["x1"] += real["x1"].std()
        return out
    if case == "blur":
        return mixture(m, rng, scale=1.6)
    return smote(real, m, rng)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=int, default=100)
    parser.add_argument("--synthetic", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    from gensample.fidelity import evaluate

    warnings.filterwarnings("ignore")
    print(f"{args.real} real rows vs {args.synthetic} synthetic rows, {args.seeds} seeds; 5-mode mixture, 6 columns")
    print("| case | passed | mode collapse | copies | x1 named | coverage | precision | detection AUC | DCR ratio | s/report |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for case in args.cases.split(","):
        flags = np.zeros(4)
        values = []
        started = time.perf_counter()
        for seed in range(args.seeds):
            rng = np.random.default_rng(1000 + seed)
            real = mixture(args.real, rng)
            report = evaluate(real, planted(case, real, args.synthetic, rng), random_state=seed)
            flags += [report.passed, report.mode_collapse, report.copies_detected, "x1" in report.failed_columns]
            p = report.diversity["prdc"]
            values.append([p["coverage"], p["precision"], report.detection["auc"], report.copies["dcr"]["dcr_ratio"]])
        v = np.nanmean(np.array(values, dtype=float), axis=0)
        shares = " | ".join(f"{int(f)}/{args.seeds}" for f in flags)
        print(f"| {case} | {shares} | {v[0]:.2f} | {v[1]:.2f} | {v[2]:.3f} | {v[3]:.2f} | "
              f"{(time.perf_counter() - started) / args.seeds:.2f} |")
    print(f"reproduce: python benchmarks/bench_fidelity_planted.py --real {args.real} --synthetic {args.synthetic} "
          f"--seeds {args.seeds} --cases {args.cases}")


if __name__ == "__main__":
    main()
