"""Argument checks that several public functions share, each ending in a clear error.

The public functions (``sample_minority``, ``read_table``, ``export``, ``fidelity.evaluate``,
``compare``) validate here before any pandas, numpy or pathlib call can raise its own
``TypeError`` from deep inside; every message names the parameter and says what to do.

:func:`check_size` is the size guard of ``sample`` and ``generate``: the rows asked for
are checked against the memory (and, for a file, the disk) they would need, estimated from
the table's schema, before anything is allocated.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Hashable
from pathlib import Path

from .errors import InputError, ParameterError, SizeError

__all__ = ["check_bool", "check_categorical", "check_frame", "check_path", "check_size", "check_target", "estimate_row_bytes"]


def check_path(path, name: str = "path") -> Path:
    """``path`` as a :class:`~pathlib.Path`; ParameterError for anything but str / PathLike.

    Bytes are refused rather than decoded: the file system's encoding is a guess, and a
    wrong guess would read or write another file than the one meant.
    """
    if isinstance(path, (bytes, bytearray)):
        raise ParameterError(
            f"{name} must be a str or pathlib.Path, got bytes {bytes(path)!r}; "
            f"decode it first, e.g. {name}={bytes(path).decode(errors='replace')!r}"
        )
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterError(
            f"{name} must be a str or pathlib.Path naming a file, got {type(path).__name__} {path!r}"
        )
    text = os.fspath(path)
    if not isinstance(text, str):  # a PathLike returning bytes
        raise ParameterError(f"{name} must be a str or pathlib.Path, got a path of bytes {text!r}; decode it first")
    if not text.strip():
        raise ParameterError(f"{name} is empty; give the path of a .csv or .parquet file")
    return Path(text)


def check_target(target, name: str = "target") -> None:
    """ParameterError unless ``target`` is one hashable column label (not a list of labels)."""
    if isinstance(target, (list, set, dict)) or not isinstance(target, Hashable):
        hint = f"; pass {name}={next(iter(target))!r}" if isinstance(target, (list, set)) and len(target) == 1 else ""
        raise ParameterError(
            f"{name} must be one column label (e.g. a str), got {type(target).__name__} {target!r}{hint}"
        )


def check_categorical(categorical, name: str = "categorical") -> None:
    """ParameterError unless ``categorical`` is None, one label or a list of labels."""
    from collections.abc import Iterable

    if categorical is None or isinstance(categorical, str):
        return
    if isinstance(categorical, (bytes, bytearray)) or not isinstance(categorical, Iterable):
        raise ParameterError(
            f"{name} must be a list of column labels, got {type(categorical).__name__} {categorical!r}; "
            f"e.g. {name}=[{categorical!r}]"
        )
    for label in categorical:
        check_target(label, f"each entry of {name}")


def check_bool(value, name: str) -> None:
    """ParameterError unless ``value`` is True or False (numpy's bool included)."""
    import numpy as np

    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name} must be True or False, got {value!r}")


