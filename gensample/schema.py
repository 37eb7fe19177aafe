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

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import GenerationError, InputError
from .utils import json_scalar

#: Old private name of :func:`gensample.utils.json_scalar`, kept while modules move to the public one.
_json_scalar = json_scalar

CONTINUOUS = "continuous"
INTEGER = "integer"
BOOLEAN = "boolean"
CATEGORICAL = "categorical"
DATETIME = "datetime"
EMPTY = "empty"  # a column with no observed value at all: it stays missing in every synthetic row
NUMERIC_KINDS = (CONTINUOUS, INTEGER, BOOLEAN, DATETIME)

#: Largest magnitude up to which every integer is exactly a float64.
EXACT_FLOAT_INT = 2**53

_NS_PER_DAY = 86_400 * 10**9
# Datetime resolutions tried from coarsest to finest, in nanoseconds.
DATETIME_RESOLUTIONS = (
    ("D", _NS_PER_DAY),
    ("h", 3_600 * 10**9),
    ("min", 60 * 10**9),
    ("s", 10**9),
    ("ms", 10**6),
    ("us", 10**3),
    ("ns", 1),
)


@dataclass
class ColumnSpec:
    """What gensample knows about one feature column."""

    name: Hashable
    kind: str
    dtype: Any
    missing_rate: float = 0.0
    na_value: Any = None
    categories: list = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    resolution: str | None = None  # datetime only
    tz: Any = None  # datetime only

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def wide(self) -> bool:
        """An integer column with values beyond 2**53 (its range is then kept as exact ints)."""
        # By magnitude, not by type: a range read back as floats (an older model card) still
        # decodes through the offsets it was encoded with, if not to the last unit.
        return (self.kind == INTEGER and self.minimum is not None and self.maximum is not None
                and max(abs(self.minimum), abs(self.maximum)) > EXACT_FLOAT_INT)

    @property
    def offset(self) -> int:
        """The exact integer subtracted before encoding (0 unless the column is wide and exact).

        The float64 nearest the minimum, as an int: the same whether the range was kept as
        exact ints or read back as floats, so a model card that stored floats still decodes
        through the offsets its model was trained on.
        """
        if self.wide and self.exact:
            return int(float(self.minimum))
        return 0

    @property
    def exact(self) -> bool:
        """Whether float64 arithmetic on the encoded column gives exact values back."""
        # Half a unit of the minimum's float is added by rounding the offset base.
        return not self.wide or int(self.maximum) - int(self.minimum) <= EXACT_FLOAT_INT // 2

    def to_dict(self) -> dict:
        """A JSON-safe description (used in provenance records and model cards)."""
        out = {
            "name": json_scalar(self.name),
            "kind": self.kind,
            "dtype": str(self.dtype),
            "missing_rate": round(float(self.missing_rate), 6),
        }
        if self.kind == CATEGORICAL:
            out["categories"] = [json_scalar(c) for c in self.categories]
        if self.minimum is not None:
            out["minimum"] = self.minimum
            out["maximum"] = self.maximum
        if self.resolution is not None:
            out["resolution"] = self.resolution
            out["tz"] = None if self.tz is None else str(self.tz)
        return out


