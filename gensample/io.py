"""Reading tables and exporting augmented training sets, with a provenance record.

``export`` writes atomically: the data goes to a temporary file in the target folder, which
is renamed over ``path`` only when complete, so an interrupted export never leaves a partial
file behind. An existing file is refused unless ``overwrite=True`` (and without it the final
step is a hard link, which fails if another process created ``path`` in the meantime).
Beside the data, ``<path>.provenance.json`` records how it was made, including each column's
dtype, which ``read_table`` uses to read a CSV back with the dtypes it was written with.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .checks import check_path, check_size
from .errors import ExportError, FileFormatError, GensampleError, InputError, ParameterError, ReadWarning
from .utils import atomic_write, file_sha256, json_scalar, package_versions, parquet_dictionary_columns

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

    When ``<path>.provenance.json`` (written by :func:`export`) lies beside a CSV and the
    SHA-256 it records for the file is the file's own, the column dtypes it records are
    restored (nullable integers, booleans, categories, text that looks like numbers,
    datetimes), so an exported CSV reads back as it was written. A record whose digest does
    not match (the file was edited or rewritten since) is ignored with a warning: the file is
    read plainly rather than forced into dtypes it may no longer hold. A dtype that cannot be
    restored leaves its column as read, with a warning naming it; the columns are listed in
    ``df.attrs["gensample_source"]["dtypes_not_restored"]``. The path and SHA-256 of the
    file are kept in ``df.attrs["gensample_source"]`` for provenance.

    A CSV whose header repeats a name is refused (pandas would rename the second ``a`` to
    ``a.1``, so the output's header would differ from the input's). A CSV whose only column
    header holds semicolons and no comma is read as semicolon-separated, with a warning.

    Extra keyword arguments go to :func:`pandas.read_csv` / :func:`pandas.read_parquet`.

    Raises
    ------
    FileFormatError
        Missing, unreadable or unparsable file, a folder, an unknown suffix, text that is
        not UTF-8 (pass ``encoding=``), no columns.
    InputError
        Duplicate names in the CSV header.
    ParameterError
        ``path`` is not a str or PathLike, or keyword arguments pandas does not take.
    """
    path = check_path(path)
    if not isinstance(use_provenance, bool):
        raise ParameterError(f"use_provenance must be True or False, got {use_provenance!r}")
    if not path.exists():
        raise FileFormatError(f"no such file: {str(path)!r}; check the path (relative paths start from {os.getcwd()!r})")
    if path.is_dir():
        raise FileFormatError(f"{str(path)!r} is a folder; give the path of a .csv or .parquet file")
    fmt = table_format(path)
    source = {"path": str(path.resolve()), "format": fmt}
    try:
        digest = file_sha256(path)
        if fmt == "parquet":
            frame = pd.read_parquet(path, **kwargs)
        else:
            frame = _read_csv(path, digest, use_provenance, kwargs, source)
    except GensampleError:
        raise
    except TypeError as exc:  # keyword arguments pandas does not take
        raise ParameterError(f"read_table passes its extra keyword arguments to pandas; {exc}") from exc
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            f"{str(path)!r} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8, "
            "or in Python pass the file's encoding, e.g. read_table(path, encoding='latin-1')"
        ) from exc
    except PermissionError as exc:
        raise FileFormatError(f"cannot read {str(path)!r}: permission denied; check the file's permissions") from exc
    except _READ_ERRORS as exc:
        raise FileFormatError(f"could not read {str(path)!r} as {fmt}: {exc}") from exc
    if frame.shape[1] == 0:
        raise FileFormatError(f"{str(path)!r} has no columns")
    frame.attrs["gensample_source"] = {**source, "sha256": digest}
    return frame


