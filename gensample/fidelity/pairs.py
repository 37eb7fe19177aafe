"""Pairs of columns: correlations (numeric) and contingency tables (categorical).

* Numeric pairs: Spearman rank correlations on rows where both cells are present (ranks
  by ``scipy.stats.rankdata``), compared pair by pair. Spearman rather than Pearson so that
  one heavy-tailed column does not dominate. The noise floor comes from permutations: the
  textbook one (Fisher's z, variance ``1.06 / (n - 3)``) assumes normal data and flagged 2 %
  of healthy 25-row classes drawn from a mixture of five clusters.
* Categorical and boolean pairs: total variation distance between the two joint frequency
  tables, missing cells counted as a level (as SDMetrics' ``ContingencySimilarity`` =
  1 - this distance, which drops them instead); noise floor from permutations (:func:`~.calibration.permutation_null`).

Large tables are subsampled (``max_rows``) and at most ``max_pairs`` categorical pairs are
compared; both are stated in the report.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import stats

from ..schema import BOOLEAN, CATEGORICAL
from ..utils import json_scalar
from ._prepare import Prepared, Side, concat
from .calibration import Thresholds, permutation_null
from .columns import KS_KINDS

MAX_ROWS = 20_000
MAX_PAIRS = 300


def column_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks per column, NaN kept (average ranks for ties, as Spearman uses)."""
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        out[:, j] = stats.rankdata(x[:, j], nan_policy="omit")
    return out


