"""Noise floors: how large each statistic gets when nothing is wrong, at these sample sizes.

Every distance between two samples is positive even when both come from one distribution,
and that noise shrinks as ``sqrt(1/n + 1/m)``: a fixed cut-off that suits 10,000 rows flags
every 30-row class, and one that suits 30 rows lets anything pass at 10,000. So each verdict
threshold is ``max(noise floor, tolerance)``: the noise floor says "larger than chance at these
sizes", the tolerance (:class:`Thresholds`) says "large enough to matter".

Noise floors come from, in order of preference:

* the statistic's exact null distribution where it is distribution-free: the two-sample KS
  statistic (Kolmogorov distribution), the detection AUC (on held-out rows, under "same
  distribution" the AUC is a Mann-Whitney statistic), the expected coverage of a perfect
  generator (:func:`expected_coverage`);
* otherwise, the permutation null: the real and synthetic rows are pooled and split again
  at random into groups of the compared sizes, many times; a gamma distribution with the
  mean and variance of the statistic over these splits gives the tail
  (:func:`permutation_null`). It is the real-vs-real comparison at the same sizes that the
  statistic would see if the generator were perfect; why the pool holds the synthetic rows
  too is explained there.

Each family of tests (all columns, all pairs...) shares one false-alarm budget ``alpha``,
divided among its tests (Bonferroni), so a 30-column table is not 30 times likelier to fail
than a one-column table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields

import numpy as np
from scipy import special, stats

from ..errors import ParameterError
from ..utils import nan_moments


@dataclass(frozen=True)
class Thresholds:
    """Tolerances and false-alarm budgets of the verdict (the noise floors are computed).

    Every verdict threshold is ``max(noise floor at these sizes, tolerance)``. The defaults
    were chosen on planted cases (see ``tests/test_fidelity.py`` and ``benchmarks/README.md``).

    Attributes
    ----------
    alpha : float, default 0.002
        False-alarm budget of each family of tests (columns, pairs, detection, mode collapse
        signals, copy signals), shared among its tests. Seven families: a generator that draws
        from the real distribution passes with probability above 98 %.
    ks : float, default 0.1
        Kolmogorov-Smirnov statistic of a numeric column (0.1 is a shift of about 0.25 sd).
    tvd : float, default 0.1
        Total variation distance of a categorical or boolean column.
    wasserstein : float, default 0.25
        Wasserstein-1 distance of a numeric column, in real standard deviations.
    missing : float, default 0.05
        Difference of a column's missing-cell rate.
    correlation : float, default 0.2
        Difference of the Spearman correlation of a pair of numeric columns.
    contingency : float, default 0.15
        Total variation distance of the joint distribution of a pair of categorical columns.
    detection_auc : float, default 0.1
        Excess of the classifier two-sample test's ROC-AUC over 0.5.
    coverage : float, default 0.1
        Drop of coverage below what a perfect generator gets at these sizes.
    repeats : float, default 0.1
        Excess share of repeated values in a numeric column, or of duplicate rows.
    exact_copies : float, default 0.02
        Excess share of synthetic rows identical to a real row.
    near_copies : float, default 0.05
        Excess share of synthetic rows much nearer a real row than real rows are to each
        other (see :mod:`gensample.fidelity.copies`).
    dcr_ratio : float, default 0.1
        Median distance to the closest real record, divided by the real rows' median
        distance to their nearest other real row, under which the rows are copies.
        SMOTE gets about 0.3, fresh samples about 1.
    """

    alpha: float = 0.002
    ks: float = 0.1
    tvd: float = 0.1
    wasserstein: float = 0.25
    missing: float = 0.05
    correlation: float = 0.2
    contingency: float = 0.15
    detection_auc: float = 0.1
    coverage: float = 0.1
    repeats: float = 0.1
    exact_copies: float = 0.02
    near_copies: float = 0.05
    dcr_ratio: float = 0.1

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value):
                raise ParameterError(f"thresholds.{f.name} must be a number, got {value!r}")
            if value < 0:
                raise ParameterError(f"thresholds.{f.name} must be >= 0, got {value!r}")
        if not 0 < self.alpha < 0.5:
            raise ParameterError(f"thresholds.alpha must be in (0, 0.5), got {self.alpha!r}")

    @classmethod
    def make(cls, value) -> Thresholds:
        """Accept None (defaults), a Thresholds or a dict of overrides."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            names = {f.name for f in fields(cls)}
            unknown = [k for k in value if k not in names]
            if unknown:
                raise ParameterError(
                    f"unknown threshold {unknown[0]!r}; valid names: {', '.join(sorted(names))}"
                )
            return cls(**value)
        raise ParameterError(f"thresholds must be None, a dict or a Thresholds, got {type(value).__name__}")

    def to_dict(self) -> dict:
        return {k: float(v) for k, v in asdict(self).items()}


