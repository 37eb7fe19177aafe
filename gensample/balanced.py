"""``BalancedClassifier``: a classifier that chooses its imbalance remedy by inner cross-validation.

>>> from gensample import BalancedClassifier
>>> clf = BalancedClassifier("rf", remedies=("none", "smote", "class-weight", "balanced-rf"), metric="mcc")
>>> clf.fit(X_train, y_train).predict(X_test)
>>> clf.chosen_, clf.choice_.reason, clf.cv_results_["mean_score"]

``fit`` scores every remedy with :func:`gensample.selection.evaluate_candidates` (repeated
stratified folds, resampling inside the training folds only), keeps ``default`` unless
another remedy wins by more than the fold-to-fold noise (:func:`gensample.selection.choose`),
then refits the chosen remedy on all the training rows. It is the same engine ``auto`` uses:
``auto`` fits a ``BalancedClassifier(refit=False)`` whose remedies are gensample methods.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .errors import ParameterError

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data
except ImportError:  # pragma: no cover - older scikit-learn, through imbalanced-learn's shim
    from sklearn_compat.utils.validation import validate_data

DEFAULT_REMEDIES = ("none", "smote", "class-weight", "threshold")


class BalancedClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Choose a remedy for class imbalance by inner cross-validation, refit it, predict.

    Parameters
    ----------
    estimator : {"lr", "rf", "hgb"} or scikit-learn classifier, default "lr"
        The classifier the remedies are applied to (cloned; never fitted itself).
    remedies : sequence of str or dict, default ("none", "smote", "class-weight", "threshold")
        Names of :func:`gensample.selection.make_remedy` (gensample methods, imbalanced-learn
        under-samplers and balanced ensembles, ``class-weight``, ``threshold``, combinations
        such as ``"smote+threshold"``), or ``{name: None | sampler | Remedy}``. Threshold
        remedies are left out for targets with more than two classes (``skipped_``).
    metric : str, default "pr_auc"
        What the remedies are judged by, one of :data:`gensample.evaluation.metrics.METRICS`.
    default : str or None, default "smote"
        The remedy kept unless another is clearly better; None or a name not among
        ``remedies``: the first remedy.
    tune_threshold : {"auto", True, False}, default "auto"
        Also score each remedy at a decision threshold tuned for ``metric``
        (``TunedThresholdClassifierCV``, as ``"<remedy>+threshold"``): "auto" does so when
        ``metric`` depends on the threshold and the target has two classes.
    recalibrate : bool, default False
        Shift the probabilities of resampled, weighted or balanced-ensemble models back to the
        real class prior (Saerens et al. 2002), in selection and in the refitted model.
    cv : int, default 3
        Inner folds per repeat (lowered to the smallest class's size).
    n_repeats : int, default 2
    rule : {"paired", "1se", "best"}, default "paired"
    alpha : float, default 0.05
    refit : bool, default True
        Refit the chosen remedy on all the rows; False only chooses (``predict`` is then
        unavailable).
    random_state : int, RandomState instance or None, default None

    Attributes
    ----------
    chosen_ : str
        The chosen remedy.
    choice_ : gensample.selection.Choice
        ``chosen``, ``reason`` and ``evidence`` (per-remedy scores and p-values).
    cv_results_ : dict of arrays
        ``remedy``, ``kind``, ``mean_score``, ``std_score``, ``sem_score``, ``rank_score``,
        ``mean_fit_time`` and ``split<i>_score`` per remedy, as in ``GridSearchCV``.
    scores_ : gensample.selection.CandidateScores
    remedy_ : gensample.selection.Remedy
        The fitted remedy's recipe.
    estimator_ : estimator
        The refitted model (a pipeline, ensemble or tuned-threshold model, depending on the
        remedy).
    skipped_ : dict
        Remedies left out, with the reason.
    classes_ : ndarray
    n_features_in_ : int
    """

    def __init__(self, estimator="lr", remedies=DEFAULT_REMEDIES, metric="pr_auc", default="smote",
                 tune_threshold="auto", recalibrate=False, cv=3, n_repeats=2, rule="paired", alpha=0.05,
                 refit=True, random_state=None):
        self.estimator = estimator
        self.remedies = remedies
        self.metric = metric
        self.default = default
        self.tune_threshold = tune_threshold
        self.recalibrate = recalibrate
        self.cv = cv
        self.n_repeats = n_repeats
        self.rule = rule
        self.alpha = alpha
        self.refit = refit
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, X, y):
        """Choose the remedy by inner cross-validation and refit it on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        from .evaluation import metrics as M
        from .selection import choose, evaluate_candidates
        from .selection.engine import base_estimator

        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"BalancedClassifier needs at least 2 classes in y; got 1 class ({self.classes_[0]!r})")
        M.check_metric(self.metric)
        for name, v, low in (("cv", self.cv, 2), ("n_repeats", self.n_repeats, 1)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
                raise ParameterError(f"{name} must be an integer >= {low}, got {v!r}")
        if self.tune_threshold not in ("auto", True, False):
            raise ParameterError(f"tune_threshold must be 'auto', True or False, got {self.tune_threshold!r}")
        binary = len(self.classes_) == 2
        candidates, self.skipped_ = self._candidates(binary)
        if not candidates:
            raise ParameterError("no remedy can run on this target: " + "; ".join(
                f"{k}: {v}" for k, v in self.skipped_.items()))
        rs = check_random_state(self.random_state)
        sel_seed, clf_seed, samp_seed = (int(s) for s in rs.randint(0, 2**31 - 1, size=3))
        base = base_estimator(self.estimator, X.shape[1])
        names = list(candidates)
        default = self.default if self.default in candidates else names[0]
        _, counts = np.unique(y, return_counts=True)
        if len(names) == 1 or counts.min() < 2:
            self.scores_ = None
            from .selection.engine import Choice

            why = "a single remedy" if len(names) == 1 else "a class has a single row, so no cross-validation"
            self.choice_ = Choice(default, f"kept {default!r}: {why}", {"rule": self.rule})
        else:
            self.scores_ = evaluate_candidates(X, y, candidates, estimator=base, metric=self.metric,
                                               n_splits=int(self.cv), n_repeats=int(self.n_repeats),
                                               random_state=sel_seed)
            self.choice_ = choose(self.scores_, default, rule=self.rule, alpha=self.alpha)
        self.chosen_ = self.choice_.chosen
        self.remedy_ = candidates[self.chosen_]
        self.cv_results_ = self._cv_results(candidates)
        if self.refit:
            self.estimator_ = self.remedy_.fit(X, y, base, clf_seed, samp_seed)
        return self

    def _candidates(self, binary: bool):
        from .evaluation import metrics as M
        from .selection.remedies import Remedy, as_remedy, make_remedy

        spec = self.remedies
        if isinstance(spec, str):
            spec = [r.strip() for r in spec.split(",") if r.strip()]
        if isinstance(spec, dict):
            items = [(str(k), v if isinstance(v, Remedy) else as_remedy(v, str(k))) for k, v in spec.items()]
        elif isinstance(spec, (list, tuple)) and spec and all(isinstance(r, str) for r in spec):
            scoring = self.metric if self.metric in M.LABEL_METRICS else "f1"
            items = [(r, make_remedy(r, threshold_scoring=scoring)) for r in dict.fromkeys(spec)]
        else:
            raise ParameterError(f"remedies must be a non-empty list of names or a dict {{name: remedy}}, got {spec!r}")
        tune = self.tune_threshold is True or (self.tune_threshold == "auto" and self.metric in M.LABEL_METRICS)
        out, skipped = {}, {}
        for name, r in items:
            if self.recalibrate and (r.sampler is not None or r.class_weight or r.ensemble is not None):
                r = dataclasses.replace(r, prior_shift=True)
            if r.threshold and not binary:
                skipped[name] = "threshold tuning needs a two-class target"
                continue
            out[name] = r
        if tune and binary:
            scoring = self.metric if self.metric in M.LABEL_METRICS else "f1"
            for name, r in list(out.items()):
                tuned = "threshold" if name == "none" else f"{name}+threshold"
                if not r.threshold and tuned not in out and r.ensemble is None:
                    out[tuned] = dataclasses.replace(r, name=tuned, threshold=True, threshold_scoring=scoring,
                                                     kind="cost-sensitive" if name == "none" else "combination")
        return out, skipped

    def _cv_results(self, candidates) -> dict:
        names = list(candidates)
        res = {"remedy": np.array(names, dtype=object),
               "kind": np.array([candidates[n].kind for n in names], dtype=object)}
        if self.scores_ is None:
            nan = np.full(len(names), np.nan)
            res.update(mean_score=nan, std_score=nan, sem_score=nan, mean_fit_time=nan,
                       rank_score=np.ones(len(names), dtype=np.int32))
            return res
        s = self.scores_
        mean = np.array([s.mean[n] for n in names])
        res["mean_score"] = mean
        res["std_score"] = np.array([s.std[n] for n in names])
        res["sem_score"] = np.array([s.sem[n] for n in names])
        res["mean_fit_time"] = np.nanmean(s.seconds, axis=0)
        key = np.where(np.isfinite(mean), mean if s.lower_is_better else -mean, np.inf)
        order = np.argsort(key, kind="stable")
        rank = np.empty(len(names), dtype=np.int32)
        rank[order] = np.arange(1, len(names) + 1)
        res["rank_score"] = rank
        for i in range(s.scores.shape[0]):
            res[f"split{i}_score"] = s.scores[i]
        return res

    # ------------------------------------------------------------------ predict
    def predict_proba(self, X):
        """Class probabilities (columns in ``classes_`` order)."""
        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, reset=False)
        proba = np.asarray(self.estimator_.predict_proba(X), dtype=float)
        fitted = np.asarray(self.estimator_.classes_)
        if len(fitted) == len(self.classes_) and np.array_equal(fitted, self.classes_):
            return proba
        out = np.zeros((len(X), len(self.classes_)))
        out[:, np.searchsorted(self.classes_, fitted)] = proba
        return out

    def predict(self, X):
        """Class labels (at the tuned threshold when the chosen remedy tunes one)."""
        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, reset=False)
        return np.asarray(self.estimator_.predict(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
