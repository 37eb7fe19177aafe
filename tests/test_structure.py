"""Planted-structure tables, the structure scorers and the deep-structure benchmark's quick path."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gensample.datasets import band_of, planted_table
from gensample.datasets import independent_marginals
from gensample.datasets.planted import BANDS, COUNT_MAX
from gensample.errors import GensampleError, InputError, ParameterError
from gensample.fidelity.structure import (
    association_matrix,
    dependency_gap,
    dependency_pairs,
    gap_of,
    holdout_dcr_ratio,
    rule_consistency,
)

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_deep_structure.py"


def band_rule(f: pd.DataFrame) -> pd.Series:
    return f["band"].astype(object) == band_of(f["x1"]).astype(object)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return planted_table(600, random_state=3)


@pytest.fixture(scope="module")
def halves(table):
    minority = table[table["y"] == 1].drop(columns=["y"]).reset_index(drop=True)
    return minority.iloc[:300].reset_index(drop=True), minority.iloc[300:].reset_index(drop=True)


# ====================================================================== planted table
def test_planted_shape_dtypes_and_classes(table):
    assert list(table.columns) == ["x1", "x2", "x3", "x4", "x5", "band", "count", "y"]
    assert (table["y"] == 1).sum() == 600 and (table["y"] == 0).sum() == 5400  # 9 x minority
    assert table["y"].dtype == np.int64 and table["count"].dtype == np.int64
    assert all(table[c].dtype == np.float64 for c in ["x1", "x2", "x3", "x4", "x5"])
    assert isinstance(table["band"].dtype, pd.CategoricalDtype)
    assert list(table["band"].cat.categories) == list(BANDS)
    assert list(table.index) == list(range(len(table)))
    assert len(planted_table(3000, random_state=0)) == 3000 + 20_000  # majority capped at 20000


def test_planted_structure_holds(table):
    for label in (0, 1):
        part = table[table["y"] == label]
        assert rule_consistency(part, band_rule) == 1.0
        assert part["count"].between(0, COUNT_MAX).all()
        assert part["x4"].isna().sum() == round(0.1 * len(part))
        assert part.drop(columns=["x4"]).notna().all().all()
    m = table[table["y"] == 1]
    rho = stats.spearmanr(m["x1"], m["x2"]).statistic
    assert rho > 0.9
    assert abs(stats.spearmanr(m["x1"], m["x5"]).statistic) < 0.15
    # Two separated modes of x1: few rows near 0, many near -2.5 and +2.5.
    assert (m["x1"].abs() < 0.5).mean() < 0.1
    assert 0.5 < (m["x1"] < 0).mean() < 0.7
    # Non-linear: x3 grows with the distance of x1 to its cluster mean.
    mu = np.where(m["x1"] < 0, -2.5, 2.5)
    assert stats.spearmanr(np.abs(m["x1"] - mu), m["x3"]).statistic > 0.6
    # The majority follows another law (weak negative x1~x2).
    maj = table[table["y"] == 0]
    assert stats.spearmanr(maj["x1"], maj["x2"]).statistic < 0


def test_planted_is_deterministic_and_validates():
    a = planted_table(50, random_state=7)
    pd.testing.assert_frame_equal(a, planted_table(50, random_state=7))
    assert not a.equals(planted_table(50, random_state=8))
    assert planted_table(10, n_majority=5, missing=0.0, random_state=0)["x4"].notna().all()
    for bad in ({"n_minority": 0}, {"n_minority": 2.5}, {"n_minority": True}):
        with pytest.raises(ParameterError, match="n_minority"):
            planted_table(**bad)
    with pytest.raises(ParameterError, match="n_majority"):
        planted_table(10, n_majority=0)
    with pytest.raises(ParameterError, match="missing"):
        planted_table(10, missing=1.0)


def test_band_of_edges_and_missing():
    out = band_of(pd.Series([-2.6, -2.5, -0.1, 0.0, 2.49, 2.5, np.nan]))
    assert out.astype(object).tolist()[:6] == ["low", "mid", "mid", "high", "high", "top"]
    assert pd.isna(out.iloc[6])


# ====================================================================== scorers
def test_association_matrix_kinds(halves):
    a, _ = halves
    m = association_matrix(a)
    assert list(m.index) == list(a.columns) and np.allclose(np.diag(m), 1.0)
    assert np.allclose(m.to_numpy(), m.to_numpy().T, equal_nan=True)
    assert m.loc["x1", "x2"] > 0.9  # Spearman
    assert m.loc["x1", "band"] > 0.9  # eta: band is determined by x1
    assert abs(m.loc["x1", "x5"]) < 0.15
    # Bias-corrected V of two independent categories stays near 0, the plain V would not.
    rng = np.random.default_rng(0)
    cats = pd.DataFrame({"p": rng.choice(list("abcd"), 60), "q": rng.choice(list("xyz"), 60)})
    assert association_matrix(cats).loc["p", "q"] < 0.15
    # A negative monotone dependency keeps its sign.
    neg = pd.DataFrame({"u": np.arange(20.0), "v": -np.arange(20.0) ** 3})
    assert association_matrix(neg).loc["u", "v"] == pytest.approx(-1.0)


def test_dependency_gap_self_and_independent(halves):
    a, b = halves
    assert dependency_gap(a, a) == pytest.approx(0.0, abs=1e-12)
    same_law = dependency_gap(a, b)
    broken = dependency_gap(a, independent_marginals(b, 300, random_state=0))
    assert same_law < 0.1
    assert broken > 0.3 and broken > 4 * same_law
    gap, pairs = dependency_gap(a, independent_marginals(b, 300, random_state=0), return_pairs=True)
    assert gap == pytest.approx(broken)
    assert set(pairs["measure"]) == {"spearman", "binned_v", "eta"}
    worst = pairs.iloc[0]
    assert {worst["column_a"], worst["column_b"]} <= {"x1", "x2", "x4", "band", "count"}
    assert pairs["difference"].is_monotonic_decreasing
    # The non-monotone x1~x3 dependency is visible to binned V, not to Spearman.
    row = pairs[(pairs["column_a"] == "x1") & (pairs["column_b"] == "x3")].set_index("measure")
    assert row.loc["binned_v", "real"] > 0.2 and abs(row.loc["spearman", "real"]) < 0.2


def test_dependency_gap_charges_a_constant_column(halves):
    a, _ = halves
    flat = a.copy()
    flat["x2"] = 1.0
    pairs = dependency_pairs(a, flat)
    row = pairs[(pairs["column_a"] == "x1") & (pairs["column_b"] == "x2") & (pairs["measure"] == "spearman")]
    assert row["synthetic"].iloc[0] == 0.0 and row["difference"].iloc[0] > 0.9


def test_independent_marginals_keeps_marginals_breaks_dependencies(halves):
    a, _ = halves
    out = independent_marginals(a, 5000, random_state=1)
    assert list(out.columns) == list(a.columns)
    assert (out.dtypes == a.dtypes).all()
    pd.testing.assert_frame_equal(out, independent_marginals(a, 5000, random_state=1))
    for c in ["x1", "x3", "count"]:
        assert stats.ks_2samp(a[c], out[c]).statistic < 0.05
        assert set(out[c].unique()) <= set(a[c].unique())
    assert abs(out["x4"].isna().mean() - a["x4"].isna().mean()) < 0.02
    assert abs(stats.spearmanr(out["x1"], out["x2"]).statistic) < 0.1
    assert rule_consistency(out, band_rule) < 0.5
    pd.testing.assert_frame_equal(a, halves[0])  # the input is untouched
    with pytest.raises(ParameterError, match="n must be"):
        independent_marginals(a, -1)


def test_smote_gap_well_below_independent_marginals():
    import gensample

    data = planted_table(300, random_state=5)
    test = planted_table(300, random_state=6)
    ref = test[test["y"] == 1].drop(columns=["y"]).reset_index(drop=True)
    train_min = data[data["y"] == 1].drop(columns=["y"])
    res = gensample.sample_minority(data, target="y", method="smote", sampling_strategy={1: 600}, random_state=0)
    smote_rows = res.synthetic.drop(columns=["y"])
    g_smote = dependency_gap(ref, smote_rows)
    g_indep = dependency_gap(ref, independent_marginals(train_min, 300, random_state=0))
    assert g_smote < 0.5 * g_indep
    assert rule_consistency(smote_rows, band_rule) > 0.9


def test_rule_consistency_counts_missing_as_violation():
    f = pd.DataFrame({"a": [1, 2, 3, 4]})
    assert rule_consistency(f, lambda d: d["a"] > 2) == 0.5
    assert rule_consistency(f, lambda d: pd.Series([True, pd.NA, True, False], dtype="boolean")) == 0.5
    with pytest.raises(ParameterError, match="one per row"):
        rule_consistency(f, lambda d: [True])
    with pytest.raises(ParameterError, match="callable"):
        rule_consistency(f, "a > 2")


def test_holdout_dcr_ratio(halves):
    a, b = halves
    copies = holdout_dcr_ratio(a, a, b)
    assert copies["ratio"] == 0.0 and copies["rows"] == [300, 300]
    fresh = holdout_dcr_ratio(a, planted_table(300, random_state=11).query("y == 1").drop(columns=["y"]), b)
    assert 0.7 < fresh["ratio"] < 1.4


def test_scorer_errors_name_the_problem(halves):
    a, _ = halves
    with pytest.raises(InputError, match="lack column"):
        dependency_gap(a, a.drop(columns=["x3"]))
    with pytest.raises(ParameterError, match="categorical names"):
        association_matrix(a, categorical=["nope"])
    with pytest.raises(ParameterError, match="measures"):
        dependency_gap(a, a, measures=["pearson"])
    with pytest.raises(InputError, match="DataFrame"):
        association_matrix(a.to_numpy())
    assert issubclass(InputError, GensampleError)
    pairs = dependency_pairs(a, a, categorical=["count"])
    assert "cramer_v" in set(pairs["measure"])  # count forced to a category
    assert np.isnan(gap_of(pairs.iloc[0:0]))


# ====================================================================== benchmark
def _bench():
    spec = importlib.util.spec_from_file_location("bench_deep_structure", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_quick_baselines_and_resume(tmp_path, capsys):
    bench = _bench()
    out = tmp_path / "quick.jsonl"
    assert bench.main(["--quick", "--methods", "none", "--out", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["method"] for r in records] == list(bench.BASELINES)
    assert all(r["status"] == "ok" for r in records), [r.get("error") for r in records]
    by = {r["method"]: r for r in records}
    assert by["smote"]["gap"] < by["independent-marginals"]["gap"]
    assert by["real-train"]["dcr"] == 0.0
    assert by["smote"]["n_made"] == by["smote"]["n_synthetic"] == 30
    text = capsys.readouterr().out
    assert "| 30 | smote |" in text and "Checks (issue 10)" in text
    # Resumable: a second run adds nothing.
    bench.main(["--quick", "--methods", "none", "--out", str(out)])
    assert len(out.read_text().splitlines()) == 3
    # A failing method is recorded, not raised, and the run goes on.
    bench.main(["--quick", "--methods", "no-such-method", "--out", str(out)])
    last = json.loads(out.read_text().splitlines()[-1])
    assert last["method"] == "no-such-method" and last["status"] == "error"
    assert "unknown method" in last["error"]
    table = bench.table([json.loads(line) for line in out.read_text().splitlines()])
    assert "no-such-method" in table and "errors: UnknownMethodError" in table


def test_bench_checks_pass_and_fail():
    bench = _bench()
    gaps = {"independent-marginals": 0.40, "smote": 0.10, "wgan-gp": 0.12, "ctgan": 0.09, "tvae": 0.30}
    aucs = {"independent-marginals": 0.95, "smote": 0.70, "wgan-gp": 0.74, "ctgan": 0.80, "tvae": 0.72}
    records = []
    for size in (200, 1000, 5000):
        for seed in (0, 1):
            for m, g in gaps.items():
                # wgan-gp: 1.2x SMOTE's gap, within 1.5x at 200 rows, over 1.0x at 1000+.
                records.append({"dataset": "planted", "size": size, "seed": seed, "method": m, "status": "ok",
                                "method_used": m, "gap": g, "auc": aucs[m]})
    records.append({"dataset": "planted", "size": 200, "seed": 0, "method": "arf", "status": "ok",
                    "method_used": "smote", "gap": 0.1, "auc": 0.7})
    lines = "\n".join(bench.checks(bench.summarise(records)))
    assert "  ctgan: 200: PASS (0.22); 1000: PASS (0.22); 5000: PASS (0.22)" in lines  # (a)
    assert "  tvae: 200: FAIL (0.75)" in lines
    assert "  ctgan: PASS - 200: PASS (0.90 vs 1.5)" in lines  # (b)
    assert "  wgan-gp: FAIL - 200: PASS (1.20 vs 1.5); 1000: FAIL (1.20 vs 1.0)" in lines
    assert "=> (b) not met: passing ctgan" in lines
    assert "planted 1000: FAIL (0.800 vs 0.700)" in lines and "planted 1000: PASS (0.740 vs 0.700)" in lines  # (c)
    assert "arf: 200: n/a (fell back to smote)" in lines
    assert "satimage, sylva: not run" in lines
