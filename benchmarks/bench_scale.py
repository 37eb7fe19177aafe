"""Out-of-core SMOTE against a plain pyarrow copy of the same Parquet file (issue 13).

Writes seeded synthetic tables (1 % minority; numeric, or mixed with 10 text columns) under
--dir, then for each: (1) a plain pyarrow read-and-write copy (pyarrow's default writer), and
the same copy with the writer settings gensample's export uses (no dictionary for float
columns, ``gensample.utils.parquet_dictionary_columns``), so a reader sees how much of the
ratio is that setting, (2) ``gensample sample``
streaming SMOTE, (3) optionally the same through Dask on a local cluster of 2 workers. Each
runs in its own process; peak RSS is polled with psutil every 20 ms, CPU seconds (user + system)
are read from the children's rusage, and the passes/generation split from the provenance record.
Prints a Markdown table.

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

# The plain copy with the export's writer setting: floats without a dictionary (the rule of
# gensample.utils.parquet_dictionary_columns, written out so the copy does not import gensample).
COPY_PLAIN_FLOATS = """
import sys, pyarrow as pa, pyarrow.parquet as pq
src, dst = sys.argv[1], sys.argv[2]
f = pq.ParquetFile(src)
keep = [x.name for x in f.schema_arrow if not pa.types.is_floating(x.type)]
with pq.ParquetWriter(dst, f.schema_arrow, use_dictionary=keep) as w:
    for b in f.iter_batches(batch_size=131072):
        w.write_batch(b)
"""

# The same job with the table loaded: what the streamed path is measured against besides the copy.
IN_MEMORY = """
import sys, gensample
src, dst = sys.argv[1], sys.argv[2]
result = gensample.sample_minority(gensample.read_table(src), "y", random_state=0)
gensample.export(result, dst, overwrite=True)
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


def measured(cmd: list[str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (bytes, polled) and CPU seconds (user + system) of ``cmd``.

    CPU seconds say more than wall time on a shared machine: they do not count the time the
    process waited for a core.
    """
    import resource

    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True)))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.02)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(proc.stderr.read().decode()[-2000:])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, peak, cpu


def phases(out: Path) -> str:
    """Passes and generation seconds, and new rows, from the run's provenance record.

    The rest of the run's time is the interpreter's start and imports and the export.
    """
    import json

    record = json.loads(Path(str(out) + ".provenance.json").read_text())
    secs = (record.get("scale") or {}).get("seconds")  # absent in memory and in records made before it was added
    split = f"{secs['passes']:.1f} / {secs['generation']:.1f}" if secs else "-"
    rows = (record.get("output") or {}).get("synthetic_rows")
    return f"{split} | {rows:,}" if isinstance(rows, int) else f"{split} | -"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cols", type=int, default=30)
    ap.add_argument("--kinds", default="numeric,mixed")
    ap.add_argument("--dask", action="store_true", help="also run --backend dask (local cluster, 2 workers)")
    ap.add_argument("--dir", default="benchmarks/out/scale")
    ap.add_argument("--in-memory", action="store_true",
                    help="also run the same SMOTE on the loaded table (read_table, sample_minority, export)")
    ap.add_argument("--keep", action="store_true", help="keep the outputs (the input tables are always kept)")
    args = ap.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    print("| table | rows x cols | plain copy s / CPU s / peak MiB | gensample smote s / CPU s / peak MiB "
          "| time ratio / CPU ratio | copy, floats plain: s / CPU s | ratios to it | passes s / generation s | new rows |")
    print("|---|---|---|---|---|---|---|---|---|")
    for kind in args.kinds.split(","):
        src = folder / f"{kind}-{args.rows}x{args.cols}.parquet"
        if not src.exists():
            write_table(src, args.rows, args.cols, kind)
        outs = [folder / "copy.parquet", folder / "aug.parquet", folder / "aug-dask.parquet", folder / "aug-mem.parquet"]
        for o in outs:
            for p in (o, Path(str(o) + ".provenance.json")):
                if p.is_file():
                    p.unlink()
        t0, m0, c0 = measured([sys.executable, "-c", COPY, str(src), str(outs[0])])
        copy = f"{t0:.1f} / {c0:.1f} / {m0 / 2**20:,.0f}"
        outs[0].unlink()
        tp, _, cp = measured([sys.executable, "-c", COPY_PLAIN_FLOATS, str(src), str(outs[0])])
        base = [sys.executable, "-m", "gensample", "sample", str(src), "--target", "y", "--seed", "0", "--force", "--no-progress"]
        runs = [(kind, ["--out", str(outs[1])], outs[1])]
        if args.dask:
            runs.append((f"{kind} (dask, 2 workers)", ["--backend", "dask", "--out", str(outs[2])], outs[2]))
        if args.in_memory:
            runs.append((f"{kind} (in memory)", None, outs[3]))
        for label, extra, out in runs:
            cmd = [sys.executable, "-c", IN_MEMORY, str(src), str(out)] if extra is None else base + extra
            t1, m1, c1 = measured(cmd)
            print(f"| {label} | {args.rows:,} x {args.cols} | {copy} | {t1:.1f} / {c1:.1f} / {m1 / 2**20:,.0f} | "
                  f"{t1 / t0:.2f} / {c1 / c0:.2f} | {tp:.1f} / {cp:.1f} | {t1 / tp:.2f} / {c1 / cp:.2f} | {phases(out)} |",
                  flush=True)
        if not args.keep:
            for o in outs:
                for p in (o, Path(str(o) + ".provenance.json")):
                    if p.is_file():
                        p.unlink()


if __name__ == "__main__":
    main()
