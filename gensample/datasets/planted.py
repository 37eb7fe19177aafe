"""A mixed table whose minority class has a known, planted dependency structure.

The bundled KEEL tables and the test fixtures cannot tell whether a generator learns how
columns depend on each other: their dependencies are unknown or absent. :func:`planted_table`
makes a table where they are known exactly, so a scorer (:mod:`gensample.fidelity.structure`)
can say which dependency a generator lost.

>>> from gensample.datasets.planted import planted_table, band_of
>>> df = planted_table(200, random_state=0)
>>> df["y"].value_counts().to_dict()
{0: 1800, 1: 200}
>>> bool((df["band"] == band_of(df["x1"])).all())
True
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ..errors import ParameterError

#: Levels of ``band`` in order, and the cut points on ``x1`` between them.
BANDS = ("low", "mid", "high", "top")
BAND_EDGES = (-2.5, 0.0, 2.5)
#: Upper bound of ``count``.
COUNT_MAX = 15
#: Means of the two latent minority clusters and their weights.
CLUSTER_MEANS = (-2.5, 2.5)
CLUSTER_WEIGHTS = (0.6, 0.4)
COLUMNS = ("x1", "x2", "x3", "x4", "x5", "band", "count", "y")


def band_of(x1) -> pd.Series:
    """The ``band`` category that the table's rule assigns to values of ``x1``.

    ``x1 < -2.5`` -> ``"low"``, ``-2.5 <= x1 < 0`` -> ``"mid"``, ``0 <= x1 < 2.5`` ->
    ``"high"``, ``x1 >= 2.5`` -> ``"top"``; a missing ``x1`` gives a missing band.

    Parameters
    ----------
    x1 : array-like of float
        Values of column ``x1`` (a Series keeps its index).

    Returns
    -------
    pandas.Series
        Categorical dtype with categories ``("low", "mid", "high", "top")``.
    """
    index = x1.index if isinstance(x1, pd.Series) else None
    values = pd.to_numeric(pd.Series(np.asarray(x1), index=index), errors="coerce").to_numpy(dtype=np.float64)
    # right=False: a value on an edge belongs to the band above it, as the docstring says.
    codes = np.digitize(values, BAND_EDGES, right=False)
    codes = np.where(np.isnan(values), -1, codes)
    dtype = pd.CategoricalDtype(list(BANDS), ordered=False)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=index, name="band")


def planted_table(
    n_minority: int,
    *,
    n_majority: int | None = None,
    missing: float = 0.1,
    random_state: int | None = None,
) -> pd.DataFrame:
    """A two-class mixed table with a known dependency structure in the minority class.

    Minority rows (``y == 1``) come from a latent cluster ``c`` (not a column): ``c = 0`` with
    probability 0.6 (``mu = -2.5``), ``c = 1`` with probability 0.4 (``mu = +2.5``); then

    * ``x1 ~ N(mu_c, 1)``: two separated modes;
    * ``x2 = 0.9 * x1 + N(0, 0.4)``: linear dependency on ``x1`` (Spearman about 0.98);
    * ``x3 = (x1 - mu_c) ** 2 + N(0, 0.3)``: non-linear dependency, zero correlation with
      ``x1`` within a cluster but a clear dependency on ``|x1 - mu_c|``;
    * ``x4 = exp(0.4 * x2) + N(0, 0.2)``: skewed, lognormal-like, monotone in ``x2``;
    * ``x5 ~ N(0, 1)``: independent noise;
    * ``band = band_of(x1)``: category determined by ``x1`` (cuts at -2.5, 0, 2.5 into
      ``"low"``, ``"mid"``, ``"high"``, ``"top"``);
    * ``count = clip(Poisson(exp(0.5 + 0.3 * x2)), 0, 15)``: bounded integer rising with ``x2``.

    Majority rows (``y == 0``) follow another law with the same columns and dtypes: one
    cluster, ``x1 ~ N(0.5, 1.5)``, ``x2 = -0.3 * x1 + N(0, 1)`` (weak, opposite sign),
    ``x3 ~ N(1, 1)`` (independent), ``x4 = exp(0.2 * x2) + N(0, 0.2)``, ``x5 ~ N(0, 1)``,
    ``count = clip(Poisson(e), 0, 15)`` (independent of the rest), and ``band = band_of(x1)``:
    the band rule holds on every row of the table, whatever the class.

    In each class, ``round(missing * rows of the class)`` cells of ``x4``, drawn uniformly at
    random (missing completely at random), are set to NaN. No other column has missing cells.

    Parameters
    ----------
    n_minority : int
        Minority rows (>= 1).
    n_majority : int, optional
        Majority rows (>= 1). Default ``min(9 * n_minority, 20000)``.
    missing : float, default 0.1
        Share of ``x4``'s cells set to NaN in each class, in ``[0, 1)``.
    random_state : int or None
        Seed of the one random generator: the same seed gives the same frame.

    Returns
    -------
    pandas.DataFrame
        Columns ``x1, x2, x3, x4, x5`` (float64), ``band`` (pandas ``category`` dtype with
        categories ``low, mid, high, top``, unordered), ``count`` (int64, 0..15) and ``y``
        (int64: 1 minority, 0 majority); rows of both classes shuffled, index ``0..n-1``.

    Raises
    ------
    ParameterError
        A size that is not a positive integer, ``missing`` outside ``[0, 1)``.
    """
    n_minority = _count("n_minority", n_minority)
    n_majority = min(9 * n_minority, 20_000) if n_majority is None else _count("n_majority", n_majority)
    if isinstance(missing, bool) or not isinstance(missing, numbers.Real) or not (0.0 <= float(missing) < 1.0):
        raise ParameterError(f"missing must be a share in [0, 1), got {missing!r}")
    rng = np.random.default_rng(random_state)
    minority = _minority(n_minority, float(missing), rng)
    majority = _majority(n_majority, float(missing), rng)
    frame = pd.concat([minority, majority], ignore_index=True)
    order = rng.permutation(len(frame))
    frame = frame.iloc[order].reset_index(drop=True)
    frame["band"] = band_of(frame["x1"])
    return frame[list(COLUMNS)]


def _count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ParameterError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def _minority(n: int, missing: float, rng: np.random.Generator) -> pd.DataFrame:
    cluster = rng.choice(len(CLUSTER_MEANS), size=n, p=CLUSTER_WEIGHTS)
    mu = np.asarray(CLUSTER_MEANS)[cluster]
    x1 = rng.normal(mu, 1.0)
    x2 = 0.9 * x1 + rng.normal(0.0, 0.4, n)
    x3 = (x1 - mu) ** 2 + rng.normal(0.0, 0.3, n)
    x4 = np.exp(0.4 * x2) + rng.normal(0.0, 0.2, n)
    x5 = rng.normal(0.0, 1.0, n)
    count = np.clip(rng.poisson(np.exp(0.5 + 0.3 * x2)), 0, COUNT_MAX)
    return _frame(x1, x2, x3, x4, x5, count, 1, missing, rng)


def _majority(n: int, missing: float, rng: np.random.Generator) -> pd.DataFrame:
    x1 = rng.normal(0.5, 1.5, n)
    x2 = -0.3 * x1 + rng.normal(0.0, 1.0, n)
    x3 = rng.normal(1.0, 1.0, n)
    x4 = np.exp(0.2 * x2) + rng.normal(0.0, 0.2, n)
    x5 = rng.normal(0.0, 1.0, n)
    count = np.clip(rng.poisson(np.e, n), 0, COUNT_MAX)
    return _frame(x1, x2, x3, x4, x5, count, 0, missing, rng)


def _frame(x1, x2, x3, x4, x5, count, label, missing, rng) -> pd.DataFrame:
    n = len(x1)
    x4 = x4.astype(np.float64)
    n_missing = int(round(missing * n))
    if n_missing:
        x4[rng.choice(n, size=n_missing, replace=False)] = np.nan
    return pd.DataFrame({
        "x1": x1.astype(np.float64), "x2": x2.astype(np.float64), "x3": x3.astype(np.float64),
        "x4": x4, "x5": x5.astype(np.float64), "count": count.astype(np.int64),
        "y": np.full(n, label, dtype=np.int64),
    })