def _read_csv(path: Path, digest: str, use_provenance: bool, kwargs: dict, source: dict) -> pd.DataFrame:
    kwargs = dict(kwargs)
    if path.name.lower().endswith(".tsv"):
        kwargs.setdefault("sep", "\t")
    dtypes = _provenance_dtypes(path, digest) if use_provenance else None
    if dtypes:
        frame, failed = _read_csv_typed(path, dtypes, kwargs)
        if failed:
            source["dtypes_not_restored"] = failed
    else:
        frame = pd.read_csv(path, **kwargs)
    if frame.shape[1] == 1 and "sep" not in kwargs and "delimiter" not in kwargs:
        header = str(frame.columns[0])
        if ";" in header and "," not in header:
            _warn(f"{str(path)!r} has one column whose header {header[:60]!r} holds semicolons: read it as "
                  "semicolon-separated (pass sep= to read_table to choose)")
            kwargs["sep"] = ";"
            source["sep"] = ";"
            frame = pd.read_csv(path, **kwargs)
    _refuse_duplicate_header(path, frame, kwargs)
    return frame


def _refuse_duplicate_header(path: Path, frame: pd.DataFrame, kwargs: dict) -> None:
    """InputError when the file's header repeats a name (pandas renamed the copies ``a.1``)."""
    if kwargs.get("header", "infer") not in ("infer", 0) or "names" in kwargs:
        return
    looks_renamed = [c for c in frame.columns if isinstance(c, str) and "." in c
                     and c.rsplit(".", 1)[0] in frame.columns and c.rsplit(".", 1)[1].isdigit()]
    if not looks_renamed:
        return  # the common case costs no second read
    raw_kwargs = {k: kwargs[k] for k in ("sep", "delimiter", "encoding", "compression", "quotechar", "skiprows")
                  if k in kwargs}
    raw = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False, **raw_kwargs)
    names = [str(v) for v in raw.iloc[0].tolist()] if len(raw) else []
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(
            f"{str(path)!r} has duplicate column name(s) in its header: {', '.join(map(repr, dup))}; "
            "rename them so that each column has its own name"
        )


def _warn(message: str) -> None:
    # ReadWarning, not generators.base.GensampleWarning: io imports nothing from generators
    warnings.warn(message, ReadWarning, stacklevel=4)


