"""The vs-smote gate: utility and resemblance tests, its decision record, and fallback=False.

Fast: deliberately good or bad "deep" generators defined here (no training), and the real
wgan-gp / ctgan at a handful of steps on a few hundred rows.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from gensample import policy, registry
from gensample.errors import GenerationError, ParameterError
from gensample.selection.gate import FAILED, PASSED, UNDECIDED, GateDecision, judge, vs_smote
from gensample.generators.base import Generated, Generator, GensampleWarning
from gensample.sampling import sample_minority

from .conftest import make_mixed


class MirroredGenerator(Generator):
    """A 'deep' generator whose rows sit on the far side of the other class: worse for any classifier."""

    name = "mirrored-test"
    description = "test generator: minority rows mirrored beyond the majority"
    family = "deep"
    min_rows = 2
    needs_all_rows = True
    defaults = {}

    def _generate(self, table, plan, rng):
        nums, cats, ys = [], [], []
        for code, n in plan.items():
            own, other = table.y == code, table.y != code
            centre, away = table.numeric[own].mean(axis=0), table.numeric[other].mean(axis=0)
            spread = table.numeric[own].std(axis=0) + 1e-9
            nums.append(away + 3.0 * (away - centre) + rng.normal(0, 1, (n, table.numeric.shape[1])) * spread)
            rows = np.flatnonzero(own)
            cats.append(table.categorical[rng.choice(rows, n)])
            ys.append(np.full(n, code))
        return Generated(np.vstack(nums), np.vstack(cats), np.concatenate(ys))


class DisguisedSmote(MirroredGenerator):
    """A 'deep' generator that is SMOTE (the same rows, so neither better nor worse)."""

    name = "disguised-smote-test"
    needs_all_rows = False

    def _generate(self, table, plan, rng):
        from gensample.generators.smote import SMOTE

        return SMOTE()._generate(table, plan, rng)


@pytest.fixture
def fake_deep(monkeypatch):
    monkeypatch.setitem(registry.BUILTIN, "mirrored-test", "tests.test_gate:MirroredGenerator")
    monkeypatch.setitem(registry.BUILTIN, "disguised-smote-test", "tests.test_gate:DisguisedSmote")
    registry.clear_cache()
    yield
    registry.clear_cache()


def table(n_min=80, n_maj=240, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_min + n_maj
    df = pd.DataFrame({"x0": rng.normal(size=n), "x1": rng.normal(size=n), "x2": rng.normal(size=n),
                       "c": rng.choice(["a", "b", "c"], n), "y": ["pos"] * n_min + ["neg"] * n_maj})
    df.loc[: n_min - 1, "x0"] += 2.0
    df.loc[: n_min - 1, "x1"] -= 1.0
    return df


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# ============================================================================ the gate itself
def test_utility_test_rejects_rows_that_hurt_a_classifier_and_records_both_tests(fake_deep):
    data = table()
    before = data.copy()
    d = quiet(vs_smote, data, "y", "pos", "mirrored-test", random_state=0)
    pd.testing.assert_frame_equal(data, before)  # the user's rows are not touched
    assert isinstance(d, GateDecision) and d.asked == "mirrored-test" and d.label == "pos"
    assert d.why == "utility-worse" and d.passed is False and d.used == "smote" and d.rule == "not-worse"
    u, r = d.evidence["utility"], d.evidence["resemblance"]
    assert u["folds"] == 3 and len(u["deep"]) == len(u["smote"]) == 3 and u["estimator"] == "lr"
    assert u["smote_mean"] > u["deep_mean"] + 0.2 and u["difference"] < -u["se"]
    assert r["deep"]["score"] < r["smote"]["score"] and r["holdout_rows"] == 24
    # Text is written from the record, at the edge.
    assert "trained a worse classifier" in d.verdict() and "used" not in d.verdict()
    assert d.message().startswith("vs-smote gate, class 'pos': ") and d.message().endswith("used 'smote' instead")
    assert "resemblance" in d.summary() and "utility" in d.summary()
    record = d.to_dict()
    json.dumps(record, allow_nan=False)
    assert record["asked"] == "mirrored-test" and record["used"] == "smote" and record["why"] == "utility-worse"


def test_the_rules_replayed_on_one_record(fake_deep):
    # A 'deep' method that is SMOTE ties with SMOTE up to fold noise: the default rule keeps it
    # exactly when its mean is not below SMOTE's; a 1-SE allowance keeps it in any case here.
    data = table(seed=1)
    d = quiet(vs_smote, data, "y", "pos", "disguised-smote-test", random_state=0)
    u = d.evidence["utility"]
    assert abs(u["difference"]) <= u["se"]
    assert d.passed == (u["difference"] >= 0) and d.used == ("disguised-smote-test" if d.passed else "smote")
    assert judge(d.evidence, "not-worse", n_se=1.0) == "utility-not-worse"
    assert judge(d.evidence, "better", n_se=1.0) == "utility-not-better"
    assert judge(d.evidence, "not-worse", tolerance=abs(u["difference"])) == "utility-not-worse"
    assert judge(d.evidence, "resemblance", margin=0.05) == "resemblance-not-better"
    assert judge(d.evidence, "resemblance", margin=-1.0) == "resemblance-better"
    lenient = quiet(vs_smote, data, "y", "pos", "disguised-smote-test", random_state=0, n_se=1.0,
                    tests=("utility",))
    assert lenient.why == "utility-not-worse" and lenient.used == "disguised-smote-test"
    assert "resemblance" not in lenient.evidence and "allowance" in lenient.verdict()
    strict = quiet(vs_smote, data, "y", "pos", "disguised-smote-test", random_state=0, rule="better", n_se=1.0,
                   tests=("utility",))
    assert strict.why == "utility-not-better" and strict.used == "smote"


def test_gate_is_reproducible_and_validates_its_parameters(fake_deep):
    data = table(seed=2)
    a = quiet(vs_smote, data, "y", "pos", "mirrored-test", random_state=7, tests=("utility",))
    b = quiet(vs_smote, data, "y", "pos", "mirrored-test", random_state=7, tests=("utility",))
    assert a.evidence["utility"]["deep"] == b.evidence["utility"]["deep"]
    assert a.evidence["utility"]["smote"] == b.evidence["utility"]["smote"]
    for bad in ({"rule": "strict"}, {"holdout": 1.5}, {"n_se": "one"}, {"tests": ("resemblance",)},
                {"tests": ("utility", "speed")}):
        with pytest.raises(ParameterError):
            vs_smote(data, "y", "pos", "mirrored-test", **bad)


def test_a_class_too_small_to_judge_is_undecided(fake_deep):
    data = table(n_min=2, n_maj=60)
    d = quiet(vs_smote, data, "y", "pos", "mirrored-test", random_state=0)
    assert d.why == "too-few-rows" and d.passed is None
    assert "skipped" in d.evidence["utility"] and "skipped" in d.evidence["resemblance"]
    assert "could not judge" in d.verdict()
    assert PASSED.isdisjoint(FAILED) and "too-few-rows" in UNDECIDED


def test_policy_settles_the_gate_against_fallback_and_explicitness():
    evidence = {"rule": "not-worse", "n_se": 1.0, "margin": 0.05,
                "utility": {"metric": "pr_auc", "estimator": "lr", "folds": 3, "deep": [0.5, 0.5, 0.5],
                            "smote": [0.8, 0.8, 0.8], "deep_mean": 0.5, "smote_mean": 0.8, "difference": -0.3,
                            "se": 0.01, "error": None}}
    rejected = GateDecision("pos", "wgan-gp", "smote", judge(evidence), evidence)
    assert rejected.why == "utility-worse"
    step, final = policy.after_vs_smote(rejected, allow=True, explicit=False)
    assert step.method == "smote" and final.used == "smote" and final.binding and step.reason == final.message()
    step, final = policy.after_vs_smote(rejected, allow=False, explicit=False)
    assert step.method == "wgan-gp" and step.reason is None and final.kept and not final.binding
    assert "kept 'wgan-gp' anyway: fallback=False" in final.message()
    with pytest.raises(GenerationError, match="vs-smote gate, class 'pos'.*fallback=True"):
        policy.after_vs_smote(rejected, allow=False, explicit=True)
    undecided = GateDecision("pos", "wgan-gp", "smote", "too-few-rows", {"utility": {"skipped": "3 rows"}})
    assert policy.after_vs_smote(undecided, allow=True, explicit=False)[0].method == "wgan-gp"
    assert policy.after_vs_smote(undecided, allow=True, explicit=True)[0].method == "smote"


# ============================================================================ through sample_minority
def test_fallback_false_with_the_default_gate_returns_the_methods_own_rows_and_warns(fake_deep):
    data = table(seed=3)
    with pytest.warns(GensampleWarning, match="vs-smote gate, class 'pos'.*kept 'mirrored-test' anyway"):
        result = sample_minority(data, "y", "mirrored-test", random_state=0, fallback=False, check=False)
    assert result.method_used == "mirrored-test" and result.fallback is None
    assert len(result.synthetic) == 160 and (result.synthetic["y"] == "pos").all()
    d = result.gate["pos"]
    assert d.why == "utility-worse" and d.used == "mirrored-test" and not d.binding
    assert result.extra["vs_smote"]["pos"]["binding"] is False
    assert "gate: vs-smote gate" in result.summary() or d.message() in result.summary()
    json.dumps(result.to_dict(), allow_nan=False)


def test_an_explicit_gate_with_fallback_false_still_raises(fake_deep):
    data = table(seed=3)
    with pytest.raises(GenerationError, match="vs-smote gate, class 'pos'.*trained a worse classifier"):
        quiet(sample_minority, data, "y", "mirrored-test", random_state=0, fallback=False, check=False,
              gate="vs-smote")


def test_with_fallback_the_default_gate_records_its_decision_with_both_scores(fake_deep):
    data = table(seed=3)
    with pytest.warns(GensampleWarning, match="vs-smote gate, class 'pos'.*used 'smote' instead"):
        result = sample_minority(data, "y", "mirrored-test", random_state=0, check=False)
    assert result.method_used == "smote" and "vs-smote gate" in result.fallback
    d = result.gate["pos"]
    assert d.used == "smote" and d.binding and d.why in FAILED
    assert d.evidence["utility"]["difference"] is not None and d.evidence["resemblance"]["deep"]["score"] is not None
    assert result.per_class.set_index("label").loc["pos", "fallback"] == d.message()
    other = quiet(sample_minority, data, "y", "disguised-smote-test", random_state=0, check=False)
    o = other.gate["pos"]
    assert other.method_used == o.used and (o.used == "disguised-smote-test") == o.passed
    if o.passed:
        assert other.fallback is None and "kept 'disguised-smote-test'" in other.summary()
    assert not sample_minority(data, "y", "smote", random_state=0).gate  # SMOTE family: no gate
    assert not quiet(sample_minority, data, "y", "mirrored-test", random_state=0, gate=None, check=False).gate


def test_sampler_passes_the_gate_through(fake_deep):
    from gensample import GenerativeOverSampler

    data = table(seed=3)
    X, y = data.drop(columns="y"), data["y"].to_numpy()
    sampler = GenerativeOverSampler("mirrored-test", random_state=0, fallback=False, check=False)
    with pytest.warns(GensampleWarning, match="kept 'mirrored-test' anyway"):
        Xr, yr = sampler.fit_resample(X, y)
    assert sampler.method_used_ == "mirrored-test" and sampler.gate_["pos"].why == "utility-worse"
    assert len(Xr) == len(X) + 160


# ============================================================================ real deep methods
@pytest.mark.parametrize("method, params", [("wgan-gp", {"steps": 3}), ("ctgan", {"epochs": 1})])
def test_real_deep_methods_with_fallback_false_keep_their_rows_on_a_mixed_table(method, params):
    # The case in small: a mixed table (every dtype, missing cells), fallback=False,
    # default gate and check: the rows come from the method, the verdicts are reported.
    data = make_mixed(n=260, minority=60, seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = sample_minority(data, "Class", method, random_state=0, fallback=False, verbose=False, **params)
    assert result.method_used == method and result.fallback is None
    assert len(result.synthetic) == 140 and set(result.synthetic["Class"]) == {"positive"}
    d = result.gate["positive"]
    assert d.asked == d.used == method and d.why in PASSED | FAILED | UNDECIDED
    assert len(d.evidence["utility"]["deep"]) == 3
    if not d.passed:
        assert any(d.message() in str(w.message) for w in caught)
    assert list(result.synthetic.dtypes) == list(data.dtypes)


def test_each_class_of_a_multiclass_table_is_judged_on_its_own(fake_deep):
    parts = [table(n_min=40, n_maj=0, seed=5).assign(y="a"), table(n_min=0, n_maj=200, seed=6).assign(y="b")]
    third = table(n_min=60, n_maj=0, seed=7).assign(y="c")
    third["x2"] += 2.5
    data = pd.concat(parts + [third], ignore_index=True).sample(frac=1.0, random_state=0).reset_index(drop=True)
    result = quiet(sample_minority, data, "y", "disguised-smote-test", random_state=0, check=False)
    assert set(result.gate) == {"a", "c"}  # the majority gets no rows, so no verdict
    for label, d in result.gate.items():
        assert d.label == label and d.evidence["utility"]["rows"] == (data["y"] == label).sum()


def test_cli_prints_the_gate_verdict(fake_deep, tmp_path, capsys):
    from gensample.cli import main

    table(seed=3).to_csv(tmp_path / "t.csv", index=False)
    code = main(["sample", str(tmp_path / "t.csv"), "--target", "y", "--method", "mirrored-test", "--no-fallback",
                 "--no-check", "--seed", "0", "--out", str(tmp_path / "out.csv")])
    assert code == 0
    out = capsys.readouterr().out
    assert "method: mirrored-test" in out and "vs-smote gate, class 'pos'" in out and "anyway" in out
    saved = json.loads((tmp_path / "out.csv.provenance.json").read_text())
    assert "vs-smote gate" in json.dumps(saved)


def test_every_generative_family_is_gated_and_checked_by_default():
    # The default gate and check follow Generator.generative, not a family name.
    assert all(registry.get(m).generative for m in ("wgan-gp", "ctgan", "tvae", "copulagan", "gaussian-copula", "arf"))
    assert not any(registry.get(m).generative for m in ("smote", "random", "adasyn", "auto"))
    data = table(seed=4)
    result = quiet(sample_minority, data, "y", "arf", random_state=0, n_trees=10, verbose=False)
    d = result.gate["pos"]
    assert d.asked == "arf" and len(d.evidence["utility"]["deep"]) == 3 and result.fidelity is not None
    assert result.method_used == d.used
    with pytest.raises(ParameterError, match="generative"):
        sample_minority(data, "y", "smote", gate="vs-smote")
