"""Borderline-SMOTE (Han, Wang and Mao 2005), via imbalanced-learn, on any table.

A row of the class is *in danger* when at least half, but not all, of its ``m_neighbors``
nearest rows of the whole table belong to other classes. New rows are made only from rows
in danger: towards their ``k_neighbors`` nearest rows of the class (``borderline-1``), or of
the whole table (``borderline-2``, where steps towards another class's row stay within the
first half of the segment).

imbalanced-learn's ``BorderlineSMOTE`` does the work, in a :class:`~.space.MixedSpace`:
numeric columns as they are and categorical columns one-hot scaled so that distances are
SMOTE-NC's (the class's median numeric standard deviation per mismatch; Hamming distance on
all-categorical tables). Each categorical cell of a new row is the category of the nearer
endpoint of its segment; in ``borderline-2`` that is always the class's own row, since steps
towards other classes stop before the middle.

Decisions taken instead of failing, each warned and kept in the result:

* a class with no row in danger (all safe, or all noise) gets plain SMOTE rows, where
  imbalanced-learn silently makes none;
* ``k_neighbors`` above the class's rows minus one (``borderline-1``) or the table's rows minus
  one (``borderline-2``), and ``m_neighbors`` above the table's rows minus one, are lowered.
"""

from __future__ import annotations

import numpy as np

from ..schema import EncodedTable
from ._family import PerClassGenerator, class_space, label, lowered, new_rows, seed
from .space import class_rows
from .params import Integer, Options

KINDS = ("borderline-1", "borderline-2")


class BorderlineSMOTE(PerClassGenerator):
    """Borderline-SMOTE: SMOTE from the class's rows that lie near other classes.

    Parameters
    ----------
    kind : {"borderline-1", "borderline-2"}, default "borderline-1"
        Interpolate towards neighbours of the class only (1), or of the whole table (2).
    k_neighbors : int, default 5
        Neighbours to interpolate towards.
    m_neighbors : int, default 10
        Neighbours (whole table) that decide whether a row is in danger.
    """

    name = "borderline-smote"
    description = "Borderline-SMOTE: SMOTE from the class's rows near other classes (kind borderline-1 or -2)"
    defaults = {"kind": "borderline-1", "k_neighbors": 5, "m_neighbors": 10}
    needs_all_rows = True

    parameter_constraints = {"kind": [Options(*KINDS)], "k_neighbors": [Integer(1)], "m_neighbors": [Integer(1)]}

    def _one_class(self, table: EncodedTable, code: int, n: int, rng: np.random.Generator, notes: list):
        from imblearn.over_sampling import BorderlineSMOTE as Sampler

        kind = self.params["kind"]
        rows = class_rows(table, code)
        lab = label(table, code)
        if kind == "borderline-1":
            k = lowered(self.name, "k_neighbors", self.params["k_neighbors"], len(rows) - 1,
                        f"class {lab!r} has {len(rows)} rows", notes)
        else:
            k = lowered(self.name, "k_neighbors", self.params["k_neighbors"], table.n_rows - 1,
                        f"the table has {table.n_rows} rows", notes)
        m = lowered(self.name, "m_neighbors", self.params["m_neighbors"], table.n_rows - 1,
                    f"the table has {table.n_rows} rows", notes)
        used = {"kind": kind, "k_neighbors": k, "m_neighbors": m}
        space, X = class_space(table, code, self.name)
        sampler = Sampler(
            sampling_strategy={code: len(rows) + n}, k_neighbors=k, m_neighbors=m, kind=kind,
            random_state=seed(rng),
        )
        new = new_rows(sampler, X, table.y)
        if len(new) == 0:
            numeric, categorical = self._smote_instead(
                table, code, n, min(k, len(rows) - 1), rng, notes,
                f"no row of class {lab!r} is in danger (at least half but not all of its {m} nearest "
                "rows in other classes)",
            )
            return numeric, categorical, used
        numeric, categorical = space.split(new)
        return numeric, categorical, used
