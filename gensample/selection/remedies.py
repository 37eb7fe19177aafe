"""Remedies for class imbalance as one kind of object the selection engine can score and refit.

A :class:`Remedy` turns a base classifier into a fitted model on a training set: it may
resample the rows first (an over- or under-sampler), weight the classes, replace the model by a
balanced ensemble built around it, tune the decision threshold
(scikit-learn's :class:`~sklearn.model_selection.TunedThresholdClassifierCV`), and shift the
probabilities back to the real class prior. Every sampler and ensemble is imbalanced-learn's
where it has one; gensample's own methods come in through
:class:`~gensample.GenerativeOverSampler`.

Names (:func:`make_remedy`), joined with ``+`` for combinations (``"smote+class-weight"``,
``"smote+threshold"``, ``"random-under+prior"``):

==========================  ==============  =====================================================
name                        kind            what
==========================  ==============  =====================================================
``none``                    baseline        the classifier as it is
``class-weight``            cost-sensitive  ``class_weight="balanced"``
``threshold``               cost-sensitive  decision threshold tuned by inner CV
``random-under``            undersampling   :class:`imblearn.under_sampling.RandomUnderSampler`
``tomek``                   undersampling   ``TomekLinks``
``enn``                     undersampling   ``EditedNearestNeighbours``
``nearmiss-1/2/3``          undersampling   ``NearMiss(version=1/2/3)``
``one-sided-selection``     undersampling   ``OneSidedSelection``
``neighbourhood-cleaning``  undersampling   ``NeighbourhoodCleaningRule``
``balanced-rf``             ensemble        ``BalancedRandomForestClassifier`` (ignores the base)
``easy-ensemble``           ensemble        ``EasyEnsembleClassifier`` (AdaBoost members)
``rusboost``                ensemble        ``RUSBoostClassifier`` (decision-tree members)
``balanced-bagging``        ensemble        ``BalancedBaggingClassifier`` of the base classifier
``smote-bagging``           ensemble        ``BalancedBaggingClassifier`` with gensample's SMOTE
any gensample method        oversampling    ``GenerativeOverSampler(method=name)``
``+prior``                  calibration     prior-shift recalibration (Saerens et al. 2002)
==========================  ==============  =====================================================

Why one module: the name table above is the module: :func:`make_remedy` parses a name into a
:class:`Remedy`, and the factories for each row of the table (samplers, ensembles, weights,
threshold, prior) are private helpers that only it calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from sklearn.base import clone

from ..errors import ParameterError, closest

UNDERSAMPLERS = ("random-under", "tomek", "enn", "nearmiss-1", "nearmiss-2", "nearmiss-3",
                 "one-sided-selection", "neighbourhood-cleaning")
ENSEMBLES = ("balanced-rf", "easy-ensemble", "rusboost", "balanced-bagging", "smote-bagging")
BASELINE_REMEDIES = ("none", "class-weight", "threshold")
MODIFIERS = ("class-weight", "threshold", "prior")


@dataclass
class Remedy:
    """One remedy: optional sampler, class weights, ensemble, threshold tuning, prior shift.

    Parameters
    ----------
    name : str
    kind : str
        ``baseline``, ``oversampling``, ``undersampling``, ``ensemble``, ``cost-sensitive`` or
        ``combination`` (the label tables print).
    sampler : object with fit_resample, optional
        Cloned for every fit; its ``random_state`` (when it has one and it is None) is set from
        the seed handed to :meth:`fit`.
    class_weight : bool
        Fit the classifier with ``class_weight="balanced"`` (raises when it has no such parameter).
    threshold : bool
        Wrap in ``TunedThresholdClassifierCV`` (two-class targets; ``threshold_scoring``).
    ensemble : callable (base_estimator, seed) -> estimator, optional
    prior_shift : bool
        Shift predicted probabilities from the class prior the model was trained on back to
        the prior of the rows given to :meth:`fit`.
    threshold_scoring : str or callable
        What the threshold is tuned for (scikit-learn scorer name or callable).
    stop_on_error : bool
        Skip the remaining folds once it fails (the engine reads this).
    """

    name: str
    kind: str = "baseline"
    sampler: object | None = None
    class_weight: bool = False
    threshold: bool = False
    ensemble: Callable | None = None
    prior_shift: bool = False
    threshold_scoring: object = "f1"
    stop_on_error: bool = False
    description: str = ""

    def fit(self, X, y, estimator, clf_seed: int | None = None, sampler_seed: int | None = None):
        """Fit on ``(X, y)``: a model with ``predict``, ``predict_proba`` and ``classes_``."""
        est = _seeded(clone(estimator), clf_seed)
        if self.class_weight:
            est = _with_class_weight(est)
        if self.ensemble is not None:
            est = self.ensemble(est, clf_seed)
        sampler = None if self.sampler is None else _seeded(_copy(self.sampler), sampler_seed, only_if_none=True)
        y = np.asarray(y)
        if self.threshold:
            if len(np.unique(y)) != 2:
                raise ParameterError(f"{self.name!r}: threshold tuning needs a two-class target")
            from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV

            inner = est
            if sampler is not None:
                from imblearn.pipeline import Pipeline

                inner = Pipeline([("sampler", sampler), ("clf", est)])
            k = int(min(3, np.bincount(np.unique(y, return_inverse=True)[1]).min()))
            if k < 2:
                raise ParameterError(f"{self.name!r}: a class has a single row; the threshold cannot be tuned")
            model = TunedThresholdClassifierCV(
                inner, scoring=_scorer(self.threshold_scoring, y),
                cv=StratifiedKFold(k, shuffle=True, random_state=clf_seed), random_state=clf_seed)
            model.fit(X, y)
            return _Fitted(model, _prior(y), _prior(y)) if self.prior_shift else model
        if sampler is not None:
            X_fit, y_fit = sampler.fit_resample(X, y)
        else:
            X_fit, y_fit = X, y
        est.fit(X_fit, y_fit)
        if not self.prior_shift:
            return est
        classes = np.asarray(est.classes_)
        trained = _prior(np.asarray(y_fit), classes)
        if self.class_weight or self.ensemble is not None:
            # Balanced weights and balanced bootstraps make every class count the same.
            trained = np.full(len(classes), 1.0 / len(classes))
        return _Fitted(est, _prior(y, classes), trained)


class _Fitted:
    """A fitted model whose probabilities are moved from the training prior to the real one.

    Prior shift (Saerens, Latinne & Decaestecker 2002): ``p'(c|x) ∝ p(c|x) * pi(c) / pi_t(c)``,
    with ``pi`` the real prior and ``pi_t`` the one the model was trained on. Written here
    because neither scikit-learn nor imbalanced-learn has it.
    """

    def __init__(self, model, prior, trained):
        self.model = model
        self.classes_ = np.asarray(model.classes_)
        self.prior = np.asarray(prior, float)
        self.trained = np.asarray(trained, float)

    def predict_proba(self, X):
        p = np.asarray(self.model.predict_proba(X), float)
        w = np.divide(self.prior, self.trained, out=np.ones_like(self.prior), where=self.trained > 0)
        q = p * w
        s = q.sum(axis=1, keepdims=True)
        return np.divide(q, s, out=np.full_like(q, 1.0 / q.shape[1]), where=s > 0)

    def predict(self, X):
        if hasattr(self.model, "best_threshold_"):  # a tuned threshold is the decision
            return self.model.predict(X)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class RowSelector:
    """An under-sampler that chooses rows in a numeric view and returns the chosen rows untouched.

    imbalanced-learn's neighbour-based under-samplers need numbers without gaps; the feature
    matrix of a mixed table has NaN and category codes. The view (median-imputed,
    standardised numbers, one-hot categories) is used to choose; ``sample_indices_`` then
    takes the original rows, so no row is altered.

    Parameters
    ----------
    sampler : imbalanced-learn under-sampler
    n_numeric : int
        Leading numeric columns; the rest are category codes.
    n_categorical : int
    random_state : int, optional
        Set on the sampler when it has a ``random_state``.
    """

    _sampling_type = "under-sampling"

    def __init__(self, sampler, n_numeric: int, n_categorical: int = 0, random_state=None):
        self.sampler = sampler
        self.n_numeric = n_numeric
        self.n_categorical = n_categorical
        self.random_state = random_state

    def get_params(self, deep=True):
        return {"sampler": self.sampler, "n_numeric": self.n_numeric, "n_categorical": self.n_categorical,
                "random_state": self.random_state}

    def set_params(self, **params):
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def fit_resample(self, X, y):
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        X = np.asarray(X, dtype=np.float64)
        num = list(range(self.n_numeric))
        cat = list(range(self.n_numeric, self.n_numeric + self.n_categorical))
        parts = []
        if num:
            parts.append(("num", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                               StandardScaler()), num))
        if cat:
            parts.append(("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value=-1.0),
                                               OneHotEncoder(handle_unknown="ignore", sparse_output=False)), cat))
        Z = ColumnTransformer(parts).fit_transform(X)
        s = clone(self.sampler)
        if "random_state" in s.get_params() and self.random_state is not None:
            s.set_params(random_state=self.random_state)
        s.fit_resample(Z, y)
        idx = np.sort(s.sample_indices_)
        self.sample_indices_ = idx
        return X[idx], np.asarray(y)[idx]


def ensemble_for_features(name: str, base, seed, sampler=None):
    """A balanced ensemble on gensample's feature matrix (NaN imputed for members that refuse it).

    ``sampler`` replaces the SMOTE of ``smote-bagging`` (compare passes one that runs
    gensample's SMOTE on the encoded rows, so categories are never interpolated).
    """
    from imblearn import ensemble as E
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    if name == "smote-bagging":
        model = E.BalancedBaggingClassifier(estimator=base, n_estimators=10, random_state=seed, sampler=sampler)
        return model
    model = _ensemble_factory(name, {})(base, seed)
    # Bagging and boosting validate their input before the members see it; they refuse NaN.
    return make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), model)


def as_remedy(candidate, name: str) -> Remedy:
    """``None`` -> no rows, a sampler -> a sampling remedy; anything else is an error."""
    if candidate is None:
        return Remedy(name, "baseline")
    if isinstance(candidate, Remedy):
        return candidate
    if hasattr(candidate, "fit_resample"):
        return Remedy(name, _sampler_kind(candidate), sampler=candidate)
    raise ParameterError(
        f"candidate {name!r} must be None, a sampler with fit_resample or a Remedy; got {type(candidate).__name__}")


def make_remedy(name: str, *, method_params: dict | None = None, threshold_scoring="f1",
                sampling_strategy="auto") -> Remedy:
    """The :class:`Remedy` called ``name`` (see the module docstring), e.g. ``"smote+threshold"``.

    Raises
    ------
    ParameterError
        An unknown name (with the closest known names) or a modifier without a base.
    """
    if not isinstance(name, str) or not name.strip():
        raise ParameterError(f"a remedy name must be a non-empty string, got {name!r}")
    parts = [p.strip() for p in name.split("+")]
    head, mods = parts[0], parts[1:]
    if head in MODIFIERS and head != "prior" and not mods:
        mods, head = [head], "none"
    bad = [m for m in mods if m not in MODIFIERS]
    if bad:
        raise ParameterError(f"remedy {name!r}: {bad[0]!r} cannot follow '+'; combine a base with one of "
                             f"{', '.join(MODIFIERS)} (e.g. 'smote+threshold')")
    r = _base_remedy(head, method_params or {}, sampling_strategy)
    r.name = name
    r.threshold_scoring = threshold_scoring
    if "class-weight" in mods:
        r.class_weight = True
    if "threshold" in mods:
        r.threshold = True
    if "prior" in mods:
        r.prior_shift = True
    if head == "none" and mods:
        r.kind = "cost-sensitive" if set(mods) & {"class-weight", "threshold"} else "calibration"
    elif mods and r.kind != "baseline":
        r.kind = "combination" if set(mods) & {"class-weight", "threshold"} else r.kind
    return r


def remedy_names() -> list:
    """Every name :func:`make_remedy` knows without combinations (gensample methods included)."""
    from .. import registry

    return [*BASELINE_REMEDIES, *UNDERSAMPLERS, *ENSEMBLES, *[m for m in registry.names() if m != "auto"]]


def remedy_kind(name: str) -> str:
    """The kind of a remedy name, without building it (for tables)."""
    parts = name.split("+")
    head, mods = parts[0], parts[1:]
    if head == "none" and not mods:
        return "baseline"
    if head in ("class-weight", "threshold") or (head == "none" and set(mods) & {"class-weight", "threshold"}):
        return "cost-sensitive"
    if mods and set(mods) & {"class-weight", "threshold"}:
        return "combination"
    if head in UNDERSAMPLERS:
        return "undersampling"
    if head in ENSEMBLES:
        return "ensemble"
    return "oversampling"


def _base_remedy(head: str, method_params: dict, sampling_strategy) -> Remedy:
    from .. import registry

    if head == "none":
        return Remedy("none", "baseline")
    if head in UNDERSAMPLERS:
        return Remedy(head, "undersampling", sampler=_undersampler(head, sampling_strategy), stop_on_error=True)
    if head in ENSEMBLES:
        return Remedy(head, "ensemble", ensemble=_ensemble_factory(head, method_params))
    if head in registry.names() and head != "auto":
        from ..imblearn_sampler import GenerativeOverSampler

        return Remedy(head, "oversampling", sampler=GenerativeOverSampler(
            head, sampling_strategy=sampling_strategy, method_params=dict(method_params) or None))
    known = remedy_names()
    hint = closest(head, known)
    raise ParameterError(f"unknown remedy {head!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                         + "; known: " + ", ".join(known))


def _undersampler(name: str, sampling_strategy):
    from imblearn import under_sampling as U

    st = sampling_strategy if sampling_strategy != "auto" else "auto"
    if name == "random-under":
        return U.RandomUnderSampler(sampling_strategy=st)
    if name == "tomek":
        return U.TomekLinks()
    if name == "enn":
        return U.EditedNearestNeighbours()
    if name.startswith("nearmiss-"):
        return U.NearMiss(sampling_strategy=st, version=int(name[-1]))
    if name == "one-sided-selection":
        return U.OneSidedSelection()
    return U.NeighbourhoodCleaningRule()


def _ensemble_factory(name: str, method_params: dict):
    from imblearn import ensemble as E

    def build(base, seed):
        if name == "balanced-rf":
            return E.BalancedRandomForestClassifier(n_estimators=100, sampling_strategy="all", replacement=True,
                                                    bootstrap=False, random_state=seed, n_jobs=1)
        if name == "easy-ensemble":
            return E.EasyEnsembleClassifier(n_estimators=10, random_state=seed)
        if name == "rusboost":
            return E.RUSBoostClassifier(n_estimators=50, random_state=seed)
        if name == "balanced-bagging":
            return E.BalancedBaggingClassifier(estimator=base, n_estimators=10, random_state=seed)
        from ..imblearn_sampler import GenerativeOverSampler

        # SMOTEBagging (Wang & Yao 2009): each bag is balanced by SMOTE instead of undersampling.
        return E.BalancedBaggingClassifier(estimator=base, n_estimators=10, random_state=seed,
                                           sampler=GenerativeOverSampler("smote", method_params=dict(method_params) or None))

    return build


def _sampler_kind(sampler) -> str:
    mod = type(sampler).__module__
    if "under_sampling" in mod:
        return "undersampling"
    if "combine" in mod:
        return "combination"
    return "oversampling"


def _copy(obj):
    """A fresh copy of a sampler: scikit-learn's clone, or a deep copy for plain objects with fit_resample."""
    if hasattr(obj, "get_params"):
        return clone(obj)
    import copy

    return copy.deepcopy(obj)


def _seeded(est, seed, only_if_none: bool = False):
    if seed is None or not hasattr(est, "get_params"):
        return est
    params = est.get_params(deep=True)
    updates = {k: int(seed) for k, v in params.items()
               if (k == "random_state" or k.endswith("__random_state")) and (v is None or not only_if_none)
               and not hasattr(v, "randint")}
    if updates:
        try:
            est.set_params(**updates)
        except (ValueError, TypeError):
            pass
    return est


def _with_class_weight(est):
    keys = [k for k in est.get_params(deep=True) if k == "class_weight" or k.endswith("__class_weight")]
    if not keys:
        raise ParameterError(f"class weights: {type(est).__name__} has no class_weight parameter; "
                             "use a sampler or a threshold remedy with it instead")
    # The outermost one: in a Pipeline that is the classifier step's.
    est.set_params(**{min(keys, key=lambda k: k.count("__")): "balanced"})
    return est


def _prior(y, classes=None) -> np.ndarray:
    y = np.asarray(y)
    classes = np.unique(y) if classes is None else np.asarray(classes)
    return np.array([(y == c).mean() for c in classes], dtype=float)


def _scorer(scoring, y):
    """A scorer for TunedThresholdClassifierCV that scores the minority as the positive class.

    Label metrics come from gensample's vectorised confusion counts: the tuner scores 100
    thresholds per inner fold, and scikit-learn's metric functions validate their input on
    every call (about 40x slower here).
    """
    from sklearn.metrics import make_scorer

    from ..evaluation import metrics as M

    if callable(scoring):
        return scoring
    labels, counts = np.unique(y, return_counts=True)
    pos = labels[int(np.argmin(counts))]
    if scoring not in M.LABEL_METRICS:
        raise ParameterError(f"threshold_scoring must be one of {', '.join(M.LABEL_METRICS)} or a scorer, got {scoring!r}")

    def score(y_true, y_pred, pos_label):
        truth = np.asarray(y_true) == pos_label
        return float(M.binary_label_metrics(truth, (np.asarray(y_pred) == pos_label)[None, :], 2.0)[scoring][0])

    # pos_label tells TunedThresholdClassifierCV whose probability the threshold is on.
    return make_scorer(score, pos_label=pos)
