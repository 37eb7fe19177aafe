"""SVM-SMOTE (Nguyen, Cooper and Kamei 2011), via imbalanced-learn, on any table.

A support vector machine (``SVC``, RBF kernel, ``gamma="scale"``) is fitted on the whole
table; the class's support vectors that are not noise (all ``m_neighbors`` nearest rows in
other classes) seed the new rows. Support vectors in danger interpolate towards one of their
``k_neighbors`` nearest rows of the class; safe ones extrapolate away from it by up to
``out_step`` of the segment, widening the class's region.

imbalanced-learn's ``SVMSMOTE`` does the work in a :class:`~.space.MixedSpace` (SMOTE-NC's
distance on mixed tables, Hamming on all-categorical ones). Extrapolated points keep the
base row's categories (the arg-max of each one-hot block), and integer, boolean and datetime
cells are clipped to the observed range when decoded; continuous cells may leave the class's
range by design.

imbalanced-learn makes only part of the rows asked when the class has no support vector in
danger, or none safe; gensample asks again for the shortfall and keeps a uniform random
subset of exactly the rows planned. Decisions taken instead of failing, each warned and
kept: a class whose support vectors are all noise (or that has none) gets plain SMOTE rows;
``k_neighbors`` above the class's rows minus one and ``m_neighbors`` above the table's rows
minus one are lowered.
"""

from __future__ import annotations

import numpy as np

from ..schema import EncodedTable
from ._family import PerClassGenerator, class_space, draw_exactly, label, lowered
from .space import class_rows
from .params import Integer, Real


class SVMSMOTE(PerClassGenerator):
    """SVM-SMOTE: new rows around the class's support vectors.

    Parameters
    ----------
    k_neighbors : int, default 5
        Neighbours of the class to interpolate towards (or extrapolate from).
    m_neighbors : int, default 10
        Neighbours (whole table) that decide whether a support vector is noise or in danger.
    out_step : float, default 0.5
        Largest extrapolation step, as a fraction of the segment, for safe support vectors.
    """

    name = "svm-smote"
    description = "SVM-SMOTE: new rows around the class's SVM support vectors (extrapolates where safe)"
    defaults = {"k_neighbors": 5, "m_neighbors": 10, "out_step": 0.5}
    needs_all_rows = True

    parameter_constraints = {"k_neighbors": [Integer(1)], "m_neighbors": [Integer(1)], "out_step": [Real(0.0, 1.0)]}

    def _one_class(self, table: EncodedTable, code: int, n: int, rng: np.random.Generator, notes: list):
        from imblearn.over_sampling import SVMSMOTE as Sampler

        rows = class_rows(table, code)
        lab = label(table, code)
        k = lowered(self.name, "k_neighbors", self.params["k_neighbors"], len(rows) - 1,
                    f"class {lab!r} has {len(rows)} rows", notes)
        m = lowered(self.name, "m_neighbors", self.params["m_neighbors"], table.n_rows - 1,
                    f"the table has {table.n_rows} rows", notes)
        out_step = float(self.params["out_step"])
        used = {"k_neighbors": k, "m_neighbors": m, "out_step": out_step}
        space, X = class_space(table, code, self.name)

        def make(n_after: int, random_state: int):
            return Sampler(sampling_strategy={code: n_after}, k_neighbors=k, m_neighbors=m,
                           out_step=out_step, random_state=random_state)

        try:
            new = draw_exactly(make, X, table.y, code, n, rng)
        except ValueError as exc:
            # "All support vectors are considered as noise", or no support vector of the
            # class at all (an empty array reaches the neighbour search).
            text = str(exc)
            if "noise" not in text and "0 sample" not in text:
                raise
            numeric, categorical = self._smote_instead(
                table, code, n, k, rng, notes,
                f"the SVM has no support vector of class {lab!r} that is not noise",
            )
            return numeric, categorical, used
        numeric, categorical = self._top_up(table, code, new, space, n, k, rng, notes)
        return numeric, categorical, used
