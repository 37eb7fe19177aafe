"""Per-column measures: marginal distributions and missing cells.

* numeric columns (continuous, integer, datetime): the two-sample Kolmogorov-Smirnov
  statistic (``scipy.stats.ks_2samp``, as SDMetrics' ``KSComplement`` = 1 - KS) and the
  Wasserstein-1 distance (``scipy.stats.wasserstein_distance``) on values divided by the real
  standard deviation, so it reads in standard deviations whatever the unit;
* categorical and boolean columns: the total variation distance between the category
  frequencies (as SDMetrics' ``TVComplement`` = 1 - TVD). Written here because it is one line
  on the category codes and SDMetrics is not a dependency of the package;
* every column: the difference of missing-cell rates.

Distributions are compared on non-missing cells (as SDMetrics does); missing cells are
judged by the rate difference. Our ``score`` equals SDMetrics' KSComplement / TVComplement on
the same columns (``tests/test_fidelity.py::test_column_scores_equal_sdmetrics``); the only
differences are below 1e-6: SDMetrics rounds values to 14 decimals before KS, and adds 1e-6 to
the real count of a category that only the synthetic rows hold.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..schema import BOOLEAN, CATEGORICAL, EMPTY
from ..utils import json_scalar
from ._prepare import Prepared, pooled
from .calibration import Thresholds, ks_floor, permutation_null

KS_KINDS = ("continuous", "integer", "datetime")
#: Values per side for the Wasserstein distance (a random subset above it): its error at
#: 100,000 values is about 0.003 sd, far below any threshold, and scipy's version sorts the
#: merged sample, which took 10 s for 24 columns of 1M rows.
W1_MAX_VALUES = 100_000


def _tvd(a: np.ndarray, b: np.ndarray, n_codes: int) -> float:
    """Total variation distance of two code arrays (non-negative codes, missing removed)."""
    if len(a) == 0 or len(b) == 0:
        return np.nan
    pa = np.bincount(a, minlength=n_codes) / len(a)
    pb = np.bincount(b, minlength=n_codes) / len(b)
    return float(0.5 * np.abs(pa - pb).sum())


def _w1(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) == 0 or len(b) == 0:
        return np.nan
    return float(stats.wasserstein_distance(a, b))


def _discrete(prep: Prepared, side, spec) -> tuple[np.ndarray, int]:
    """Codes (missing removed) of a categorical or boolean column, and the number of codes."""
    if spec.kind == CATEGORICAL:
        j = prep.categorical.index(spec)
        col = side.categorical[:, j]
        return col[col >= 0], prep.levels[j]
    j = prep.numeric.index(spec)
    col = side.numeric[:, j]
    col = col[~np.isnan(col)]
    return (col > 0.5).astype(np.int64), 2


def _continuous(prep: Prepared, side, spec) -> np.ndarray:
    j = prep.numeric.index(spec)
    col = side.numeric[:, j]
    return col[~np.isnan(col)] / prep.std[j]


def column_measures(prep: Prepared, th: Thresholds, rng: np.random.Generator) -> tuple[list[dict], dict]:
    """One record per feature column, with verdict thresholds, and the calibration used.

    Returns
    -------
    rows : list of dict
        ``column, kind, statistic ('ks' or 'tvd'), value, score (1 - value), threshold,
        noise_floor, wasserstein, wasserstein_threshold, missing_real, missing_synthetic,
        missing_diff, missing_threshold, n_real, n_synthetic, failed, reasons, severity``.
    info : dict
        Split sizes and counts of the real-vs-real calibration.
    """
    real, syn = prep.real, prep.synthetic
    features = prep.features
    n_tests = max(1, len([c for c in features if c.kind != EMPTY]))
    alpha_col = th.alpha / (3 * n_tests)  # three tests per column: distribution, W1, missing rate
    ks_specs = [c for c in features if c.kind in KS_KINDS]
    tvd_specs = [c for c in features if c.kind in (CATEGORICAL, BOOLEAN)]

    # Noise of W1, TVD and missing rates at these sizes, from one set of permutations.
    pool = pooled(real, syn, rng)

    def statistic(rows_a, rows_b):
        a, b = pool.take(rows_a), pool.take(rows_b)
        out = [_w1(_continuous(prep, a, s), _continuous(prep, b, s)) for s in ks_specs]
        out += [_tvd(*_pair_codes(prep, a, b, s)) for s in tvd_specs]
        out += list(np.abs(a.missing.mean(axis=0) - b.missing.mean(axis=0)))
        return np.array(out, dtype=np.float64)

    null = permutation_null(real.n, syn.n, pool.n, statistic, rng)
    n_ks, n_tvd = len(ks_specs), len(tvd_specs)

    rows = []
    for f, spec in enumerate(features):
        miss_r = float(real.missing[:, f].mean()) if real.n else np.nan
        miss_s = float(syn.missing[:, f].mean()) if syn.n else np.nan
        miss_diff = abs(miss_r - miss_s)
        if null is not None:
            miss_floor = float(null.floor(real.n, syn.n, alpha_col)[n_ks + n_tvd + f])
        else:
            miss_floor = np.inf
        miss_thr = max(miss_floor, th.missing)
        rec = {
            "column": json_scalar(spec.name),
            "kind": spec.kind,
            "statistic": None,
            "value": None,
            "score": None,
            "threshold": None,
            "noise_floor": None,
            "p_value": None,
            "wasserstein": None,
            "wasserstein_threshold": None,
            "missing_real": miss_r,
            "missing_synthetic": miss_s,
            "missing_diff": miss_diff,
            "missing_threshold": miss_thr,
            "n_real": 0,
            "n_synthetic": 0,
            "reasons": [],
        }
        severity = [miss_diff / miss_thr if miss_thr > 0 else 0.0]
        if miss_diff > miss_thr:
            rec["reasons"].append(f"missing rate {miss_s:.0%} vs {miss_r:.0%} real")
        if spec in ks_specs:
            i = ks_specs.index(spec)
            r, s = _continuous(prep, real, spec), _continuous(prep, syn, spec)
            rec.update(n_real=len(r), n_synthetic=len(s), statistic="ks")
            if len(r) and len(s):
                res = stats.ks_2samp(r, s)
                floor = ks_floor(len(r), len(s), alpha_col)
                thr = max(floor, th.ks)
                w1 = _w1(_cap(r, rng), _cap(s, rng))
                w_floor = float(null.floor(len(r), len(s), alpha_col)[i]) if null is not None else np.inf
                w_thr = max(w_floor, th.wasserstein)
                rec.update(
                    value=float(res.statistic), score=1.0 - float(res.statistic), p_value=float(res.pvalue),
                    threshold=thr, noise_floor=floor, wasserstein=w1, wasserstein_threshold=w_thr,
                )
                severity += [res.statistic / thr, w1 / w_thr]
                if res.statistic > thr:
                    rec["reasons"].append(f"KS {res.statistic:.2f} > {thr:.2f}" + _direction(r, s))
                if w1 > w_thr:
                    rec["reasons"].append(f"Wasserstein {w1:.2f} sd > {w_thr:.2f}")
        elif spec in tvd_specs:
            i = tvd_specs.index(spec)
            a, b, n_codes = _pair_codes(prep, real, syn, spec)
            rec.update(n_real=len(a), n_synthetic=len(b), statistic="tvd")
            if len(a) and len(b):
                tvd = _tvd(a, b, n_codes)
                floor = float(null.floor(len(a), len(b), alpha_col)[n_ks + i]) if null is not None else np.inf
                thr = max(floor, th.tvd)
                rec.update(value=tvd, score=1.0 - tvd, threshold=thr, noise_floor=floor)
                severity.append(tvd / thr)
                if tvd > thr:
                    rec["reasons"].append(f"TVD {tvd:.2f} > {thr:.2f}" + _category_shift(prep, spec, a, b, n_codes))
        if spec.kind != EMPTY and (rec["n_real"] == 0 or rec["n_synthetic"] == 0) and miss_diff <= miss_thr:
            side = "real" if rec["n_real"] == 0 else "synthetic"
            rec["reasons"].append(f"no {side} value to compare")
        rec["failed"] = bool(rec["reasons"])
        rec["severity"] = float(np.nanmax(severity)) if severity else 0.0
        rows.append(rec)
    info = {
        "calibration_draws": 0 if null is None else null.draws,
        "calibration_sizes": None if null is None else list(null.sizes),
        "alpha_per_test": alpha_col,
        "wasserstein_max_values": W1_MAX_VALUES,
    }
    return rows, info


def _cap(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if len(values) <= W1_MAX_VALUES:
        return values
    return values[rng.choice(len(values), size=W1_MAX_VALUES, replace=False)]


def _pair_codes(prep, a_side, b_side, spec):
    a, n_codes = _discrete(prep, a_side, spec)
    b, _ = _discrete(prep, b_side, spec)
    return a, b, n_codes


def _direction(r: np.ndarray, s: np.ndarray) -> str:
    """A few words on how a numeric column differs (shift or spread), in real sd."""
    shift = float(np.median(s) - np.median(r))
    iqr_r = float(np.subtract(*np.percentile(r, [75, 25])))
    iqr_s = float(np.subtract(*np.percentile(s, [75, 25])))
    words = []
    if abs(shift) >= 0.1:
        words.append(f"median {'+' if shift > 0 else ''}{shift:.2f} sd")
    if iqr_r > 0 and (iqr_s / iqr_r > 1.25 or iqr_s / iqr_r < 0.8):
        words.append(f"spread x{iqr_s / iqr_r:.2f}")
    return f" ({', '.join(words)})" if words else ""


def _category_shift(prep, spec, a, b, n_codes) -> str:
    """The category whose share changed most, in words."""
    pa = np.bincount(a, minlength=n_codes) / len(a)
    pb = np.bincount(b, minlength=n_codes) / len(b)
    i = int(np.argmax(np.abs(pa - pb)))
    if spec.kind == BOOLEAN:
        name = repr(bool(i))
    elif i < len(spec.categories):
        name = repr(json_scalar(spec.categories[i]))
    else:
        name = "values unseen in the real rows"
    return f" ({name}: {pb[i]:.0%} vs {pa[i]:.0%} real)"