def z_crit(alpha: float, n_tests: int = 1) -> float:
    """One-sided normal quantile for a family of ``n_tests`` tests sharing ``alpha``."""
    return float(stats.norm.isf(alpha / max(int(n_tests), 1)))


def size_factor(n: float, m: float, a: float, b: float) -> float:
    """How much a ``sqrt(1/n + 1/m)`` noise level changes from sizes (a, b) to (n, m)."""
    return float(np.sqrt((1.0 / n + 1.0 / m) / (1.0 / a + 1.0 / b)))


def ks_floor(n: int, m: int, alpha: float) -> float:
    """Critical value of the two-sample KS statistic (Kolmogorov's limiting distribution).

    The asymptotic value is slightly above the exact one for small samples, i.e. on the
    side of fewer false alarms.
    """
    if n < 1 or m < 1:
        return np.inf
    return float(stats.kstwobign.isf(alpha) * np.sqrt((n + m) / (n * m)))


#: Measured ratio of the spread of the fold-averaged cross-validated AUC to the Mann-Whitney
#: spread, when real and synthetic rows share one distribution: 1.25 to 1.46 on 30 to 500
#: rows per side (the folds' models share training rows, so fold AUCs are not independent).
AUC_INFLATION = 1.5


def auc_sd(n: int, m: int) -> float:
    """Spread of the cross-validated detection AUC when both sides share one distribution.

    On one held-out fold and under "same distribution" the AUC is a Mann-Whitney statistic
    whatever the classifier, of standard deviation ``sqrt((n + m + 1) / (12 n m))``; the mean
    over folds varies more (:data:`AUC_INFLATION`).
    """
    return float(AUC_INFLATION * np.sqrt((n + m + 1) / (12.0 * n * m)))


def expected_coverage(n: int, m: int, k: int) -> float:
    """Coverage (Naeem et al. 2020) a perfect generator gets in expectation.

    A real row's ball reaches its k-th nearest other real row, so the probability mass ``p``
    of the ball follows Beta(k, n - k) whatever the (continuous) distribution, and the ball
    stays empty of m independent synthetic rows with probability ``E[(1 - p)^m] =
    B(k, n - k + m) / B(k, n - k)``. With n = m and k = 5 this is 1 - 2^-5 = 0.97, the value
    measured by Naeem et al.
    """
    if n <= k or m < 1:
        return np.nan
    return float(1.0 - np.exp(special.betaln(k, n - k + m) - special.betaln(k, n - k)))


def coverage_floor(n: int, m: int, k: int, alpha: float) -> float:
    """Coverage under which a perfect generator falls with probability ``alpha``.

    The number of uncovered real rows has mean ``n (1 - p)`` (``p`` the expected coverage)
    and variance 4 times the binomial one (:func:`coverage_sd`); it is right-skewed when
    few rows are uncovered, so its tail is taken from a gamma distribution with those
    moments (a normal tail put 1 % of healthy 100-row classes under the floor).
    """
    p = expected_coverage(n, m, k)
    if not np.isfinite(p):
        return np.nan
    mu = n * (1.0 - p)
    if mu <= 0:
        return 1.0
    var = n * coverage_sd(n, m, k) ** 2 * n
    q = stats.gamma.isf(alpha, a=mu**2 / var, scale=var / mu)
    return float(max(0.0, 1.0 - q / n))


