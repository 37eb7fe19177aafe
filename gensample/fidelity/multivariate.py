"""Whole-row measures: a classifier two-sample test and the maximum mean discrepancy.

**Detection (classifier two-sample test).** A histogram gradient-boosting classifier
(scikit-learn; handles missing cells and categories natively) learns to tell real rows from
synthetic rows; the ROC-AUC of its predictions on held-out folds (stratified k-fold, mean
over folds) is 0.5 when the two are indistinguishable. The AUC is *not* clipped at 0.5 (as
SDMetrics' detection metrics do): an AUC well below 0.5 means the synthetic rows sit closer to
real rows than real rows sit to each other, which is what memorised rows do. On held-out rows
and under "same distribution", the AUC is a Mann-Whitney statistic whatever the classifier,
so its noise floor is exact (:func:`~gensample.fidelity.calibration.auc_sd`).

**MMD.** The unbiased squared maximum mean discrepancy with a Gaussian (RBF) kernel whose
bandwidth is the median pairwise distance (median heuristic), in the standardised embedding
of :mod:`._prepare`, with a permutation p-value. Written here because the estimator is a few
lines on one kernel matrix and no installed library offers it with a permutation test. MMD is
reported but does not enter the verdict: its scale depends on the bandwidth, so it has no
tolerance that reads the same on every table; the detection AUC has one.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from ._prepare import Embedder, Prepared
from .calibration import Thresholds, auc_sd, z_crit

C2ST_MAX_ROWS = 2500  # per side
MMD_MAX_ROWS = 1000  # per side
MMD_PERMUTATIONS = 200


def detection(prep: Prepared, th: Thresholds, rng: np.random.Generator) -> dict:
    """Cross-validated ROC-AUC of a classifier telling real (0) from synthetic (1) rows."""
    real, syn = prep.real, prep.synthetic
    r_rows = _sub(real.n, C2ST_MAX_ROWS, rng)
    s_rows = _sub(syn.n, C2ST_MAX_ROWS, rng)
    n, m = len(r_rows), len(s_rows)
    folds = min(5, n, m)
    out = {"auc": None, "auc_sd_null": None, "threshold_high": None, "threshold_low": None,
           "folds": folds, "rows": [n, m], "classifier": "HistGradientBoostingClassifier"}
    if folds < 2:
        out["skipped"] = "too few rows for a cross-validated classifier (needs 2 per side)"
        return out
    X, cat_mask = _features(prep, r_rows, s_rows)
    y = np.r_[np.zeros(n, dtype=np.int64), np.ones(m, dtype=np.int64)]
    seed = int(rng.integers(2**31 - 1))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    aucs = []
    for train, test in cv.split(X, y):
        n_train = len(train)
        # A column with no value in the training fold (one observed cell, held out) cannot be
        # split on, and scikit-learn's binning raises on it ("window shape cannot be larger
        # than input array shape"): leave it out of this fold's fit.
        seen = ~np.isnan(X[train]).all(axis=0)
        if not seen.any():  # nothing to learn from: the classifier can only guess
            aucs.append(0.5)
            continue
        fold_cats = cat_mask[seen]
        clf = HistGradientBoostingClassifier(
            max_iter=100,
            learning_rate=0.1,
            max_leaf_nodes=15,
            min_samples_leaf=max(2, min(20, n_train // 20)),
            early_stopping=False,
            categorical_features=fold_cats if fold_cats.any() else None,
            random_state=seed,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X[train][:, seen], y[train])
            proba = clf.predict_proba(X[test][:, seen])[:, 1]
        aucs.append(roc_auc_score(y[test], proba))
    auc = float(np.mean(aucs))
    sd = auc_sd(n, m)
    z_hi = z_crit(th.alpha)
    out.update(
        auc=auc,
        auc_sd_null=sd,
        threshold_high=0.5 + max(z_hi * sd, th.detection_auc),
        threshold_low=0.5 - z_hi * sd,
        fold_aucs=[float(a) for a in aucs],
    )
    return out


def _features(prep: Prepared, r_rows, s_rows):
    """Numeric columns as they are (NaN kept) and category codes (missing -> NaN)."""
    num = np.vstack([prep.real.numeric[r_rows], prep.synthetic.numeric[s_rows]])
    cat = np.vstack([prep.real.categorical[r_rows], prep.synthetic.categorical[s_rows]]).astype(np.float64)
    cat[cat < 0] = np.nan
    # HistGradientBoosting takes categories as codes below its 255 bins; wider columns go in as
    # ordered codes, which still separates distributions that differ.
    native = np.array([lv <= 250 for lv in prep.levels], dtype=bool)
    X = np.hstack([num, cat])
    mask = np.r_[np.zeros(num.shape[1], dtype=bool), native]
    return X, mask


def mmd(prep: Prepared, embed: Embedder, rng: np.random.Generator) -> dict:
    """Unbiased MMD^2 (RBF kernel, median heuristic) and its permutation p-value."""
    r_rows = _sub(prep.real.n, MMD_MAX_ROWS, rng)
    s_rows = _sub(prep.synthetic.n, MMD_MAX_ROWS, rng)
    n, m = len(r_rows), len(s_rows)
    out = {"mmd2": None, "p_value": None, "bandwidth": None, "rows": [n, m], "permutations": MMD_PERMUTATIONS}
    if n < 2 or m < 2:
        out["skipped"] = "too few rows (needs 2 per side)"
        return out
    Z = np.vstack([embed(prep.real, r_rows), embed(prep.synthetic, s_rows)])
    sq = np.sum(Z * Z, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * Z @ Z.T, 0.0)
    iu = np.triu_indices(n + m, k=1)
    pos = d2[iu]
    pos = pos[pos > 0]
    sigma2 = float(np.median(pos)) if len(pos) else 1.0  # squared median distance
    K = np.exp(-d2 / (2.0 * sigma2))
    np.fill_diagonal(K, 0.0)
    # All permutations at once: with v the 0/1 indicator of the first sample, the three block
    # sums are v'Kv, v'K(1-v) and the rest of the total, so one matrix product serves them all.
    labels = np.r_[np.ones(n), np.zeros(m)]
    V = np.column_stack([labels] + [rng.permutation(labels) for _ in range(MMD_PERMUTATIONS)])
    KV = K @ V
    row = K.sum(axis=1)
    total = row.sum()
    sxx = np.einsum("ij,ij->j", V, KV)
    sxy = V.T @ row - sxx
    syy = total - sxx - 2.0 * sxy
    stats_all = sxx / (n * (n - 1)) + syy / (m * (m - 1)) - 2.0 * sxy / (n * m)
    stat = float(stats_all[0])
    count = int(np.sum(stats_all[1:] >= stat))
    out.update(mmd2=stat, p_value=(count + 1) / (MMD_PERMUTATIONS + 1), bandwidth=float(np.sqrt(sigma2)))
    return out


def _sub(n: int, max_rows: int, rng: np.random.Generator) -> np.ndarray:
    if n <= max_rows:
        return np.arange(n)
    return np.sort(rng.choice(n, size=max_rows, replace=False))
