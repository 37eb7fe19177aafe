"""The corrected resampled t-test that ``compare``'s verdict and answer are judged with.

Nadeau & Bengio (2003): folds of repeated k-fold share training rows, so the plain paired
t-test on per-fold differences is far too eager; the variance is inflated by
``n_test / n_train``. Written here because scipy has no such test. (The selection engine's
one-sided variant is :func:`gensample.selection.engine`'s own.)
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def corrected_resampled_ttest(differences: np.ndarray, test_train_ratio: float) -> float:
    """Two-sided p-value of Nadeau & Bengio's corrected resampled t-test on per-fold differences.

    Parameters
    ----------
    differences : array-like of float
        One difference per fold (non-finite ones are left out).
    test_train_ratio : float
        Mean test rows over mean training rows of the folds.

    Returns
    -------
    float
        NaN with fewer than two finite differences; 1.0 (0.0) when every difference is the
        same and zero (non-zero).
    """
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    n = len(d)
    if n < 2:
        return float("nan")
    var = np.var(d, ddof=1)
    mean = float(np.mean(d))
    if var == 0:
        return 1.0 if mean == 0 else 0.0
    t = mean / math.sqrt((1.0 / n + test_train_ratio) * var)
    return float(2 * stats.t.sf(abs(t), df=n - 1))


def format_p(p) -> str:
    """A p-value for a sentence: three decimals, ``<0.001`` below that, ``n/a`` when undefined."""
    if p is None or not np.isfinite(p):
        return "n/a"
    return f"{p:.3f}" if p >= 0.001 else "<0.001"
