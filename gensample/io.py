"""Reading tables and exporting augmented training sets, with a provenance record.

``export`` writes atomically: the data goes to a temporary file in the target folder, which
is renamed over ``path`` only when complete, so an interrupted export never leaves a partial
file behind. An existing file is refused unless ``overwrite=True`` (and without it the final
step is a hard link, which fails if another process created ``path`` in the meantime).
Beside the data, ``<path>.provenance.json`` records how it was made, including each column's
dtype, which ``read_table`` uses to read a CSV back with the dtypes it was written with.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .errors import ExportError, FileFormatError, InputError
from .utils import atomic_write, file_sha256, json_scalar, package_versions

CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
PROVENANCE_SUFFIX = ".provenance.json"
# What pandas/pyarrow raise on unreadable files (ArrowInvalid is a ValueError).
_READ_ERRORS = (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, ImportError)
KEY_PACKAGES = (
    "gensample", "numpy", "pandas", "scipy", "scikit-learn", "imbalanced-learn", "pyarrow",
    "torch", "sdv", "ctgan", "rdt", "sdmetrics",
)


def table_format(path: str | os.PathLike) -> str:
    """``"csv"`` or ``"parquet"``, from the file name's suffix; FileFormatError for any other suffix."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    raise FileFormatError(
        f"cannot tell the format of {str(path)!r} from its suffix; use one of "
        + ", ".join(CSV_SUFFIXES + PARQUET_SUFFIXES)
    )


def provenance_path(path: str | os.PathLike) -> Path:
    return Path(str(path) + PROVENANCE_SUFFIX)


# ============================================================================ reading
def read_table(path: str | os.PathLike, *, use_provenance: bool = True, **kwargs) -> pd.DataFrame:
    """Read a CSV (``.csv``, ``.csv.gz``, ``.tsv``) or Parquet (``.parquet``, ``.pq``) file.

    When ``<path>.provenance.json`` (written by :func:`export`) lies beside a CSV, the column
    dtypes it records are restored (nullable integers, booleans, categories, text that looks
    like numbers, datetimes), so an exported CSV reads back as it was written. The path and
    SHA-256 of the file are kept in ``df.attrs["gensample_source"]`` for provenance.

    Extra keyword arguments go to :func:`pandas.read_csv` / :func:`pandas.read_parquet`.
    """
    path = Path(path)
    if not path.exists():
        raise FileFormatError(f"no such file: {str(path)!r}")
    if path.is_dir():
        raise FileFormatError(f"{str(path)!r} is a folder; give the path of a .csv or .parquet file")
    fmt = table_format(path)
    try:
        if fmt == "parquet":
            frame = pd.read_parquet(path, **kwargs)
        else:
            if path.name.lower().endswith(".tsv"):
                kwargs.setdefault("sep", "\t")
            dtypes = _provenance_dtypes(path) if use_provenance else None
            if dtypes:
                frame = _read_csv_typed(path, dtypes, kwargs)
            else:
                frame = pd.read_csv(path, **kwargs)
    except _READ_ERRORS as exc:
        raise FileFormatError(f"could not read {str(path)!r} as {fmt}: {exc}") from exc
    if frame.shape[1] == 0:
        raise FileFormatError(f"{str(path)!r} has no columns")
    frame.attrs["gensample_source"] = {"path": str(path.resolve()), "sha256": file_sha256(path), "format": fmt}
    return frame


def _provenance_dtypes(path: Path) -> list | None:
    prov = provenance_path(path)
    if not prov.exists():
        return None
    try:
        record = json.loads(prov.read_text())
        cols = record["output"]["columns"]
        return cols if isinstance(cols, list) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # an unreadable record must not stop the data from being read


def _read_csv_typed(path: Path, columns: list, kwargs: dict) -> pd.DataFrame:
    read_as: dict = {}
    dates: list = []
    for col in columns:
        name, dtype = col["name"], col["dtype"]
        if dtype in ("object", "category", "string"):
            read_as[name] = str
        elif dtype in ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "boolean", "Float32", "Float64"):
            read_as[name] = dtype
        elif dtype.startswith("datetime64"):
            dates.append(name)
    frame = pd.read_csv(path, dtype=read_as or None, **kwargs)
    for col in columns:
        name, dtype = col["name"], col["dtype"]
        if name not in frame.columns:
            continue
        if name in dates:
            # "datetime64[ns, Europe/Paris]": parse the written offsets as UTC, then convert back.
            tz = dtype.split(",", 1)[1].strip(" ]") if "," in dtype else None
            try:
                parsed = pd.to_datetime(frame[name], utc=tz is not None)
                frame[name] = parsed.dt.tz_convert(tz) if tz else parsed
                if str(frame[name].dtype) != dtype:
                    frame[name] = frame[name].astype(dtype)
            except (TypeError, ValueError):  # leave the column as read rather than fail the read
                pass
        elif dtype == "category":
            cats = col.get("categories")
            frame[name] = frame[name].astype(pd.CategoricalDtype([str(c) for c in cats]) if cats else "category")
        elif str(frame[name].dtype) != dtype and dtype not in ("object",):
            with contextlib.suppress(TypeError, ValueError):
                frame[name] = frame[name].astype(dtype)
    return frame


