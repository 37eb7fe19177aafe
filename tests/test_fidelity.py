"""Fidelity checks: planted cases over seeds, SDMetrics cross-check, mixed types, gates, CLI."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import gensample
from gensample import registry
from gensample.errors import InputError, ParameterError
from gensample.fidelity import FidelityReport, FidelityReports, Thresholds, evaluate
from gensample.fidelity.calibration import coverage_floor, coverage_sd, expected_coverage
from gensample.fidelity.diversity import prdc
from gensample.selection.gate import check_rows, gate_verdict, vs_smote
from gensample.generators.base import Generated, Generator
from gensample.sampling import sample_minority

CENTRES = np.random.default_rng(123).normal(0, 4, (5, 4))


def mixture(n, rng, modes=None, categorical=True):
    """Rows of a 5-mode Gaussian mixture in 4 dimensions (+ a categorical and an integer column)."""
    lab = rng.integers(0, 5, n) if modes is None else rng.choice(modes, n)
    X = CENTRES[lab] + rng.normal(0, 1, (n, 4))
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(4)])
    if categorical:
        df["c"] = np.where(rng.random(n) < 0.3 + 0.1 * (lab % 3), "a", np.where(rng.random(n) < 0.5, "b", "c"))
        df["k"] = rng.integers(0, 5, n) + lab
    return df


def memorised(real, m, rng):
    """Real rows again, plus noise of 0.001 sd on the numeric cells: a memorising generator."""
    out = real.sample(m, replace=m > len(real), random_state=int(rng.integers(2**31 - 1))).reset_index(drop=True)
    num = [c for c in out.columns if c.startswith("x")]
    out[num] = out[num] + rng.normal(0, 1e-3, (m, len(num))) * real[num].std().to_numpy()
    return out


# ============================================================================ planted cases
def test_healthy_generator_passes_on_at_least_95_percent_of_seeds():
    passed = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        real, syn = mixture(80, rng), mixture(120, rng)
        passed.append(evaluate(real, syn, random_state=seed).passed)
    assert sum(passed) >= 19, passed


def test_healthy_small_class_passes():
    # A 25-row class against 200 synthetic rows: fixed cut-offs would misfire here.
    passed = [evaluate(mixture(25, np.random.default_rng(s)), mixture(200, np.random.default_rng(100 + s)),
                       random_state=s).passed for s in range(10)]
    assert sum(passed) >= 9, passed


@pytest.mark.parametrize("seed", range(8))
def test_collapse_onto_one_of_five_modes_is_flagged(seed):
    rng = np.random.default_rng(seed)
    real, syn = mixture(100, rng), mixture(100, rng, modes=[seed % 5])
    report = evaluate(real, syn, random_state=seed)
    assert report.mode_collapse
    assert not report.passed
    assert not report.copies_detected
    fired = {s.name for s in report.signals if s.fired and s.decisive}
    assert "coverage" in fired
    assert report.diversity["prdc"]["coverage"] < 0.45
    # precision barely moves under collapse; coverage is what falls
    assert report.diversity["prdc"]["precision"] > 0.85


def test_dropping_one_of_five_modes_is_flagged():
    # Partial collapse: coverage near 0.78 (4 of 5 modes); k-means cells of the missing mode stay empty.
    for seed in range(4):
        rng = np.random.default_rng(seed)
        kept = [m for m in range(5) if m != seed]
        report = evaluate(mixture(200, rng), mixture(200, rng, modes=kept), random_state=seed)
        assert report.mode_collapse, report.summary()
        assert report.diversity["modes"]["empty"]
        assert 0.65 < report.diversity["prdc"]["coverage"] < 0.9


def test_collapse_onto_one_mode_of_a_30_row_class_is_flagged():
    for seed in range(5):
        rng = np.random.default_rng(seed)
        report = evaluate(mixture(30, rng), mixture(300, rng, modes=[0]), random_state=seed)
        assert report.mode_collapse, report.summary()


@pytest.mark.parametrize("seed", range(4))
def test_memorising_generator_is_flagged_as_copying(seed):
    rng = np.random.default_rng(seed)
    real = mixture(100, rng)
    report = evaluate(real, memorised(real, 150, rng), random_state=seed)
    assert report.copies_detected
    assert not report.passed
    assert not report.mode_collapse
    assert report.copies["dcr"]["dcr_ratio"] < 0.05
    assert report.copies["dcr"]["near_copy_share"] > 0.9
    # not clipped at 0.5: memorised rows show as an AUC well below it
    assert report.detection["auc"] < 0.3
    p = report.diversity["prdc"]
    assert p["precision"] == 1.0 and p["coverage"] == 1.0
    # every fidelity measure looks perfect: only the copy signals give it away
    assert not report.failed_columns


def test_random_oversampling_rows_are_exact_copies():
    rng = np.random.default_rng(0)
    real = mixture(60, rng)
    copies = real.sample(200, replace=True, random_state=1).reset_index(drop=True)
    report = evaluate(real, copies)
    assert report.copies_detected
    assert report.copies["exact"]["share"] == 1.0
    assert any(s.name == "exact_copies" and s.fired for s in report.signals)


@pytest.mark.parametrize("seed", range(3))
def test_shifted_column_fails_and_is_named(seed):
    rng = np.random.default_rng(seed)
    real, syn = mixture(200, rng), mixture(200, rng)
    syn["x1"] = syn["x1"] + real["x1"].std()
    report = evaluate(real, syn, random_state=seed)
    assert not report.passed
    assert "x1" in report.failed_columns
    assert report.worst_columns(1)["column"].iloc[0] == "x1"
    text = report.summary()
    failed_part = text.split("failed columns:")[1]
    assert "x1:" in failed_part
    assert "median +" in failed_part  # the direction of the shift is stated
    assert not report.copies_detected


def test_smote_rows_are_close_but_not_copies():
    rng = np.random.default_rng(0)
    minority = mixture(80, rng, categorical=False).assign(y="pos")
    majority = (mixture(400, rng, categorical=False) + 2.0).assign(y="neg")
    data = pd.concat([minority, majority], ignore_index=True)
    for seed in range(3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sample_minority(data, "y", "smote", random_state=seed)
        report = evaluate(data, res.synthetic, target="y", random_state=seed)
        assert not report.copies_detected, report.summary()
        assert 0.1 < report.copies["dcr"]["dcr_ratio"] < 0.6
        assert report.copies["dcr"]["near_copy_share"] < 0.05
        assert any("closer to real rows" in n for n in report.notes)


# ============================================================================ calibration
def test_expected_coverage_matches_a_perfect_generator():
    covs = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        R, F = rng.normal(size=(60, 3)), rng.normal(size=(60, 3))
        covs.append(prdc(R, F, 5)["coverage"])
    exp = expected_coverage(60, 60, 5)
    assert abs(exp - (1 - 2 ** -5)) < 0.01  # Naeem et al.'s 0.97 at n = m, k = 5
    assert abs(np.mean(covs) - exp) < 3 * coverage_sd(60, 60, 5) / np.sqrt(40)
    assert np.std(covs) <= 1.5 * coverage_sd(60, 60, 5)


def test_coverage_null_spread():
    # The coverage floor (binomial spread x 4, gamma tail) holds its false-alarm rate on a
    # clustered 30-row class, where coverage moves in steps of 1/30.
    covs = []
    for seed in range(120):
        rng = np.random.default_rng(seed)
        R = mixture(30, rng, categorical=False).to_numpy()
        F = mixture(30, rng, categorical=False).to_numpy()
        sd = R.std(axis=0)
        covs.append(prdc(R / sd, F / sd, 5)["coverage"])
    covs = np.array(covs)
    assert np.mean(covs < coverage_floor(30, 30, 5, 0.01)) <= 0.02
    assert not np.any(covs < coverage_floor(30, 30, 5, 0.002))
    assert abs(covs.mean() - expected_coverage(30, 30, 5)) < 0.02


def test_thresholds_scale_with_sample_size():
    rng = np.random.default_rng(0)
    small = evaluate(mixture(30, rng), mixture(30, rng))
    large = evaluate(mixture(2000, rng), mixture(2000, rng))
    # the noise floor shrinks with n; the tolerance is the floor of the threshold
    assert small.columns["noise_floor"].max() > large.columns["noise_floor"].max() * 3
    assert (large.columns.loc[large.columns["statistic"] == "ks", "threshold"] >= Thresholds().ks).all()


def test_thresholds_override_and_validation():
    rng = np.random.default_rng(0)
    real, syn = mixture(2000, rng), mixture(2000, rng)
    syn["x0"] = syn["x0"] + 0.3 * real["x0"].std()
    strict = evaluate(real, syn, thresholds={"ks": 0.02, "wasserstein": 0.02})
    loose = evaluate(real, syn, thresholds={"ks": 0.5, "wasserstein": 2.0})
    assert "x0" in strict.failed_columns
    assert "x0" not in loose.failed_columns
    with pytest.raises(ParameterError, match="unknown threshold 'kss'"):
        evaluate(real, syn, thresholds={"kss": 0.1})
    with pytest.raises(ParameterError, match="alpha"):
        Thresholds(alpha=0.9)


# ============================================================================ SDMetrics
def test_column_scores_equal_sdmetrics():
    sdm = pytest.importorskip("sdmetrics.single_column")
    rng = np.random.default_rng(3)
    real, syn = mixture(150, rng), mixture(120, rng, modes=[0, 1, 2])
    real.loc[::7, "x2"] = np.nan
    syn.loc[::5, "c"] = None
    syn["flag"] = rng.random(len(syn)) < 0.3
    real["flag"] = rng.random(len(real)) < 0.5
    report = evaluate(real, syn)
    cols = report.columns.set_index("column")
    for name in ["x0", "x1", "x2", "x3", "k"]:
        expected = sdm.KSComplement.compute(real[name], syn[name])
        assert cols.loc[name, "statistic"] == "ks"
        assert cols.loc[name, "score"] == pytest.approx(expected, abs=1e-12)
    for name in ["c", "flag"]:
        expected = sdm.TVComplement.compute(real[name], syn[name])
        assert cols.loc[name, "statistic"] == "tvd"
        assert cols.loc[name, "score"] == pytest.approx(expected, abs=1e-12)


# ============================================================================ inputs
def _mixed_frame(n, rng, shift=0.0):
    df = pd.DataFrame({
        "age": rng.integers(18, 90, n),
        "income": np.where(rng.random(n) < 0.2, np.nan, rng.lognormal(10 + shift, 0.5, n)),
        "score": pd.array(np.where(rng.random(n) < 0.1, None, rng.integers(0, 10, n)), dtype="Int64"),
        "member": pd.array(np.where(rng.random(n) < 0.1, None, rng.random(n) < 0.4), dtype="boolean"),
        "city": pd.Categorical(rng.choice(["paris", "lyon", "nice"], n)),
        "note": np.array([None if r < 0.15 else v for r, v in zip(rng.random(n), rng.choice(["x", "y"], n))],
                         dtype=object),
        "when": pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        "empty": np.full(n, np.nan),
    })
    return df


def test_mixed_types_with_missing_cells_and_json_safety():
    rng = np.random.default_rng(0)
    real, syn = _mixed_frame(120, rng), _mixed_frame(150, rng)
    report = evaluate(real, syn)
    kinds = dict(zip(report.columns["column"], report.columns["kind"]))
    assert kinds == {"age": "integer", "income": "continuous", "score": "integer", "member": "boolean",
                     "city": "categorical", "note": "categorical", "when": "datetime", "empty": "empty"}
    cols = report.columns.set_index("column")
    assert cols.loc["income", "missing_real"] == pytest.approx(real["income"].isna().mean())
    assert cols.loc["note", "missing_synthetic"] == pytest.approx(syn["note"].isna().mean())
    d = report.to_dict()
    text = json.dumps(d, allow_nan=False)  # no NaN, no numpy types
    assert json.loads(text)["passed"] == report.passed
    assert d["sizes"]["real_rows"] == 120 and d["sizes"]["synthetic_rows"] == 150
    assert report.passed, report.summary()


def test_missing_rate_difference_fails_the_column():
    rng = np.random.default_rng(1)
    real, syn = _mixed_frame(300, rng), _mixed_frame(300, rng)
    syn.loc[: 150, "income"] = np.nan  # half missing instead of 20 %
    report = evaluate(real, syn)
    row = report.columns.set_index("column").loc["income"]
    assert row["failed"] and "missing rate" in " ".join(row["reasons"])


def test_unseen_category_in_synthetic_rows_is_not_a_missing_cell():
    rng = np.random.default_rng(2)
    real, syn = mixture(200, rng), mixture(200, rng)
    syn.loc[:79, "c"] = "zzz"
    report = evaluate(real, syn)
    row = report.columns.set_index("column").loc["c"]
    assert row["missing_synthetic"] == 0.0
    assert row["failed"] and "unseen" in " ".join(row["reasons"])


def test_categorical_only_table():
    rng = np.random.default_rng(0)
    n = 200
    real = pd.DataFrame({"a": rng.choice(list("xyz"), n), "b": rng.choice(list("uv"), n, p=[0.7, 0.3])})
    syn = pd.DataFrame({"a": rng.choice(list("xyz"), n), "b": rng.choice(list("uv"), n, p=[0.7, 0.3])})
    report = evaluate(real, syn)
    assert report.passed, report.summary()
    assert not report.copies_detected  # identical rows are expected on 6 possible rows
    lost = evaluate(real, syn.assign(b="u"))
    assert lost.mode_collapse
    assert any(d["column"] == "b" and d["value"] == "v" for d in lost.diversity["categories"]["lost"])


def test_per_class_reports_and_label():
    rng = np.random.default_rng(0)
    real = pd.concat([mixture(60, rng).assign(y=0), mixture(60, rng).assign(y=1), mixture(300, rng).assign(y=2)],
                     ignore_index=True)
    syn = pd.concat([mixture(80, rng).assign(y=0), mixture(80, rng, modes=[1]).assign(y=1)], ignore_index=True)
    reports = evaluate(real, syn, target="y")
    assert isinstance(reports, FidelityReports)
    assert list(reports) == [0, 1]
    assert reports[0].n_real == 60 and reports[0].n_synthetic == 80
    assert not reports[0].mode_collapse and reports[1].mode_collapse
    assert reports.mode_collapse and not reports.passed
    assert "class 1" in reports.verdict
    json.dumps(reports.to_dict(), allow_nan=False)
    one = evaluate(real, syn, target="y", label=1)
    assert isinstance(one, FidelityReport) and one.label == 1
    # a label read back from a file as text still finds its class
    assert evaluate(real, syn, target="y", label="0").label == 0
    with pytest.raises(InputError, match="pass label="):
        evaluate(real, syn.drop(columns="y"), target="y")
    assert evaluate(real, syn[syn.y == 0].drop(columns="y"), target="y", label=0).n_synthetic == 80


def test_bad_inputs_raise_errors_that_say_what_to_do():
    rng = np.random.default_rng(0)
    real, syn = mixture(50, rng), mixture(50, rng)
    with pytest.raises(InputError, match="lack column"):
        evaluate(real, syn.drop(columns="x0"))
    with pytest.raises(InputError, match="DataFrame"):
        evaluate(real.to_numpy(), syn)
    with pytest.raises(ParameterError, match="k must be"):
        evaluate(real, syn, k=0)
    with pytest.raises(ParameterError, match="label= needs target="):
        evaluate(real, syn, label=1)
    with pytest.raises(InputError, match="no row of class"):
        evaluate(real.assign(y=0), syn.assign(y=1), target="y")
    with pytest.raises(InputError, match="at least 2"):
        evaluate(real.head(1), syn)


def test_same_seed_same_report():
    rng = np.random.default_rng(0)
    real, syn = mixture(200, rng), mixture(5000, rng)
    a, b = evaluate(real, syn, random_state=7).to_dict(), evaluate(real, syn, random_state=7).to_dict()
    for d in (a, b):
        d.pop("seconds")
        d["summary"] = None
    assert a == b


def test_subsampling_is_stated_in_the_report():
    rng = np.random.default_rng(0)
    report = evaluate(mixture(6000, rng), mixture(6000, rng))
    sizes = report.sizes
    assert sizes["detection"] == [2500, 2500]
    assert sizes["mmd"] == [1000, 1000]
    assert sizes["prdc"] == [4000, 4000]
    assert sizes["dcr_reference"] == 6000  # copies are always looked for among all real rows
    assert report.passed


# ============================================================================ gates
class CollapsingGenerator(Generator):
    """A deliberately bad deep generator: every row near one real row of the class."""

    name = "collapse-test"
    description = "test generator that collapses onto one real row"
    family = "deep"
    min_rows = 2
    defaults = {}

    def _generate(self, table, plan, rng):
        nums, cats, ys = [], [], []
        for code, n in plan.items():
            rows = np.flatnonzero(table.y == code)
            num = table.numeric[rows]
            nums.append(num[0] + rng.normal(0, 0.3, (n, num.shape[1])) * (num.std(axis=0) + 1e-9))
            cats.append(np.repeat(table.categorical[rows[:1]], n, axis=0))
            ys.append(np.full(n, code))
        return Generated(np.vstack(nums), np.vstack(cats), np.concatenate(ys))


class InterpolatingGenerator(CollapsingGenerator):
    """A 'deep' generator that is SMOTE in disguise (same rows as SMOTE, so never better)."""

    name = "smote-in-disguise"

    def _generate(self, table, plan, rng):
        from gensample.generators.smote import SMOTE

        return SMOTE()._generate(table, plan, rng)


@pytest.fixture
def fake_deep(monkeypatch):
    monkeypatch.setitem(registry.BUILTIN, "collapse-test", "tests.test_fidelity:CollapsingGenerator")
    monkeypatch.setitem(registry.BUILTIN, "smote-in-disguise", "tests.test_fidelity:InterpolatingGenerator")
    registry.clear_cache()
    yield
    registry.clear_cache()


def _table(rng, n_min=120, n_maj=500):
    minority = mixture(n_min, rng).assign(y="pos")
    majority = mixture(n_maj, rng).assign(y="neg")
    majority["x0"] += 3.0
    return pd.concat([minority, majority], ignore_index=True)


def test_check_rows_gate_rejects_collapsed_rows(fake_deep):
    data = _table(np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad = sample_minority(data, "y", "collapse-test", random_state=0, check=False, gate=None)
        good = sample_minority(data, "y", "smote", random_state=0)
    real_rows = data[data.y == "pos"]
    report = check_rows(real_rows, bad.synthetic, bad.schema, label="pos", random_state=0)
    assert report.label == "pos" and report.target == "y"
    verdict = gate_verdict(report)
    assert verdict is not None and verdict.startswith("mode collapse")
    ok = check_rows(real_rows, good.synthetic, good.schema, label="pos", random_state=0)
    assert not ok.copies_detected
    assert gate_verdict(ok) is None or "copies" not in gate_verdict(ok)


def test_vs_smote_resemblance_rule_keeps_smote_against_a_collapsing_generator(fake_deep):
    # The resemblance test (the gate's only test before the utility test; its rule is kept
    # as rule="resemblance"). The utility test and the default rule: tests/test_gate.py.
    data = _table(np.random.default_rng(1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = vs_smote(data, "y", "pos", "collapse-test", random_state=0, rule="resemblance",
                          tests=("resemblance",))
    assert result.passed is False and result.used == "smote" and result.why == "resemblance-not-better"
    r = result.evidence["resemblance"]
    assert r["holdout_rows"] == 36 and r["train_rows"] == 84
    assert r["deep"]["score"] < r["smote"]["score"] - 0.5
    assert r["deep"]["mode_collapse"]
    assert result.message().startswith("vs-smote gate") and result.message().endswith("used 'smote' instead")
    assert "matched 36 held-out rows no better" in result.verdict() and "used" not in result.verdict()
    d = result.to_dict()
    json.dumps(d, allow_nan=False)
    assert set(d["evidence"]["resemblance"]["deep"]) >= {"score", "coverage", "auc"}
    assert set(d["evidence"]["resemblance"]["smote"]) >= {"score", "coverage", "auc"}


def test_vs_smote_resemblance_rule_needs_a_margin(fake_deep):
    data = _table(np.random.default_rng(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tie = vs_smote(data, "y", "pos", "smote-in-disguise", random_state=0, rule="resemblance",
                       tests=("resemblance",))
        lenient = vs_smote(data, "y", "pos", "smote-in-disguise", random_state=0, rule="resemblance",
                           tests=("resemblance",), margin=-1.0)
    assert not tie.passed  # as good as SMOTE is not better than SMOTE by the margin
    assert lenient.passed and lenient.used == "smote-in-disguise"


def test_vs_smote_gate_on_a_tiny_class(fake_deep):
    data = _table(np.random.default_rng(3), n_min=11)
    result = vs_smote(data, "y", "pos", "collapse-test", random_state=0, rule="resemblance", tests=("resemblance",))
    assert result.passed is None and "too few" in result.evidence["resemblance"]["skipped"]
    with pytest.raises(ParameterError):
        vs_smote(data, "y", "pos", "collapse-test", holdout=1.5)


# ============================================================================ CLI
def test_cli_check_prints_writes_json_and_sets_exit_code(tmp_path, capsys):
    from gensample.fidelity.cli import add_check_command, run_check
    import argparse

    rng = np.random.default_rng(0)
    real = pd.concat([mixture(100, rng).assign(y=1), mixture(200, rng).assign(y=0)], ignore_index=True)
    real.to_csv(tmp_path / "real.csv", index=False)
    mixture(100, rng).assign(y=1).to_csv(tmp_path / "good.csv", index=False)
    mixture(100, rng, modes=[2]).assign(y=1).to_csv(tmp_path / "bad.csv", index=False)
    parser = argparse.ArgumentParser()
    add_check_command(parser.add_subparsers())
    args = parser.parse_args(["check", str(tmp_path / "real.csv"), str(tmp_path / "good.csv"), "--target", "y",
                              "--json", str(tmp_path / "out.json")])
    assert run_check(args) == 0
    assert "PASSED" in capsys.readouterr().out
    saved = json.loads((tmp_path / "out.json").read_text())
    assert saved["passed"] is True and saved["label"] == 1
    args = parser.parse_args(["check", str(tmp_path / "real.csv"), str(tmp_path / "bad.csv"), "--target", "y",
                              "--label", "1"])
    assert run_check(args) == 1
    assert "mode collapse:" in capsys.readouterr().out
    from gensample.errors import ExportError

    args = parser.parse_args(["check", str(tmp_path / "real.csv"), str(tmp_path / "good.csv"), "--target", "y",
                              "--json", str(tmp_path / "out.json")])
    with pytest.raises(ExportError, match="--force"):
        run_check(args)


def test_cli_check_through_main(tmp_path):
    from gensample.cli import main

    rng = np.random.default_rng(0)
    mixture(60, rng).to_csv(tmp_path / "r.csv", index=False)
    mixture(60, rng).to_csv(tmp_path / "s.csv", index=False)
    assert main(["check", str(tmp_path / "r.csv"), str(tmp_path / "s.csv")]) == 0
    assert main(["check", str(tmp_path / "r.csv"), str(tmp_path / "s.csv"), "--target", "nope"]) == 2


def test_sample_minority_gate_replaces_collapsed_deep_rows(fake_deep):
    data = _table(np.random.default_rng(1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sample_minority(data, "y", "collapse-test", random_state=0, gate=None)  # check on by default
    assert result.method_used == "smote"
    assert "fidelity gate rejected 'collapse-test'" in result.fallback and "mode collapse" in result.fallback
    assert result.extra["rejected"]["pos"]["method"] == "collapse-test"
    assert result.fidelity is not None and not result.fidelity.mode_collapse  # the report of the rows kept
    record = result.to_dict()
    assert record["fidelity"]["passed"] in (True, False) and record["extra"]["rejected"]["pos"]["summary"]
    with pytest.raises(gensample.GensampleError, match="fidelity gate rejected"):
        sample_minority(data, "y", "collapse-test", random_state=0, gate=None, fallback=False, check=True)
    # Under the default check (not asked for), fallback=False keeps the method's own rows and
    # reports the verdict (issue 10: a gate the user never asked for must not raise).
    with pytest.warns(gensample.generators.base.GensampleWarning, match="fidelity gate would reject"):
        own = sample_minority(data, "y", "collapse-test", random_state=0, gate=None, fallback=False)
    assert own.method_used == "collapse-test" and own.fallback is None
    assert own.extra["rejected"]["pos"]["kept"] is True and own.fidelity.mode_collapse


def test_sample_minority_vs_smote_gate_by_default_for_deep(fake_deep):
    data = _table(np.random.default_rng(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sample_minority(data, "y", "collapse-test", random_state=0, check=False)
    gate = result.extra["vs_smote"]["pos"]
    assert gate["asked"] == "collapse-test" and gate["used"] == result.method_used
    assert len(gate["evidence"]["utility"]["deep"]) == 3 and gate["evidence"]["resemblance"]["smote"]["score"] > \
        gate["evidence"]["resemblance"]["deep"]["score"]
    assert (result.method_used == "smote") == (gate["passed"] is False)
    smote = sample_minority(data, "y", "smote", random_state=0)
    assert "vs_smote" not in smote.extra and smote.fidelity is None  # SMOTE family: no gate, check on request
    checked = sample_minority(data, "y", "smote", random_state=0, check=True)
    assert checked.fidelity is not None and checked.method_used == "smote"
    with pytest.raises(gensample.GensampleError, match="gate='vs-smote'"):
        sample_minority(data, "y", "smote", gate="vs-smote")
    with pytest.raises(gensample.GensampleError, match="gate must be"):
        sample_minority(data, "y", "smote", gate="strict")
