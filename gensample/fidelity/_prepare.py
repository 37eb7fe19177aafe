"""Turn one class's real rows and the synthetic rows into the arrays every measure reads.

Both frames are encoded with one :class:`~gensample.schema.TableSchema`, so a column has the
same kind, the same category codes and the same units (datetimes in days) on both sides.
Missing cells stay visible: numeric cells as NaN, categorical cells as code ``-1``. A
categorical value the schema never saw (possible when the caller passes a schema built on
other data) gets one extra code per column instead of being mistaken for a missing cell.

Distances (PRDC, nearest-record distances, k-means modes, MMD) use one Euclidean embedding:
numeric columns standardised with the real rows' mean and standard deviation, a 0/1 missing
indicator for each numeric column with missing cells, and each categorical column one-hot
encoded (missing and unseen values have their own slot) and scaled by ``1/sqrt(2)``, so that a
category mismatch is as far as one standard deviation on a numeric column. This is the
``MixedSpace`` idea of the generators (SMOTE-NC's distance) on standardised columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..schema import BOOLEAN, CATEGORICAL, EMPTY, ColumnSpec, TableSchema
from ..utils import nan_moments

#: Categorical levels kept in the embedding per column (by real frequency); rarer levels
#: share one slot. Keeps the embedding narrow for high-cardinality columns; exact-copy
#: detection uses the full codes, not the embedding.
MAX_LEVELS_EMBEDDED = 64


@dataclass
class Side:
    """Encoded rows of one side (real or synthetic)."""

    numeric: np.ndarray  # (n, p) float64, NaN = missing
    categorical: np.ndarray  # (n, q) int64, -1 = missing, len(categories) = unseen value
    missing: np.ndarray  # (n, f) bool, over ``Prepared.features`` (EMPTY columns included)

    @property
    def n(self) -> int:
        return int(self.missing.shape[0])

    def take(self, rows: np.ndarray) -> Side:
        return Side(self.numeric[rows], self.categorical[rows], self.missing[rows])


@dataclass
class Prepared:
    """Real and synthetic rows of one class, encoded with one schema."""

    schema: TableSchema
    real: Side
    synthetic: Side
    features: list  # ColumnSpec of every compared column, schema order (EMPTY included)
    numeric: list  # ColumnSpec per column of ``Side.numeric``
    categorical: list  # ColumnSpec per column of ``Side.categorical``
    levels: list  # per categorical column: number of codes (categories + 1 for unseen)
    mean: np.ndarray = field(default=None)
    std: np.ndarray = field(default=None)

    def __post_init__(self):
        # nan_moments, not np.nanmean: a column whose real cells are all missing (the whole
        # table's schema, a class without a value there) would warn "Mean of empty slice".
        mean, var = nan_moments(self.real.numeric)
        std = np.sqrt(var)
        self.mean = np.where(np.isfinite(mean), mean, 0.0)
        self.std = np.where(np.isfinite(std) & (std > 0), std, 1.0)

    # -------------------------------------------------------------- embedding
    def embedder(self) -> Embedder:
        return Embedder(self)


class Embedder:
    """The Euclidean embedding described in the module docstring, fitted on the real rows."""

    def __init__(self, prep: Prepared):
        self.mean, self.std = prep.mean, prep.std
        real, syn = prep.real, prep.synthetic
        self.indicators = np.flatnonzero(
            np.isnan(real.numeric).any(axis=0) | np.isnan(syn.numeric).any(axis=0)
        ) if real.numeric.size or syn.numeric.size else np.empty(0, np.int64)
        self.maps = []  # per categorical column: code+1 -> slot (code -1 = missing at index 0)
        for j, n_codes in enumerate(prep.levels):
            counts = np.bincount(real.categorical[:, j] + 1, minlength=n_codes + 1)
            order = np.argsort(-counts, kind="stable")
            slot = np.full(n_codes + 1, min(n_codes + 1, MAX_LEVELS_EMBEDDED) - 1, dtype=np.int64)
            keep = order[: MAX_LEVELS_EMBEDDED - 1] if n_codes + 1 > MAX_LEVELS_EMBEDDED else order
            slot[keep] = np.arange(len(keep))
            self.maps.append(slot)
        self.widths = [int(m.max()) + 1 for m in self.maps]

    @property
    def width(self) -> int:
        return len(self.mean) + len(self.indicators) + int(sum(self.widths))

    def __call__(self, side: Side, rows: np.ndarray | None = None) -> np.ndarray:
        num = side.numeric if rows is None else side.numeric[rows]
        cat = side.categorical if rows is None else side.categorical[rows]
        n = num.shape[0]
        out = np.zeros((n, self.width), dtype=np.float64)
        p = num.shape[1]
        z = (num - self.mean) / self.std
        miss = np.isnan(z)
        z[miss] = 0.0
        out[:, :p] = z
        col = p
        for j in self.indicators:
            out[:, col] = miss[:, j]
            col += 1
        rows_idx = np.arange(n)
        scale = 1.0 / np.sqrt(2.0)
        for j, slot in enumerate(self.maps):
            out[rows_idx, col + slot[cat[:, j] + 1]] = scale
            col += self.widths[j]
        return out


# ====================================================================== preparation
def prepare(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema) -> Prepared:
    """Encode ``real`` and ``synthetic`` (feature columns of ``schema``) with ``schema``."""
    features = list(schema.columns)
    numeric = [c for c in features if c.is_numeric]
    categorical = [c for c in features if c.kind == CATEGORICAL]
    levels = [len(c.categories) + 1 for c in categorical]
    real_side = _encode(real, schema, numeric, categorical, features)
    syn_side = _encode(synthetic, schema, numeric, categorical, features)
    return Prepared(schema, real_side, syn_side, features, numeric, categorical, levels)


def _encode(frame: pd.DataFrame, schema: TableSchema, numeric, categorical, features) -> Side:
    # Why not schema.encode: it needs the target column and maps unseen categories to -1,
    # which would count a foreign value as a missing cell.
    n = len(frame)
    num = np.empty((n, len(numeric)), dtype=np.float64)
    for j, spec in enumerate(numeric):
        num[:, j] = _numeric_values(frame[spec.name], spec, schema)
    cat = np.empty((n, len(categorical)), dtype=np.int64)
    for j, spec in enumerate(categorical):
        series = frame[spec.name]
        lookup = pd.Index(spec.categories, dtype=object)
        codes = lookup.get_indexer(series.astype(object).to_numpy()).astype(np.int64)
        isna = series.isna().to_numpy()
        codes[(codes < 0) & ~isna] = len(spec.categories)  # unseen value: its own code
        codes[isna] = -1
        cat[:, j] = codes
    missing = (
        np.column_stack([frame[c.name].isna().to_numpy() for c in features])
        if features
        else np.zeros((n, 0), dtype=bool)
    )
    return Side(num, cat, missing)


def _numeric_values(series: pd.Series, spec: ColumnSpec, schema: TableSchema) -> np.ndarray:
    from ..schema import encode_numeric  # the one numeric encoding of the package

    if spec.kind == BOOLEAN and not (pd.api.types.is_bool_dtype(series.dtype) or series.dtype == object):
        # A boolean column read back from CSV as 0/1 numbers.
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    try:
        return encode_numeric(series, spec)
    except (TypeError, ValueError):
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def concat(a: Side, b: Side) -> Side:
    return Side(np.vstack([a.numeric, b.numeric]), np.vstack([a.categorical, b.categorical]),
                np.vstack([a.missing, b.missing]))


#: Rows of the pool that permutation nulls draw from (real and synthetic in proportion).
POOL_ROWS = 10_000


def pooled(real: Side, syn: Side, rng: np.random.Generator) -> Side | None:
    """Real rows then synthetic rows, as one Side, for permutation nulls.

    Above ``POOL_ROWS`` rows in all, a random subsample keeping the real:synthetic
    proportion stands for the pool (a permutation draws from the pooled distribution, which
    the subsample represents).
    """
    n, m = real.n, syn.n
    if n + m <= POOL_ROWS:
        return concat(real, syn)
    a = max(1, int(round(POOL_ROWS * n / (n + m))))
    b = max(1, POOL_ROWS - a)
    ra = np.sort(rng.choice(n, size=min(a, n), replace=False))
    rb = np.sort(rng.choice(m, size=min(b, m), replace=False))
    return concat(real.take(ra), syn.take(rb))


def row_keys(side: Side) -> np.ndarray:
    """One 64-bit hash per row over every encoded cell (missing cells included).

    Used for exact copies and duplicate rows; a collision between two different rows has a
    probability of about n^2 / 2^64, negligible at any table size gensample handles.
    """
    num = side.numeric.copy()
    num[np.isnan(num)] = -np.finfo(np.float64).max  # one marker for every missing cell
    num[num == 0.0] = 0.0  # -0.0 and 0.0 are the same value
    parts = {f"n{j}": num[:, j] for j in range(num.shape[1])}
    parts.update({f"c{j}": side.categorical[:, j] for j in range(side.categorical.shape[1])})
    if not parts:
        return np.zeros(side.n, dtype=np.uint64)
    frame = pd.DataFrame(parts)
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def compared(features: list) -> list:
    """Feature columns that have values to compare (all but the all-missing ones)."""
    return [c for c in features if c.kind != EMPTY]