# ============================================================================ export
def export(
    result,
    path: str | os.PathLike,
    flag_synthetic: bool = False,
    overwrite: bool = False,
    *,
    provenance: bool = True,
) -> Path:
    """Write ``result.augmented`` to ``path`` (CSV or Parquet, from the suffix), atomically.

    Parameters
    ----------
    result : SampleResult
        What :func:`gensample.sample_minority` returned.
    path : str or Path
        Output file; ``.csv``, ``.csv.gz``, ``.tsv``, ``.parquet`` or ``.pq``.
    flag_synthetic : bool, default False
        Add a boolean column ``is_synthetic`` (False for the original rows).
    overwrite : bool, default False
        Replace an existing file; without it an existing file is an ``ExportError``.
    provenance : bool, default True
        Write ``<path>.provenance.json`` beside the data.

    Returns
    -------
    Path
        The path written.
    """
    from .scale import export_scaled, is_scaled_result  # issue 13: streamed / Dask results

    if is_scaled_result(result):
        return export_scaled(result, path, flag_synthetic, overwrite, provenance=provenance)
    if not hasattr(result, "synthetic") or not hasattr(result, "kept_original"):
        raise InputError(f"export needs a SampleResult (from sample_minority), got {type(result).__name__}")
    path = Path(path)
    fmt = table_format(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise ExportError(f"the folder {str(folder)!r} does not exist; create it first")
    if path.is_dir():
        raise ExportError(f"{str(path)!r} is a folder; give a file name ending in .csv or .parquet")
    if not overwrite:
        for p in (path, provenance_path(path)) if provenance else (path,):
            if p.exists():
                raise ExportError(f"{str(p)!r} already exists; pass overwrite=True (CLI: --force) to replace it")
    original = result.kept_original
    synthetic = result.synthetic
    if flag_synthetic:
        if "is_synthetic" in original.columns:
            raise ExportError("the data already has a column 'is_synthetic'; rename it or export without flag_synthetic")
        original = original.assign(is_synthetic=False)
        synthetic = synthetic.assign(is_synthetic=True)

    def write_data(tmp: Path) -> None:
        if fmt == "csv":
            sep = "\t" if path.name.lower().endswith(".tsv") else ","
            compression = "gzip" if path.name.lower().endswith(".gz") else None
            if compression:  # one gzip stream: write the joined frame
                pd.concat([original, synthetic], ignore_index=True).to_csv(tmp, index=False, sep=sep, compression={"method": "gzip", "mtime": 0})
            else:
                # Stream the original rows, then the new ones, without building the joined table.
                with open(tmp, "w", newline="", encoding="utf-8") as fh:
                    original.to_csv(fh, index=False, sep=sep)
                    synthetic.to_csv(fh, index=False, header=False, sep=sep)
        else:
            frame = result.augmented
            if flag_synthetic:
                frame = frame.assign(is_synthetic=result.is_synthetic.to_numpy())
            frame.to_parquet(tmp, index=False)

    atomic_write(path, write_data, overwrite)
    if provenance:
        record = provenance_record(result, path, flag_synthetic)
        payload = json.dumps(record, indent=2, sort_keys=False, default=str).encode("utf-8")
        atomic_write(provenance_path(path), lambda tmp: tmp.write_bytes(payload), overwrite=True)
    return path


def versions() -> dict:
    """Installed versions of :data:`KEY_PACKAGES` (None for those not installed)."""
    return package_versions(KEY_PACKAGES)


def data_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of the table's contents (values and index), independent of any file."""
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    digest.update(json.dumps([str(c) for c in frame.columns] + [str(t) for t in frame.dtypes]).encode())
    return digest.hexdigest()


def provenance_record(result, path: Path | None = None, flag_synthetic: bool = False) -> dict:
    """Everything needed to know how an exported table was made."""
    source = dict(result.source or {})
    columns = []
    frame = result.synthetic
    for name in frame.columns:
        entry = {"name": json_scalar(name), "dtype": str(frame[name].dtype)}
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            entry["categories"] = [json_scalar(c) for c in frame[name].dtype.categories]
        columns.append(entry)
    if flag_synthetic:
        columns.append({"name": "is_synthetic", "dtype": "bool"})
    record = {
        "format": "gensample-provenance/1",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "input": {
            "path": source.get("path"),
            "sha256": source.get("sha256"),
            "data_sha256": data_fingerprint(result._original),
            "rows": int(len(result._original)),
        },
        **result.to_dict(),
        "versions": versions(),
    }
    if path is not None:
        record["output"] = {
            "path": str(Path(path).resolve()),
            "sha256": file_sha256(path),
            "rows": int(len(result.kept_original) + len(result.synthetic)),
            "original_rows": int(len(result.kept_original)),
            "synthetic_rows": int(len(result.synthetic)),
            "flag_synthetic": bool(flag_synthetic),
            "columns": columns,
        }
    return record

