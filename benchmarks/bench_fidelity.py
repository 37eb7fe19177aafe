"""Time ``gensample.fidelity.evaluate`` on large tables: 10k, 100k and 1M rows a side, 30 columns.

Data: 24 numeric columns (three latent factors plus noise; every fourth column log-normal,
every sixth column 10 % missing) and 6 categorical columns (3 to 8 levels). Real and synthetic
rows are drawn from that same distribution with different seeds (a healthy generator), so
the report should pass. The target (issue 4): the full report for 100,000 real vs 100,000
synthetic rows with 30 columns in at most 10 s on 2 cores.

Run (pin to two cores to measure what the target means)::

    taskset -c 0,1 python benchmarks/bench_fidelity.py              # 10k, 100k, 1M
    taskset -c 0,1 python benchmarks/bench_fidelity.py --rows 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

import numpy as np
import pandas as pd


def table(n: int, seed: int, n_num: int = 24, n_cat: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    weights = np.random.default_rng(0).normal(size=(n_num, 3))  # same structure for both sides
    z = rng.normal(size=(n, 3))
    cols = {}
    for j in range(n_num):
        v = z @ weights[j] + rng.normal(size=n)
        if j % 4 == 0:
            v = np.exp(v / 2)
        if j % 6 == 1:
            v = np.where(rng.random(n) < 0.1, np.nan, v)
        cols[f"num{j}"] = v
    for j in range(n_cat):
        levels = np.array(list("abcdefgh"[: 3 + j]))
        cols[f"cat{j}"] = pd.Categorical(levels[rng.integers(0, 3 + j, n)], categories=levels)
    return pd.DataFrame(cols)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000, 1_000_000],
                        help="rows per side (real and synthetic); default 10000 100000 1000000")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per size (the best is reported)")
    args = parser.parse_args()

    from gensample.fidelity import evaluate

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {platform.processor() or platform.machine()}, {cores} core(s) available to this process, "
          f"python {platform.python_version()}")
    print("data: 24 numeric (latent factors, log-normal, 10 % missing) + 6 categorical columns; "
          "real and synthetic drawn from one distribution")
    print(f"{'rows/side':>10}  {'seconds':>8}  {'passed':>6}  sizes used (real, synthetic)")
    evaluate(table(2000, 1), table(2000, 2))  # warm imports and BLAS once
    for n in args.rows:
        real, syn = table(n, 1), table(n, 2)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = evaluate(real, syn, random_state=0)
            times.append(time.perf_counter() - started)
        s = report.sizes
        print(f"{n:>10}  {min(times):>8.2f}  {str(report.passed):>6}  detection {s['detection']}, mmd {s['mmd']}, "
              f"prdc {s['prdc']}, pairs {s['pairs']}, dcr queries {s['dcr_queries']} vs {s['dcr_reference']} real, "
              f"columns: all cells (Wasserstein <= {s['columns']['wasserstein_max_values']} a side)")
        del real, syn
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB")
    print("reproduce: taskset -c 0,1 python benchmarks/bench_fidelity.py --rows " + " ".join(map(str, args.rows)))


if __name__ == "__main__":
    main()
