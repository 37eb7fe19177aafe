"""BalancedClassifier: scikit-learn's estimator checks, model selection tools, choice, recalibration."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from gensample import BalancedClassifier
from gensample.errors import ParameterError


def data(n=300, weights=(0.9,), seed=0, classes=2):
    w = list(weights) if classes == 2 else [0.6, 0.3]
    return make_classification(n, 5, n_informative=3, n_redundant=0, n_classes=classes, weights=w,
                               class_sep=0.8, random_state=seed)


# scikit-learn's full battery, on two configurations: the default remedies (none / smote / class
# weights / threshold; one repeat of 2 folds to keep the battery short) and one with an
# under-sampler, an ensemble and a label metric (threshold variants).
@parametrize_with_checks([
    BalancedClassifier(cv=2, n_repeats=1, random_state=0),
    BalancedClassifier(LogisticRegression(max_iter=500), remedies=("none", "random-under", "balanced-bagging"),
                       metric="mcc", cv=2, n_repeats=1, random_state=0),
])
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


def test_chosen_cv_results_and_fitted_remedy():
    X, y = data()
    clf = BalancedClassifier("lr", remedies=("none", "smote", "class-weight", "random-under"), random_state=0).fit(X, y)
    res = clf.cv_results_
    assert list(res["remedy"]) == ["none", "smote", "class-weight", "random-under"]
    assert set(res["kind"]) == {"baseline", "oversampling", "cost-sensitive", "undersampling"}
    assert res["mean_score"].shape == (4,) and np.isfinite(res["mean_score"]).all()
    assert all(f"split{i}_score" in res for i in range(6))
    assert sorted(res["rank_score"]) == [1, 2, 3, 4]
    assert clf.chosen_ in res["remedy"] and clf.remedy_.name == clf.chosen_
    assert clf.choice_.reason and "challengers" in clf.choice_.evidence
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1)
    assert set(clf.predict(X)) <= set(clf.classes_)
    again = BalancedClassifier("lr", remedies=("none", "smote", "class-weight", "random-under"), random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.cv_results_["mean_score"], res["mean_score"])


def test_works_in_cross_val_score_and_grid_search():
    X, y = data(n=200)
    clf = BalancedClassifier("lr", remedies=("none", "class-weight"), cv=2, n_repeats=1, random_state=0)
    scores = cross_val_score(clf, X, y, cv=3, scoring="average_precision")
    assert scores.shape == (3,) and np.all((scores > 0) & (scores <= 1))
    grid = GridSearchCV(clf, {"metric": ["pr_auc", "mcc"], "rule": ["paired", "best"]}, cv=2, scoring="roc_auc")
    grid.fit(X, y)
    assert set(grid.best_params_) == {"metric", "rule"}
    assert hasattr(grid.best_estimator_, "chosen_")


def test_label_metric_adds_threshold_variants_and_multiclass_skips_them():
    X, y = data()
    clf = BalancedClassifier("lr", remedies=("none", "smote"), metric="f1", random_state=0).fit(X, y)
    assert {"threshold", "smote+threshold"} <= set(clf.cv_results_["remedy"])
    Xm, ym = data(classes=3)
    m = BalancedClassifier("lr", remedies=("none", "smote", "threshold"), random_state=0).fit(Xm, ym)
    assert "threshold" in m.skipped_ and "threshold" not in set(m.cv_results_["remedy"])
    assert m.predict_proba(Xm).shape == (len(Xm), 3)


def test_prior_shift_recalibration_brings_probabilities_back_to_the_prior():
    X, y = data(n=600, weights=(0.93,))
    prior = y.mean()
    raw = BalancedClassifier("lr", remedies=("random-under",), random_state=0).fit(X, y)
    fixed = BalancedClassifier("lr", remedies=("random-under",), recalibrate=True, random_state=0).fit(X, y)
    p_raw = raw.predict_proba(X)[:, 1].mean()
    p_fixed = fixed.predict_proba(X)[:, 1].mean()
    # Under-sampling to balance makes the minority look like half the data; the shift undoes it.
    assert p_raw > 3 * prior
    assert abs(p_fixed - prior) < abs(p_raw - prior) / 3


def test_bad_parameters_are_named():
    X, y = data(n=100)
    with pytest.raises(ParameterError, match="metric"):
        BalancedClassifier(metric="accuracy").fit(X, y)
    with pytest.raises(ParameterError, match="remedy"):
        BalancedClassifier(remedies=("smoht",)).fit(X, y)
    with pytest.raises(ParameterError, match="cv"):
        BalancedClassifier(cv=1).fit(X, y)
    with pytest.raises(ParameterError, match="rule"):
        BalancedClassifier(remedies=("none", "smote"), rule="vote").fit(X, y)