def coverage_sd(n: int, m: int, k: int) -> float:
    """Spread of coverage under a perfect generator.

    Coverage averages n dependent indicators; their variance is the binomial one times an
    inflation factor of 4, above the largest measured ratio (3.4 on one-dimensional data;
    1.2 to 3.0 on Gaussian and mixture data of 2 to 30 dimensions with 30 to 2,000 rows, 150
    to 300 seeds each; ``tests/test_fidelity.py::test_coverage_null_spread``).
    """
    p = expected_coverage(n, m, k)
    if not np.isfinite(p):
        return np.nan
    return float(np.sqrt(4.0 * p * (1.0 - p) / n))


@dataclass
class NullDistribution:
    """Statistics between two samples of the real rows drawn at the compared sizes."""

    mean: np.ndarray
    var: np.ndarray
    sizes: tuple  # sizes of the two resamples
    draws: int

    def floor(self, n, m, alpha: float) -> np.ndarray:
        """Value exceeded with probability ``alpha`` when nothing is wrong, at sizes (n, m).

        The statistics here (distances) are non-negative and right-skewed, so the tail is taken
        from a gamma distribution with the resamples' mean and variance (a normal tail would
        be too short), then rescaled by ``sqrt(1/n + 1/m)`` when the resample sizes were capped.
        """
        a, b = self.sizes
        factor = np.sqrt((1.0 / np.asarray(n, float) + 1.0 / np.asarray(m, float)) / (1.0 / a + 1.0 / b))
        mean = np.maximum(self.mean, 1e-12)
        var = np.maximum(self.var, 1e-24)
        q = stats.gamma.isf(alpha, a=mean**2 / var, scale=var / mean)
        q = np.where(self.mean > 0, q, 0.0)
        return q * factor


def permutation_null(
    n: int,
    m: int,
    pool_size: int,
    statistic: Callable[[np.ndarray, np.ndarray], np.ndarray],
    rng: np.random.Generator,
    draws: int = 64,
    max_rows: int = 2000,
) -> NullDistribution | None:
    """The statistic between two groups of sizes (n, m) drawn from the pooled rows.

    ``statistic(rows_a, rows_b)`` receives positions into a pool of ``pool_size`` rows: the
    real rows then the synthetic rows, or a subsample of both in proportion
    (:func:`~._prepare.pooled`). This is
    the permutation null: exact when real and synthetic rows share one distribution, at the
    very sizes compared. Resampling the real rows alone ("real vs real") is not used for
    these statistics: a 30-row class that happens to hold one row of a mode with 20 % of the
    mass makes every resample of it too narrow (measured: 3 % of healthy seeds failed on
    Wasserstein-1 that way, against the 0.02 % the budget allows).

    Above ``max_rows`` per side the sizes are capped and the floor rescaled as
    ``sqrt(1/n + 1/m)``.
    """
    if n < 1 or m < 1 or pool_size < 3:
        return None
    a, b = min(n, max_rows), min(m, max_rows)
    if a + b > pool_size:  # a capped pool smaller than the capped sizes: shrink both alike
        shrink = pool_size / (a + b)
        a, b = max(1, int(a * shrink)), max(1, int(b * shrink))
    pool = pool_size
    values = []
    for _ in range(draws):
        rows = rng.choice(pool, size=a + b, replace=False) if a + b < pool else rng.permutation(pool)
        values.append(np.asarray(statistic(rows[:a], rows[a:]), dtype=np.float64))
    mean, var = nan_moments(np.vstack(values), ddof=1)
    return NullDistribution(mean, var, (a, b), draws)
