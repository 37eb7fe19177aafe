"""Cell codecs: one column of the user's table to float64 numbers or category codes, and back.

:meth:`gensample.schema.TableSchema.encode` / ``decode`` call these per column; the decisions
they make (rounding, clipping to the observed range, exact integer arithmetic beyond 2**53,
refusing out-of-range category codes, the column's own datetime resolution) are the guarantees
listed in :mod:`gensample.schema`. Apart from it only to keep each module to one job.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .columns import BOOLEAN, ColumnSpec, DATETIME, DATETIME_RESOLUTIONS, INTEGER, NS_PER_DAY
from .errors import GenerationError


def to_ns(idx: pd.DatetimeIndex) -> np.ndarray:
    """Integer nanoseconds of wall-clock time (tz-aware columns: local time); NaT gives garbage, mask it.

    Wall-clock time, not UTC, so that a column of local midnights keeps whole days whatever
    daylight-saving offset each date has.
    """
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    return idx.as_unit("ns").asi8


def category_codes(series: pd.Series, categories: list) -> np.ndarray:
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
        out = to_ns(idx).astype(np.float64) / NS_PER_DAY
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


def int_values(series: pd.Series) -> np.ndarray:
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
    u = _ordered_bits(int_values(series[~missing]))
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


def encode_categorical(series: pd.Series, spec: ColumnSpec) -> np.ndarray:
    return category_codes(series, spec.categories)


def all_missing(spec: ColumnSpec, n: int) -> pd.Series:
    if isinstance(spec.dtype, np.dtype) and spec.dtype.kind == "f":
        return pd.Series(np.full(n, np.nan, dtype=spec.dtype))
    if isinstance(spec.dtype, np.dtype) and spec.dtype.kind == "O":
        return pd.Series(np.array([spec.na_value] * n, dtype=object))
    return pd.Series(pd.array([None] * n, dtype=spec.dtype))


def insert_in_order(frame: pd.DataFrame, name, series: pd.Series, rank: dict) -> None:
    """Insert a column where it stands in the input's column order."""
    loc = sum(1 for c in frame.columns if rank[c] < rank[name])
    frame.insert(loc, name, series.to_numpy() if isinstance(series.dtype, np.dtype) else series.array)


def decode_numeric(values: np.ndarray, spec: ColumnSpec, miss: np.ndarray | None) -> pd.Series:
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
        ns = np.rint(values * NS_PER_DAY / step).astype(np.int64) * step
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


def decode_categorical(codes: np.ndarray, spec: ColumnSpec, miss: np.ndarray | None) -> pd.Series:
    codes = np.asarray(codes, dtype=np.int64)
    if len(spec.categories) == 0:
        return all_missing(spec, len(codes))
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
    return series_from_values(values, spec.dtype, na_mask=miss)


def series_from_values(values: Sequence, dtype, na_mask: np.ndarray | None = None) -> pd.Series:
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
