"""``gensample sample`` on Parquet inputs: streamed (``--backend pandas``) or on Dask (``--backend dask``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

_PARQUET = (".parquet", ".pq")


def add_arguments(parser) -> None:
    """The out-of-core options of ``gensample sample``."""
    parser.add_argument("--backend", default="pandas", choices=["pandas", "dask"],
                        help="pandas: Parquet inputs (file or folder) stream in batches on this machine; "
                             "dask: read with dask.dataframe and run on a Dask cluster")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="with --backend dask: the scheduler to use (default: a local cluster)")
    parser.add_argument("--batch-rows", type=int, default=None, help="rows per batch when streaming (default 131072)")
    parser.add_argument("--majority-sample", type=int, default=None,
                        help="rows of the other classes sampled for methods that need a sample (see README, Scale)")
    parser.add_argument("--progress", dest="progress", action="store_true", default=None,
                        help="show progress on stderr (default: when stderr is a terminal)")
    parser.add_argument("--no-progress", dest="progress", action="store_false")


def applies(args) -> bool:
    """True when the input takes the out-of-core path."""
    path = Path(args.input)
    return getattr(args, "backend", "pandas") == "dask" or path.is_dir() or path.name.lower().endswith(_PARQUET)


def cmd_sample(args) -> int:
    from ..cli import parse_params, parse_strategy
    from ..io import export
    from ..sampling import sample_minority
    from .export import new_row_count

    params = parse_params(args.param)
    categorical = [c.strip() for c in args.categorical.split(",")] if args.categorical else None
    # LABEL:COUNT labels are text on the command line: match them to the target's own values
    # (an integer target's 1, not "1") as the in-memory command does, reading only that column.
    labels = _target_labels(args) if ":" in args.strategy else None
    strategy = parse_strategy(args.strategy, labels)
    options = dict(method=args.method, sampling_strategy=strategy, random_state=args.seed, categorical=categorical,
                   fallback=not args.no_fallback, check=args.check, gate=None if args.gate == "none" else args.gate,
                   majority_sample=args.majority_sample, progress=args.progress, **params)
    if args.backend == "dask":
        result, path = _on_dask(args, options)
    else:
        result = sample_minority(os.fspath(args.input), args.target, batch_rows=args.batch_rows, **options)
        path = export(result, args.out, flag_synthetic=args.flag_synthetic, overwrite=args.force)
    print(result.summary())
    print(f"wrote {path} ({result.n_original:,} original + {new_row_count(result):,} synthetic rows; "
          f"{result.scale['backend']}, {result.scale['rows_held']:,} rows held in memory)")
    print(f"provenance: {path}.provenance.json")
    return 0


def _target_labels(args):
    """The target's distinct values, streamed from the Parquet input (None if the column is not there).

    A missing target column is left to ``sample_minority``, which names it and lists the columns.
    """
    from .source import Source

    source = Source(os.fspath(args.input))
    if args.target not in source.names:
        return None
    return source.distinct_labels(args.target)


def _on_dask(args, options):
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from ..io import export
    from ..sampling import sample_minority
    from .source import parquet_files

    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
        client = Client(cluster)
    try:
        print(f"dask: {client.scheduler.address}", file=sys.stderr)
        path = Path(args.input)
        # A folder: its Parquet files only, as the streamed path reads it (source.parquet_files).
        ddf = dd.read_parquet(parquet_files(path) if path.is_dir() else os.fspath(path))
        result = sample_minority(ddf, args.target, **options)
        path = export(result, args.out, flag_synthetic=args.flag_synthetic, overwrite=args.force)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return result, path
