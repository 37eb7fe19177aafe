"""ADASYN (He, Bai, Garcia and Li 2008), via imbalanced-learn, on any table.

Each row of the class makes a share of the new rows proportional to how many of its
``n_neighbors`` nearest rows (whole table) belong to other classes; each new row lies
between it and one of its ``n_neighbors`` nearest rows of the class.

imbalanced-learn's ``ADASYN`` does the work in a :class:`~.space.MixedSpace` (SMOTE-NC's
distance on mixed tables, Hamming on all-categorical ones; categorical cells take the nearer
endpoint's category). Its per-row counts are rounded, so it makes about, not exactly, the
rows asked; gensample asks again for any shortfall and keeps a uniform random subset of
exactly the rows planned (see :func:`._family.draw_exactly`).

Decisions taken instead of failing, each warned and kept in the result:

* a class none of whose rows has a neighbour in another class (where ADASYN's weights are
  0/0 and imbalanced-learn raises) gets plain SMOTE rows;
* ``n_neighbors`` above the class's rows minus one is lowered (imbalanced-learn uses the same
  count for the whole-table and the within-class neighbours).
"""

from __future__ import annotations

import numpy as np

from ..schema import EncodedTable
from ._family import PerClassGenerator, class_space, draw_exactly, label, lowered
from .space import class_rows
from .params import Integer


class ADASYN(PerClassGenerator):
    """Adaptive synthetic sampling: more new rows where the class is mixed with others.

    Parameters
    ----------
    n_neighbors : int, default 5
        Neighbours used both to weight rows (whole table) and to interpolate (the class).
    """

    name = "adasyn"
    description = "ADASYN: more new rows from the class's rows surrounded by other classes"
    defaults = {"n_neighbors": 5}
    needs_all_rows = True

    parameter_constraints = {"n_neighbors": [Integer(1)]}

    def _one_class(self, table: EncodedTable, code: int, n: int, rng: np.random.Generator, notes: list):
        from imblearn.over_sampling import ADASYN as Sampler

        rows = class_rows(table, code)
        lab = label(table, code)
        k = lowered(self.name, "n_neighbors", self.params["n_neighbors"], len(rows) - 1,
                    f"class {lab!r} has {len(rows)} rows", notes)
        used = {"n_neighbors": k}
        space, X = class_space(table, code, self.name)

        def make(n_after: int, random_state: int):
            return Sampler(sampling_strategy={code: n_after}, n_neighbors=k, random_state=random_state)

        try:
            new = draw_exactly(make, X, table.y, code, n, rng)
        except RuntimeError as exc:
            if "majority" not in str(exc):
                raise
            numeric, categorical = self._smote_instead(
                table, code, n, k, rng, notes,
                f"no row of class {lab!r} has a row of another class among its {k} nearest, so "
                "ADASYN's weights are undefined",
            )
            return numeric, categorical, used
        numeric, categorical = self._top_up(table, code, new, space, n, k, rng, notes)
        return numeric, categorical, used
