"""Dependency structure: do the synthetic rows relate columns to each other as the real rows do?

Pure scorers: rows in, numbers out. Nothing here fits or calls a generator.

**Association of two columns** (:func:`association_matrix`), missing cells dropped pair by pair:

* number-number: Spearman's rank correlation, signed, in ``[-1, 1]``, computed as
  :mod:`.pairs` does (ranks of each column's present cells, correlation on the rows where
  both are present), so that one heavy-tailed column does not dominate;
* category-category: Cramer's V with Bergsma's (2013) bias correction, in ``[0, 1]``: the
  plain V of two independent columns is about ``sqrt((levels - 1) / n)``, 0.2-0.3 at 50 rows,
  which would swamp the differences being measured;
* number-category: the correlation ratio (eta) of the number's *ranks* across the category's
  levels, bias-corrected as Kelley's epsilon-squared (the adjusted R^2 of a one-way ANOVA),
  square-rooted, in ``[0, 1]``. Ranks for the same reason as Spearman; eta rather than V on
  quantile bins because it sees a category that is *determined* by a number (a band rule) at
  full strength, where binning blurs the cut points.

A column with one value (or one level) in a pair's rows is associated with nothing: 0, so a
generator that collapses a column to a constant is charged for every dependency it lost.
Fewer than 3 complete rows leave the pair undefined (NaN, left out of the gap).

Spearman sees only monotone dependencies. :func:`dependency_pairs` also reports, for
number-number pairs, ``binned_v``: the bias-corrected V of the two columns cut into
``bins`` rank-quantile bins each, which sees a non-monotone dependency (``x3 = (x1 - mu)^2``
has Spearman near 0 and a clear ``binned_v``). It is kept out of the default gap so that the
gap stays one entry per pair; ask for it with ``measures=("binned_v",)``.

:func:`dependency_gap` compares two tables' associations pair by pair (mean absolute
difference of the off-diagonal entries; Spearman compared with its sign).
:func:`rule_consistency` is the share of rows that satisfy a rule such as "``band`` is
determined by ``x1``". :func:`gensample.datasets.independent_marginals` is the baseline that keeps every column's
marginal and breaks every dependency (it makes rows, so it is not here: judging never
generates). :func:`holdout_dcr_ratio` says whether rows sit closer to
the training rows than new real rows do.

Why one module: the association matrix, the dependency pairs and the gap are built on the
same private kind detection and the same bias-corrected V and eta, so a measure and what it is
compared with are defined once; rule consistency and the hold-out DCR ratio share the same
frame checks and row subsampling, and are the module's other answers to "do the rows keep the
table's structure".
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Hashable, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats.contingency import crosstab

from ..errors import InputError, ParameterError
from .pairs import column_ranks, rank_correlations

MEASURES = ("spearman", "cramer_v", "eta", "binned_v")
#: Measures averaged by :func:`dependency_gap` by default: one per pair of columns.
DEFAULT_MEASURES = ("spearman", "cramer_v", "eta")
PAIR_COLUMNS = ["column_a", "column_b", "measure", "real", "synthetic", "difference"]


# ====================================================================== column kinds
def _is_categorical(series: pd.Series) -> bool:
    dtype = series.dtype
    return bool(
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def _kinds(frame: pd.DataFrame, categorical) -> tuple[list, list]:
    """Numeric and categorical columns of ``frame`` (the reference decides for both sides)."""
    forced = _forced(categorical)
    unknown = [c for c in forced if c not in frame.columns]
    if unknown:
        raise ParameterError(
            f"categorical names column(s) {', '.join(map(repr, unknown[:10]))} that are not in the table; "
            "columns are: " + ", ".join(map(repr, list(frame.columns)[:30]))
        )
    num, cat = [], []
    for c in frame.columns:
        (cat if c in forced or _is_categorical(frame[c]) else num).append(c)
    return num, cat


def _forced(categorical) -> list:
    if categorical is None:
        return []
    if isinstance(categorical, (str, bytes)) or not isinstance(categorical, Iterable):
        return [categorical]
    return list(categorical)


def _numbers(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(series.dtype) or pd.api.types.is_timedelta64_dtype(series.dtype):
        values = series.to_numpy()
        out = values.astype("datetime64[ns]" if values.dtype.kind == "M" else "timedelta64[ns]").astype(np.int64)
        return np.where(series.isna().to_numpy(), np.nan, out.astype(np.float64))
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _codes(series: pd.Series) -> np.ndarray:
    """Integer codes per value, -1 for a missing cell (codes are only compared within one frame)."""
    codes, _ = pd.factorize(series.astype(object), use_na_sentinel=True)
    return codes.astype(np.int64)


# ====================================================================== measures
def _cramer_v(a: np.ndarray, b: np.ndarray) -> float:
    """Bias-corrected Cramer's V (Bergsma 2013) on rows where both codes are present.

    Written out because scipy's ``contingency.association`` has no bias correction.
    """
    keep = (a >= 0) & (b >= 0)
    n = int(keep.sum())
    if n < 3:
        return np.nan
    (_, _), table = crosstab(a[keep], b[keep])
    r, k = table.shape
    if r < 2 or k < 2:
        return 0.0
    chi2 = stats.chi2_contingency(table, correction=False)[0]
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    rc = r - (r - 1) ** 2 / (n - 1)
    kc = k - (k - 1) ** 2 / (n - 1)
    denom = min(kc - 1, rc - 1)
    if denom <= 0:
        return 0.0
    return float(min(1.0, np.sqrt(phi2 / denom)))


def _eta(x: np.ndarray, g: np.ndarray) -> float:
    """Correlation ratio of ranks of ``x`` across levels ``g``, bias-corrected (Kelley's epsilon^2)."""
    keep = ~np.isnan(x) & (g >= 0)
    n = int(keep.sum())
    if n < 3:
        return np.nan
    r = stats.rankdata(x[keep])
    levels, inverse, sizes = np.unique(g[keep], return_inverse=True, return_counts=True)
    k = len(levels)
    sst = float(((r - r.mean()) ** 2).sum())
    if k < 2 or sst == 0.0:
        return 0.0
    if n <= k:
        return np.nan
    means = np.bincount(inverse, weights=r) / sizes
    ssw = float(((r - means[inverse]) ** 2).sum())
    eps2 = 1.0 - (ssw / sst) * (n - 1) / (n - k)
    return float(np.sqrt(max(0.0, eps2)))


def _bin(x: np.ndarray, bins: int) -> np.ndarray:
    """Rank-quantile bin of each present cell (ties share a bin), -1 for a missing cell."""
    out = np.full(len(x), -1, dtype=np.int64)
    present = ~np.isnan(x)
    m = int(present.sum())
    if m:
        r = stats.rankdata(x[present])  # average ranks: tied values fall in one bin
        out[present] = np.minimum(((r - 0.5) / m * bins).astype(np.int64), bins - 1)
    return out


def _associations(frame: pd.DataFrame, num: list, cat: list, bins: int) -> dict:
    """{(a, b): {measure: value}} for every unordered pair, in column order."""
    out: dict = {}
    X = np.column_stack([_numbers(frame[c]) for c in num]) if num else np.empty((len(frame), 0))
    codes = {c: _codes(frame[c]) for c in cat}
    if len(num) >= 2:
        corr, cnt = rank_correlations(column_ranks(X))
        # A constant column gives 0/0: no dependency at all (see the module docstring).
        corr = np.where((cnt >= 3) & ~np.isfinite(corr), 0.0, corr)
        binned = [_bin(X[:, j], bins) for j in range(len(num))]
        for i in range(len(num)):
            for j in range(i + 1, len(num)):
                out[(num[i], num[j])] = {
                    "spearman": float(np.clip(corr[i, j], -1.0, 1.0)) if np.isfinite(corr[i, j]) else np.nan,
                    "binned_v": _cramer_v(binned[i], binned[j]),
                }
    for i, a in enumerate(cat):
        for b in cat[i + 1:]:
            out[(a, b)] = {"cramer_v": _cramer_v(codes[a], codes[b])}
    for j, a in enumerate(num):
        for b in cat:
            out[(a, b)] = {"eta": _eta(X[:, j], codes[b])}
    return out


# ====================================================================== public
def association_matrix(frame: pd.DataFrame, categorical: Iterable[Hashable] | None = None) -> pd.DataFrame:
    """Pairwise association among the columns of ``frame``.

    Parameters
    ----------
    frame : DataFrame
        Rows of one class (pass only the feature columns you want compared).
    categorical : list of column labels, optional
        Columns to treat as categories whatever their dtype. Object, string, boolean and
        ``category`` columns are categories anyway; datetimes and timedeltas are numbers.

    Returns
    -------
    DataFrame
        Square, symmetric, indexed by column both ways, diagonal 1: Spearman (signed) between
        two numbers, bias-corrected Cramer's V between two categories, bias-corrected
        correlation ratio of ranks between a number and a category (see the module
        docstring); NaN where a pair has fewer than 3 complete rows.

    Raises
    ------
    InputError
        Not a DataFrame, duplicated column names.
    ParameterError
        ``categorical`` names a column that is not in ``frame``.
    """
    _check_frame("frame", frame)
    num, cat = _kinds(frame, categorical)
    cols = list(frame.columns)
    out = pd.DataFrame(np.eye(len(cols)), index=cols, columns=cols)
    for (a, b), values in _associations(frame, num, cat, 5).items():
        v = next(values[m] for m in DEFAULT_MEASURES if m in values)
        out.loc[a, b] = out.loc[b, a] = v
    return out


def dependency_pairs(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    categorical: Iterable[Hashable] | None = None,
    *,
    bins: int = 5,
) -> pd.DataFrame:
    """Association of every pair of columns in both tables, side by side.

    Column kinds come from ``real`` (the reference) and apply to both tables.

    Parameters
    ----------
    real, synthetic : DataFrame
        The reference rows and the rows being judged; ``synthetic`` must hold every column of
        ``real`` (extra columns are ignored).
    categorical : list of column labels, optional
        As in :func:`association_matrix`.
    bins : int, default 5
        Rank-quantile bins per number for the ``binned_v`` rows.

    Returns
    -------
    DataFrame
        One row per pair and measure: ``column_a``, ``column_b``, ``measure`` (``spearman``,
        ``binned_v``, ``cramer_v`` or ``eta``), ``real``, ``synthetic``, ``difference``
        (absolute; Spearman compared with its sign), sorted by decreasing difference.
    """
    _check_frame("real", real)
    _check_frame("synthetic", synthetic)
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or bins < 2:
        raise ParameterError(f"bins must be an integer >= 2, got {bins!r}")
    lacking = [c for c in real.columns if c not in synthetic.columns]
    if lacking:
        raise InputError(
            f"the synthetic rows lack column(s) {', '.join(map(repr, lacking[:10]))} of the real rows; "
            "pass both tables with the same feature columns"
        )
    num, cat = _kinds(real, categorical)
    ar = _associations(real, num, cat, int(bins))
    as_ = _associations(synthetic[list(real.columns)], num, cat, int(bins))
    rows = []
    for pair, values in ar.items():
        for measure, r in values.items():
            s = as_[pair][measure]
            rows.append([pair[0], pair[1], measure, r, s, abs(r - s)])
    out = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    return out.sort_values("difference", ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def dependency_gap(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    categorical: Iterable[Hashable] | None = None,
    *,
    measures: Sequence[str] = DEFAULT_MEASURES,
    bins: int = 5,
    return_pairs: bool = False,
) -> float | tuple[float, pd.DataFrame]:
    """Mean absolute difference between the two tables' pairwise associations.

    0 when the synthetic rows relate every pair of columns as the real rows do; an
    independent resampling of each column (:func:`gensample.datasets.independent_marginals`) scores about the
    mean absolute association of the real rows.

    Parameters
    ----------
    real, synthetic, categorical, bins
        As in :func:`dependency_pairs`.
    measures : sequence of str, default ("spearman", "cramer_v", "eta")
        Which pair measures enter the mean (one per pair by default; add or pick
        ``"binned_v"`` for non-monotone number-number dependencies).
    return_pairs : bool, default False
        Also return the per-pair breakdown of :func:`dependency_pairs` (all measures), so a
        report can say which pair is wrong.

    Returns
    -------
    float or (float, DataFrame)
        The gap (NaN when no pair could be measured), and the breakdown if asked.
    """
    measures = [measures] if isinstance(measures, str) else list(measures)
    bad = [m for m in measures if m not in MEASURES]
    if bad or not measures:
        raise ParameterError(f"measures must be a non-empty list of {', '.join(MEASURES)}; got {measures!r}")
    pairs = dependency_pairs(real, synthetic, categorical, bins=bins)
    gap = gap_of(pairs, measures)
    return (gap, pairs) if return_pairs else gap


def gap_of(pairs: pd.DataFrame, measures: Sequence[str] = DEFAULT_MEASURES, *, min_real: float = 0.0) -> float:
    """Mean ``difference`` of a :func:`dependency_pairs` frame over ``measures`` (NaN: no pair).

    ``min_real`` keeps only the pairs whose real association is at least this strong (in
    absolute value). On wide tables where most pairs are independent, the plain mean is
    diluted by those pairs; the gap over the strong pairs says whether the dependencies that
    exist were kept.
    """
    keep = pairs["measure"].isin(list(measures))
    if min_real > 0:
        keep &= pairs["real"].abs() >= min_real
    d = pairs.loc[keep, "difference"].dropna()
    return float(d.mean()) if len(d) else float("nan")


def rule_consistency(frame: pd.DataFrame, rule: Callable[[pd.DataFrame], pd.Series]) -> float:
    """Share of rows of ``frame`` that satisfy ``rule``.

    Parameters
    ----------
    frame : DataFrame
        Rows to check (real or synthetic).
    rule : callable
        ``rule(frame)`` returns one boolean per row (Series or array), e.g.
        ``lambda f: f["band"] == band_of(f["x1"])``. A missing answer counts as a violation.

    Returns
    -------
    float
        In ``[0, 1]``; NaN for an empty frame.
    """
    _check_frame("frame", frame)
    if not callable(rule):
        raise ParameterError(f"rule must be a callable frame -> boolean Series, got {type(rule).__name__}")
    ok = rule(frame)
    ok = ok if isinstance(ok, pd.Series) else pd.Series(np.asarray(ok))
    if len(ok) != len(frame):
        raise ParameterError(f"rule returned {len(ok)} values for {len(frame)} rows; it must return one per row")
    if len(ok) == 0:
        return float("nan")
    values = ok.astype("boolean").fillna(False).to_numpy(dtype=bool)
    return float(values.mean())


def holdout_dcr_ratio(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    categorical: Iterable[Hashable] | None = None,
    *,
    max_rows: int = 2000,
    random_state: int | None = 0,
) -> dict:
    """Distance to the closest training row: synthetic rows against new real rows.

    Both the synthetic rows and the held-out real rows (never seen by the generator) are
    matched to their nearest row of ``train`` in the standardised mixed embedding of the
    fidelity report (:mod:`._prepare`, fitted on ``train``). The ratio of the two medians is
    below 1 when the synthetic rows sit closer to the training rows than fresh rows from the
    same law do (memorisation or interpolation), about 1 when they are as new as real rows.

    Parameters
    ----------
    train, synthetic, holdout : DataFrame
        The same feature columns in each (``train``'s decide the column kinds).
    categorical : list of column labels, optional
        Columns to treat as categorical whatever their dtype.
    max_rows : int, default 2000
        At most this many synthetic and held-out rows are matched (random subsample).
    random_state : int or None, default 0
        Seed of the subsample.

    Returns
    -------
    dict
        ``median_synthetic``, ``median_holdout``, ``ratio`` (None when the held-out median is
        0), ``rows`` ([synthetic, held-out] rows matched), ``reference_rows``.
    """
    from sklearn.neighbors import NearestNeighbors

    from ._prepare import prepare
    from .core import feature_schema

    for name, f in (("train", train), ("synthetic", synthetic), ("holdout", holdout)):
        _check_frame(name, f)
        if len(f) == 0:
            raise InputError(f"{name} has no rows")
    cols = list(train.columns)
    for name, f in (("synthetic", synthetic), ("holdout", holdout)):
        lacking = [c for c in cols if c not in f.columns]
        if lacking:
            raise InputError(f"{name} lacks column(s) {', '.join(map(repr, lacking[:10]))} of train")
    rng = np.random.default_rng(random_state)
    s = synthetic[cols].iloc[_sub(len(synthetic), max_rows, rng)]
    h = holdout[cols].iloc[_sub(len(holdout), max_rows, rng)]
    schema = feature_schema(train[cols], categorical)
    # One preparation for both query sets, so they share the embedding (same indicators).
    prep = prepare(train[cols], pd.concat([s, h], ignore_index=True), schema)
    embed = prep.embedder()
    Q = embed(prep.synthetic)
    d = NearestNeighbors(n_neighbors=1).fit(embed(prep.real)).kneighbors(Q)[0][:, 0]
    d_s, d_h = d[: len(s)], d[len(s):]
    med_s, med_h = float(np.median(d_s)), float(np.median(d_h))
    return {
        "median_synthetic": med_s,
        "median_holdout": med_h,
        "ratio": med_s / med_h if med_h > 0 else None,
        "rows": [len(s), len(h)],
        "reference_rows": len(train),
    }


def _sub(n: int, max_rows: int, rng: np.random.Generator) -> np.ndarray:
    if n <= max_rows:
        return np.arange(n)
    return np.sort(rng.choice(n, size=max_rows, replace=False))


def _check_frame(name: str, frame) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    if frame.columns.has_duplicates:
        dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise InputError(f"{name} has duplicated column names: {', '.join(dup)}")