@dataclass
class TargetSpec:
    """The target column: its labels (exact objects, in a fixed order) and dtype."""

    name: Hashable
    dtype: Any
    labels: list
    counts: list

    def to_dict(self) -> dict:
        return {
            "name": json_scalar(self.name),
            "dtype": str(self.dtype),
            "labels": [json_scalar(v) for v in self.labels],
            "counts": [int(c) for c in self.counts],
        }


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
            categorical[:, j] = _encode_categorical(frame[spec.name], spec)
        y = _codes(frame[self.target.name], self.target.labels)
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
                series = _all_missing(spec, n)
            elif spec.kind == CATEGORICAL:
                series = _decode_categorical(categorical[:, cat_idx[id(spec)]], spec, miss)
            else:
                series = _decode_numeric(numeric[:, num_idx[id(spec)]], spec, miss)
            _insert_in_order(frame, spec.name, series, rank)
        label_array = np.empty(len(self.target.labels), dtype=object)
        label_array[:] = self.target.labels
        target = _series_from_values(label_array[np.asarray(y, dtype=np.int64)], self.target.dtype)
        _insert_in_order(frame, self.target.name, target, rank)
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
        vals = _int_values(series.dropna())
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
        ns = _to_ns(idx)[~missing]
        resolution = "ns"
        for unit, step in DATETIME_RESOLUTIONS:
            if np.all(ns % step == 0):
                resolution = unit
                break
        days = ns / _NS_PER_DAY
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


def _to_ns(idx: pd.DatetimeIndex) -> np.ndarray:
    """Integer nanoseconds of wall-clock time (tz-aware columns: local time); NaT gives garbage, mask it.

    Wall-clock time, not UTC, so that a column of local midnights keeps whole days whatever
    daylight-saving offset each date has.
    """
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    return idx.as_unit("ns").asi8


def _codes(series: pd.Series, categories: list) -> np.ndarray:
    """Position of each value in ``categories`` (-1 when missing or unseen)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    lookup = pd.Index(categories, dtype=object) if len(categories) else pd.Index([], dtype=object)
    codes = lookup.get_indexer(series.astype(object).to_numpy())
    return codes.astype(np.int32)


def encode_numeric(series: pd.Series, spec: ColumnSpec) -> np.ndarray:
    """One non-categorical column as float64, as :meth:`TableSchema.encode` encodes it
    (datetimes in days, booleans 0/1, wide integers as offsets); missing cells NaN. The
    fidelity scorers use it so that they measure the space the generators work in."""
    if spec.kind == DATETIME:
        idx = pd.DatetimeIndex(series)
        out = _to_ns(idx).astype(np.float64) / _NS_PER_DAY
        out[np.asarray(idx.isna())] = np.nan
        return out
    if spec.kind == BOOLEAN:
        return series.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan) if series.dtype == bool else series.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    if spec.kind == INTEGER and spec.offset:
        if pd.api.types.is_integer_dtype(series.dtype):
            return _encode_wide(series, spec.offset)
        # Not integers (rows from elsewhere, e.g. a fidelity report's): the same offsets, as floats.
        return series.to_numpy(dtype=np.float64, na_value=np.nan) - float(spec.offset)
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _int_values(series: pd.Series) -> np.ndarray:
    """The cells of an integer Series without missing cells, as an exact int64/uint64 array."""
    dtype = series.dtype
    numpy_dtype = dtype if isinstance(dtype, np.dtype) else getattr(dtype, "numpy_dtype", np.dtype(np.int64))
    wide = np.uint64 if numpy_dtype.kind == "u" else np.int64
    return series.to_numpy(dtype=wide)


def _is_unsigned(dtype) -> bool:
    return (dtype.kind if isinstance(dtype, np.dtype) else dtype.numpy_dtype.kind) == "u"


def _ordered_bits(values: np.ndarray) -> np.ndarray:
    """Integers as uint64 in the same order (int64: sign bit flipped): differences wrap, never overflow."""
    if values.dtype == np.uint64:
        return values
    return values.astype(np.int64).view(np.uint64) ^ np.uint64(1 << 63)


def _ordered_base(base: int, unsigned: bool) -> np.uint64:
    """``base`` in the domain of :func:`_ordered_bits`, modulo 2**64 (the base may be 2**64)."""
    return np.uint64((base if unsigned else base + (1 << 63)) % (1 << 64))


def _encode_wide(series: pd.Series, base: int) -> np.ndarray:
    """``value - base`` of every cell as float64, computed in integer arithmetic (NaN when missing).

    Exact when the difference is at most 2**53 (every cell of the rows the schema was built
    from); cells far outside the range (rows made elsewhere, scored by a fidelity report) get
    the nearest float.
    """
    missing = series.isna().to_numpy()
    out = np.full(len(series), np.nan)
    if missing.all():
        return out
    unsigned = _is_unsigned(series.dtype)
    u = _ordered_bits(_int_values(series[~missing]))
    ub = _ordered_base(base, unsigned)
    exact = (u - ub).view(np.int64).astype(np.float64)  # wraps modulo 2**64: right while |diff| < 2**63
    approx = u.astype(np.float64) - float(ub)
    out[~missing] = np.where(np.abs(approx) < 2.0**62, exact, approx)
    return out


def _decode_wide(values: np.ndarray, spec: ColumnSpec) -> np.ndarray:
    """Whole offsets (already rounded) back to exact integers in ``[minimum, maximum]``, int64 or uint64."""
    base = spec.offset
    unsigned = _is_unsigned(spec.dtype)
    lo, hi = int(spec.minimum) - base, int(spec.maximum) - base  # both within 2**53: exact as floats
    off = np.clip(values, float(lo), float(hi)).astype(np.int64).view(np.uint64)
    bits = off + _ordered_base(base, unsigned)  # modulo 2**64, like the encoding
    return bits if unsigned else (bits ^ np.uint64(1 << 63)).view(np.int64)


def _encode_categorical(series: pd.Series, spec: ColumnSpec) -> np.ndarray:
    return _codes(series, spec.categories)


def _all_missing(spec: ColumnSpec, n: int) -> pd.Series:
    if isinstance(spec.dtype, np.dtype) and spec.dtype.kind == "f":
        return pd.Series(np.full(n, np.nan, dtype=spec.dtype))
    if isinstance(spec.dtype, np.dtype) and spec.dtype.kind == "O":
        return pd.Series(np.array([spec.na_value] * n, dtype=object))
    return pd.Series(pd.array([None] * n, dtype=spec.dtype))


def _insert_in_order(frame: pd.DataFrame, name, series: pd.Series, rank: dict) -> None:
    """Insert a column where it stands in the input's column order."""
    loc = sum(1 for c in frame.columns if rank[c] < rank[name])
    frame.insert(loc, name, series.to_numpy() if isinstance(series.dtype, np.dtype) else series.array)


