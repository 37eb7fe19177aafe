"""SMOTE (Chawla et al. 2002), with SMOTE-NC on mixed and SMOTE-N on categorical tables.

Numeric tables: each new row lies on the segment between a real row of the class and one of
its ``k_neighbors`` nearest neighbours in that class, at a uniform random position.

Mixed tables (SMOTE-NC): neighbours are found with SMOTE-NC's distance (Euclidean on numeric
columns plus the median numeric standard deviation for every categorical mismatch, see
:mod:`._space`); numeric cells are interpolated as above and each categorical cell takes the
value most frequent among the base row's k neighbours (ties: the first category in sorted
order), as in the paper and imbalanced-learn's ``SMOTENC``.

All-categorical tables (SMOTE-N): imbalanced-learn's ``SMOTEN`` (value difference metric
over the whole table; new cells are the neighbours' most frequent values) on category codes.

Why not imbalanced-learn's ``SMOTE``/``SMOTENC`` for the first two: they return the whole
table stacked with the new rows (a copy of everything), ``SMOTENC`` one-hot encodes the whole
table although only the class's rows need neighbours (85 s and 6.8 GiB on a 1M-row mixed
table), and neither handles integer/boolean rounding, text columns or missing cells. Here only
the class's rows are encoded, and new rows are written in bounded chunks.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ..schema import EncodedTable
from ._space import MixedSpace, class_rows, effective_k
from .base import Generated, Generator, warn

_CHUNK = 1 << 16


class SMOTE(Generator):
    """Synthetic Minority Over-sampling TEchnique; SMOTE-NC/SMOTE-N chosen from the table.

    Parameters
    ----------
    k_neighbors : int, default 5
        Neighbours within the class to interpolate towards. Lowered (with a warning, and
        recorded in the result's ``params``) for a class with no more than ``k_neighbors`` rows.
    """

    name = "smote"
    description = "SMOTE: interpolation between a row and a near neighbour of its class (SMOTE-NC / SMOTE-N on mixed / categorical tables)"
    min_rows = 2
    defaults = {"k_neighbors": 5}

    def _validate_params(self) -> None:
        self._check_int("k_neighbors", 1)

    def needs_all_rows_for(self, schema) -> bool:
        # SMOTE-N's value difference metric uses the class frequencies of the whole table.
        return schema.data_kind == "categorical"

    def _generate(self, table: EncodedTable, plan: dict, rng: np.random.Generator) -> Generated:
        k_asked = self.params["k_neighbors"]
        total = sum(plan.values())
        # One output block filled class by class: no per-class arrays to stack afterwards.
        numeric = np.empty((total, table.numeric.shape[1]), dtype=np.float64)
        categorical = np.empty((total, table.categorical.shape[1]), dtype=np.int64)
        y = np.empty(total, dtype=np.int64)
        used_k, notes, start = {}, [], 0
        for code, n in plan.items():
            rows = class_rows(table, code)
            k = effective_k(k_asked, len(rows))
            if k < k_asked:
                label = table.schema.target.labels[code]
                warn(
                    f"{self.name}: class {label!r} has {len(rows)} rows, so k_neighbors was lowered from {k_asked} to {k}",
                    notes,
                )
            used_k[code] = k
            block = slice(start, start + n)
            if table.schema.data_kind == "categorical":
                numeric[block], categorical[block] = _smoten(table, code, n, k, rng)
            else:
                interpolate(table, rows, n, k, rng, categorical_rule="vote", out=(numeric[block], categorical[block]))
            y[block] = code
            start += n
        ks = set(used_k.values())
        labels = table.schema.target.labels
        k_param = ks.pop() if len(ks) == 1 else {labels[c]: k for c, k in used_k.items()}
        return Generated(numeric, categorical, y, params={"k_neighbors": k_param}, notes=notes)


def neighbours(X: np.ndarray, k: int) -> np.ndarray:
    """Indices of each row's ``k`` nearest other rows of ``X`` (exact, Euclidean)."""
    nn = NearestNeighbors(n_neighbors=k + 1).fit(X)
    idx = nn.kneighbors(X, return_distance=False)
    # A row is normally its own first neighbour; with duplicate rows it may not be, so drop
    # "self" by identity rather than by column: a stable sort moves it to the end.
    is_self = idx == np.arange(X.shape[0])[:, None]
    order = np.argsort(is_self, axis=1, kind="stable")
    out = np.take_along_axis(idx, order, axis=1)[:, :k].astype(np.int64)
    return out


def interpolate(
    table: EncodedTable,
    rows: np.ndarray,
    n: int,
    k: int,
    rng: np.random.Generator,
    categorical_rule: str = "vote",
    out: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """SMOTE(-NC) new rows for the class made of ``rows``: ``n`` rows, ``k`` neighbours.

    ``categorical_rule`` is ``"vote"`` (SMOTE-NC: most frequent value among the base's k
    neighbours) or ``"nearest"`` (the value of the nearer endpoint of the segment).
    ``out`` optionally gives the (numeric, categorical) arrays to fill.
    """
    num = table.numeric[rows]
    cat = table.categorical[rows]
    space = MixedSpace(table, rows)
    X = space.embed(num, cat) if cat.shape[1] else num
    nn = neighbours(X, k)
    base = rng.integers(0, len(rows), size=n)
    pick = nn[base, rng.integers(0, k, size=n)]
    gap = rng.random(n)
    if out is None:
        out = (np.empty((n, num.shape[1]), dtype=np.float64), np.empty((n, cat.shape[1]), dtype=np.int64))
    out_num, out_cat = out
    for start in range(0, n, _CHUNK):
        sl = slice(start, start + _CHUNK)
        b, p = num[base[sl]], num[pick[sl]]
        np.subtract(p, b, out=p)
        p *= gap[sl, None]
        np.add(b, p, out=out_num[sl])
    if cat.shape[1] == 0:
        pass
    elif categorical_rule == "vote":
        out_cat[:] = _neighbour_mode(cat, nn, space.sizes)[base]
    else:
        out_cat[:] = np.where((gap < 0.5)[:, None], cat[base], cat[pick])
    return out_num, out_cat


def _neighbour_mode(cat: np.ndarray, nn: np.ndarray, sizes: list) -> np.ndarray:
    """For every row, the most frequent code of each categorical column among its neighbours."""
    m, k = nn.shape
    out = np.empty((m, cat.shape[1]), dtype=np.int64)
    rows = np.repeat(np.arange(m), k)
    for j, size in enumerate(sizes):
        votes = np.zeros((m, size), dtype=np.int64)
        np.add.at(votes, (rows, cat[nn.ravel(), j]), 1)
        out[:, j] = np.argmax(votes, axis=1)
    return out


def _smoten(table: EncodedTable, code: int, n: int, k: int, rng: np.random.Generator):
    from imblearn.over_sampling import SMOTEN

    count = int((table.y == code).sum())
    sampler = SMOTEN(
        sampling_strategy={code: count + n},
        k_neighbors=k,
        random_state=int(rng.integers(0, 2**31 - 1)),
    )
    X_res, _ = sampler.fit_resample(table.categorical, table.y)
    new = np.asarray(X_res[len(table.y):], dtype=np.int64)
    return np.empty((n, 0), dtype=np.float64), new
