"""SMOTE (Chawla et al. 2002), with SMOTE-NC on mixed and SMOTE-N on categorical tables.

Numeric tables: each new row lies on the segment between a real row of the class and one of
its ``k_neighbors`` nearest neighbours in that class, at a uniform random position.

Mixed tables (SMOTE-NC): neighbours are found with SMOTE-NC's distance (Euclidean on numeric
columns plus the median numeric standard deviation for every categorical mismatch, see
:mod:`.space`); numeric cells are interpolated as above.

All-categorical tables (SMOTE-N): neighbours within the class by the value difference metric
(imbalanced-learn's ``ValueDifferenceMetric``, fitted on the whole table's class frequencies).

Categorical cells, ``categorical_rule``:

* ``"endpoint"`` (default): the value of one of the two real rows the new row lies between
  (mixed: the endpoint nearer the interpolated point, so category and numbers stay
  consistent; categorical: chosen per column with even odds). Category frequencies are kept
  in expectation.
* ``"vote"`` (the papers' rule and imbalanced-learn's ``SMOTENC``/``SMOTEN``): the value most
  frequent among the base row's k neighbours (ties: the first category in sorted order). It
  favours each neighbourhood's majority value, so rare categories are under-produced.

Why "endpoint" is the default (``benchmarks/bench_categorical_rule.py``, the 17 KEEL sets with
categorical columns): the mean total-variation distance of the categorical marginals to the
real minority is 0.023 with "endpoint" against 0.126 with "vote", which never produced 23
minority categories in all (e.g. ``Doors='5more'``, 18 of 69 minority rows of ``car-good``);
downstream PR-AUC is no worse (0.7456 against 0.7424; higher in 13, lower in 5 of 34
set-classifier pairs, Wilcoxon p = 0.07; the largest loss is car-good with a random forest).
The neighbour search keeps SMOTE-NC's / SMOTE-N's distance either way.

Why not imbalanced-learn's ``SMOTE``/``SMOTENC`` for the first two: they return the whole
table stacked with the new rows (a copy of everything), ``SMOTENC`` one-hot encodes the whole
table although only the class's rows need neighbours (85 s and 6.8 GiB on a 1M-row mixed
table), and neither handles integer/boolean rounding, text columns or missing cells. Here only
the class's rows are encoded, and new rows are written in bounded chunks.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib

import numpy as np
import scipy.sparse as sp

from ..schema import EncodedTable
from . import fast_neighbours
from .space import MixedSpace, class_rows, effective_k, kneighbors
from .base import Generated, Generator, warn
from .params import Integer, Options

_CHUNK = 1 << 16


class SMOTE(Generator):
    """Synthetic Minority Over-sampling TEchnique; SMOTE-NC/SMOTE-N chosen from the table.

    Parameters
    ----------
    k_neighbors : int, default 5
        Neighbours within the class to interpolate towards. Lowered (with a warning, and
        recorded in the result's ``params``) for a class with no more than ``k_neighbors`` rows.
    categorical_rule : {"endpoint", "vote"}, default "endpoint"
        How categorical cells are chosen on mixed and categorical tables (see the module notes).
    """

    name = "smote"
    description = "SMOTE: interpolation between a row and a near neighbour of its class (SMOTE-NC / SMOTE-N on mixed / categorical tables)"
    min_rows = 2
    defaults = {"k_neighbors": 5, "categorical_rule": "endpoint"}

    parameter_constraints = {"k_neighbors": [Integer(1)], "categorical_rule": [Options("endpoint", "vote")]}

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
            rule = self.params["categorical_rule"]
            if table.schema.data_kind == "categorical":
                categorical[block] = _smoten(table, rows, n, k, rng, rule)
            else:
                interpolate(table, rows, n, k, rng, categorical_rule=rule, out=(numeric[block], categorical[block]))
            y[block] = code
            start += n
        ks = set(used_k.values())
        labels = table.schema.target.labels
        k_param = ks.pop() if len(ks) == 1 else {labels[c]: k for c, k in used_k.items()}
        params = {"k_neighbors": k_param, "categorical_rule": self.params["categorical_rule"]}
        return Generated(numeric, categorical, y, params=params, notes=notes)


_REMEMBERED: contextvars.ContextVar = contextvars.ContextVar("gensample_smote_neighbours", default=None)


@contextlib.contextmanager
def remembered_neighbours(memo: dict):
    """Within the block, :func:`neighbours` answers again from ``memo`` for the same ``X`` and ``k``.

    For the streamed path's parts (:mod:`gensample.scale.blocks`): every part searches the
    same class rows, and the search is most of a part's cost (10^5 rows x 29: 42 CPU s).
    Only the answers are kept (n x k integers), keyed by a digest of ``X``'s bytes.
    """
    token = _REMEMBERED.set(memo)
    try:
        yield
    finally:
        _REMEMBERED.reset(token)


def neighbours(X, k: int) -> np.ndarray:
    """Indices of each row's ``k`` nearest other rows of ``X`` (exact, Euclidean; dense or CSR)."""
    return _remembered((X.shape, str(X.dtype), int(k), _digest(X)), lambda: _neighbours(X, k))


def mixed_neighbours(numeric: np.ndarray, codes: np.ndarray, penalty: float, k: int) -> np.ndarray:
    """Indices of each row's ``k`` nearest other rows in SMOTE-NC's distance, by the compiled search.

    The same neighbours as :func:`neighbours` of the rows' :class:`MixedSpace` embedding
    (``penalty`` = the square of its ``med_std``), up to the order of distances that tie to
    within rounding (:mod:`.fast_neighbours`).
    """
    def search():
        return fast_neighbours.kneighbors((numeric, codes), (numeric, codes), penalty, k, exclude_self=True)[1]

    key = ("mixed", numeric.shape, codes.shape, int(k), float(penalty), _digest(numeric), _digest(codes))
    return _remembered(key, search)


def _remembered(key, compute):
    memo = _REMEMBERED.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _digest(X) -> str:
    h = hashlib.blake2b(digest_size=32)
    if sp.issparse(X):
        X = X.tocsr()
        for part in (X.indptr, X.indices, X.data):
            h.update(np.ascontiguousarray(part))
        h.update(b"csr")
    else:
        h.update(np.ascontiguousarray(X))
    return h.hexdigest()


def _neighbours(X, k: int) -> np.ndarray:
    idx = kneighbors(X, X, k + 1, return_distance=False)
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
    neighbours) or ``"endpoint"`` (the value of the nearer endpoint of the segment).
    ``out`` optionally gives the (numeric, categorical) arrays to fill.
    """
    num = table.numeric[rows]
    cat = table.categorical[rows]
    space = MixedSpace(table, rows)
    if cat.shape[1] and fast_neighbours.applies(len(rows), len(rows), num):
        # A large mixed class: scikit-learn would search the one-hot embedding (sparse, one
        # thread, ~35 ns a pair); the compiled search uses the numbers and codes themselves.
        nn = mixed_neighbours(num, cat, space.med_std ** 2, k)
    else:
        X = space.embed_for_search(num, cat) if cat.shape[1] else num
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


def _smoten(table: EncodedTable, rows: np.ndarray, n: int, k: int, rng: np.random.Generator, rule: str) -> np.ndarray:
    """SMOTE-N: ``n`` rows of category codes for the class made of ``rows``.

    Why not imbalanced-learn's ``SMOTEN`` itself: it returns the whole table stacked, finds
    neighbours by Euclidean distance between rows of the VDM distance matrix (an m x m matrix
    for a class of m rows) and counts each row among its own neighbours. Here the neighbours
    are the k nearest other rows by VDM, computed in bounded chunks; its
    ``ValueDifferenceMetric`` is used as it is.
    """
    from imblearn.metrics.pairwise import ValueDifferenceMetric

    codes = table.categorical
    sizes = [max(len(c.categories), 1) for c in table.schema.categorical]
    vdm = ValueDifferenceMetric(n_categories=sizes).fit(codes, table.y)
    X = codes[rows]
    nn = np.empty((len(rows), k), dtype=np.int64)
    step = max(1, (1 << 22) // max(len(rows), 1))
    for start in range(0, len(rows), step):
        dist = vdm.pairwise(X[start : start + step], X)
        dist[np.arange(dist.shape[0]), np.arange(start, start + dist.shape[0])] = np.inf  # not itself
        part = np.argpartition(dist, k - 1, axis=1)[:, :k] if k < len(rows) else np.argsort(dist, axis=1)[:, :k]
        order = np.take_along_axis(dist, part, axis=1).argsort(axis=1, kind="stable")
        nn[start : start + dist.shape[0]] = np.take_along_axis(part, order, axis=1)
    base = rng.integers(0, len(rows), size=n)
    if rule == "vote":
        return _neighbour_mode(X, nn, sizes)[base]
    pick = nn[base, rng.integers(0, k, size=n)]
    take_base = rng.random((n, X.shape[1])) < 0.5
    return np.where(take_base, X[base], X[pick]).astype(np.int64)
