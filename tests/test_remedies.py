"""Every remedy of the field in compare, on a mixed-type table; costs, calibration, profile, CLI."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from gensample.errors import ParameterError
from gensample.evaluation import compare, imbalance_profile
from gensample.evaluation import metrics as M
from gensample.selection.remedies import ENSEMBLES, UNDERSAMPLERS, RowSelector, make_remedy, remedy_kind

NEW_REMEDIES = [*UNDERSAMPLERS, *ENSEMBLES, "smote+class-weight", "smote+threshold", "smote+prior", "random-under+prior"]


def mixed(n=140, minority=24, seed=0):
    """Numbers with gaps, an integer, a boolean, a category with a gap, a datetime; string target."""
    rng = np.random.default_rng(seed)
    y = np.array(["neg"] * (n - minority) + ["pos"] * minority, dtype=object)
    s = np.where(y == "pos", 1.4, 0.0)
    df = pd.DataFrame({
        "x1": rng.normal(size=n) + s,
        "x2": rng.normal(size=n) - 0.5 * s,
        "count": rng.integers(0, 40, n).astype("int64"),
        "flag": rng.random(n) < 0.3 + 0.3 * (s > 0),
        "colour": pd.Categorical(rng.choice(["red", "green", "blue"], n)),
        "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
        "label": y,
    })
    df.loc[[3, 30, 131], "x1"] = np.nan
    df.loc[[5, 133], "colour"] = None
    return df


@pytest.fixture(scope="module")
def result_and_data():
    df = mixed()
    before = df.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare(df, "label", methods=NEW_REMEDIES, classifiers=["lr", "rf"], folds=2, repeats=1,
                      fidelity=False, backend="sequential", tune_threshold=False, costs="fn=10,fp=1")
    return res, df, before


def test_each_remedy_runs_and_is_labelled(result_and_data):
    res, _, _ = result_and_data
    v = res.view("default")
    for m in NEW_REMEDIES:
        rows = v[v["method"] == m]
        assert len(rows) == 4, m  # 2 classifiers x 2 folds
        assert rows["pr_auc"].between(0, 1).all(), m
    kinds = res.kinds()
    assert {kinds[m] for m in UNDERSAMPLERS} == {"undersampling"}
    assert {kinds[m] for m in ENSEMBLES} == {"ensemble"}
    assert kinds["smote+threshold"] == kinds["smote+class-weight"] == "combination"
    assert kinds["threshold"] == kinds["class-weight"] == "cost-sensitive" and kinds["none"] == "baseline"
    summary = res.summary()
    assert set(summary["kind"]) >= {"baseline", "undersampling", "ensemble", "combination", "cost-sensitive"}
    # Under-samplers train on fewer rows than the fold holds; none on all of them.
    none_n = v[v["method"] == "none"]["n_train"].iloc[0]
    assert (v[v["method"] == "random-under"]["n_train"] < none_n).all()
    assert (v[v["method"] == "smote+threshold"]["operating_point"] == "tuned").all()


def test_users_table_is_never_altered(result_and_data):
    _, df, before = result_and_data
    pd.testing.assert_frame_equal(df, before)
    assert (df.dtypes == before.dtypes).all()


def test_costs_calibration_and_answer(result_and_data):
    res, _, _ = result_and_data
    f = res.folds
    for col in ("expected_cost", "log_loss", "ece", "calibration_slope"):
        assert col in f.columns
    assert (f["expected_cost"] >= 0).all() and (f["ece"].between(0, 1)).all()
    assert "expected_cost" in res.ranked_metrics
    lines = res.answer("expected_cost")
    assert len(lines) == 2 and all(line.startswith("answer for ") for line in lines)
    assert "p = " in lines[0] and "s per fold" in lines[0]
    text = res.table()
    assert text.splitlines()[0].startswith("answer for lr")  # the report's first lines answer the question
    assert "undersampling" in text and "exp_cost" in text


def test_prior_shift_lowers_the_minoritys_mean_probability_error(result_and_data):
    res, _, _ = result_and_data
    v = res.view("default")
    ece = v.groupby("method")["ece"].mean()
    brier = v.groupby("method")["brier"].mean()
    # Under-sampling to balance inflates the minority's probabilities; the shift takes them back.
    assert brier["random-under+prior"] < brier["random-under"]
    assert ece["random-under+prior"] < ece["random-under"]


def test_expected_cost_by_hand():
    y = np.array([0, 0, 1, 1, 0])
    p = np.array([0.05, 0.2, 0.5, 0.08, 0.95])
    costs = M.parse_costs("fn=10,fp=1")
    # threshold 1/11: predicted positive 0.2, 0.5, 0.95 -> fp on rows 1 and 4, fn on row 3.
    assert M.expected_cost(y, p, 1, costs) == pytest.approx((1 + 1 + 10) / 5)
    with pytest.raises(ParameterError, match="fn and fp"):
        M.parse_costs("fn=10")
    with pytest.raises(ParameterError, match="positive"):
        M.parse_costs({"fn": -1, "fp": 1})


def test_row_selector_returns_original_rows_untouched():
    df = mixed()
    X = np.column_stack([df[["x1", "x2", "count"]].to_numpy(float), df["colour"].cat.codes.replace(-1, np.nan)])
    y = (df["label"] == "pos").astype(int).to_numpy()
    for name in UNDERSAMPLERS:
        sel = RowSelector(make_remedy(name).sampler, 3, 1, random_state=0)
        Xs, ys = sel.fit_resample(X, y)
        np.testing.assert_array_equal(Xs, X[sel.sample_indices_])  # NaN in the same places, values equal
        np.testing.assert_array_equal(ys, y[sel.sample_indices_])
        assert ys.sum() <= y.sum() and len(ys) <= len(y)


def test_unknown_and_malformed_remedies_are_named():
    with pytest.raises(ParameterError, match="tomek"):
        compare(mixed(), "label", methods=["tomekk"], classifiers=["lr"], folds=2, repeats=1, fidelity=False)
    with pytest.raises(ParameterError, match="cannot follow"):
        compare(mixed(), "label", methods=["smote+magic"], classifiers=["lr"], folds=2, repeats=1, fidelity=False)
    with pytest.raises(ParameterError, match="expected_cost|metric"):
        compare(mixed(), "label", methods=["smote"], metric="expected_cost", classifiers=["lr"], folds=2, repeats=1)
    assert remedy_kind("balanced-rf") == "ensemble" and remedy_kind("nearmiss-2") == "undersampling"


# ---------------------------------------------------------------------- profile
def test_profile_structure_measures_follow_the_data():
    rng = np.random.default_rng(0)
    n = 400
    y = np.r_[np.zeros(n - 40, int), np.ones(40, int)]
    apart = pd.DataFrame({"a": rng.normal(size=n) + 6 * y, "b": rng.normal(size=n)})
    same = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    p_apart = imbalance_profile(y, apart)
    p_same = imbalance_profile(y, same)
    assert p_apart.overlap < 0.05 and p_apart.n3 < 0.05
    assert p_same.overlap > 0.8  # minority rows drawn from the majority's distribution
    assert p_same.label_noise[1] > p_apart.label_noise[1]
    assert "barely overlap" in p_apart.guidance()
    assert "structure (5-NN)" in p_same.line() and "guidance:" in p_same.line()
    d = p_same.to_dict()
    assert {"overlap", "n3", "small_disjunct_rows", "small_disjuncts", "label_noise", "guidance"} <= set(d)
    # Minority pairs scattered inside the majority's region: small disjuncts.
    centres = rng.uniform(0, 100, size=(20, 2))
    pts = np.vstack([rng.uniform(0, 100, size=(n - 40, 2)), *[rng.normal(c, 0.01, size=(2, 2)) for c in centres]])
    p_small = imbalance_profile(y, pts)
    assert p_small.small_disjuncts >= 15 and p_small.small_disjunct_rows > 0.7
    assert p_apart.small_disjunct_rows < 0.2


def test_compare_profile_and_cli_show_the_structure(tmp_path, capsys):
    from gensample.cli import main

    path = tmp_path / "t.csv"
    mixed().drop(columns=["when"]).to_csv(path, index=False)
    code = main(["compare", str(path), "--target", "label", "--methods", "tomek,balanced-rf,smote+threshold",
                 "--classifiers", "lr", "--folds", "2", "--repeats", "1", "--no-fidelity", "--no-tune",
                 "--costs", "fn=5,fp=1", "--metric", "expected_cost", "--backend", "sequential", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert "structure (5-NN)" in out and "guidance:" in out
    assert "answer for lr, expected_cost" in out and "ensemble" in out and "exp_cost" in out
