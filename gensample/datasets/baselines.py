"""Baselines that make rows without learning anything: the floor a generator must beat.

:func:`independent_marginals` resamples every column on its own, so it keeps each column's
marginal and breaks every dependency between columns. Every generator claim in
``benchmarks/`` is measured beside it (and SMOTE) on held-out real rows.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ..errors import InputError, ParameterError


def independent_marginals(real: pd.DataFrame, n: int, random_state: int | None = None) -> pd.DataFrame:
    """``n`` rows whose columns are each bootstrapped on their own from ``real``.

    Every column keeps its marginal distribution (missing cells are resampled like any
    value) and its dtype; every dependency between columns is broken. The floor any
    generator that claims to learn structure must beat.

    Parameters
    ----------
    real : DataFrame
        The rows to resample (not modified).
    n : int
        Rows to make (>= 0).
    random_state : int or None
        Seed: the same seed gives the same rows.

    Returns
    -------
    DataFrame
        ``n`` rows, the columns and dtypes of ``real``, index ``0..n-1``.
    """
    if not isinstance(real, pd.DataFrame):
        raise InputError(f"real must be a pandas DataFrame, got {type(real).__name__}")
    if real.columns.has_duplicates:
        dup = sorted({str(c) for c in real.columns[real.columns.duplicated()]})
        raise InputError(f"real has duplicated column names: {', '.join(dup)}")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ParameterError(f"n must be an integer >= 0, got {n!r}")
    if len(real) == 0 and n > 0:
        raise InputError("real has no rows to resample")
    rng = np.random.default_rng(random_state)
    cols = {}
    for j, c in enumerate(real.columns):
        idx = rng.integers(0, len(real), int(n))
        cols[j] = real.iloc[:, j].iloc[idx].reset_index(drop=True)
    out = pd.DataFrame(cols)
    out.columns = real.columns
    return out
