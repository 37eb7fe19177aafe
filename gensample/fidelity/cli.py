"""``gensample check REAL SYNTHETIC --target COL``: the command-line face of :func:`evaluate`.

:mod:`gensample.cli` calls :func:`add_check_command` to register the command; a
GensampleError raised here becomes one line on stderr and exit code 2 there. The command
itself exits 0 when the rows pass and 1 when they do not, so scripts can gate on it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import ExportError, FileFormatError

EXIT_PASSED = 0
EXIT_FAILED = 1


def add_check_command(subparsers) -> None:
    """Register ``check`` on an ``argparse`` sub-parser collection."""
    p = subparsers.add_parser(
        "check",
        help="check synthetic rows against the real rows of their class (fidelity, mode collapse, copies)",
        description=(
            "Compare synthetic rows with the real rows of the same class: per-column and pairwise distributions, "
            "a classifier two-sample test, diversity (coverage, modes, duplicates) and copying (exact copies, "
            "distance to closest record). SYNTHETIC may be the table `gensample sample` wrote: only its new rows are "
            "checked, and (given the same input and --categorical) the verdict is the one its own check gave. "
            "Exit code 0 when the rows pass, 1 when they do not, 2 on bad input."
        ),
    )
    p.add_argument("real", help="real table (.csv, .tsv, .parquet): the whole table or the class's rows")
    p.add_argument("synthetic", help="synthetic rows (.csv, .tsv, .parquet), with or without the target column")
    p.add_argument("--target", default=None, help="name of the class column (without it, all rows are compared)")
    p.add_argument("--label", default=None,
                   help="class to check; default: the class(es) of the synthetic rows, each checked separately")
    p.add_argument("--categorical", default=None, help="comma-separated columns to treat as categorical")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of subsampling, splits and classifier; default 0, the seed of the check inside "
                        "`gensample sample`, so that both give the same rows the same verdict")
    p.add_argument("--all-rows", action="store_true",
                   help="check every row of SYNTHETIC, even when it is a table `gensample sample` wrote (by default "
                        "only its new rows are checked: those marked is_synthetic, or those after the original rows "
                        "its provenance record counts)")
    p.add_argument("--json", default=None, metavar="OUT.json", help="write the full report as JSON")
    p.add_argument("--force", action="store_true", help="overwrite an existing --json file")
    p.add_argument("--verbose", action="store_true", help="show tracebacks of errors")
    p.set_defaults(handler=run_check)


def _read(path: str):
    try:
        from ..io import read_table
    except ImportError:  # pragma: no cover - io ships with the package; trimmed installs only
        return _read_plain(path)
    return read_table(path)


def _read_plain(path: str):
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise FileFormatError(f"no such file: {path!r}")
    name = p.name.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            return pd.read_parquet(p)
        return pd.read_csv(p, sep="\t" if name.endswith(".tsv") else ",")
    except Exception as exc:
        raise FileFormatError(f"could not read {path!r}: {exc}") from exc


def new_rows(path: str, frame, target=None):
    """The new rows of a table ``gensample sample`` wrote (original rows first), else ``frame``.

    ``gensample sample --out`` writes the augmented table, so checking that file as it is
    compares the class's real rows with themselves too (every original row an "exact copy").
    The new rows are those marked ``is_synthetic`` (``--flag-synthetic``), or else, when a
    provenance record beside the file was written for these very bytes (same SHA-256), the
    rows after the ``original_rows`` it counts. Which rule applied is said on stderr.
    """
    import pandas as pd

    flag = "is_synthetic"
    if flag in frame.columns and flag != target:
        marks = frame[flag]
        if marks.dtype == object:  # read back as text
            marks = marks.map({"True": True, "False": False, True: True, False: False})
        if pd.api.types.is_bool_dtype(marks.dtype) and not marks.isna().any():  # else: a column of the user's
            marks = marks.to_numpy(dtype=bool)
            print(f"checking the {int(marks.sum())} rows of {path!r} marked {flag} (of {len(frame)}; "
                  "--all-rows checks them all)", file=sys.stderr)
            return frame.loc[marks].drop(columns=[flag]).reset_index(drop=True)
    output = _export_record(path, frame)
    if output is not None:
        first = output["original_rows"]
        print(f"checking the {len(frame) - first} new rows of {path!r} (after its {first} original rows, as its "
              "provenance record counts; --all-rows checks them all)", file=sys.stderr)
        return frame.iloc[first:].reset_index(drop=True)
    return frame


def _export_record(path: str, frame) -> dict | None:
    """The ``output`` part of the provenance record beside ``path`` if it describes these bytes, else None."""
    from ..io import provenance_path

    digest = (frame.attrs.get("gensample_source") or {}).get("sha256")
    prov = provenance_path(path)
    if digest is None or not prov.is_file():
        return None
    try:
        record = json.loads(prov.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # read_table has already said what is wrong with it
    output = record.get("output") if isinstance(record, dict) else None
    if not isinstance(output, dict) or output.get("sha256") != digest:
        return None
    first, new = output.get("original_rows"), output.get("synthetic_rows")
    if not (isinstance(first, int) and isinstance(new, int) and first > 0 and new > 0 and first + new == len(frame)):
        return None
    return output


def run_check(args) -> int:
    """Read both tables, evaluate, print the summary, write ``--json``; 0 passed, 1 failed."""
    from .core import evaluate

    if args.json is not None:
        out = Path(args.json)
        if out.exists() and not args.force:
            raise ExportError(f"{str(out)!r} exists; pass --force to overwrite it")
        if out.parent and not out.parent.exists():
            raise ExportError(f"the folder of {str(out)!r} does not exist")
    real = _read(args.real)
    synthetic = _read(args.synthetic)
    if not args.all_rows:
        synthetic = new_rows(args.synthetic, synthetic, args.target)
    categorical = [c.strip() for c in args.categorical.split(",") if c.strip()] if args.categorical else None
    report = evaluate(real, synthetic, target=args.target, label=args.label, categorical=categorical,
                      random_state=args.seed)
    print(report.summary())
    if args.json is not None:
        text = json.dumps(report.to_dict(), indent=2, allow_nan=False)
        try:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise ExportError(f"could not write {args.json!r}: {exc}") from exc
        print(f"report written to {args.json}", file=sys.stderr)
    return EXIT_PASSED if report.passed else EXIT_FAILED
