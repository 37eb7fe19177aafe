"""Missing cells filled for the generators: each from the nearest row of its class that has it.

Generators see numbers without NaN (:class:`~gensample.schema.EncodedTable`), so the runner
fills a class's missing cells before a method learns from it, and afterwards gives each new
row the missing-cell pattern of a random real row (:mod:`gensample.runner`).

How a cell is filled matters to what the method learns. A class median puts every missing
cell of a column on one value, unrelated to the row's other columns: a spike that a
generator reproduces in rows the pattern does not mask, and a dependency it then learns
weaker. So each missing cell takes the value of its **nearest donor**: the row of the same
class, with that column observed, closest on the class's other numbers (standardised on the
class's observed values; a number missing in either row counts as the class mean).
One donor, not a mean of several: a donor's value is a real value of the column, so an
integer stays an integer, a category is one the class has, and the column's spread is kept.
Measured against the median on the planted table in ``benchmarks/bench_missing_fill.py``
(figures in benchmarks/README, "Missing cells").

Why by hand: scikit-learn's ``KNNImputer`` averages donors (a mean of codes is no category)
and measures distance over every column, the codes' too; the search itself is scikit-learn's
brute-force ``NearestNeighbors`` (its ``nan_euclidean_distances`` took about 10x the CPU
here). Deterministic (no random draw). The search costs recipients x donors: donors per
column and class are at most :data:`MAX_DONORS`, and fewer where the recipients are many
(:data:`MAX_PAIRS` pairs, never under :data:`MIN_DONORS` donors), taken evenly spaced in row
order. A cell gets the class median (numbers) or most frequent value (categories) where its
row has no other number, and the table-wide one where the class has no observed value at all.
"""

from __future__ import annotations

import numpy as np

from .schema import EncodedTable
from .utils import nan_moments

#: Donors searched per column and class at most (evenly spaced in row order beyond it).
MAX_DONORS = 20_000
#: Recipient x donor pairs searched per column and class (fewer donors for many recipients) ...
MAX_PAIRS = 1 << 28
#: ... but never fewer donors than this.
MIN_DONORS = 1_000


def impute(table: EncodedTable) -> EncodedTable:
    """``table`` with every missing cell filled from its nearest donor in the class (module notes).

    Parameters
    ----------
    table : EncodedTable
        Encoded rows; missing numbers are NaN and missing categories code -1.

    Returns
    -------
    EncodedTable
        The same rows, no missing cell; ``table`` itself when it has none.
    """
    num_missing = np.isnan(table.numeric)
    cat_missing = table.categorical < 0
    if not (num_missing.any() or cat_missing.any()):
        return table
    num, cat = table.numeric.copy(), table.categorical.copy()
    for code in np.unique(table.y):
        rows = np.flatnonzero(table.y == code)
        features = _standardised(table.numeric[rows])
        for j in np.flatnonzero(num_missing[rows].any(axis=0)):
            _fill(num[:, j], table.numeric[:, j], num_missing[:, j], rows, features, j, _median)
        for j in np.flatnonzero(cat_missing[rows].any(axis=0)):
            _fill(cat[:, j], table.categorical[:, j], cat_missing[:, j], rows, features, None, _most_frequent)
    return EncodedTable(num, cat, table.y, table.schema, table.positions)


def _fill(out, values, missing, rows, features, own, typical) -> None:
    """Fill ``out`` at the class's ``rows`` where ``missing``, from donors among ``rows``."""
    lacking = missing[rows]
    recipients, donors = np.flatnonzero(lacking), np.flatnonzero(~lacking)
    if not len(donors):  # the class never has this column: the table's typical value
        seen = values[~missing]
        out[rows[recipients]] = typical(seen) if len(seen) else 0
        return
    fallback = typical(values[rows[donors]])
    most = int(min(MAX_DONORS, max(MIN_DONORS, MAX_PAIRS // len(recipients))))
    if len(donors) > most:
        donors = donors[np.unique(np.linspace(0, len(donors) - 1, most).round().astype(np.int64))]
    keep = np.ones(features.shape[1], dtype=bool)
    if own is not None:
        keep[own] = False  # the column being filled is missing in every recipient
    feats = features[:, keep]
    # A row with no other number has nothing to be near: the typical value.
    seen = ~np.isnan(feats[recipients]).all(axis=1) if feats.shape[1] else np.zeros(len(recipients), bool)
    out[rows[recipients[~seen]]] = fallback
    if seen.any():
        from sklearn.neighbors import NearestNeighbors

        filled = np.nan_to_num(feats, nan=0.0)  # a missing number counts as the class mean
        search = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(filled[donors])
        nearest = search.kneighbors(filled[recipients[seen]], return_distance=False)[:, 0]
        out[rows[recipients[seen]]] = values[rows[donors[nearest]]]


def _standardised(block: np.ndarray) -> np.ndarray:
    """The class's numbers, centred and scaled on their observed values (NaN kept)."""
    if not block.shape[1]:
        return block
    mean, var = nan_moments(block)
    sd = np.sqrt(var)
    return (block - mean) / np.where(sd > 0, sd, 1.0)


def _median(seen: np.ndarray) -> float:
    return float(np.median(seen))


def _most_frequent(seen: np.ndarray) -> int:
    return int(np.bincount(seen).argmax())
