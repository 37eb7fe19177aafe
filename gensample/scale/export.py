"""Streamed export: the original rows copied through in batches, then the new rows, atomically.

Parquet output keeps the source's Arrow schema (types and schema metadata) for every row:
original batches are written as read, byte-for-byte in value and type, and the new rows are
cast to that schema (a cast that would change a value is an error naming the column). CSV
output writes each batch as ``export`` writes a frame. The data goes to a temporary file
beside the target, hashed as it is written, and is moved into place only when complete;
Ctrl-C or SIGTERM removes the temporary file, leaves nothing at the target and says how far
the export got. Dask results are written as a partitioned Parquet dataset
(:func:`export_dask`), through a temporary folder renamed into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..errors import ExportError
from ..utils import atomic_write, file_sha256, json_scalar, package_versions, parquet_dictionary_columns
from .progress import Progress, wanted

_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".tsv")
PROVENANCE_SUFFIX = ".provenance.json"
#: Packages whose versions the provenance record lists.
PACKAGES = ("gensample", "numpy", "pandas", "scipy", "scikit-learn", "imbalanced-learn", "pyarrow", "dask",
            "distributed")


def export_result(result, path, flag_synthetic=False, overwrite=False, *, provenance=True, progress=None) -> Path:
    """Write a streamed or Dask result to ``path`` (see the module notes); returns the path."""
    from .dask import DaskResult

    if isinstance(result, DaskResult):
        return export_dask(result, path, flag_synthetic, overwrite, provenance=provenance)
    path = Path(path)
    name = path.name.lower()
    if not name.endswith(_PARQUET + _CSV):
        raise ExportError(f"a streamed result is written as .parquet, .pq, .csv or .tsv; got {str(path)!r}")
    _check_target(path, overwrite, provenance)
    if flag_synthetic and "is_synthetic" in result.synthetic.columns:
        raise ExportError("the data already has a column 'is_synthetic'; rename it or export without flag_synthetic")
    digest = hashlib.sha256()
    total = result.n_original + new_row_count(result)
    bar = Progress(total, f"writing {path.name}", wanted(progress))
    csv = name.endswith(_CSV)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as raw:
            sink = _HashingFile(raw, digest)
            (_write_csv if csv else _write_parquet)(result, sink, flag_synthetic, bar, sep="\t" if name.endswith(".tsv") else ",")

    try:
        with _terminate_as_interrupt():
            atomic_write(path, write, overwrite)
    except KeyboardInterrupt:
        bar.close()
        print(f"interrupted: {bar.done:,} of {total:,} rows had been written to a temporary file, now removed; "
              f"nothing was written at {str(path)!r}", file=sys.stderr, flush=True)
        raise
    finally:
        bar.close()
    if provenance:
        record = provenance_record(result, path, flag_synthetic, digest.hexdigest())
        payload = json.dumps(record, indent=2, default=str).encode("utf-8")
        atomic_write(Path(str(path) + PROVENANCE_SUFFIX), lambda tmp: tmp.write_bytes(payload), overwrite=True)
    return path


def _write_parquet(result, sink, flag, bar, sep=None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = result._source
    schema = source.schema
    if flag:
        schema = schema.append(pa.field("is_synthetic", pa.bool_()))
    removed = result._removed_positions
    with pq.ParquetWriter(sink, schema, use_dictionary=parquet_dictionary_columns(schema)) as writer:
        start = 0
        for batch in source.arrow_batches():
            n = batch.num_rows
            if len(removed):
                keep = ~np.isin(np.arange(start, start + n), removed)
                batch = batch.filter(pa.array(keep))
            if flag:
                batch = pa.RecordBatch.from_arrays([*batch.columns, pa.array(np.zeros(batch.num_rows, bool))],
                                                   schema=schema)
            writer.write_batch(batch)
            bar.update(batch.num_rows)
            start += n
        # In slices: the Arrow copy of the new rows is one slice, not all of them (with
        # sampling_strategy="auto" they are as many as the majority's rows). A slice is
        # pyarrow's default row group (2**20 rows): smaller row groups cost the writer more CPU
        # on high-cardinality columns that keep a dictionary (text).
        # A run made in parts (scale.blocks) hands them over one at a time, each <= 2**20 rows.
        step = max(int(source.batch_rows), 1 << 20)
        for new in result.iter_synthetic():
            for lo in range(0, len(new), step):
                part = new.iloc[lo:lo + step]
                writer.write_table(synthetic_table(part, schema, flag))
                bar.update(len(part))
            part = new = None  # let the part go before the next one is made


def synthetic_table(frame, schema, flag: bool):
    """The new rows as an Arrow table of exactly ``schema`` (the source's types)."""
    import pyarrow as pa

    columns = []
    for field in schema:
        if flag and field.name == "is_synthetic":
            columns.append(pa.array(np.ones(len(frame), bool)))
            continue
        if field.name not in frame.columns:  # a column pandas kept as the index: no value for new rows
            columns.append(pa.nulls(len(frame), field.type))
            continue
        arr = pa.Array.from_pandas(frame[field.name])
        if not arr.type.equals(field.type):
            try:
                arr = arr.cast(field.type, safe=True)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise ExportError(
                    f"the new rows of column {field.name!r} ({arr.type}) cannot be stored as the file's {field.type} "
                    f"without changing values ({exc}); cast that column in the input (e.g. to float64) first"
                ) from exc
        columns.append(arr)
    return pa.Table.from_arrays(columns, schema=schema)


def _write_csv(result, sink, flag, bar, sep=",") -> None:
    import io

    text = io.TextIOWrapper(sink, encoding="utf-8", newline="")
    header = True
    removed = result._removed_positions
    for _, frame, batch in result._source.frames(result._source.names):
        if len(removed):
            frame = frame[~np.isin(frame.index.to_numpy(), removed)]
        if flag:
            frame = frame.assign(is_synthetic=False)
        frame.to_csv(text, index=False, header=header, sep=sep)
        header = False
        bar.update(len(frame))
    for new in result.iter_synthetic():
        new = new.assign(is_synthetic=True) if flag else new
        new.to_csv(text, index=False, header=header, sep=sep)
        header = False
        bar.update(len(new))
    text.flush()
    text.detach()


class _HashingFile:
    """A binary file that hashes what is written (Parquet and CSV writers write sequentially)."""

    def __init__(self, raw, digest):
        self.raw = raw
        self.digest = digest
        self.closed = False

    def write(self, data) -> int:
        self.digest.update(data)
        return self.raw.write(data)

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        self.raw.flush()

    def tell(self) -> int:
        return self.raw.tell()

    def close(self) -> None:  # the owner closes the real file
        self.closed = True


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM raises KeyboardInterrupt during the export, so the temporary file is removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def new_row_count(result) -> int:
    """New rows of a streamed (possibly made in parts) or Dask result."""
    return int(getattr(result, "n_synthetic", len(result.synthetic)))


def _check_target(path: Path, overwrite: bool, provenance: bool) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise ExportError(f"the folder {str(folder)!r} does not exist; create it first")
    if not overwrite:
        for p in (path, Path(str(path) + PROVENANCE_SUFFIX)) if provenance else (path,):
            if p.exists():
                raise ExportError(f"{str(p)!r} already exists; pass overwrite=True (CLI: --force) to replace it")


def provenance_record(result, path: Path, flag: bool, sha256: str, output_extra: dict | None = None) -> dict:
    """The provenance record of a streamed or Dask export (same keys as ``io.export``'s)."""
    columns = []
    for name in result.synthetic.columns:
        entry = {"name": json_scalar(name), "dtype": str(result.synthetic[name].dtype)}
        cats = getattr(result.synthetic[name].dtype, "categories", None)
        if cats is not None:
            entry["categories"] = [json_scalar(c) for c in cats]
        columns.append(entry)
    if flag:
        columns.append({"name": "is_synthetic", "dtype": "bool"})
    source = dict(result.source or {})
    record = {
        "format": "gensample-provenance/1",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "input": {"path": source.get("path"), "sha256": source.get("sha256"), "rows": source.get("rows"),
                  **({"files": source["files"]} if "files" in source else {})},
        **result.to_dict(),
        "scale": result.scale,
        "versions": package_versions(PACKAGES),
        "output": {
            "path": str(Path(path).resolve()), "sha256": sha256,
            "rows": int(result.n_original + new_row_count(result)), "original_rows": int(result.n_original),
            "synthetic_rows": int(new_row_count(result)), "flag_synthetic": bool(flag), "columns": columns,
            **(output_extra or {}),
        },
    }
    return record


def export_dask(result, path, flag_synthetic=False, overwrite=False, *, provenance=True) -> Path:
    """Write a Dask result as a partitioned Parquet dataset (a folder), atomically."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise ExportError(f"the folder {str(folder)!r} does not exist; create it first")
    prov = Path(str(path) + PROVENANCE_SUFFIX)
    if not overwrite and (path.exists() or (provenance and prov.exists())):
        raise ExportError(f"{str(path if path.exists() else prov)!r} already exists; pass overwrite=True "
                          "(CLI: --force) to replace it")
    frame = result.augmented
    if flag_synthetic:
        if "is_synthetic" in frame.columns:
            raise ExportError("the data already has a column 'is_synthetic'; rename it or export without flag_synthetic")
        frame = result.flagged()
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder))
    try:
        with _terminate_as_interrupt():
            frame.to_parquet(str(tmp), write_index=False, use_dictionary=parquet_dictionary_columns(frame._meta))
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        digest = hashlib.sha256()
        listed = []
        for p in files:
            h = file_sha256(p)
            listed.append({"file": str(p.relative_to(tmp)), "sha256": h})
            digest.update(f"{p.relative_to(tmp)}\0{h}\n".encode())
        if path.exists():
            if not overwrite:
                raise ExportError(f"{str(path)!r} already exists; pass overwrite=True (CLI: --force) to replace it")
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=folder))
            os.replace(path, old / "data")
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except KeyboardInterrupt:
        print(f"interrupted: the partial dataset was removed; nothing was written at {str(path)!r}", file=sys.stderr)
        raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    if provenance:
        record = provenance_record(result, path, flag_synthetic, digest.hexdigest(), {"files": listed})
        payload = json.dumps(record, indent=2, default=str).encode("utf-8")
        atomic_write(prov, lambda t: t.write_bytes(payload), overwrite=True)
    return path
