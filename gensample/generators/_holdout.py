"""Held-out real rows for early stopping, and the validation signal every deep method shares.

Why a module of its own: CTGAN, TVAE, CopulaGAN and WGAN-GP train with different libraries and
losses, none of which says how faithful the rows are, so each stops on the same outside
signal: rows drawn from the model every few steps are compared with real rows of the class
that the model never trained on. Comparing with training rows would reward memorisation, the
failure early stopping is meant to catch.

The signal (:func:`validation_score`, lower is better) reads the rows in *normal scores* (each
continuous column mapped through the held-out rows' empirical distribution to a standard
normal) and adds three parts:

* marginals: the mean 1-D Wasserstein distance of the continuous columns (in normal scores)
  and the mean total variation of the discrete columns;
* dependencies: the mean absolute difference of the correlation matrices of the features
  ``[z, z**2, one-hot]``. The ``z`` columns give linear (rank) dependencies, the ``z**2``
  columns the U-shaped ones a correlation misses (``x3 = x1**2``), and the one-hot columns
  the links between categories and numbers (a category set by a numeric band).

Written here because no library offers a cheap, dependency-aware two-sample distance for mixed
columns that can run every few dozen steps (a classifier two-sample test costs a model fit).
"""

from __future__ import annotations

import numpy as np

#: Classes with fewer rows train on all of them, for a fixed number of steps: holding out
#: 10 of 40 rows costs a quarter of the data for a signal too noisy to stop on.
MIN_ROWS_FOR_HOLDOUT = 50
HOLDOUT_SHARE = 0.2
MIN_HOLDOUT = 10
MAX_HOLDOUT = 1000
_LEVELS = np.linspace(0.02, 0.98, 49)


def holdout_split(
    n: int,
    rng: np.random.Generator,
    *,
    share: float = HOLDOUT_SHARE,
    min_rows: int = MIN_ROWS_FOR_HOLDOUT,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the training rows and of the held-out rows among ``n`` rows.

    Returns an empty held-out array when ``n < min_rows`` (train on everything, no early stop).
    """
    order = rng.permutation(int(n))
    if n < min_rows:
        return np.sort(order), np.empty(0, dtype=np.int64)
    n_val = int(min(MAX_HOLDOUT, max(MIN_HOLDOUT, round(share * n))))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def stratified_holdout_split(
    y: np.ndarray,
    rng: np.random.Generator,
    *,
    share: float = HOLDOUT_SHARE,
    min_rows: int = MIN_ROWS_FOR_HOLDOUT,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`holdout_split` within each class of ``y`` (a class under ``min_rows`` keeps all its rows)."""
    y = np.asarray(y)
    train, val = [], []
    for k in np.unique(y):
        rows = np.flatnonzero(y == k)
        t, v = holdout_split(len(rows), rng, share=share, min_rows=min_rows)
        train.append(rows[t])
        val.append(rows[v])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val)).astype(np.int64)


def _normal_scores(reference: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Map ``values`` through ``reference``'s empirical CDF (mid-ranks) to standard-normal scores."""
    from scipy.special import ndtri

    ref = np.sort(reference)
    n = len(ref)
    lo = np.searchsorted(ref, values, side="left")
    hi = np.searchsorted(ref, values, side="right")
    u = (0.5 * (lo + hi) + 0.5) / (n + 1)
    return ndtri(np.clip(u, 0.5 / (n + 1), 1 - 0.5 / (n + 1)))


def _features(z: np.ndarray, codes: np.ndarray, sizes: list) -> np.ndarray:
    parts = [z, z**2]
    for k, size in enumerate(sizes):
        one_hot = np.zeros((len(codes), size))
        one_hot[np.arange(len(codes)), np.clip(codes[:, k], 0, size - 1)] = 1.0
        parts.append(one_hot)
    return np.concatenate(parts, 1)


def _corr(x: np.ndarray) -> np.ndarray:
    x = x - x.mean(0)
    sd = np.sqrt((x**2).mean(0))
    ok = sd > 1e-12
    c = np.zeros((x.shape[1], x.shape[1]))
    if ok.any():
        xs = x[:, ok] / sd[ok]
        c[np.ix_(ok, ok)] = xs.T @ xs / len(x)
    return c


def validation_score(
    real_cont: np.ndarray,
    real_codes: np.ndarray,
    fake_cont: np.ndarray,
    fake_codes: np.ndarray,
    sizes: list,
) -> float:
    """How far model rows are from held-out real rows: marginals plus dependencies (lower is better).

    Parameters
    ----------
    real_cont, fake_cont : ndarray of shape (n, n_continuous)
        Continuous columns, in the units of the encoded table.
    real_codes, fake_codes : ndarray of int, shape (n, n_discrete)
        Discrete columns as indices into each column's values (``Layout.split``).
    sizes : list of int
        Number of values of each discrete column.
    """
    if len(real_cont) == 0 or len(fake_cont) == 0:
        return float("inf")
    n_cont = real_cont.shape[1]
    zr = np.column_stack([_normal_scores(real_cont[:, i], real_cont[:, i]) for i in range(n_cont)]) \
        if n_cont else np.empty((len(real_cont), 0))
    zf = np.column_stack([_normal_scores(real_cont[:, i], fake_cont[:, i]) for i in range(n_cont)]) \
        if n_cont else np.empty((len(fake_cont), 0))
    marg = [float(np.mean(np.abs(np.quantile(zf[:, i], _LEVELS) - np.quantile(zr[:, i], _LEVELS))))
            for i in range(n_cont)]
    for k, size in enumerate(sizes):
        pr = np.bincount(np.clip(real_codes[:, k], 0, size - 1), minlength=size) / len(real_codes)
        pf = np.bincount(np.clip(fake_codes[:, k], 0, size - 1), minlength=size) / len(fake_codes)
        marg.append(0.5 * float(np.abs(pr - pf).sum()))
    score = float(np.mean(marg)) if marg else 0.0
    fr, ff = _features(zr, real_codes, sizes), _features(zf, fake_codes, sizes)
    if fr.shape[1] >= 2:
        gap = np.abs(_corr(fr) - _corr(ff))
        off = ~np.eye(gap.shape[0], dtype=bool)
        score += float(gap[off].mean())
    return score


class EarlyStopping:
    """Keep the best state seen on the validation signal; say when to stop.

    ``patience`` evaluations without an improvement of more than ``tolerance`` stop training,
    counted only after ``warmup`` steps (the signal is noisy while the networks warm up).
    """

    def __init__(self, patience: int, warmup: int, tolerance: float = 1e-4):
        self.patience = int(patience)
        self.warmup = int(warmup)
        self.tolerance = float(tolerance)
        self.best = float("inf")
        self.best_step: int | None = None
        self.best_state = None
        self.since = 0
        self.history: list[tuple[int, float]] = []

    def update(self, step: int, score: float, state_fn) -> bool:
        """Record ``score`` at ``step``; ``state_fn()`` snapshots the model when it is the best. True: stop."""
        self.history.append((int(step), float(score)))
        if score < self.best - self.tolerance:
            self.best, self.best_step, self.since = float(score), int(step), 0
            self.best_state = state_fn()
            return False
        if step > self.warmup:
            self.since += 1
        return self.patience > 0 and self.since >= self.patience
