"""auto through the selection engine: the rule that keeps the default, allow_none, records (small and fast)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from sklearn.tree import DecisionTreeClassifier

import gensample
from gensample.errors import ParameterError
from gensample.selection import CandidateScores, choose, evaluate_candidates


def table(n=160, minority=24, seed=0, signal=1.2):
    rng = np.random.default_rng(seed)
    y = np.array(["neg"] * (n - minority) + ["pos"] * minority, dtype=object)
    s = np.where(y == "pos", signal, 0.0)
    return pd.DataFrame({
        "x1": rng.normal(size=n) + s,
        "x2": rng.normal(size=n) - 0.5 * s,
        "x3": rng.integers(0, 30, n),
        "colour": rng.choice(["red", "green", "blue"], n).astype(object),
        "label": y,
    })


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **k)


# ---------------------------------------------------------------------- the rule
def _noise_scores(rng, n_folds=6, n_cand=5, spread=0.05):
    """Candidates that differ only by noise: a shared fold effect plus independent jitter."""
    fold_effect = rng.normal(0.6, 0.08, size=(n_folds, 1))
    return CandidateScores([f"c{i}" for i in range(n_cand)], fold_effect + rng.normal(0, spread, (n_folds, n_cand)),
                           np.zeros((n_folds, n_cand)), metric="pr_auc", n_splits=3, n_repeats=2,
                           test_train_ratio=0.5)


def test_paired_rule_keeps_the_default_under_pure_noise():
    rng = np.random.default_rng(0)
    kept = {"paired": 0, "1se": 0, "best": 0}
    trials = 300
    for _ in range(trials):
        s = _noise_scores(rng)
        for rule in kept:
            kept[rule] += choose(s, "c0", rule=rule).chosen == "c0"
    # The raw best mean is the default only about 1 time in 5 (the winner's curse) ...
    assert kept["best"] / trials < 0.35
    # ... the paired test keeps it nearly always, the one-SE rule most of the time.
    assert kept["paired"] / trials >= 0.95
    assert kept["1se"] / trials > kept["best"] / trials + 0.2


def test_paired_rule_still_takes_a_clear_winner():
    rng = np.random.default_rng(1)
    s = _noise_scores(rng, spread=0.01)
    s.scores[:, 3] += 0.08  # better in every fold, far beyond the jitter
    c = choose(s, "c0")
    assert c.chosen == "c3"
    assert c.evidence["challengers"]["c3"]["p_adjusted"] < 0.05
    assert "beats the default" in c.reason


def test_seed_only_candidates_keep_the_default_on_real_folds():
    df = table()
    X = pd.get_dummies(df.drop(columns="label"), dtype=float).to_numpy()
    y = df["label"].to_numpy()
    cands = {"smote": SMOTE(random_state=0), **{f"smote-seed{i}": SMOTE(random_state=i) for i in range(1, 5)}}
    s = evaluate_candidates(X, y, cands, estimator="lr", metric="f1", n_splits=3, n_repeats=2, random_state=0)
    assert s.scores.shape == (6, 5) and np.isfinite(s.scores).all()
    assert len({round(v, 6) for v in s.mean.values()}) > 1  # the seeds do change the scores
    assert choose(s, "smote").chosen == "smote"


def test_engine_is_reproducible_and_records_failures():
    df = table()
    X = pd.get_dummies(df.drop(columns="label"), dtype=float).to_numpy()
    y = df["label"].to_numpy()

    class Broken:
        def fit_resample(self, X, y):
            raise RuntimeError("boom")

    cands = {"none": None, "smote": SMOTE(), "broken": Broken()}
    a = evaluate_candidates(X, y, cands, random_state=3)
    b = evaluate_candidates(X, y, cands, random_state=3)
    np.testing.assert_array_equal(a.scores, b.scores)
    assert np.isnan(a.scores[:, 2]).all() and "boom" in a.errors["broken"]
    assert choose(a, "smote").chosen in {"none", "smote"}
    with pytest.raises(ParameterError, match="rule"):
        choose(a, "smote", rule="vote")
    with pytest.raises(ParameterError, match="candidate"):
        evaluate_candidates(X, y, {"x": 3})


# ---------------------------------------------------------------------- auto
def test_auto_choosing_smote_makes_smotes_rows():
    df = table()
    r = _quiet(gensample.sample_minority, df, "label", "auto", random_state=5, candidates=["random", "smote"])
    s = _quiet(gensample.sample_minority, df, "label", "smote", random_state=5)
    assert r.method_used == r.auto["chosen"]
    if r.auto["chosen"] == "smote":
        pd.testing.assert_frame_equal(r.synthetic, s.synthetic)
    rec = r.auto
    for key in ("scores", "std", "sem", "seconds", "baseline", "baseline_std", "reason", "rule", "repeats", "evidence"):
        assert key in rec
    assert rec["folds"] == 3 and rec["repeats"] == 2 and rec["rule"] == "paired"
    assert len(rec["evidence"]["candidates"]["smote"]["folds"]) == 6
    json.dumps(r.to_dict()["params"]["auto"])


def test_allow_none_returns_the_table_unchanged_when_every_candidate_is_worse():
    # Brier score of a calibrated logistic regression: every oversampler inflates the
    # minority's probabilities, so each candidate is worse than training without new rows.
    df = table(n=200, minority=20, signal=1.5)
    before = df.copy()
    with pytest.warns(gensample.GensampleWarning, match="made no rows"):
        r = gensample.sample_minority(df, "label", "auto", random_state=0, metric="brier", allow_none=True,
                                      candidates=["random", "smote", "adasyn"])
    rec = r.auto
    assert all(v > rec["baseline"] for v in rec["scores"].values())  # the constructed case holds
    assert rec["no_rows"] is True and rec["chosen"] == "none" and rec["beats_baseline"] is False
    assert len(r.synthetic) == 0 and r.method_used == "none"
    pd.testing.assert_frame_equal(r.augmented.reset_index(drop=True), before.reset_index(drop=True))
    pd.testing.assert_frame_equal(df, before)
    # Without allow_none the rows are still made, with the warning.
    with pytest.warns(gensample.GensampleWarning, match="will probably not help"):
        made = gensample.sample_minority(df, "label", "auto", random_state=0, metric="brier",
                                         candidates=["random", "smote", "adasyn"])
    assert len(made.synthetic) > 0 and made.auto["no_rows"] is False


def test_auto_judges_with_the_users_estimator():
    df = table()
    r = _quiet(gensample.sample_minority, df, "label", "auto", random_state=0, candidates=["random", "smote"],
               estimator=DecisionTreeClassifier(max_depth=3, random_state=0), metric="mcc", rule="1se")
    assert r.auto["classifier"] == "DecisionTreeClassifier" and r.auto["metric"] == "mcc"
    assert r.auto["rule"] == "1se" and r.auto["chosen"] in {"random", "smote"}


@pytest.mark.parametrize("params, match", [
    ({"rule": "vote"}, "rule"),
    ({"repeats": 0}, "repeats"),
    ({"allow_none": "yes"}, "allow_none"),
    ({"alpha": 2.0}, "alpha"),
    ({"estimator": "tree"}, "estimator"),
])
def test_auto_bad_new_parameters(params, match):
    with pytest.raises(ParameterError, match=match):
        gensample.sample_minority(table(), "label", "auto", **params)


def test_deep_budget_admits_deep_candidates_only_for_large_enough_classes():
    r = _quiet(gensample.sample_minority, table(), "label", "auto", random_state=0, candidates=["smote"], deep=500)
    assert any("deep candidates not admitted" in w and "24 rows" in w for w in r.warnings)
    assert set(r.auto["scores"]) == {"smote"}
    with pytest.raises(ParameterError, match="deep"):
        gensample.sample_minority(table(), "label", "auto", deep=0)
