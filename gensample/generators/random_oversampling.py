"""Random oversampling: repeat real rows of the class, drawn with replacement."""

from __future__ import annotations

import numpy as np

from ..schema import EncodedTable
from .base import Generated, Generator


class RandomOverSampling(Generator):
    """Duplicate randomly chosen rows of the class (imbalanced-learn's RandomOverSampler).

    The copies are the user's own rows, missing cells and all; it is also the fallback for
    classes too small to interpolate (one row).
    """

    name = "random"
    description = "Random oversampling: duplicates real rows of the class (exact copies)"
    family = "copy"
    min_rows = 1
    defaults: dict = {}

    def _generate(self, table: EncodedTable, plan: dict, rng: np.random.Generator) -> Generated:
        chosen, labels = [], []
        for code, n in plan.items():
            rows = np.flatnonzero(table.y == code)
            chosen.append(rows[rng.integers(0, len(rows), size=n)])
            labels.append(np.full(n, code, dtype=np.int64))
        picked = np.concatenate(chosen)
        return Generated(
            table.numeric[picked],
            table.categorical[picked],
            np.concatenate(labels),
            copied_from=picked,
        )