def rank_correlations(ranks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Correlation of ranks on pairwise-complete rows, and the pairwise counts.

    With missing cells, ranks come from each column's present cells and the correlation of a
    pair uses the rows where both are present (pandas re-ranks within those rows; the
    difference is small and this stays a few matrix products, fast enough to repeat for the
    permutation null).
    """
    present = ~np.isnan(ranks)
    M = present.astype(np.float64)
    X = np.where(present, ranks, 0.0)
    cnt = M.T @ M
    sxy = X.T @ X
    sx = X.T @ M  # sum of column i over rows where column j is present
    sxx = (X * X).T @ M
    with np.errstate(all="ignore"):
        cov = cnt * sxy - sx * sx.T
        vx = cnt * sxx - sx * sx
        corr = cov / np.sqrt(vx * vx.T)
    corr[cnt < 3] = np.nan
    return corr, cnt


def _codes(prep: Prepared, side: Side, spec) -> tuple[np.ndarray, int]:
    """Codes with missing as level 0."""
    if spec.kind == CATEGORICAL:
        j = prep.categorical.index(spec)
        return side.categorical[:, j] + 1, prep.levels[j] + 1
    j = prep.numeric.index(spec)
    col = side.numeric[:, j]
    return np.where(np.isnan(col), 0, np.where(col > 0.5, 2, 1)), 3


def _joint_tvd(a1, a2, b1, b2, n1, n2) -> float:
    if len(a1) == 0 or len(b1) == 0:
        return np.nan
    pa = np.bincount(a1 * n2 + a2, minlength=n1 * n2) / len(a1)
    pb = np.bincount(b1 * n2 + b2, minlength=n1 * n2) / len(b1)
    return float(0.5 * np.abs(pa - pb).sum())


def pair_measures(prep: Prepared, th: Thresholds, rng: np.random.Generator) -> tuple[list[dict], dict]:
    """One record per compared pair; summary figures and sample sizes."""
    real, syn = prep.real, prep.synthetic
    real_rows = _subsample(real.n, MAX_ROWS, rng)
    syn_rows = _subsample(syn.n, MAX_ROWS, rng)
    r_side, s_side = real.take(real_rows), syn.take(syn_rows)
    records: list[dict] = []

    # ------------------------------------------------ numeric: Spearman correlations
    num_specs = [c for c in prep.numeric if c.kind in KS_KINDS]
    num_idx = [prep.numeric.index(c) for c in num_specs]
    n_num_pairs = len(num_specs) * (len(num_specs) - 1) // 2
    corr_diffs = []
    if n_num_pairs:
        xr, xs = r_side.numeric[:, num_idx], s_side.numeric[:, num_idx]
        cr, nr = rank_correlations(column_ranks(xr))
        cs, ns = rank_correlations(column_ranks(xs))
        pool = np.vstack([xr, xs])
        iu = np.triu_indices(len(num_specs), k=1)

        def statistic(rows_a, rows_b):
            ca, _ = rank_correlations(column_ranks(pool[rows_a]))
            cb, _ = rank_correlations(column_ranks(pool[rows_b]))
            return np.abs(ca - cb)[iu]

        null = permutation_null(len(xr), len(xs), len(pool), statistic, rng, draws=32)
        floors = null.floor(len(xr), len(xs), th.alpha / n_num_pairs) if null is not None else np.full(len(iu[0]), np.inf)
        for p, (i, j) in enumerate(zip(*iu)):
            rr, rs = cr[i, j], cs[i, j]
            if not (np.isfinite(rr) and np.isfinite(rs)) or nr[i, j] < 5 or ns[i, j] < 5:
                continue
            diff = abs(rr - rs)
            corr_diffs.append(diff)
            floor = float(floors[p])
            thr = max(floor, th.correlation)
            records.append({
                "column_a": json_scalar(num_specs[i].name),
                "column_b": json_scalar(num_specs[j].name),
                "measure": "spearman",
                "real": float(rr),
                "synthetic": float(rs),
                "difference": float(diff),
                "threshold": float(thr),
                "noise_floor": floor,
                "failed": bool(diff > thr),
            })

    # ------------------------------------------------ categorical: contingency tables
    cat_specs = [c for c in prep.features if c.kind in (CATEGORICAL, BOOLEAN)]
    all_pairs = list(itertools.combinations(range(len(cat_specs)), 2))
    n_cat_pairs_total = len(all_pairs)
    if len(all_pairs) > MAX_PAIRS:
        keep = np.sort(rng.choice(len(all_pairs), size=MAX_PAIRS, replace=False))
        all_pairs = [all_pairs[k] for k in keep]
    cont = []
    if all_pairs:
        codes_r = [_codes(prep, r_side, s) for s in cat_specs]
        codes_s = [_codes(prep, s_side, s) for s in cat_specs]
        pool_side = concat(r_side, s_side)
        codes_p = [_codes(prep, pool_side, s) for s in cat_specs]

        def statistic(rows_a, rows_b):
            return np.array([
                _joint_tvd(codes_p[i][0][rows_a], codes_p[j][0][rows_a], codes_p[i][0][rows_b],
                           codes_p[j][0][rows_b], codes_p[i][1], codes_p[j][1])
                for i, j in all_pairs
            ])

        null = permutation_null(r_side.n, s_side.n, pool_side.n, statistic, rng, draws=32)
        alpha_pair = th.alpha / len(all_pairs)
        floors = null.floor(r_side.n, s_side.n, alpha_pair) if null is not None else np.full(len(all_pairs), np.inf)
        for p, (i, j) in enumerate(all_pairs):
            d = _joint_tvd(codes_r[i][0], codes_r[j][0], codes_s[i][0], codes_s[j][0], codes_r[i][1], codes_r[j][1])
            cont.append(d)
            thr = max(float(floors[p]), th.contingency)
            records.append({
                "column_a": json_scalar(cat_specs[i].name),
                "column_b": json_scalar(cat_specs[j].name),
                "measure": "contingency_tvd",
                "real": None,
                "synthetic": None,
                "difference": float(d),
                "threshold": thr,
                "noise_floor": float(floors[p]),
                "failed": bool(d > thr),
            })
    info = {
        "correlation_mean_abs_diff": float(np.mean(corr_diffs)) if corr_diffs else None,
        "correlation_max_abs_diff": float(np.max(corr_diffs)) if corr_diffs else None,
        "contingency_mean_tvd": float(np.mean(cont)) if cont else None,
        "contingency_max_tvd": float(np.max(cont)) if cont else None,
        "numeric_pairs": n_num_pairs,
        "categorical_pairs": len(all_pairs),
        "categorical_pairs_total": n_cat_pairs_total,
        "rows": [int(r_side.n), int(s_side.n)],
    }
    return records, info


def _subsample(n: int, max_rows: int, rng: np.random.Generator) -> np.ndarray:
    if n <= max_rows:
        return np.arange(n)
    return np.sort(rng.choice(n, size=max_rows, replace=False))
