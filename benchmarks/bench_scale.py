"""Out-of-core SMOTE against a plain pyarrow copy of the same Parquet file (issue 13).

Writes seeded synthetic tables (1 % minority; numeric, or mixed with 10 text columns) under
--dir, then for each: (1) a plain pyarrow read-and-write copy, (2) ``gensample sample``
streaming SMOTE, (3) optionally the same through Dask on a local cluster of 2 workers. Each
runs in its own process; peak RSS is polled with psutil every 20 ms. Prints a Markdown table.

    nice -n 10 python benchmarks/bench_scale.py --rows 1000000 --cols 30 --kinds numeric,mixed
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

COPY = """
import sys, pyarrow.parquet as pq
src, dst = sys.argv[1], sys.argv[2]
f = pq.ParquetFile(src)
with pq.ParquetWriter(dst, f.schema_arrow) as w:
    for b in f.iter_batches(batch_size=131072):
        w.write_batch(b)
"""


def write_table(path: Path, rows: int, cols: int, kind: str, seed: int = 0) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_text = 10 if kind == "mixed" else 0
    schema = None
    writer = None
    step = 1_000_000
    words = np.array([f"w{i:03d}" for i in range(200)])
    for start in range(0, rows, step):
        n = min(step, rows - start)
        cols_ = {f"x{j}": rng.normal(size=n) for j in range(cols - 1 - n_text)}
        for j in range(n_text):
            cols_[f"s{j}"] = pa.array(words[rng.integers(0, 200, n)])
        cols_["y"] = (rng.random(n) < 0.01).astype(np.int64)
        table = pa.table(cols_)
        if writer is None:
            schema = table.schema
            writer = pq.ParquetWriter(path, schema)
        writer.write_table(table, row_group_size=131072)
    writer.close()


def measured(cmd: list[str]) -> tuple[float, int]:
    import psutil

    start = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True)))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.02)
    if proc.returncode:
        raise RuntimeError(proc.stderr.read().decode()[-2000:])
    return time.perf_counter() - start, peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cols", type=int, default=30)
    ap.add_argument("--kinds", default="numeric,mixed")
    ap.add_argument("--dask", action="store_true", help="also run --backend dask (local cluster, 2 workers)")
    ap.add_argument("--dir", default="benchmarks/out/scale")
    args = ap.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    print("| table | rows x cols | plain copy s / peak MiB | gensample smote s / peak MiB | time ratio |")
    print("|---|---|---|---|---|")
    for kind in args.kinds.split(","):
        src = folder / f"{kind}-{args.rows}x{args.cols}.parquet"
        if not src.exists():
            write_table(src, args.rows, args.cols, kind)
        outs = [folder / "copy.parquet", folder / "aug.parquet", folder / "aug-dask.parquet"]
        for o in outs:
            for p in (o, Path(str(o) + ".provenance.json")):
                if p.is_file():
                    p.unlink()
        t0, m0 = measured([sys.executable, "-c", COPY, str(src), str(outs[0])])
        base = [sys.executable, "-m", "gensample", "sample", str(src), "--target", "y", "--seed", "0", "--force", "--no-progress"]
        t1, m1 = measured(base + ["--out", str(outs[1])])
        print(f"| {kind} | {args.rows:,} x {args.cols} | {t0:.1f} / {m0 / 2**20:,.0f} | {t1:.1f} / {m1 / 2**20:,.0f} | "
              f"{t1 / t0:.2f} |", flush=True)
        if args.dask:
            t2, m2 = measured(base + ["--backend", "dask", "--out", str(outs[2])])
            print(f"| {kind} (dask, 2 workers) | {args.rows:,} x {args.cols} | {t0:.1f} / {m0 / 2**20:,.0f} | "
                  f"{t2:.1f} / {m2 / 2**20:,.0f} | {t2 / t0:.2f} |", flush=True)


if __name__ == "__main__":
    main()
