"""An out-of-core table: a Parquet file, a folder of them, or a ``pyarrow.dataset``.

:class:`Source` reads the table in record batches, in file order and row order, and turns
each batch into pandas with the dtypes :func:`pandas.read_parquet` gives the whole table
(pandas metadata restored: categories, nullable dtypes). One exception, on purpose: an
integer or boolean column that holds missing cells and has no pandas metadata saying
otherwise (files from Spark, DuckDB, Polars...) reads as a nullable ``Int64``/``boolean``
column rather than pandas' default float64/object, so that the new rows keep the file's
Arrow type on export. Whether a column holds missing cells is read from the Parquet
statistics (no data pass); a column without statistics is taken as possibly missing.

The SHA-256 of every file is computed in a background thread while the first pass reads,
so the provenance record names the exact bytes that were sampled.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FileFormatError, InputError
from ..utils import file_sha256

#: Rows per record batch when none is given: a few tens of MB per batch on wide tables.
DEFAULT_BATCH_ROWS = 1 << 17


class Source:
    """Batches of one table, converted to pandas consistently across batches.

    Parameters
    ----------
    data : str, PathLike or pyarrow.dataset.Dataset
        A Parquet file, a folder of Parquet files (read as one table, files in sorted
        order; other files in it are skipped, see :func:`parquet_files`), or a dataset.
    batch_rows : int
        Most rows per batch.
    """

    def __init__(self, data, batch_rows: int = DEFAULT_BATCH_ROWS):
        import pyarrow.dataset as ds

        if isinstance(batch_rows, bool) or not isinstance(batch_rows, (int, np.integer)) or batch_rows < 1:
            raise InputError(f"batch_rows must be a positive integer, got {batch_rows!r}")
        self.batch_rows = int(batch_rows)
        if isinstance(data, ds.Dataset):
            self.dataset = data
            self.path = None
        else:
            path = Path(data)
            if not path.exists():
                raise FileFormatError(f"no such file or folder: {str(path)!r}")
            # A folder: only its Parquet files (writers leave _SUCCESS, .crc, README or
            # provenance records beside them, which the Parquet reader would reject).
            where = parquet_files(path) if path.is_dir() else str(path)
            try:
                self.dataset = ds.dataset(where, format="parquet")
            except (OSError, ValueError) as exc:  # ArrowInvalid is a ValueError
                raise FileFormatError(f"could not read {str(path)!r} as Parquet: {exc}") from exc
            self.path = path.resolve()
        self.fragments = list(self.dataset.get_fragments())
        self.schema = self.dataset.schema
        self.names = [f.name for f in self.schema if f.name not in _index_columns(self.schema)]
        self._check_types()
        self.num_rows = int(sum(_fragment_rows(f) for f in self.fragments))
        if self.num_rows == 0:
            raise InputError("data has no rows")
        self._nullable = self._nullable_ints()
        self._hashes: dict = {}
        self._hasher = None

    # ------------------------------------------------------------------ identity
    @property
    def files(self) -> list[str]:
        return [f.path for f in self.fragments if hasattr(f, "path")]

    def start_hashing(self) -> None:
        """Hash every local file in a background thread (hashlib releases the GIL)."""
        if self._hasher is not None:
            return
        files = [p for p in self.files if os.path.isfile(p)]

        def run():
            for p in files:
                self._hashes[p] = file_sha256(p)

        self._hasher = threading.Thread(target=run, name="gensample-sha256", daemon=True)
        self._hasher.start()

    def identity(self) -> dict:
        """Path, SHA-256 (of the one file, or of the sorted list of per-file digests) and rows."""
        self.start_hashing()
        self._hasher.join()
        files = self.files
        out = {"path": None if self.path is None else str(self.path), "format": "parquet", "rows": self.num_rows}
        if len(files) == 1 and files[0] in self._hashes:
            out["sha256"] = self._hashes[files[0]]
        elif files and all(p in self._hashes for p in files):
            digest = hashlib.sha256()
            base = self.path if self.path is not None and self.path.is_dir() else None
            listed = []
            for p in files:
                name = os.path.relpath(p, base) if base else p
                listed.append({"file": name, "sha256": self._hashes[p]})
                digest.update(f"{name}\0{self._hashes[p]}\n".encode())
            out["sha256"] = digest.hexdigest()
            out["files"] = listed
        else:
            out["sha256"] = None
        return out

    # ------------------------------------------------------------------ reading
    def arrow_batches(self, columns: list | None = None):
        """Record batches in file and row order (at most ``batch_rows`` rows each)."""
        import pyarrow.parquet as pq

        for fragment in self.fragments:
            path = getattr(fragment, "path", None)
            if path is not None and hasattr(fragment, "row_groups"):
                # Row group by row group: the dataset scanner pre-buffers whole files.
                reader = pq.ParquetFile(path, filesystem=fragment.filesystem, pre_buffer=False)
                for batch in reader.iter_batches(batch_size=self.batch_rows, columns=columns):
                    yield batch if batch.schema.metadata else batch.replace_schema_metadata(self.schema.metadata)
                continue
            yield from fragment.to_batches(
                schema=self.schema, columns=columns, batch_size=self.batch_rows,
                batch_readahead=1, fragment_readahead=1,
            )

    def frames(self, columns: list | None = None):
        """``(first_row, frame, batch)`` for every batch, the frame indexed by row number."""
        start = 0
        for batch in self.arrow_batches(columns):
            if batch.num_rows == 0:
                continue
            frame = self.to_pandas(batch)
            frame.index = pd.RangeIndex(start, start + batch.num_rows)
            yield start, frame, batch
            start += batch.num_rows

    def to_pandas(self, batch) -> pd.DataFrame:
        """One batch (or table) as pandas, with the dtypes every batch of this source gets."""
        import pyarrow as pa

        table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        frame = table.to_pandas()
        for name, dtype in self._nullable.items():
            if name in frame.columns and frame[name].dtype != dtype:
                column = table.column(name)
                frame[name] = column.to_pandas(types_mapper=lambda _t, d=dtype: d).array
        return frame

    # ------------------------------------------------------------------ checks
    def require(self, names) -> None:
        for name in names:
            if name not in self.names:
                raise InputError(
                    f"column {name!r} is not in the data; columns are: "
                    + ", ".join(map(repr, self.names[:30])) + (" ..." if len(self.names) > 30 else "")
                )

    def distinct_labels(self, target) -> pd.Series:
        """The distinct values of column ``target`` (first-seen order), read column-only in batches.

        What the in-memory CLI gets from ``data[target].unique()``, e.g. to match the labels
        of ``--strategy 1:4`` to an integer target's values.
        """
        self.require([target])
        seen: dict = {}
        for _, frame, _ in self.frames([target]):
            for value in frame[target].dropna().unique():
                seen.setdefault(value, None)
        return pd.Series(list(seen), dtype=object if not seen else None)

    def _check_types(self) -> None:
        import pyarrow.types as t

        for field in self.schema:
            if t.is_nested(field.type) or t.is_map(field.type):
                raise InputError(
                    f"column {field.name!r} holds {field.type} values; gensample needs one scalar per cell: "
                    "flatten or drop it before sampling"
                )

    def _nullable_ints(self) -> dict:
        """Integer/boolean columns with missing cells and no pandas dtype recorded for them."""
        import pyarrow.types as t

        recorded = _pandas_dtypes(self.schema)
        out = {}
        for field in self.schema:
            if field.name not in self.names or recorded.get(field.name, "").startswith(("Int", "UInt", "boolean")):
                continue
            if t.is_integer(field.type) or t.is_boolean(field.type):
                if self._may_have_nulls(field.name):
                    out[field.name] = pd.BooleanDtype() if t.is_boolean(field.type) else pd.api.types.pandas_dtype(
                        str(field.type).replace("uint", "UInt").replace("int", "Int"))
        return out

    def _may_have_nulls(self, name: str) -> bool:
        for fragment in self.fragments:
            meta = getattr(fragment, "metadata", None)
            if meta is None:
                return True
            try:
                j = meta.schema.to_arrow_schema().get_field_index(name)
            except Exception:  # noqa: BLE001 - unusual metadata: assume the worst
                return True
            if j < 0:
                return True
            for i in range(meta.num_row_groups):
                stats = meta.row_group(i).column(j).statistics
                if stats is None or not stats.has_null_count or stats.null_count > 0:
                    return True
        return False


#: File names read as Parquet in a folder.
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")


def parquet_files(folder) -> list[str]:
    """The Parquet files of ``folder`` and its sub-folders, in sorted path order.

    Names ending in ``.parquet``, ``.pq`` or ``.parq``; names starting with ``.`` or ``_``
    (hidden files, ``_SUCCESS``, ``_metadata``, ``_temporary/``) are skipped, files and
    folders alike, as pyarrow's own discovery skips them. Sorted by path with numbers
    compared as numbers (``part.2`` before ``part.10``), as Dask sorts them: the order in
    which Dask and ``pyarrow.dataset.write_dataset`` number their parts, so a folder they
    wrote reads back in their row order (plain string order would put part 10 before part 2).

    Raises
    ------
    FileFormatError
        When the folder holds no such file (naming a few of the files it does hold).
    """
    folder = Path(folder)
    found, other = [], []
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        for name in names:
            full = os.path.join(root, name)
            if not name.startswith((".", "_")) and name.lower().endswith(PARQUET_SUFFIXES):
                found.append(full)
            else:
                other.append(os.path.relpath(full, folder))
    if not found:
        listed = ", ".join(map(repr, sorted(other)[:5])) + (" ..." if len(other) > 5 else "")
        raise FileFormatError(
            f"the folder {str(folder)!r} holds no Parquet file (names ending in "
            f"{', '.join(PARQUET_SUFFIXES)}){'; it holds ' + listed if other else ''}: "
            "give a folder of Parquet files, or one file"
        )
    return sorted(found, key=_natural)


def _natural(path: str) -> list:
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", path)]


def _fragment_rows(fragment) -> int:
    meta = getattr(fragment, "metadata", None)
    return int(meta.num_rows) if meta is not None else int(fragment.count_rows())


def _pandas_dtypes(schema) -> dict:
    meta = schema.pandas_metadata or {}
    return {c.get("name"): str(c.get("numpy_type") if c.get("pandas_type") != "categorical" else "category")
            for c in meta.get("columns", []) if c.get("name") is not None}


def _index_columns(schema) -> set:
    """Columns pandas stored as the index: read_table makes them the index, not columns."""
    meta = schema.pandas_metadata or {}
    return {c for c in meta.get("index_columns", []) if isinstance(c, str)}