def _provenance_dtypes(path: Path, digest: str) -> list | None:
    """The column dtypes of the record beside ``path``, only if it was written for these bytes."""
    prov = provenance_path(path)
    if not prov.exists():
        return None
    try:
        record = json.loads(prov.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        _warn(f"{str(prov)!r} is not a readable provenance record ({exc}); {str(path)!r} is read without its dtypes")
        return None
    output = record.get("output") if isinstance(record, dict) else None
    if not isinstance(output, dict) or "columns" not in output:
        return None  # a record without dtypes (e.g. `gensample generate`'s): nothing to restore
    cols, recorded = output["columns"], output.get("sha256")
    if recorded != digest:
        # The file changed since export wrote it: its old dtypes may no longer fit (a float
        # column read as datetimes, a new category value turned into NaN), so read plainly.
        _warn(f"{str(path)!r} was changed since {str(prov)!r} was written (SHA-256 {digest[:12]} is not the "
              f"recorded {str(recorded)[:12]}); the recorded dtypes are not applied and the file is read as it is. "
              "Delete or re-export the record to silence this")
        return None
    if not isinstance(cols, list) or not all(isinstance(c, dict) and "name" in c and "dtype" in c for c in cols):
        _warn(f"{str(prov)!r} lists no usable column dtypes; {str(path)!r} is read without them")
        return None
    return cols


def _read_csv_typed(path: Path, columns: list, kwargs: dict) -> tuple[pd.DataFrame, list]:
    """The CSV read with the recorded dtypes, and the columns whose dtype could not be restored.

    A column that does not take its recorded dtype stays as read (text for the dtypes read
    as text), and a warning names it: a silent half-restore would hand back a table that
    looks typed but is not.
    """
    read_as: dict = {}
    dates: list = []
    failed: list = []
    for col in columns:
        name, dtype = col["name"], str(col["dtype"])
        if dtype in ("object", "category", "string"):
            read_as[name] = str
        elif dtype in ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "boolean", "Float32", "Float64"):
            read_as[name] = dtype
        elif dtype.startswith("datetime64"):
            dates.append(name)
    try:
        frame = pd.read_csv(path, dtype=read_as or None, **kwargs)
    except (TypeError, ValueError) as exc:  # a recorded dtype the text no longer parses as
        _warn(f"{str(path)!r} could not be read with the dtypes of its provenance record ({exc}); read as it is")
        return pd.read_csv(path, **kwargs), [str(c["name"]) for c in columns]
    for col in columns:
        name, dtype = col["name"], str(col["dtype"])
        if name not in frame.columns:
            continue
        try:
            if name in dates:
                # "datetime64[ns, Europe/Paris]": parse the written offsets as UTC, then convert back.
                tz = dtype.split(",", 1)[1].strip(" ]") if "," in dtype else None
                parsed = pd.to_datetime(frame[name], utc=tz is not None)
                parsed = parsed.dt.tz_convert(tz) if tz else parsed
                frame[name] = parsed if str(parsed.dtype) == dtype else parsed.astype(dtype)
            elif dtype == "category":
                cats = col.get("categories")
                typed = frame[name].astype(pd.CategoricalDtype([str(c) for c in cats]) if cats else "category")
                lost = typed.isna() & frame[name].notna()
                if lost.any():
                    raise ValueError(f"value {frame[name][lost].iloc[0]!r} is not one of the recorded categories")
                frame[name] = typed
            elif str(frame[name].dtype) != dtype and dtype != "object":
                frame[name] = frame[name].astype(dtype)
        except (TypeError, ValueError, OverflowError) as exc:
            failed.append(str(name))
            _warn(f"column {name!r} of {str(path)!r} could not be restored to its recorded dtype {dtype} ({exc}); "
                  f"it is kept as read ({frame[name].dtype})")
    return frame, failed


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
    path = check_path(path)
    for name, value in (("flag_synthetic", flag_synthetic), ("overwrite", overwrite), ("provenance", provenance)):
        if not isinstance(value, bool):
            raise ParameterError(f"{name} must be True or False, got {value!r}")
    if path.is_dir():
        raise ExportError(f"{str(path)!r} is a folder; give a file name ending in .csv or .parquet")
    fmt = table_format(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise ExportError(f"the folder {str(folder)!r} does not exist; create it first")
    if not folder.is_dir():
        raise ExportError(f"{str(folder)!r} is a file, not a folder; give an output path inside a folder")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"the folder {str(folder)!r} is not writable; choose an output path in a folder you can write to")
    if not overwrite:
        for p in (path, provenance_path(path)) if provenance else (path,):
            if p.exists():
                raise ExportError(f"{str(p)!r} already exists; pass overwrite=True (CLI: --force) to replace it")
    schema = getattr(result, "schema", None)
    if schema is not None:  # disk only: the rows are already in memory
        check_size(schema, len(result.kept_original) + len(result.synthetic), what="export", out=path,
                   memory=1 << 62, shrink="free some space or write to another disk")
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
            frame.to_parquet(tmp, index=False, use_dictionary=parquet_dictionary_columns(frame))

    try:
        atomic_write(path, write_data, overwrite)
        if provenance:
            record = provenance_record(result, path, flag_synthetic)
            payload = json.dumps(record, indent=2, sort_keys=False, default=str).encode("utf-8")
            atomic_write(provenance_path(path), lambda tmp: tmp.write_bytes(payload), overwrite=True)
    except ExportError as exc:
        if isinstance(exc.__cause__, PermissionError):  # say what to do, not only what failed
            raise ExportError(f"{exc}; choose an output path in a folder you can write to") from exc.__cause__
        raise
    except OSError as exc:  # the temporary file could not even be created (read-only folder, full disk)
        raise ExportError(f"could not write {str(path)!r}: {exc.strerror or exc}; "
                          "choose an output path in a folder you can write to") from exc
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

