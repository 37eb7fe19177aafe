"""The one selection engine: score remedies by repeated inner cross-validation, then choose.

Everything in gensample that picks a remedy from data goes through these two calls:
``auto`` (:mod:`gensample.selection.auto`), :class:`gensample.BalancedClassifier` and the
vs-smote gate of the deep methods.

Interface
---------
``evaluate_candidates(X, y, candidates, *, estimator="lr", metric="pr_auc", n_splits=3,
n_repeats=2, random_state=None) -> CandidateScores``

* ``X``: a 2-D numeric array (or anything ``numpy.asarray`` turns into one; NaN allowed when
  the estimator takes it: ``"rf"`` and ``"hgb"`` do, ``"lr"`` imputes medians), ``y``: labels.
* ``candidates``: ``{name: candidate}``. A candidate is

  - ``None``: train on the fold as it is ("make no rows");
  - any object with ``fit_resample(X, y)`` (an imbalanced-learn sampler, gensample's
    :class:`~gensample.GenerativeOverSampler`, ...): it resamples the *training part of each
    inner fold only*; the held-out part is never resampled nor seen by it;
  - a :class:`Remedy` (class weights, a tuned threshold, a balanced ensemble, a sampler
    combined with one of those): see :mod:`gensample.selection.remedies`.

* ``estimator``: ``"lr" | "rf" | "hgb"`` (gensample's three classifiers, see
  :mod:`gensample.evaluation.classifiers`) or any scikit-learn classifier; it is cloned for
  every fit.
* ``metric``: a name of :data:`gensample.evaluation.metrics.METRICS`. Threshold-free metrics
  (``pr_auc``, ``roc_auc``, ``brier``, ``log_loss``, ...) use ``predict_proba``; label metrics use
  ``predict`` (so a threshold remedy is judged at its tuned threshold).
* Folds: ``n_repeats`` times stratified ``n_splits``-fold with its own shuffle; every candidate
  sees the same folds and the classifier gets the same seed in a fold whichever candidate it
  is trained for (common random numbers, so the differences between candidates are not
  classifier noise). ``n_splits`` is lowered to the smallest class's size (at least 2).

``CandidateScores`` holds ``scores`` (array ``n_folds x n_candidates``, NaN where a candidate
failed in a fold), ``seconds`` (same shape: resampling + fit + predict), ``errors`` (per
candidate, the first failure in words), ``mean``/``std``/``sem`` per candidate (NaN-aware),
``names``, ``metric``, ``lower_is_better``, ``n_splits``, ``n_repeats`` and
``test_train_ratio`` (``n_test / n_train`` of the folds, for the corrected t-test).

``choose(scores, default, rule="paired", alpha=0.05) -> Choice``

keeps ``default`` unless another candidate beats it by more than the fold-to-fold noise:

* ``"paired"`` (default): each challenger's per-fold differences to the default, one-sided
  corrected resampled t-test (Nadeau & Bengio 2003: folds of repeated k-fold share training
  rows, so the variance is inflated by ``1/n + n_test/n_train``), Holm-adjusted over the
  challengers. Among the challengers that stay significant the best mean wins.
* ``"1se"``: the one-standard-error rule: the best mean wins unless the default is within one
  standard error (of the best candidate's mean) of it.
* ``"best"``: the raw best mean (the winner's curse; kept for comparison and benchmarks).

``Choice`` is a dataclass: ``chosen`` (a name), ``reason`` (one sentence), ``evidence``
(JSON-safe dict: rule, alpha, per-candidate mean/std/sem/seconds, per-challenger difference
and adjusted p-value, errors).

Randomness: the folds and the classifier seeds come from ``random_state`` only; a sampler's
own randomness is its ``random_state`` (samplers are cloned, and a sampler whose
``random_state`` is None gets a seed drawn from ``random_state`` per fold), so the same
``random_state`` gives the same scores.

Why one module: :func:`evaluate_candidates` and :func:`choose` are two halves of one procedure
that share the :class:`CandidateScores` layout (fold x candidate arrays, the test/train ratio
the corrected t-test needs); most of the length is the interface written out above, which a
caller of either half has to read whole.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from sklearn.base import clone
from sklearn.model_selection import RepeatedStratifiedKFold
from threadpoolctl import threadpool_limits

from ..errors import ParameterError

__all__ = ["CandidateScores", "Choice", "evaluate_candidates", "choose", "corrected_ttest_greater", "base_estimator", "RULES"]

RULES = ("paired", "1se", "best")


@dataclass
class CandidateScores:
    """Per-fold scores of candidates from :func:`evaluate_candidates`.

    Attributes
    ----------
    names : list of str
        Candidate names, in the order of the columns of ``scores``.
    scores : ndarray of shape (n_folds, n_candidates)
        The metric on each held-out fold; NaN where the candidate failed.
    seconds : ndarray of shape (n_folds, n_candidates)
        Resampling + fitting + predicting time of each fold.
    errors : dict
        ``{name: first failure in words}`` for candidates that failed in some fold.
    metric : str
    lower_is_better : bool
    n_splits, n_repeats : int
        The inner folds used (``n_splits`` after lowering to the smallest class).
    test_train_ratio : float
        Mean ``n_test / n_train`` of the folds.
    """

    names: list
    scores: np.ndarray
    seconds: np.ndarray
    errors: dict = field(default_factory=dict)
    metric: str = "pr_auc"
    lower_is_better: bool = False
    n_splits: int = 3
    n_repeats: int = 2
    test_train_ratio: float = 0.5

    def _col(self, name):
        return self.scores[:, self.names.index(name)]

    @property
    def mean(self) -> dict:
        """``{name: mean over the folds where it ran}`` (NaN when it never ran)."""
        return {n: _nanstat(np.nanmean, self._col(n)) for n in self.names}

    @property
    def std(self) -> dict:
        return {n: _nanstat(lambda v: np.nanstd(v, ddof=1), self._col(n)) for n in self.names}

    @property
    def sem(self) -> dict:
        """Standard error of the mean over folds (not corrected for shared training rows)."""
        out = {}
        for n in self.names:
            v = self._col(n)
            k = int(np.isfinite(v).sum())
            out[n] = _nanstat(lambda a: np.nanstd(a, ddof=1), v) / math.sqrt(k) if k > 1 else float("nan")
        return out

    @property
    def total_seconds(self) -> dict:
        return {n: float(np.nansum(self.seconds[:, i])) for i, n in enumerate(self.names)}

    def better(self, a: float, b: float) -> bool:
        """Whether score ``a`` is better than ``b`` on this metric."""
        return a < b if self.lower_is_better else a > b

    def to_dict(self) -> dict:
        """JSON-safe summary (per-candidate mean, std, sem, seconds and the per-fold scores)."""
        mean, std, sem, sec = self.mean, self.std, self.sem, self.total_seconds
        return {
            "metric": self.metric, "n_splits": self.n_splits, "n_repeats": self.n_repeats,
            "candidates": {n: {"mean": _f(mean[n]), "std": _f(std[n]), "sem": _f(sem[n]), "seconds": _f(sec[n]),
                               "folds": [_f(v) for v in self._col(n)]} for n in self.names},
            "errors": dict(self.errors),
        }


@dataclass
class Choice:
    """What :func:`choose` decided, and why.

    Attributes
    ----------
    chosen : str
    reason : str
        One sentence in words.
    evidence : dict
        JSON-safe: rule, alpha, default, per-candidate summary, per-challenger mean difference
        to the default (positive = better than the default) and Holm-adjusted p-value.
    """

    chosen: str
    reason: str
    evidence: dict = field(default_factory=dict)


def evaluate_candidates(X, y, candidates: dict, *, estimator="lr", metric: str = "pr_auc", n_splits: int = 3,
                        n_repeats: int = 2, random_state=None) -> CandidateScores:
    """Score every candidate by repeated stratified cross-validation, resampling inside training folds only.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numeric features (NaN allowed when ``estimator`` takes it).
    y : array-like of shape (n_samples,)
        Class labels.
    candidates : dict
        ``{name: None | sampler with fit_resample | Remedy}`` (see the module docstring).
    estimator : {"lr", "rf", "hgb"} or scikit-learn classifier, default "lr"
    metric : str, default "pr_auc"
        One of :data:`gensample.evaluation.metrics.METRICS`.
    n_splits : int, default 3
        Folds per repeat (lowered to the smallest class's size, at least 2).
    n_repeats : int, default 2
    random_state : int or None

    Returns
    -------
    CandidateScores

    Raises
    ------
    ParameterError
        Unknown metric or estimator, bad fold counts, a candidate of the wrong kind, or a class
        with a single row.
    """
    from ..evaluation import metrics as M
    from .remedies import Remedy, as_remedy

    M.check_metric(metric)
    if not isinstance(candidates, dict) or not candidates:
        raise ParameterError("candidates must be a non-empty dict {name: sampler, Remedy or None}")
    remedies = {}
    for name, cand in candidates.items():
        if not isinstance(name, str):
            raise ParameterError(f"candidate names must be strings, got {name!r}")
        remedies[name] = cand if isinstance(cand, Remedy) else as_remedy(cand, name)
    for v, what, low in ((n_splits, "n_splits", 2), (n_repeats, "n_repeats", 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ParameterError(f"{what} must be an integer >= {low}, got {v!r}")
    X = np.asarray(X, dtype=np.float64) if not hasattr(X, "iloc") else X
    if X.ndim != 2:
        raise ParameterError(f"X must be 2-D (rows x features), got shape {X.shape}")
    labels, codes = np.unique(np.asarray(y), return_inverse=True)
    if len(labels) < 2:
        raise ParameterError("y has a single class; choosing a remedy needs at least two")
    if len(codes) != X.shape[0]:
        raise ParameterError(f"X has {X.shape[0]} rows but y has {len(codes)}")
    counts = np.bincount(codes)
    k = min(int(n_splits), int(counts.min()))
    if k < 2:
        raise ParameterError(
            f"class {labels[int(np.argmin(counts))]!r} has a single row; cross-validation needs at least 2 per class")
    base = base_estimator(estimator, X.shape[1])
    positive = int(np.argmin(counts)) if len(labels) == 2 else -1
    rng = np.random.default_rng(random_state)
    split_seed, clf_seed, sampler_seed = (int(s) for s in rng.integers(0, 2**31 - 1, size=3))
    folds = list(RepeatedStratifiedKFold(n_splits=k, n_repeats=int(n_repeats), random_state=split_seed)
                 .split(np.zeros(len(codes)), codes))
    names = list(remedies)
    scores = np.full((len(folds), len(names)), np.nan)
    seconds = np.full((len(folds), len(names)), np.nan)
    errors: dict[str, str] = {}
    ratio = float(np.mean([len(te) / len(tr) for tr, te in folds]))
    with threadpool_limits(limits=1), warnings.catch_warnings():
        # Candidates' own warnings (lowered k, nothing to generate, convergence) repeat once per
        # fold; their failures are recorded per candidate instead.
        warnings.simplefilter("ignore")
        for f, (tr, te) in enumerate(folds):
            X_tr, X_te = _rows(X, tr), _rows(X, te)
            fold_clf_seed = int(np.random.SeedSequence([clf_seed, f]).generate_state(1)[0])
            for j, name in enumerate(names):
                if name in errors and remedies[name].stop_on_error:
                    continue
                started = time.perf_counter()
                try:
                    model = remedies[name].fit(X_tr, codes[tr], base, fold_clf_seed,
                                               int(np.random.SeedSequence([sampler_seed, f, j]).generate_state(1)[0]))
                    scores[f, j] = _score(model, X_te, codes[te], metric, positive, len(labels))
                except Exception as exc:  # a candidate failing is a result, not an error
                    errors.setdefault(name, f"fold {f}: {type(exc).__name__}: {exc}"[:300])
                seconds[f, j] = time.perf_counter() - started
    return CandidateScores(names, scores, seconds, errors, metric, metric in M.LOWER_IS_BETTER, k, int(n_repeats), ratio)


def choose(scores: CandidateScores, default: str, rule: str = "paired", alpha: float = 0.05,
           among: list | None = None) -> Choice:
    """Keep ``default`` unless another candidate wins by more than its fold-to-fold noise.

    Parameters
    ----------
    scores : CandidateScores
    default : str
        The candidate kept when no other is clearly better (e.g. ``"smote"``).
    rule : {"paired", "1se", "best"}, default "paired"
        See the module docstring.
    alpha : float, default 0.05
        Level of the one-sided tests (``"paired"``), Holm-adjusted over the challengers.
    among : list of str, optional
        Only these candidates may be chosen (default: all); the others are still reported.

    Returns
    -------
    Choice
    """
    if rule not in RULES:
        raise ParameterError(f"rule must be one of {', '.join(RULES)}, got {rule!r}")
    if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or not 0 < alpha < 1:
        raise ParameterError(f"alpha must be a number in (0, 1), got {alpha!r}")
    names = list(scores.names if among is None else among)
    unknown = [n for n in [default, *names] if n not in scores.names]
    if unknown:
        raise ParameterError(f"{unknown[0]!r} is not among the scored candidates ({', '.join(scores.names)})")
    mean, std, sem = scores.mean, scores.std, scores.sem
    sign = -1.0 if scores.lower_is_better else 1.0
    ran = [n for n in names if np.isfinite(mean[n])]
    evidence = {"rule": rule, "alpha": float(alpha), "default": default, "metric": scores.metric,
                "folds": int(scores.scores.shape[0]), **scores.to_dict(), "challengers": {}}
    if not ran:
        raise ParameterError("every candidate failed: " + "; ".join(f"{k}: {v}" for k, v in scores.errors.items()))
    best = max(ran, key=lambda n: sign * mean[n])
    if not np.isfinite(mean[default]) or np.isnan(scores._col(default)).any():
        why = scores.errors.get(default, "no score")
        return Choice(best, f"the default {default!r} failed ({why}); {best!r} has the best mean "
                            f"{scores.metric} {mean[best]:.4f}", evidence)
    d0 = scores._col(default)
    tests = {}
    for n in ran:
        if n == default:
            continue
        d = sign * (scores._col(n) - d0)
        ok = np.isfinite(d)
        tests[n] = {"difference": _f(np.mean(d[ok])) if ok.any() else None,
                    "p_value": corrected_ttest_greater(d[ok], scores.test_train_ratio) if ok.sum() > 1 else 1.0}
    # Holm's step-down adjustment, kept monotone.
    running = 0.0
    order = sorted(tests, key=lambda n: tests[n]["p_value"])
    for i, n in enumerate(order):
        running = max(running, min(1.0, (len(order) - i) * tests[n]["p_value"]))
        tests[n]["p_adjusted"] = running
    evidence["challengers"] = tests
    m = scores.metric
    if rule == "best":
        chosen = best
        reason = (f"{chosen!r} has the best mean {m} ({mean[chosen]:.4f} over {scores.scores.shape[0]} folds; "
                  f"rule 'best' ignores the noise)")
    elif rule == "1se":
        gap = sign * (mean[best] - mean[default])
        se = sem[best] if np.isfinite(sem[best]) else 0.0
        if best == default or gap <= se:
            chosen = default
            reason = (f"kept the default {default!r}: the best mean {m} ({best!r}, {mean[best]:.4f}) is within one "
                      f"standard error ({se:.4f}) of the default's {mean[default]:.4f}")
        else:
            chosen = best
            reason = (f"{best!r} beats the default {default!r} by {gap:.4f} {m}, more than one standard error "
                      f"({se:.4f})")
    else:
        winners = [n for n in tests if tests[n]["p_adjusted"] < alpha and tests[n]["difference"] > 0]
        if not winners:
            top = max(tests, key=lambda n: tests[n]["difference"] or -np.inf) if tests else None
            detail = (f"; the closest, {top!r}, differs by {tests[top]['difference']:+.4f} "
                      f"(Holm-adjusted p = {tests[top]['p_adjusted']:.3f})") if top else ""
            chosen = default
            reason = (f"kept the default {default!r} ({m} {mean[default]:.4f} ± {std[default]:.4f}): no candidate "
                      f"beats it by more than the fold-to-fold noise (one-sided corrected resampled t-test, "
                      f"alpha {alpha:g}, Holm over {len(tests)} challengers){detail}")
        else:
            chosen = max(winners, key=lambda n: sign * mean[n])
            t = tests[chosen]
            reason = (f"{chosen!r} ({m} {mean[chosen]:.4f} ± {std[chosen]:.4f}) beats the default {default!r} "
                      f"({mean[default]:.4f}) by {t['difference']:.4f} (one-sided corrected resampled t-test, "
                      f"Holm-adjusted p = {t['p_adjusted']:.3f} < {alpha:g})")
    return Choice(chosen, reason, evidence)


def corrected_ttest_greater(differences, test_train_ratio: float) -> float:
    """One-sided p-value that the mean of ``differences`` is above 0 (Nadeau & Bengio's corrected t-test).

    Written here because scipy's paired t-test assumes independent folds; folds of repeated
    k-fold share training rows, and the correction ``1/n + n_test/n_train`` of the variance is
    what keeps the test from calling noise a win.
    """
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    n = len(d)
    if n < 2:
        return 1.0
    mean, var = float(np.mean(d)), float(np.var(d, ddof=1))
    if var == 0:
        return 0.0 if mean > 0 else 1.0
    t = mean / math.sqrt((1.0 / n + test_train_ratio) * var)
    return float(stats.t.sf(t, df=n - 1))


# ---------------------------------------------------------------------- helpers
def base_estimator(estimator, n_features: int):
    """The classifier a remedy is judged with: a name ('lr', 'rf', 'hgb') built for
    ``n_features`` columns, or the user's scikit-learn classifier as it is."""
    from ..evaluation.classifiers import CLASSIFIERS, check_classifiers, make_classifier

    if isinstance(estimator, str):
        if estimator not in CLASSIFIERS:
            check_classifiers([estimator])  # raises with the choices
        return make_classifier(estimator, n_features, [], None, 0)
    if not (hasattr(estimator, "fit") and (hasattr(estimator, "predict_proba") or hasattr(estimator, "predict"))):
        raise ParameterError(
            f"estimator must be 'lr', 'rf', 'hgb' or a scikit-learn classifier, got {type(estimator).__name__}")
    return estimator


def _rows(X, idx):
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def _score(model, X_te, y_te, metric: str, positive: int, n_classes: int) -> float:
    from ..evaluation import metrics as M

    if metric in M.LABEL_METRICS:
        pred = np.asarray(model.predict(X_te)).astype(int)
        return M.label_metrics(y_te, pred, n_classes, positive, 2.0)[metric]
    proba = _proba(model, X_te, n_classes)
    return M.score_metrics(y_te, proba, positive)[metric]


def _proba(model, X, n_classes: int) -> np.ndarray:
    proba = model.predict_proba(X)
    classes = np.asarray(model.classes_).astype(int)
    if len(classes) == n_classes and np.array_equal(classes, np.arange(n_classes)):
        return proba
    out = np.zeros((len(proba), n_classes))
    out[:, classes] = proba
    return out


def _nanstat(fn, v) -> float:
    v = np.asarray(v, dtype=float)
    if not np.isfinite(v).any() or (fn is not np.nanmean and np.isfinite(v).sum() < 2):
        return float("nan")
    return float(fn(v))


def _f(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None