def check_frame(data, name: str = "data") -> None:
    """InputError unless ``data`` is a pandas DataFrame; says what to do with a Dask frame."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return
    module = type(data).__module__ or ""
    if module.startswith("dask"):
        raise InputError(
            f"{name} is a Dask {type(data).__name__}, which this function does not take; call {name}.compute() "
            "for a pandas DataFrame that fits in memory, or use gensample.sample_minority / "
            "`gensample sample --backend dask`, which run on Dask (see README, Scale)"
        )
    raise InputError(
        f"{name} must be a pandas DataFrame, got {type(data).__name__}; "
        "wrap arrays with pandas.DataFrame(X, columns=...)"
    )


# ====================================================================== size guard
#: Bytes of working memory per cell of a generated row, beyond the cell itself: the
#: encoded float block the method fills, the decoded frame, and the joined ``augmented``
#: table (measured peaks of SMOTE runs were 3-4 copies of the output's cells).
WORK_COPIES = 4
#: Characters per cell of a CSV written by pandas (a float prints as up to 19 characters,
#: plus the separator); text cells count their observed mean length instead.
CSV_CELL_BYTES = 20


def estimate_row_bytes(schema) -> tuple[int, int]:
    """``(memory, csv)``: estimated bytes one generated row takes in memory and in a CSV.

    Parameters
    ----------
    schema : TableSchema
        The table's schema; each column counts 8 bytes in memory (a float, an integer, a
        code or an object pointer), text categories the mean length of their categories
        besides, and the target column one more cell.
    """
    memory = csv = 0
    for spec in list(schema.columns) + [schema.target]:
        cats = list(getattr(spec, "categories", None) or getattr(spec, "labels", None) or [])[:1000]
        text = [len(str(c)) for c in cats if isinstance(c, str)]
        mean_text = sum(text) // len(text) + 1 if text else 0
        # a Python str costs ~49 bytes plus its characters; categories share theirs, but
        # object columns (and the joined frame) hold one pointer per cell at least
        memory += 8 + (49 + mean_text if text else 0)
        csv += max(CSV_CELL_BYTES, mean_text + 1)
    return memory * WORK_COPIES, csv


def _available_memory() -> int:
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # noqa: BLE001  psutil missing or unsupported: trust the page count
        try:
            return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return 1 << 62


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} EiB"  # pragma: no cover


def check_dense_matrix(n_rows: int, n_cols: int, *, what: str, shrink: str, memory: int | None = None) -> None:
    """SizeError when a dense float64 ``n_rows x n_cols`` matrix would take over half the free memory.

    For the SMOTE-family methods that embed every row of the table in SMOTE-NC's one-hot space
    (``generators._family``): with wide categorical columns that matrix, not the table, is what
    runs out of memory, and a ``MemoryError`` from inside numpy would not say why.
    """
    need = int(n_rows) * int(n_cols) * 8
    have = _available_memory() if memory is None else int(memory)
    if need > have // 2:
        raise SizeError(
            f"{what} needs a {int(n_rows):,} x {int(n_cols):,} matrix: about {_human(need)} of memory, more than half "
            f"the {_human(have)} available; {shrink}"
        )


def check_size(schema, n_rows: int, *, what: str, out: str | os.PathLike | None = None,
               shrink: str = "ask for fewer rows", memory: int | None = None, disk: int | None = None) -> None:
    """SizeError when ``n_rows`` new rows would not fit in memory (or on the disk of ``out``).

    Parameters
    ----------
    schema : TableSchema
        The table's schema, for the bytes per row.
    n_rows : int
        Rows about to be generated.
    what : str
        The parameter that asked for them, for the message (``"sampling_strategy"``, ``"--n"``).
    out : path, optional
        The file the rows will be written to; its folder's free space is checked too.
    shrink : str
        What the user can do instead, appended to the message.
    memory, disk : int, optional
        Bytes available (default: measured now); tests pass them to stay independent of
        the machine.
    """
    n_rows = int(n_rows)
    if n_rows <= 0:
        return
    per_row, csv_row = estimate_row_bytes(schema)
    need = n_rows * per_row
    have = _available_memory() if memory is None else int(memory)
    if need > have:
        raise SizeError(
            f"{what} asks for {n_rows:,} new rows: about {_human(need)} of memory at ~{per_row} bytes per row "
            f"({len(schema.columns) + 1} columns), more than the {_human(have)} available; {shrink}"
        )
    if out is not None:
        folder = Path(out).parent if str(Path(out).parent) else Path(".")
        try:
            free = shutil.disk_usage(folder).free if disk is None else int(disk)
        except OSError:
            return  # the write itself reports a folder that cannot be used
        need_disk = n_rows * csv_row
        if need_disk > free:
            raise SizeError(
                f"{what} asks for {n_rows:,} new rows: about {_human(need_disk)} on disk at ~{csv_row} bytes per row, "
                f"more than the {_human(free)} free in {str(folder)!r}; {shrink}"
            )
