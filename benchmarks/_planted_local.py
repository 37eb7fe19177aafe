"""A planted-structure table for the deep-training benchmark (used until gensample.datasets.planted exists).

Minority class: x1 from two clusters (+-2.5, sd 0.7), x2 = 0.9 * x1 + N(0, 0.4),
x3 = (x1 - mu)**2 + N(0, 0.3) (U-shaped in x1, invisible to a linear correlation), a category
``band`` set by x1's band (three values), a bounded integer ``count`` in 0..20 rising with x2,
and 10 % of ``x3`` missing at random. Majority: the same columns under a different law (x1 one
wide Gaussian, x2 independent of x1, x3 linear in x1, the category at random).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def planted_table(n_minority: int, n_majority: int | None = None, random_state=0) -> pd.DataFrame:
    rng = np.random.default_rng(random_state)
    n_majority = 3 * n_minority if n_majority is None else int(n_majority)

    m = int(n_minority)
    centre = np.where(rng.random(m) < 0.5, -2.5, 2.5)
    x1 = centre + rng.normal(0, 0.7, m)
    x2 = 0.9 * x1 + rng.normal(0, 0.4, m)
    x3 = (x1 - centre) ** 2 + rng.normal(0, 0.3, m)
    band = np.where(x1 < -2.5, "low", np.where(x1 < 2.5, "mid", "high"))
    count = np.clip(np.rint(10 + 2.5 * x2 + rng.normal(0, 1.0, m)), 0, 20).astype(int)
    mino = pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "band": band, "count": count, "Class": "positive"})

    k = n_majority
    y1 = rng.normal(0, 2.0, k)
    maj = pd.DataFrame({
        "x1": y1,
        "x2": rng.normal(0, 2.0, k),
        "x3": 0.5 * y1 + rng.normal(0, 1.0, k),
        "band": rng.choice(["low", "mid", "high"], k),
        "count": rng.integers(0, 21, k),
        "Class": "negative",
    })
    df = pd.concat([mino, maj], ignore_index=True)
    miss = rng.random(len(df)) < 0.10
    df.loc[miss, "x3"] = np.nan
    return df.sample(frac=1.0, random_state=int(rng.integers(2**31 - 1))).reset_index(drop=True)