def _decode_numeric(values: np.ndarray, spec: ColumnSpec, miss: np.ndarray | None) -> pd.Series:
    values = np.array(values, dtype=np.float64)  # a copy: the caller's array stays as it was
    if spec.kind == INTEGER and spec.wide:
        return _decode_wide_series(values, spec, miss)
    if spec.kind in (INTEGER, BOOLEAN):
        # Round half to even, never truncate: 47.53 -> 48, 0.6 -> True. Then stay inside the
        # observed range (SVM-SMOTE extrapolates beyond it).
        values = np.clip(np.rint(values), spec.minimum, spec.maximum)
    elif spec.kind == DATETIME:
        values = np.clip(values, spec.minimum, spec.maximum)
    if miss is None or not miss.any():
        miss = None
    dtype = spec.dtype
    if spec.kind == DATETIME:
        step = dict(DATETIME_RESOLUTIONS)[spec.resolution]
        ns = np.rint(values * _NS_PER_DAY / step).astype(np.int64) * step
        idx = pd.DatetimeIndex(ns.astype("datetime64[ns]"))
        if spec.tz is not None:  # back from wall-clock time; DST gaps and repeats resolved forward / as standard time
            idx = idx.tz_localize(spec.tz, ambiguous=np.zeros(len(idx), dtype=bool), nonexistent="shift_forward")
        out = pd.Series(idx).astype(dtype)
        if miss is not None:
            out[miss] = pd.NaT
        return out
    if spec.kind == BOOLEAN:
        if miss is None:
            return pd.Series(values.astype(bool)).astype(dtype)
        arr = pd.array(values.astype(bool), dtype="boolean")
        arr[miss] = pd.NA
        return pd.Series(arr).astype(dtype)
    if spec.kind == INTEGER:
        if isinstance(dtype, np.dtype):  # numpy ints cannot hold missing cells; input had none
            return pd.Series(values.astype(dtype))
        arr = pd.array(values.astype(np.int64), dtype=dtype)
        if miss is not None:
            arr[miss] = pd.NA
        return pd.Series(arr)
    # continuous
    if miss is not None:
        values[miss] = np.nan
    if isinstance(dtype, np.dtype):
        return pd.Series(values.astype(dtype, copy=False))
    arr = pd.array(values, dtype=dtype)
    if miss is not None:
        arr[miss] = pd.NA
    return pd.Series(arr)


