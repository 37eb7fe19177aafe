"""Polynomial-fitting SMOTE (Gazzah and Amara 2008), written here from the paper.

S. Gazzah and N. E. B. Amara, "New oversampling approaches based on polynomial fitting for
imbalanced data sets", 8th IAPR International Workshop on Document Analysis Systems (DAS
2008), pp. 677-684, doi:10.1109/DAS.2008.74. Ranked first of 85 oversamplers on 104 data sets
by G. Kovacs, "An empirical comparison and evaluation of minority oversampling techniques on
a large number of imbalanced datasets", Applied Soft Computing 83 (2019) 105662.

The paper places new rows on a *topology* drawn through the class's rows:

``star`` (the default, as in smote-variants, the implementation Kovacs ranked)
    Segments from every row to the class's centroid; each row gets ``N / rows`` new points
    evenly spaced on its segment (``i / (k + 1)``, ``i = 1..k``).
``bus``
    One chain through the rows; each link gets evenly spaced new points.
``mesh``
    Every pair of rows; new points at the midpoints of distinct random pairs (evenly spaced
    on every pair when more points than pairs are needed).
``polynomial``
    A polynomial curve of degree ``degree`` fitted to every coordinate along the chain
    (position ``t`` in the chain as the variable); new points at uniform random ``t``.

Choices the paper leaves open, made here: the chain (``bus``, ``polynomial``) visits the rows
in greedy nearest-neighbour order from the row farthest from the centroid, not in the order
the rows happen to be stored (smote-variants uses storage order, which links unrelated rows);
for classes above 3000 rows it orders them along their first principal component to stay
fast. Counts are exact: the remainder of ``N / units`` goes to randomly chosen units.

Mixed and categorical tables: rows live in a :class:`~.space.MixedSpace` (SMOTE-NC's scaling
of one-hot blocks; Hamming on all-categorical tables). On segments between two rows a
categorical cell takes the nearer endpoint's category (either one, at random, at exact
midpoints). Towards the centroid (``star``) and on the fitted curve (``polynomial``) it is the
arg-max of the one-hot block: the row's own category near the row, the class's most frequent
one near the centroid; the fitted blocks sum to a positive constant, so the arg-max is a
category the class has.

Why by hand: smote-variants (the reference implementation) pulls TensorFlow and cannot be
cloned by scikit-learn; its ``star``/``bus`` counts are not exact and its polynomial topology
repeats one point.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import polynomial as P

from ..schema import EncodedTable
from ._family import PerClassGenerator, label, lowered, nearer_endpoint
from .space import MixedSpace, class_rows
from .params import Integer, Options

TOPOLOGIES = ("star", "bus", "mesh", "polynomial")
#: Largest class ordered by the greedy nearest-neighbour chain (quadratic time).
_GREEDY_LIMIT = 3000
#: Largest class whose row pairs are listed outright for ``mesh``.
_PAIR_LIST_LIMIT = 2000


class PolynomFitSMOTE(PerClassGenerator):
    """Polynomial-fitting SMOTE: new rows on a star, bus, mesh or polynomial curve through the class.

    Parameters
    ----------
    topology : {"star", "bus", "mesh", "polynomial"}, default "star"
        Where new rows are placed (see the module documentation).
    degree : int, default 2
        Degree of the fitted curve; used by ``topology="polynomial"`` only. Lowered to the
        class's rows minus one when larger.
    """

    name = "polynom-fit-smote"
    description = "Polynomial-fitting SMOTE (Gazzah & Amara 2008): rows on a star/bus/mesh/polynomial topology"
    defaults = {"topology": "star", "degree": 2}

    parameter_constraints = {"topology": [Options(*TOPOLOGIES)], "degree": [Integer(1)]}

    def _one_class(self, table: EncodedTable, code: int, n: int, rng: np.random.Generator, notes: list):
        rows = class_rows(table, code)
        num, cat = table.numeric[rows], table.categorical[rows]
        space = MixedSpace(table, rows)
        X = space.embed(num, cat)
        topology = self.params["topology"]
        degree = self.params["degree"]
        if topology == "star":
            numeric, categorical = space.split(_star(X, n, rng))
        elif topology == "bus":
            order = _chain(X)
            a, b, gap = _evenly_on(order[:-1], order[1:], n, rng)
            numeric, categorical = _between(num, cat, a, b, gap, rng)
        elif topology == "mesh":
            a, b, gap = _mesh(len(rows), n, rng)
            numeric, categorical = _between(num, cat, a, b, gap, rng)
        else:
            if degree > len(rows) - 1:
                degree = lowered(self.name, "degree", degree, len(rows) - 1,
                                 f"class {label(table, code)!r} has {len(rows)} rows", notes)
            numeric, categorical = space.split(_polynomial(X[_chain(X)], degree, n, rng))
        return numeric, categorical, {"topology": topology, "degree": degree}


def _spread(n: int, units: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` split over ``units`` as evenly as possible; the remainder goes to random units."""
    counts = np.full(units, n // units, dtype=np.int64)
    counts[rng.choice(units, size=n % units, replace=False)] += 1
    return counts


def _positions(counts: np.ndarray) -> np.ndarray:
    """For a unit with ``k`` points: ``1/(k+1), ..., k/(k+1)``, concatenated over units."""
    total = int(counts.sum())
    k = np.repeat(counts, counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    i = np.arange(total) - first + 1
    return i / (k + 1.0)


def _star(X: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    counts = _spread(n, len(X), rng)
    base = np.repeat(np.arange(len(X)), counts)
    gap = _positions(counts)[:, None]
    centre = X.mean(axis=0)
    return X[base] + gap * (centre - X[base])


def _evenly_on(a: np.ndarray, b: np.ndarray, n: int, rng: np.random.Generator):
    counts = _spread(n, len(a), rng)
    return np.repeat(a, counts), np.repeat(b, counts), _positions(counts)


def _between(num, cat, a, b, gap, rng):
    numeric = num[a] + gap[:, None] * (num[b] - num[a])
    return numeric, nearer_endpoint(cat[a], cat[b], gap, rng)


def _chain(X: np.ndarray) -> np.ndarray:
    """An order of the rows in which consecutive rows are near each other."""
    m = len(X)
    centre = X.mean(axis=0)
    if m > _GREEDY_LIMIT:
        centred = X - centre
        _, _, vt = np.linalg.svd(centred[:: max(1, m // _GREEDY_LIMIT)], full_matrices=False)
        return np.argsort(centred @ vt[0], kind="stable")
    start = int(np.argmax(((X - centre) ** 2).sum(axis=1)))
    order = np.empty(m, dtype=np.int64)
    visited = np.zeros(m, dtype=bool)
    current = start
    for step in range(m):
        order[step] = current
        visited[current] = True
        if step == m - 1:
            break
        d = ((X - X[current]) ** 2).sum(axis=1)
        d[visited] = np.inf
        current = int(np.argmin(d))
    return order


def _mesh(m: int, n: int, rng: np.random.Generator):
    """Endpoints and positions of ``n`` points on the segments between pairs of ``m`` rows."""
    n_pairs = m * (m - 1) // 2
    if n <= n_pairs:
        if m <= _PAIR_LIST_LIMIT:
            i, j = np.triu_indices(m, k=1)
            pick = rng.choice(n_pairs, size=n, replace=False)
            a, b = i[pick], j[pick]
        else:
            a, b = _distinct_pairs(m, n, rng)
        return a, b, np.full(n, 0.5)
    # More points than pairs: k evenly spaced points on every pair, then n of them at random.
    k = math.ceil(n / n_pairs)
    i, j = np.triu_indices(m, k=1)
    counts = np.full(n_pairs, k, dtype=np.int64)
    a, b, gap = np.repeat(i, counts), np.repeat(j, counts), _positions(counts)
    pick = np.sort(rng.choice(len(a), size=n, replace=False))
    return a[pick], b[pick], gap[pick]


def _distinct_pairs(m: int, n: int, rng: np.random.Generator):
    """``n`` distinct unordered pairs of ``m`` rows (``n`` well below ``m (m-1) / 2``), by rejection."""
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < n:
        i = rng.integers(0, m, size=2 * n)
        j = rng.integers(0, m, size=2 * n)
        ok = i != j
        new = np.minimum(i, j)[ok] * m + np.maximum(i, j)[ok]
        merged = np.concatenate([keys, new])
        _, first = np.unique(merged, return_index=True)
        keys = merged[np.sort(first)]
    keys = keys[:n]
    return keys // m, keys % m


def _polynomial(chain_X: np.ndarray, degree: int, n: int, rng: np.random.Generator) -> np.ndarray:
    m = len(chain_X)
    # The chain position scaled to [-1, 1] keeps the least-squares fit well conditioned.
    t = np.linspace(-1.0, 1.0, m)
    coef = P.polyfit(t, chain_X, degree)
    t_new = rng.uniform(-1.0, 1.0, size=n)
    return P.polyval(t_new, coef).T
