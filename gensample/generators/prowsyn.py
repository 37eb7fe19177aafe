"""ProWSyn (Barua, Islam and Murase 2013), written here from the paper.

S. Barua, M. M. Islam and K. Murase, "ProWSyn: Proximity Weighted Synthetic Oversampling
Technique for Imbalanced Data Set Learning", PAKDD 2013, LNCS 7819, pp. 317-328,
doi:10.1007/978-3-642-37456-2_27. Ranked second of 85 oversamplers on 104 data sets by
G. Kovacs, Applied Soft Computing 83 (2019) 105662.

The class's rows are split into proximity levels by their distance to the other classes:
for level ``l = 1 .. L-1``, every row of another class takes its ``n_neighbors`` nearest rows
among the class rows not yet assigned, and those rows form level ``l``; the rows left form
level ``L``. A row at level ``l`` weighs ``exp(-theta (l - 1))``, so rows near the boundary
seed more new rows, and the weights are normalised into the share of new rows each row
seeds. Each new row lies at a uniform random position between its seed and another random
row of the same level. Defaults are the paper's and smote-variants' (``L=5``,
``theta=1``, ``n_neighbors=5``).

Choices made here: the weights are per row, as the paper assigns them to the minority rows
(smote-variants weighs whole levels instead, so a level of three rows gets as many new rows
as one of three hundred); the number of rows each seed makes is a multinomial draw, so the total is exactly
the rows planned; a row alone in its level interpolates towards its nearest row of the
class. Distances are computed in a :class:`~.space.MixedSpace` (SMOTE-NC's distance on mixed
tables, Hamming on all-categorical ones); categorical cells take the category of the nearer
endpoint.

Why by hand: there is no ProWSyn in imbalanced-learn, and smote-variants pulls TensorFlow
and cannot be cloned by scikit-learn.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ..schema import EncodedTable
from ._family import PerClassGenerator, class_space, label, lowered, nearer_endpoint
from .space import class_rows
from .params import Integer, Real


class ProWSyn(PerClassGenerator):
    """Proximity-weighted synthetic oversampling: rows near other classes seed more new rows.

    Parameters
    ----------
    n_neighbors : int, default 5
        Class rows each row of another class claims per proximity level.
    L : int, default 5
        Number of proximity levels.
    theta : float, default 1.0
        How fast weights fall with the level (``exp(-theta (level - 1))``); 0 weighs all rows alike.
    """

    name = "prowsyn"
    description = "ProWSyn (Barua et al. 2013): proximity-weighted interpolation, rows near other classes first"
    defaults = {"n_neighbors": 5, "L": 5, "theta": 1.0}
    needs_all_rows = True

    parameter_constraints = {"n_neighbors": [Integer(1)], "L": [Integer(1)], "theta": [Real(0.0)]}

    def _one_class(self, table: EncodedTable, code: int, n: int, rng: np.random.Generator, notes: list):
        rows = class_rows(table, code)
        k = lowered(self.name, "n_neighbors", self.params["n_neighbors"], len(rows),
                    f"class {label(table, code)!r} has {len(rows)} rows", notes)
        levels_wanted = int(self.params["L"])
        theta = float(self.params["theta"])
        _, X = class_space(table, code, self.name)
        X_class = X[rows]
        others = X[table.y != code]
        level = _proximity_levels(X_class, others, k, levels_wanted)

        weight = np.exp(-theta * (level - 1.0))
        weight /= weight.sum()
        seeds = np.repeat(np.arange(len(rows)), rng.multinomial(n, weight))
        partner = _partners(X_class, level, seeds, rng)
        gap = rng.random(len(seeds))
        num, cat = table.numeric[rows], table.categorical[rows]
        numeric = num[seeds] + gap[:, None] * (num[partner] - num[seeds])
        categorical = nearer_endpoint(cat[seeds], cat[partner], gap, rng)
        # Rows come out grouped by seed; shuffle so the order carries no information.
        order = rng.permutation(len(seeds))
        return numeric[order], categorical[order], {"n_neighbors": k, "L": levels_wanted, "theta": theta}


def _proximity_levels(X_class: np.ndarray, others: np.ndarray, k: int, levels: int) -> np.ndarray:
    """Level (1 = nearest the other classes .. ``levels``) of every class row."""
    level = np.full(len(X_class), levels, dtype=np.int64)
    left = np.arange(len(X_class))
    for current in range(1, levels):
        if len(left) == 0 or len(others) == 0:
            break
        nn = NearestNeighbors(n_neighbors=min(k, len(left))).fit(X_class[left])
        claimed = np.unique(nn.kneighbors(others, return_distance=False))
        level[left[claimed]] = current
        left = np.delete(left, claimed)
    return level


def _partners(X_class: np.ndarray, level: np.ndarray, seeds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each seed, another random row of its level (its nearest class row when alone there)."""
    partner = np.empty(len(seeds), dtype=np.int64)
    for lv in np.unique(level[seeds]):
        members = np.flatnonzero(level == lv)
        mine = np.flatnonzero(level[seeds] == lv)
        if len(members) == 1:
            nn = NearestNeighbors(n_neighbors=2).fit(X_class)
            idx = nn.kneighbors(X_class[members], return_distance=False)[0]
            partner[mine] = idx[idx != members[0]][0] if (idx != members[0]).any() else idx[1]
            continue
        # A uniform draw among the level's other rows: draw from m-1 slots and skip the seed.
        pos = np.searchsorted(members, seeds[mine])
        draw = rng.integers(0, len(members) - 1, size=len(mine))
        draw = draw + (draw >= pos)
        partner[mine] = members[draw]
    return partner