def _decode_wide_series(values: np.ndarray, spec: ColumnSpec, miss: np.ndarray | None) -> pd.Series:
    """A wide integer column (see :attr:`ColumnSpec.wide`) back to its exact integers."""
    if not spec.exact:
        raise GenerationError(
            f"integer column {spec.name!r} spans {spec.minimum} to {spec.maximum}, more than 2**53: its new values "
            f"cannot be decoded exactly; pass categorical=[{spec.name!r}] or convert it to float64"
        )
    finite = np.isfinite(values)
    if not finite.all() and (miss is None or not miss[~finite].all()):
        raise GenerationError(f"column {spec.name!r}: the method returned non-finite values for an integer column")
    whole = _decode_wide(np.where(finite, np.rint(values), 0.0), spec)
    dtype = spec.dtype
    if isinstance(dtype, np.dtype):  # numpy ints cannot hold missing cells; the input had none
        return pd.Series(whole.astype(dtype))
    arr = pd.array(whole.astype(dtype.numpy_dtype), dtype=dtype)
    if miss is not None and miss.any():
        arr[miss] = pd.NA
    return pd.Series(arr)


def _decode_categorical(codes: np.ndarray, spec: ColumnSpec, miss: np.ndarray | None) -> pd.Series:
    codes = np.asarray(codes, dtype=np.int64)
    if len(spec.categories) == 0:
        return _all_missing(spec, len(codes))
    bad = (codes < 0) | (codes >= len(spec.categories))
    if bad.any():
        # Every method returns codes of observed categories (imputed before, missing cells put
        # back after): anything else is a bug upstream, not something to clip into a category.
        raise GenerationError(
            f"column {spec.name!r}: {int(bad.sum())} new row(s) hold category code {int(codes[bad][0])}, outside "
            f"0..{len(spec.categories) - 1} (the column's {len(spec.categories)} categories); this is a bug in "
            "the method that made the rows (or a saved model whose card does not match its weights)"
        )
    cats = np.empty(len(spec.categories), dtype=object)
    cats[:] = spec.categories
    values = cats[codes]
    if miss is not None and miss.any():
        values = values.copy()
        values[miss] = spec.na_value
    else:
        miss = None
    return _series_from_values(values, spec.dtype, na_mask=miss)


def _series_from_values(values: Sequence, dtype, na_mask: np.ndarray | None = None) -> pd.Series:
    """A Series of exactly ``dtype`` holding ``values`` (which are observed objects)."""
    if isinstance(dtype, pd.CategoricalDtype):
        codes = dtype.categories.get_indexer(pd.Index(list(values), dtype=object))
        if na_mask is not None:
            codes = np.where(na_mask, -1, codes)
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype))
    if isinstance(dtype, np.dtype):
        if dtype.kind == "O":
            if isinstance(values, np.ndarray) and values.dtype == object:
                return pd.Series(values, dtype=object, copy=False)
            arr = np.empty(len(values), dtype=object)
            arr[:] = list(values)
            return pd.Series(arr, dtype=object)
        return pd.Series(np.asarray(values).astype(dtype))
    return pd.Series(pd.array(list(values), dtype=dtype))
