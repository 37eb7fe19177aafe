"""The core path: schema, dtypes, missing cells, strategies, tiny classes, determinism."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import gensample as gs
from gensample.errors import GenerationError
from gensample.generators.base import GensampleWarning

from .conftest import make_categorical, make_mixed, make_numeric


def assert_guarantees(data: pd.DataFrame, result, target: str) -> None:
    """What every method must hold, whatever it generated."""
    syn = result.synthetic
    assert list(syn.columns) == list(data.columns)
    assert syn.dtypes.to_dict() == data.dtypes.to_dict()
    assert isinstance(syn.index, pd.RangeIndex) and syn.index.start == 0
    for col in data.columns:
        if col == target:
            continue
        real = data[col]
        new = syn[col]
        if pd.api.types.is_integer_dtype(real.dtype):
            vals = new.dropna().astype("float64")
            assert (vals == np.round(vals)).all()
            assert vals.min() >= real.min() and vals.max() <= real.max()
        elif pd.api.types.is_bool_dtype(real.dtype) or isinstance(real.dtype, pd.CategoricalDtype) or real.dtype == object or pd.api.types.is_string_dtype(real.dtype):
            assert set(new.dropna().unique()) <= set(real.dropna().unique())
    assert set(syn[target].unique()) <= set(data[target].unique())
    # originals untouched, first, in order
    kept = result.kept_original
    head = result.augmented.iloc[: len(kept)]
    pd.testing.assert_frame_equal(head.set_axis(kept.index), kept)
    for label, c in result.counts.items():
        assert c["after"] == c["before"] + c["generated"] - int((data.loc[result.removed_index, target] == label).sum())
        assert int((syn[target] == label).sum()) == c["generated"]


def test_every_dtype_kept_and_data_untouched(mixed):
    before = mixed.copy(deep=True)
    result = gs.sample_minority(mixed, "Class", random_state=0)
    pd.testing.assert_frame_equal(mixed, before)
    assert_guarantees(mixed, result, "Class")
    assert result.counts["positive"]["after"] == result.counts["negative"]["before"]
    assert result.method_used == "smote" and result.fallback is None
    assert result.params == {"k_neighbors": 5, "categorical_rule": "endpoint"}


def test_integer_columns_are_rounded_not_truncated():
    # Minority ages 40..49 (mean 44.5). Interpolated ages are uniform between neighbours;
    # rounding keeps the mean at 44.5, truncation (imbalanced-learn) drags it to about 44.0.
    ages = np.r_[np.arange(40, 50), np.arange(20, 220) % 30 + 10]
    df = pd.DataFrame({"age": ages, "y": np.r_[np.ones(10, int), np.zeros(200, int)]})
    result = gs.sample_minority(df, "y", random_state=0)
    new = result.synthetic["age"]
    assert new.dtype == np.int64
    assert new.between(40, 49).all()
    assert abs(new.mean() - 44.5) < 0.2, new.mean()


def test_boolean_columns_are_not_biased_toward_true():
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"x": rng.normal(size=n), "flag": rng.random(n) < 0.2, "y": np.r_[np.zeros(300, int), np.ones(100, int)]})
    real_rate = df.loc[df.y == 1, "flag"].mean()
    result = gs.sample_minority(df, "y", random_state=1)
    new_rate = result.synthetic["flag"].mean()
    assert abs(new_rate - real_rate) < 0.08, (real_rate, new_rate)


def test_missing_cells_rate_follows_the_class():
    df = make_mixed(n=2000, minority=400, seed=3)
    result = gs.sample_minority(df, "Class", random_state=0)
    real = df[df.Class == "positive"].isna().mean()
    new = result.synthetic.isna().mean()
    for col in ["f64", "nullable_int", "nullable_flag", "text", "when"]:
        assert abs(real[col] - new[col]) < 0.05, (col, real[col], new[col])
    assert new["f32"] == 0 and new["i64"] == 0


def test_categories_never_invented_and_unused_category_kept_in_dtype(mixed):
    result = gs.sample_minority(mixed, "Class", random_state=0)
    cat = result.synthetic["cat"]
    assert list(cat.cat.categories) == ["x", "y", "z", "unused"]
    assert "unused" not in set(cat.dropna())


def test_datetime_resolution_kept():
    df = make_mixed(missing=False)
    result = gs.sample_minority(df, "Class", random_state=0)
    when = result.synthetic["when"]
    assert (when == when.dt.normalize()).all()  # whole days stay whole days
    lo, hi = df["when"].min(), df["when"].max()
    assert when.between(lo, hi).all()


@pytest.mark.parametrize("labels", [["no", "yes"], [0, 1], [False, True], [3.0, 7.0]])
def test_target_labels_and_dtype_kept(labels):
    df = make_numeric()
    df["label"] = np.where(df["label"] == 1, labels[1], labels[0])
    df["label"] = df["label"].astype(type(labels[0]) if not isinstance(labels[0], str) else object)
    result = gs.sample_minority(df, "label", random_state=0)
    assert result.synthetic["label"].dtype == df["label"].dtype
    assert set(result.synthetic["label"]) == {labels[1]}


def test_category_target():
    df = make_numeric()
    df["label"] = pd.Categorical(np.where(df.label == 1, "rare", "common"))
    result = gs.sample_minority(df, "label", random_state=0)
    assert result.synthetic["label"].dtype == df["label"].dtype
    assert (result.synthetic["label"] == "rare").all()


def test_multiclass_dict_strategy():
    df = make_numeric(n=300, minority=20, classes=3)
    result = gs.sample_minority(df, "label", sampling_strategy={1: 50, 2: 80}, random_state=0)
    assert result.counts[1] == {"before": 20, "generated": 30, "after": 50}
    assert result.counts[2] == {"before": 20, "generated": 60, "after": 80}
    assert result.counts[0]["generated"] == 0
    auto = gs.sample_minority(df, "label", random_state=0)
    assert auto.counts[1]["after"] == auto.counts[2]["after"] == 260


@pytest.mark.parametrize("strategy,expected", [("minority", 275), ("all", 275), (0.5, 137), ("not minority", 0)])
def test_string_and_float_strategies(strategy, expected):
    df = make_numeric(n=300, minority=25)
    if expected == 0:  # binary: "not minority" is the majority, which needs nothing
        with pytest.warns(GensampleWarning, match="nothing to generate"):
            result = gs.sample_minority(df, "label", sampling_strategy=strategy, random_state=0)
        assert len(result.synthetic) == 0 and result.synthetic.dtypes.to_dict() == df.dtypes.to_dict()
        pd.testing.assert_frame_equal(result.augmented, df)
        return
    result = gs.sample_minority(df, "label", sampling_strategy=strategy, random_state=0)
    assert result.counts[1]["after"] == expected


def test_categorical_override_on_integer_codes():
    df = make_numeric()
    df["code"] = np.random.default_rng(0).choice([10, 20, 30], len(df))
    result = gs.sample_minority(df, "label", categorical=["code"], random_state=0)
    assert set(result.synthetic["code"]) <= {10, 20, 30}
    assert result.schema.column("code").kind == "categorical"
    assert result.synthetic["code"].dtype == np.int64


def test_all_categorical_uses_smote_n(categorical):
    result = gs.sample_minority(categorical, "y", random_state=0)
    assert_guarantees(categorical, result, "y")
    assert result.schema.data_kind == "categorical"


@pytest.mark.parametrize("n_min", [2, 5])
def test_tiny_classes_lower_k_and_say_so(n_min):
    df = make_numeric(n=100, minority=n_min)
    with pytest.warns(GensampleWarning, match="k_neighbors was lowered"):
        result = gs.sample_minority(df, "label", random_state=0)
    assert result.params["k_neighbors"] == n_min - 1
    assert any("lowered" in w for w in result.warnings)
    assert result.counts[1]["after"] == 100 - n_min


def test_class_of_one_row_falls_back_to_random():
    df = make_numeric(n=50, minority=1)
    with pytest.warns(GensampleWarning, match="fewer than"):
        result = gs.sample_minority(df, "label", random_state=0)
    assert result.method_used == "random"
    assert "1 row" in result.fallback
    assert (result.synthetic.drop(columns="label") == df[df.label == 1].drop(columns="label").iloc[0].to_numpy()).all().all()
    assert result.per_class.set_index("label").loc[1, "method_used"] == "random"
    with pytest.raises(GenerationError, match="fallback=True"):
        gs.sample_minority(df, "label", random_state=0, fallback=False)


def test_multiclass_mixed_fallback_per_class():
    df = make_numeric(n=120, minority=10, classes=3)
    df.loc[df.index[df.label == 2][1:], "label"] = 0  # class 2 keeps a single row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        result = gs.sample_minority(df, "label", random_state=0)
    per = result.per_class.set_index("label")
    assert per.loc[1, "method_used"] == "smote" and per.loc[2, "method_used"] == "random"
    assert result.method_used == "smote+random"
    assert "class 2" in result.fallback


def test_same_seed_same_rows_other_seed_other_rows(mixed):
    a = gs.sample_minority(mixed, "Class", random_state=7).synthetic
    b = gs.sample_minority(mixed, "Class", random_state=7).synthetic
    c = gs.sample_minority(mixed, "Class", random_state=8).synthetic
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_unknown_param_lists_valid_ones(numeric):
    with pytest.raises(gs.GensampleError, match="k_neighbors"):
        gs.sample_minority(numeric, "label", k_neigbors=3)


def test_methods_table_lists_capabilities():
    table = gs.methods()
    assert {"name", "description", "numeric", "categorical", "mixed", "missing", "multiclass", "min_rows"} <= set(table.columns)
    row = table.set_index("name").loc["smote"]
    assert row["mixed"] and row["min_rows"] == 2


def test_cleaning_style_removed_index_is_reported():
    # random/smote never remove rows: the augmented table is a superset
    df = make_numeric()
    result = gs.sample_minority(df, "label", random_state=0)
    assert len(result.removed_index) == 0
    assert len(result.augmented) == len(df) + len(result.synthetic)
    assert result.is_synthetic.sum() == len(result.synthetic)


def test_smote_matches_imbalanced_learn_in_distribution():
    # Same algorithm as imblearn's SMOTE on numeric data: the synthetic means agree closely.
    from imblearn.over_sampling import SMOTE

    df = make_numeric(n=2000, minority=200, seed=4)
    X, y = df.drop(columns="label").to_numpy(), df["label"].to_numpy()
    Xr, _ = SMOTE(random_state=0).fit_resample(X, y)
    ref = Xr[len(X):]
    ours = gs.sample_minority(df, "label", random_state=0).synthetic.drop(columns="label").to_numpy()
    assert ours.shape == ref.shape
    # base rows are drawn from 200 real rows: means differ by sampling noise of about 0.07
    np.testing.assert_allclose(ours.mean(axis=0), ref.mean(axis=0), atol=0.2)
    np.testing.assert_allclose(ours.std(axis=0), ref.std(axis=0), rtol=0.15)


def test_endpoint_rule_keeps_category_frequencies():
    # car-good: the minority's Doors values are near-uniform; SMOTE-N's vote never produces '5more',
    # the endpoint rule keeps every value at about its frequency.
    df = gs.datasets.load("car-good")
    real = df.loc[df.Class == "positive", "Doors"].value_counts(normalize=True)
    vote = gs.sample_minority(df, "Class", random_state=0, categorical_rule="vote").synthetic["Doors"].value_counts(normalize=True)
    end = gs.sample_minority(df, "Class", random_state=0).synthetic["Doors"].value_counts(normalize=True)
    tvd = lambda a: 0.5 * real.sub(a, fill_value=0).abs().sum()  # noqa: E731
    assert tvd(end) < 0.1 and tvd(vote) > 2 * tvd(end)
    assert set(end.index) == set(real.index)
    mixed = gs.datasets.load("abalone9-18")
    out = gs.sample_minority(mixed, "Class", random_state=0)
    assert out.params["categorical_rule"] == "endpoint"
    assert set(out.synthetic["Sex"]) == {"F", "M", "I"}


def test_auto_records_choice_and_method_used(tmp_path):
    df = make_numeric(n=200, minority=20, seed=2)
    result = gs.sample_minority(df, "label", method="auto", random_state=0, candidates=["smote", "random"])
    assert result.method == "auto"
    assert result.method_used == result.auto["chosen"] in {"smote", "random"}
    assert set(result.auto["scores"]) == {"smote", "random"} and "beats_baseline" in result.auto
    assert "auto: chose" in result.summary()
    out = gs.export(result, tmp_path / "a.csv")
    import json

    prov = json.loads((tmp_path / "a.csv.provenance.json").read_text())
    assert prov["params"]["auto"]["chosen"] == result.method_used


def _imblearn_plan(strategy, labels, counts):
    """What imbalanced-learn's check_sampling_strategy gives, in labels (or the ValueError)."""
    from imblearn.utils import check_sampling_strategy

    y = np.repeat(np.arange(len(labels)), counts)
    s = {labels.index(k): v for k, v in strategy.items()} if isinstance(strategy, dict) else strategy
    out = check_sampling_strategy(s, y, "over-sampling")
    return {labels[int(k)]: int(v) for k, v in out.items() if int(v) > 0}


@pytest.mark.parametrize("seed", range(40))
def test_sampling_strategy_arithmetic_matches_imbalanced_learn(seed):
    # gensample computes the targets itself (importing imblearn costs 0.1-0.2 s per process);
    # this pins it to imblearn's answers, ties for majority/minority included.
    from gensample.errors import StrategyError
    from gensample.strategy import plan

    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 5))
    counts = [int(c) for c in rng.integers(1, 12, k)]
    if seed % 4 == 0:
        counts[-1] = counts[0]  # a tie
    labels = ["b", "a", "c", "d"][:k] if seed % 2 else list(range(k))
    strategies = ["auto", "not majority", "minority", "not minority", "all"]
    if k == 2:
        strategies += [0.3, 0.5, 0.77, 1.0]
    strategies.append({lbl: c + int(rng.integers(0, 5)) for lbl, c in zip(labels, counts) if rng.random() < 0.7})
    for strategy in strategies:
        try:
            want = _imblearn_plan(strategy, labels, counts)
        except ValueError:
            with pytest.raises(StrategyError):
                plan(strategy, labels, counts)
            continue
        assert plan(strategy, labels, counts) == want, (strategy, labels, counts)
