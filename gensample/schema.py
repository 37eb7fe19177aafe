"""The table schema: what each column is, how it is turned into numbers, and back.

``TableSchema.infer`` looks at a DataFrame once and records, per feature column, its kind
(continuous, integer, boolean, categorical, datetime), its exact dtype, the values or range
it was observed with and its missing-value marker. Generators only ever see the numbers
``encode`` makes; ``decode`` turns generated numbers back into the user's dtypes. That is the
single place where rounding, clipping, category lookup and missing cells are decided, so every
method inherits the same guarantees:

* integer columns are rounded (never truncated) and clipped to the observed range; columns
  holding values beyond 2**53 (int64, uint64 and their nullable forms), which float64 cannot
  hold exactly, are encoded as exact offsets from their minimum and decoded back in integer
  arithmetic, so new values stay whole, exact and inside the range (a column whose values
  span more than 2**53 cannot be interpolated exactly and is refused, see
  :meth:`TableSchema.inexact_columns`);
* category codes outside a column's categories are a bug in the method that made them: they
  raise :class:`~gensample.errors.GenerationError`, never clipped to a category;
* boolean columns are encoded 0/1 and rounded, i.e. an interpolated cell takes the value of
  the nearer endpoint: no bias toward ``True`` (imbalanced-learn casts any non-zero to True);
* categorical columns only ever produce values observed in that column, as the same Python
  objects, in the column's own dtype (object, string, category);
* datetime columns are interpolated in days and rounded to the column's own resolution
  (whole days stay whole days).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._codecs import (  # noqa: F401 - encode_numeric re-exported for the fidelity scorers
    all_missing,
    category_codes,
    decode_categorical,
    decode_numeric,
    encode_categorical,
    encode_numeric,
    insert_in_order,
    int_values,
    series_from_values,
    to_ns,
)
from .columns import (  # noqa: F401 - re-exported: the package imports the kinds from here
    BOOLEAN,
    CATEGORICAL,
    CONTINUOUS,
    ColumnSpec,
    DATETIME,
    DATETIME_RESOLUTIONS,
    EMPTY,
    EXACT_FLOAT_INT,
    INTEGER,
    NS_PER_DAY,
    NUMERIC_KINDS,
    TargetSpec,
)
from .errors import InputError
from .utils import json_scalar


@dataclass
class EncodedTable:
    """Rows of a table as numbers: what a generator plugin sees.

    ``numeric`` holds continuous, integer, boolean (0/1) and datetime (days) columns as
    float64; ``categorical`` holds category codes (``-1`` for a missing cell, before
    imputation). ``y`` holds target codes (indices into ``schema.target.labels``).
    """

    numeric: np.ndarray
    categorical: np.ndarray
    y: np.ndarray
    schema: TableSchema
    positions: np.ndarray | None = None  # row positions in the source DataFrame

    @property
    def n_rows(self) -> int:
        return int(self.y.shape[0])

    def take(self, rows: np.ndarray) -> EncodedTable:
        pos = None if self.positions is None else self.positions[rows]
        return EncodedTable(self.numeric[rows], self.categorical[rows], self.y[rows], self.schema, pos)


class TableSchema:
    """Column kinds, dtypes, categories and ranges of one table, with encode/decode.

    Build it with :meth:`infer`; parameters are never guessed again after that, so the same
    schema decodes rows made by any generator in exactly the same way.
    """

    def __init__(self, columns: list[ColumnSpec], target: TargetSpec, order: list):
        self.columns = columns
        self.target = target
        self.order = order  # every column name of the input, target included, in input order
        self.numeric = [c for c in columns if c.kind in NUMERIC_KINDS]
        self.categorical = [c for c in columns if c.kind == CATEGORICAL]
        self.empty = [c for c in columns if c.kind == EMPTY]

    # ------------------------------------------------------------------ inference
    @classmethod
    def infer(
        cls,
        data: pd.DataFrame,
        target: Hashable,
        categorical: Iterable[Hashable] | None = None,
    ) -> TableSchema:
        """Inspect ``data`` and record each column's kind.

        Parameters
        ----------
        data : DataFrame
            Features and target.
        target : column label
            The class column.
        categorical : list of column labels, optional
            Columns to treat as categorical whatever their dtype (e.g. integer codes).
        """
        from .scale.handoff import given_schema  # issue 13: a streamed run's whole-table schema

        given = given_schema(data)
        if given is not None:
            return given
        if not isinstance(data, pd.DataFrame):
            raise InputError(
                f"data must be a pandas DataFrame, got {type(data).__name__}; "
                "wrap arrays with pandas.DataFrame(X, columns=...) and add the target column"
            )
        if data.columns.has_duplicates:
            dup = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
            raise InputError(f"column names must be unique; duplicated: {', '.join(dup)}")
        if target not in data.columns:
            raise InputError(
                f"target column {target!r} is not in the data; columns are: "
                + ", ".join(map(repr, list(data.columns)[:30]))
                + (" ..." if data.shape[1] > 30 else "")
            )
        if len(data) == 0:
            raise InputError("data has no rows")
        if data.shape[1] < 2:
            raise InputError(f"data has no feature column besides the target {target!r}")
        forced = [] if categorical is None else list(categorical)
        if isinstance(categorical, str):
            forced = [categorical]
        for name in forced:
            if name not in data.columns:
                raise InputError(
                    f"categorical column {name!r} is not in the data; columns are: "
                    + ", ".join(map(repr, data.columns))
                )
            if name == target:
                raise InputError(f"categorical= names the target column {name!r}; list feature columns only")
        target_spec = _infer_target(data[target], target)
        columns = [
            _infer_column(data[name], name, force_categorical=name in forced)
            for name in data.columns
            if name != target
        ]
        return cls(columns, target_spec, list(data.columns))

    # ------------------------------------------------------------------ encode
    def encode(self, data: pd.DataFrame, rows: np.ndarray | None = None) -> EncodedTable:
        """Encode the rows at positions ``rows`` (all rows if None) to numbers."""
        frame = data if rows is None else data.iloc[rows]
        n = len(frame)
        numeric = np.empty((n, len(self.numeric)), dtype=np.float64)
        for j, spec in enumerate(self.numeric):
            numeric[:, j] = encode_numeric(frame[spec.name], spec)
        categorical = np.empty((n, len(self.categorical)), dtype=np.int32)
        for j, spec in enumerate(self.categorical):
            categorical[:, j] = encode_categorical(frame[spec.name], spec)
        y = category_codes(frame[self.target.name], self.target.labels)
        if (y < 0).any():
            bad = frame[self.target.name][y < 0].iloc[0]
            raise InputError(f"target column {self.target.name!r} holds a label {bad!r} not seen when the schema was built")
        positions = np.arange(n) if rows is None else np.asarray(rows)
        return EncodedTable(numeric, categorical, y, self, positions)

    def missing_mask(self, data: pd.DataFrame, rows: np.ndarray | None = None) -> np.ndarray:
        """Boolean (n, n_features) matrix of missing cells, in feature order (``self.columns``)."""
        frame = data if rows is None else data.iloc[rows]
        return np.column_stack([frame[c.name].isna().to_numpy() for c in self.columns]) if self.columns else np.zeros((len(frame), 0), bool)

    # ------------------------------------------------------------------ decode
    def decode(
        self,
        numeric: np.ndarray,
        categorical: np.ndarray,
        y: np.ndarray,
        missing: np.ndarray | None = None,
    ) -> pd.DataFrame:
        """Turn generated numbers back into a DataFrame with the input's columns and dtypes.

        ``missing`` is an optional (n, n_features) boolean matrix, in ``self.columns`` order:
        True cells become the column's own missing marker.
        """
        n = int(len(y))
        numeric = np.asarray(numeric, dtype=np.float64).reshape(n, len(self.numeric))
        categorical = np.asarray(categorical).reshape(n, len(self.categorical))
        feature_pos = {id(c): f for f, c in enumerate(self.columns)}
        # Plain float64 columns go into the frame as one block, without copying: on tables
        # of millions of rows the copies, not the arithmetic, are what cost time and memory.
        plain = [j for j, c in enumerate(self.numeric) if c.kind == CONTINUOUS and c.dtype == np.float64]
        if plain:
            block = numeric if plain == list(range(numeric.shape[1])) else numeric[:, plain]
            if missing is not None:
                holes = [(jj, missing[:, feature_pos[id(self.numeric[j])]]) for jj, j in enumerate(plain)]
                holes = [(jj, m) for jj, m in holes if m.any()]
                if holes:
                    block = block.copy() if block is numeric else block
                    for jj, m in holes:
                        block[m, jj] = np.nan
            frame = pd.DataFrame(block, columns=[self.numeric[j].name for j in plain], copy=False)
        else:
            frame = pd.DataFrame(index=pd.RangeIndex(n))
        done = {self.numeric[j].name for j in plain}
        num_idx = {id(c): j for j, c in enumerate(self.numeric)}
        cat_idx = {id(c): j for j, c in enumerate(self.categorical)}
        rank = {name: i for i, name in enumerate(self.order)}
        for spec in self.columns:
            if spec.name in done:
                continue
            miss = None if missing is None else np.asarray(missing[:, feature_pos[id(spec)]], dtype=bool)
            if spec.kind == EMPTY:
                series = all_missing(spec, n)
            elif spec.kind == CATEGORICAL:
                series = decode_categorical(categorical[:, cat_idx[id(spec)]], spec, miss)
            else:
                series = decode_numeric(numeric[:, num_idx[id(spec)]], spec, miss)
            insert_in_order(frame, spec.name, series, rank)
        label_array = np.empty(len(self.target.labels), dtype=object)
        label_array[:] = self.target.labels
        target = series_from_values(label_array[np.asarray(y, dtype=np.int64)], self.target.dtype)
        insert_in_order(frame, self.target.name, target, rank)
        if list(frame.columns) != self.order:  # pragma: no cover - inserts keep the order
            frame = frame[self.order]
        return frame

    # ------------------------------------------------------------------ descriptions
    @property
    def data_kind(self) -> str:
        """``numeric``, ``categorical`` or ``mixed``: which family of distance applies."""
        if not self.categorical:
            return "numeric"
        if not self.numeric:
            return "categorical"
        return "mixed"

    @property
    def has_missing(self) -> bool:
        return any(c.missing_rate > 0 for c in self.columns)

    def inexact_columns(self) -> list[ColumnSpec]:
        """Integer columns whose values span more than 2**53: no float64 arithmetic keeps them exact."""
        return [c for c in self.numeric if not c.exact]

    def check_exact(self, method: str) -> None:
        """Raise InputError when ``method`` would have to invent values of an inexact column.

        Called before a method that makes new values (not copies) runs, so that nothing is
        trained for rows that could not be decoded exactly.
        """
        bad = self.inexact_columns()
        if bad:
            c = bad[0]
            raise InputError(
                f"integer column {c.name!r} holds values from {c.minimum} to {c.maximum}, more than 2**53 apart: "
                f"float64 arithmetic cannot make exact new values for it, so {method!r} cannot run on it; "
                f"pass categorical=[{c.name!r}] if it is an identifier or code, convert it to float64 if "
                "approximate values will do, or drop it (method='random' copies rows and keeps it exact)"
            )

    def column(self, name: Hashable) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise InputError(f"no feature column {name!r}")

    def to_dict(self) -> dict:
        return {
            "target": self.target.to_dict(),
            "columns": [c.to_dict() for c in self.columns],
            "order": [json_scalar(c) for c in self.order],
        }


# ====================================================================== helpers
def _infer_target(series: pd.Series, name: Hashable) -> TargetSpec:
    n_missing = int(series.isna().sum())
    if n_missing:
        raise InputError(
            f"target column {name!r} has {n_missing} missing label(s); drop those rows or fill them before sampling"
        )
    if pd.api.types.is_float_dtype(series.dtype) and not np.all(np.mod(series.to_numpy(dtype=float), 1) == 0):
        raise InputError(
            f"target column {name!r} holds continuous values (e.g. {series.iloc[0]!r}); "
            "gensample oversamples classes: use a column of class labels"
        )
    values = series.to_numpy()
    uniques = pd.unique(series)
    try:
        labels = sorted(uniques.tolist() if hasattr(uniques, "tolist") else list(uniques))
    except TypeError:  # labels of mixed types: keep first-seen order
        labels = list(uniques)
    counts = [int(c) for c in pd.Series(values).value_counts(sort=False).reindex(labels).to_numpy()]
    if len(labels) < 2:
        raise InputError(
            f"target column {name!r} has a single class ({labels[0]!r}); oversampling needs at least two classes"
        )
    return TargetSpec(name, series.dtype, labels, counts)


def _infer_column(series: pd.Series, name: Hashable, force_categorical: bool) -> ColumnSpec:
    dtype = series.dtype
    missing = series.isna().to_numpy()
    missing_rate = float(missing.mean()) if len(series) else 0.0
    na_value = series[missing].iloc[0] if missing.any() else np.nan
    if missing.all():
        return ColumnSpec(name, EMPTY, dtype, 1.0, na_value)
    if force_categorical or _is_categorical_dtype(dtype):
        return _categorical_spec(series, name, dtype, missing_rate, na_value)
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnSpec(name, BOOLEAN, dtype, missing_rate, na_value, minimum=0.0, maximum=1.0)
    if pd.api.types.is_integer_dtype(dtype):
        vals = int_values(series.dropna())
        lo, hi = int(vals.min()), int(vals.max())
        if max(abs(lo), abs(hi)) > EXACT_FLOAT_INT:  # kept exact: float(lo) may round (2**62 + 1 -> 2**62)
            return ColumnSpec(name, INTEGER, dtype, missing_rate, na_value, minimum=lo, maximum=hi)
        return ColumnSpec(name, INTEGER, dtype, missing_rate, na_value, minimum=float(lo), maximum=float(hi))
    if pd.api.types.is_float_dtype(dtype):
        vals = series.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = vals[~np.isnan(vals)]
        if np.isinf(finite).any():
            raise InputError(
                f"column {name!r} holds infinite values; replace them (e.g. with NaN) before sampling"
            )
        return ColumnSpec(name, CONTINUOUS, dtype, missing_rate, na_value, minimum=float(finite.min()), maximum=float(finite.max()))
    if pd.api.types.is_datetime64_any_dtype(dtype):
        idx = pd.DatetimeIndex(series)
        ns = to_ns(idx)[~missing]
        resolution = "ns"
        for unit, step in DATETIME_RESOLUTIONS:
            if np.all(ns % step == 0):
                resolution = unit
                break
        days = ns / NS_PER_DAY
        return ColumnSpec(
            name, DATETIME, dtype, missing_rate, na_value,
            minimum=float(days.min()), maximum=float(days.max()), resolution=resolution, tz=idx.tz,
        )
    if dtype == object:
        nonnull = series[~missing]
        kinds = {type(v) for v in nonnull.iloc[: min(len(nonnull), 1000)]}
        unhashable = [k for k in kinds if k.__hash__ is None]
        if unhashable:
            raise InputError(
                f"column {name!r} holds {unhashable[0].__name__} values; gensample needs one scalar per cell"
            )
        return _categorical_spec(series, name, dtype, missing_rate, na_value)
    raise InputError(
        f"column {name!r} has dtype {dtype}, which gensample does not handle; convert it to a number, "
        "text, category, bool or datetime column (or drop it) before sampling"
    )


def _is_categorical_dtype(dtype) -> bool:
    return isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype) and dtype != object


def _categorical_spec(series, name, dtype, missing_rate, na_value) -> ColumnSpec:
    nonnull = series.dropna()
    if isinstance(dtype, pd.CategoricalDtype):
        observed = set(nonnull.cat.codes.unique().tolist())
        categories = [c for i, c in enumerate(dtype.categories) if i in observed]
    else:
        uniques = pd.unique(nonnull.to_numpy())
        try:
            categories = sorted(uniques.tolist())
        except TypeError:
            categories = list(uniques)
    return ColumnSpec(name, CATEGORICAL, dtype, missing_rate, na_value, categories=categories)
