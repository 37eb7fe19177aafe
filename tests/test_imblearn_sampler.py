"""GenerativeOverSampler: imbalanced-learn's and scikit-learn's estimator checks, pipelines, forms."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from imblearn.utils.estimator_checks import parametrize_with_checks as imblearn_checks
from scipy import sparse
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks as sklearn_checks

import gensample as gs
from gensample import GenerativeOverSampler, registry
from gensample.errors import GenerationError, GensampleError, ParameterError, UnknownMethodError
from gensample.generators.base import GensampleWarning

from .conftest import make_categorical, make_mixed, make_numeric

# ------------------------------------------------------------------ estimator checks
# Every method registered when the tests are collected; a method being written elsewhere
# joins the parametrization as soon as its module exists. fallback=False, so that a method
# that fails is seen failing instead of being replaced by SMOTE. Deep methods get one
# training step of a tiny network (the checks test the sampler's contract, not the model's
# quality) and accept the checks' 10-row classes (min_rows=2) instead of falling back for
# them; each method takes only the names it declares. The fidelity check and vs-smote gate
# are off for them: they would rightly reject a one-step model's rows, and with
# fallback=False that is an error (the gates are tested in test_fidelity.py).
_TINY_DEEP = {
    "epochs": 1, "steps": 1, "min_steps": 1, "max_steps": 1, "verbose": False, "min_rows": 2, "transformer_rows": 50,
    "embedding_dim": 8, "generator_dim": (16,), "discriminator_dim": (16,), "compress_dims": (16,),
    "decompress_dims": (16,), "hidden": 16, "z_dim": 8,
}


def _classes() -> dict:
    out = {}
    for name in registry.names():
        try:
            out[name] = registry.get(name)
        except GensampleError:  # a broken plugin is the plugin's problem, not this sampler's
            continue
    return out


def _instance(name: str, cls) -> GenerativeOverSampler:
    params, gates = None, {}
    if cls.family == "deep":
        params = {k: v for k, v in _TINY_DEEP.items() if k in cls.defaults} or None
        gates = {"check": False, "gate": None}
    elif "min_rows" in cls.defaults:  # other learned models (arf): the checks' small classes too
        # forest-flow at its defaults fits 20 x (columns) boosted regressors per class: a few
        # trees per level test the same contract in a fraction of a second.
        tiny = {"min_rows": 2, "verbose": False, "n_t": 2, "max_iter": 3, "duplicate_k": 2}
        params = {k: v for k, v in tiny.items() if k in cls.defaults}
    if cls.generative:
        # Generative methods are gated and checked by default; inside the checks that would run an
        # inner cross-validation per call (about a minute for gaussian-copula) and test the gate,
        # not the sampler's contract. The gate has its own tests (test_gate.py).
        gates = {"check": False, "gate": None}
    return GenerativeOverSampler(name, random_state=0, method_params=params, fallback=False, **gates)


_CLASSES = _classes()
SMOTE_FAMILY = [_instance(n, c) for n, c in _CLASSES.items() if c.family != "deep"]
DEEP = [_instance(n, c) for n, c in _CLASSES.items() if c.family == "deep"]

# Checks that assume an over-sampler never removes rows; cleaning methods (SMOTE-ENN,
# SMOTE-Tomek) remove majority rows by design, as imbalanced-learn's own SMOTEENN does.
_CLEANING_XFAIL = {
    "check_samplers_fit_resample":
        "cleaning methods remove majority rows by design, so counts may fall below the majority's",
    "check_samplers_sampling_strategy_fit_resample":
        "cleaning methods remove rows of classes not being over-sampled by design",
}


def expected_failures(sampler: GenerativeOverSampler) -> dict:
    return dict(_CLEANING_XFAIL) if registry.get(sampler.method).cleans else {}


def _quiet(check, estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        check(estimator)


@imblearn_checks(SMOTE_FAMILY, expected_failed_checks=expected_failures)
def test_imblearn_checks_smote_family(estimator, check):
    _quiet(check, estimator)


@sklearn_checks(SMOTE_FAMILY, expected_failed_checks=expected_failures)
def test_sklearn_checks_smote_family(estimator, check):
    _quiet(check, estimator)


@pytest.mark.slow
@imblearn_checks(DEEP, expected_failed_checks=expected_failures)
def test_imblearn_checks_deep(estimator, check):
    _quiet(check, estimator)


@pytest.mark.slow
@sklearn_checks(DEEP, expected_failed_checks=expected_failures)
def test_sklearn_checks_deep(estimator, check):
    _quiet(check, estimator)


def test_every_registered_method_is_checked():
    checked = {s.method for s in SMOTE_FAMILY + DEEP}
    assert checked == set(_CLASSES)
    assert {"smote", "random"} <= checked


# ------------------------------------------------------------------ same machinery
def test_fit_resample_equals_sample_minority_augmented(mixed):
    X, y = mixed.drop(columns="Class"), mixed["Class"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        X_res, y_res = GenerativeOverSampler("smote", random_state=3).fit_resample(X, y)
        result = gs.sample_minority(mixed, "Class", "smote", random_state=3)
    expected = result.augmented
    pd.testing.assert_frame_equal(X_res, expected.drop(columns="Class"))
    pd.testing.assert_series_equal(y_res, expected["Class"])


def test_dataframe_keeps_names_dtypes_and_series_name(mixed):
    X = mixed.drop(columns="Class").set_index(pd.Index(np.arange(len(mixed)) * 10))
    y = pd.Series(mixed["Class"].to_numpy(), index=X.index, name="target")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        sampler = GenerativeOverSampler(random_state=0)
        X_res, y_res = sampler.fit_resample(X, y)
    assert list(X_res.columns) == list(X.columns)
    assert X_res.dtypes.to_dict() == X.dtypes.to_dict()
    assert isinstance(y_res, pd.Series) and y_res.name == "target"
    assert (y_res.index == X_res.index).all()
    counts = Counter(y_res)
    assert counts["positive"] == counts["negative"] == (y == "negative").sum()
    new = X_res.iloc[len(X):]
    assert set(new["text"].dropna()) <= set(X["text"].dropna())
    assert set(new["cat"].dropna()) <= {"x", "y", "z"}
    assert new["f64"].isna().any()  # missing cells are reproduced in the new rows
    # original rows come first, unchanged
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)].reset_index(drop=True), X.reset_index(drop=True))


def test_fitted_attributes(numeric):
    X, y = numeric[["a", "b", "c", "d"]], numeric["label"]
    sampler = GenerativeOverSampler("smote", random_state=0).fit(X, y)
    assert sampler.sampling_strategy_ == {1: 250}
    assert not hasattr(sampler, "method_used_")  # fit only validates, as in imbalanced-learn
    sampler.fit_resample(X, y)
    assert sampler.n_features_in_ == 4
    assert list(sampler.feature_names_in_) == ["a", "b", "c", "d"]
    assert sampler.method_used_ == "smote"
    assert sampler.fallback_ is None
    assert list(sampler.get_feature_names_out()) == ["a", "b", "c", "d"]

    sampler.fit_resample(X.to_numpy(), y.to_numpy())
    assert not hasattr(sampler, "feature_names_in_")


def test_fallback_is_recorded_and_can_be_refused():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.r_[np.zeros(19, int), 1]  # a class of one row cannot be interpolated
    sampler = GenerativeOverSampler("smote", random_state=0)
    with pytest.warns(GensampleWarning, match="used 'random' instead"):
        X_res, y_res = sampler.fit_resample(X, y)
    assert sampler.method_used_ == "random"
    assert "fewer than" in sampler.fallback_
    assert np.bincount(y_res).tolist() == [19, 19]
    with pytest.raises(GenerationError, match="fallback=True"):
        GenerativeOverSampler("smote", fallback=False).fit_resample(X, y)


@pytest.mark.parametrize("strategy", ["auto", "minority", "all", "not minority", 0.5, {1: 100, 2: 60}, "callable"])
def test_sampling_strategy_matches_imblearn(strategy):
    df = make_numeric(n=300, minority=25, classes=3)
    X, y = df[["a", "b", "c", "d"]].to_numpy(), df["label"].to_numpy()
    if strategy == 0.5:  # floats are for binary targets
        X, y = X[y != 2], y[y != 2]
    if strategy == "callable":
        strategy = lambda target: {1: 90}  # noqa: E731 - imbalanced-learn's callable form
    ours = GenerativeOverSampler("smote", sampling_strategy=strategy, random_state=0)
    theirs = SMOTE(sampling_strategy=strategy, random_state=0)
    _, y_ours = ours.fit_resample(X, y)
    _, y_theirs = theirs.fit_resample(X, y)
    assert Counter(y_ours) == Counter(y_theirs)
    assert ours.sampling_strategy_ == theirs.sampling_strategy_


def test_numpy_forms_come_back_in_kind():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(40, int), np.ones(10, int)]
    X32 = rng.normal(size=(50, 3)).astype(np.float32)
    X_res, y_res = GenerativeOverSampler(random_state=0).fit_resample(X32, y)
    assert isinstance(X_res, np.ndarray) and X_res.dtype == np.float32 and X_res.shape == (80, 3)

    X_int = rng.integers(0, 100, size=(50, 2))
    X_res, _ = GenerativeOverSampler(random_state=0).fit_resample(X_int, y)
    assert X_res.dtype == X_int.dtype and X_res.min() >= X_int.min() and X_res.max() <= X_int.max()

    # object array: a numeric column stays numeric, a text column is categorical
    X_obj = np.empty((50, 2), dtype=object)
    X_obj[:, 0] = rng.normal(size=50)
    X_obj[:, 1] = rng.choice(["a", "b", "c"], size=50)
    X_res, _ = GenerativeOverSampler(random_state=0).fit_resample(X_obj, y)
    assert X_res.dtype == object
    new = X_res[50:]
    assert set(new[:, 1]) <= {"a", "b", "c"}
    assert len(set(new[:, 0]) - set(X_obj[:, 0])) > 0  # interpolated, not copied

    X_str = rng.choice(["p", "q", "r"], size=(50, 2))
    X_res, _ = GenerativeOverSampler(random_state=0).fit_resample(X_str, y)
    assert X_res.dtype == X_str.dtype and set(np.unique(X_res)) <= {"p", "q", "r"}

    X_sp = sparse.csr_matrix(np.where(rng.random((50, 4)) < 0.5, 0.0, rng.normal(size=(50, 4))))
    X_res, _ = GenerativeOverSampler(random_state=0).fit_resample(X_sp, y)
    dense, _ = GenerativeOverSampler(random_state=0).fit_resample(X_sp.toarray(), y)
    assert sparse.issparse(X_res) and X_res.format == "csr"
    np.testing.assert_allclose(X_res.toarray(), dense)


def test_categorical_dataframe_uses_smoten():
    df = make_categorical()
    X, y = df.drop(columns="y"), df["y"]
    X_res, y_res = GenerativeOverSampler(random_state=1).fit_resample(X, y)
    assert X_res.dtypes.to_dict() == X.dtypes.to_dict()
    assert Counter(y_res) == {"neg": 180, "pos": 180}
    for col in X.columns:
        assert set(X_res[col]) <= set(X[col])


def test_random_state_forms():
    df = make_numeric()
    X, y = df[["a", "b", "c", "d"]], df["label"]
    a, _ = GenerativeOverSampler(random_state=7).fit_resample(X, y)
    b, _ = GenerativeOverSampler(random_state=7).fit_resample(X, y)
    c, _ = GenerativeOverSampler(random_state=8).fit_resample(X, y)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    d, _ = GenerativeOverSampler(random_state=np.random.RandomState(7)).fit_resample(X, y)
    e, _ = GenerativeOverSampler(random_state=np.random.RandomState(7)).fit_resample(X, y)
    pd.testing.assert_frame_equal(d, e)


def test_bad_method_and_params_are_reported_at_fit():
    X, y = make_numeric()[["a", "b"]], make_numeric()["label"]
    with pytest.raises(UnknownMethodError, match="did you mean 'smote'"):
        GenerativeOverSampler("smot").fit(X, y)
    with pytest.raises(ParameterError, match="k_neighbours.*k_neighbors"):
        GenerativeOverSampler("smote", method_params={"k_neighbours": 3}).fit(X, y)
    with pytest.raises(ParameterError, match="k_neighbors must be an integer"):
        GenerativeOverSampler("smote", method_params={"k_neighbors": 0}).fit_resample(X, y)
    with pytest.raises(ValueError, match="method"):  # scikit-learn's parameter validation
        GenerativeOverSampler(method=3).fit(X, y)


# ------------------------------------------------------------------ scikit-learn machinery
def _mixed_xy():
    df = make_mixed(n=240, minority=40, missing=False)
    df = df[["f64", "i64", "flag", "text", "cat", "Class"]]
    return df.drop(columns="Class"), df["Class"]


def _pipeline(**sampler_params):
    prep = ColumnTransformer([
        ("num", StandardScaler(), ["f64", "i64"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["text", "cat", "flag"]),
    ])
    return Pipeline([
        ("sampler", GenerativeOverSampler(random_state=0, **sampler_params)),
        ("prep", prep),
        ("clf", LogisticRegression(max_iter=500)),
    ])


def test_pipeline_cross_val_score_on_mixed_dataframe():
    X, y = _mixed_xy()
    scores = cross_val_score(_pipeline(), X, y, cv=StratifiedKFold(3, shuffle=True, random_state=0),
                             scoring="balanced_accuracy", error_score="raise")
    assert scores.shape == (3,) and np.isfinite(scores).all()


def test_grid_search_over_method_and_params():
    X, y = _mixed_xy()
    grid = GridSearchCV(
        _pipeline(),
        [
            {"sampler__method": ["smote"], "sampler__method_params": [{"k_neighbors": 2}, {"k_neighbors": 5}]},
            {"sampler__method": ["random"], "sampler__method_params": [None]},
        ],
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        scoring="balanced_accuracy",
        error_score="raise",
    )
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 3
    assert grid.best_estimator_.named_steps["sampler"].method in {"smote", "random"}


def test_clone_and_params_round_trip():
    params = {"k_neighbors": 3}
    sampler = GenerativeOverSampler("smote", sampling_strategy=0.5, random_state=4, method_params=params,
                                    fallback=False)
    copy = clone(sampler)
    assert copy.get_params() == sampler.get_params()
    assert copy.method_params == params and copy.method_params is not params
    assert set(sampler.get_params()) == {"method", "sampling_strategy", "random_state", "method_params", "fallback",
                                         "check", "gate"}
    copy.set_params(method="random", method_params=None)
    assert copy.method == "random" and sampler.method == "smote"


# ------------------------------------------------------------------ tags follow the method
class _NumericOnlySMOTE(registry.get("smote")):
    """A plugin-style method that declares numeric, complete tables only."""

    name = "numeric-only-smote"
    handles = frozenset({"numeric"})


@pytest.fixture
def numeric_only(monkeypatch):
    monkeypatch.setitem(registry._cache, _NumericOnlySMOTE.name, _NumericOnlySMOTE)
    return GenerativeOverSampler(_NumericOnlySMOTE.name, random_state=0, fallback=False)


def test_tags_and_validation_follow_the_methods_data_kinds(numeric_only):
    from sklearn.utils import get_tags

    assert get_tags(GenerativeOverSampler("smote")).input_tags.allow_nan
    assert get_tags(GenerativeOverSampler("smote")).input_tags.string
    tags = get_tags(numeric_only)
    assert not tags.input_tags.allow_nan and not tags.input_tags.string
    y = np.r_[np.zeros(20, int), np.ones(10, int)]
    X = np.random.default_rng(0).normal(size=(30, 2))
    X_res, _ = clone(numeric_only).fit_resample(X.astype(object), y)  # numbers in an object array are numbers
    assert X_res.shape == (40, 2)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clone(numeric_only).fit_resample(X, y)
    with pytest.raises(ValueError, match="string"):
        clone(numeric_only).fit_resample(np.full((30, 2), "a"), y)


def test_numeric_only_method_passes_both_check_suites(numeric_only):
    from imblearn.utils.estimator_checks import estimator_checks_generator as imblearn_generator
    from sklearn.utils.estimator_checks import check_estimator

    ran = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        for estimator, check in imblearn_generator(numeric_only):
            check(estimator)
            ran.append(check.func.__name__)
        results = check_estimator(numeric_only, on_fail=None)
    assert "check_samplers_fit_resample" in ran
    assert "check_samplers_string" not in ran and "check_samplers_nan" not in ran  # as the tags say
    assert [r["check_name"] for r in results if r["status"] == "failed"] == []
