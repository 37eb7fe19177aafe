"""compare / auto / imbalance profile: protocol, numbers, reports, backends (small and fast)."""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import fbeta_score, matthews_corrcoef

import gensample
from gensample import registry
from gensample.errors import ParameterError, UnknownMethodError
from gensample.evaluation import compare, imbalance_profile
from gensample.evaluation import metrics as M
from gensample.evaluation.compare import corrected_resampled_ttest
from gensample.evaluation.protocol import make_cells
from gensample.generators.base import Generator, GensampleWarning

FAST = dict(classifiers=["lr"], folds=3, repeats=1, fidelity=False, backend="sequential")


def tiny(n=120, minority=18, seed=0, signal=1.5, classes=2):
    """Numbers, one text column and a string target; the minority is shifted by ``signal``."""
    rng = np.random.default_rng(seed)
    if classes == 2:
        y = np.array(["neg"] * (n - minority) + ["pos"] * minority, dtype=object)
    else:
        y = np.array(["a"] * (n - 2 * minority) + ["b"] * minority + ["c"] * minority, dtype=object)
    shift = {"neg": 0.0, "a": 0.0, "pos": signal, "b": signal, "c": -signal}
    s = np.array([shift[v] for v in y])
    return pd.DataFrame({
        "x1": rng.normal(size=n) + s,
        "x2": rng.normal(size=n) - 0.5 * s,
        "x3": rng.integers(0, 50, n),
        "colour": rng.choice(["red", "green", "blue"], n).astype(object),
        "label": y,
    })


@pytest.fixture(scope="module")
def binary_result():
    return compare(tiny(), "label", methods=["smote", "random"], **FAST)


# ---------------------------------------------------------------------- profile
def test_profile_binary_ratio_and_line():
    p = imbalance_profile(["a"] * 90 + ["b"] * 10)
    assert p.imbalance_ratio == pytest.approx(9.0)
    assert p.minority == "b" and p.majority == "a"
    assert "imbalance ratio 9.00" in p.line() and "b 10 (10.0%)" in p.line()
    assert "LRID" not in p.line()  # two classes: the ratio says it all


def test_profile_multiclass_measures():
    balanced = imbalance_profile(["a"] * 5 + ["b"] * 5 + ["c"] * 5)
    assert balanced.lrid == pytest.approx(0.0) and balanced.imbalance_degree == 0.0
    p = imbalance_profile(["a"] * 50 + ["b"] * 30 + ["c"] * 5)
    # One minority class (share < 1/3): the imbalance degree lies in [0, 1).
    assert p.n_minority_classes == 1 and 0 < p.imbalance_degree < 1
    n = np.array([50, 30, 5])
    assert p.lrid == pytest.approx(2 * np.sum(n * np.log(3 * n / n.sum())))
    assert "imbalance degree" in p.line() and "LRID" in p.line()
    two_minor = imbalance_profile(["a"] * 80 + ["b"] * 10 + ["c"] * 10)
    assert 1 <= two_minor.imbalance_degree < 2


# ---------------------------------------------------------------------- metrics
def test_vectorised_label_metrics_match_sklearn():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    p = np.clip(0.35 * y + 0.65 * rng.random(200), 0, 1)
    for t in (0.0, 0.1, 0.4, 0.7, 0.999, 1.1):  # 0.0 / 1.1: everything / nothing called positive
        pred = (p >= t).astype(int)
        fast = M.binary_label_metrics(y == 1, pred[None, :] == 1, 2.0)
        ref = M.sklearn_label_metrics(y, pred, 2, 1, 2.0)
        for positive in (0, 1):
            # label_metrics takes the confusion-count path for two classes: it must equal sklearn's.
            assert M.label_metrics(y, pred, 2, positive, 2.0) == pytest.approx(
                M.sklearn_label_metrics(y, pred, 2, positive, 2.0), abs=1e-12)
        for k, v in ref.items():
            assert fast[k][0] == pytest.approx(v, abs=1e-12), k
        assert ref["f_beta"] == pytest.approx(fbeta_score(y, pred, beta=2.0, zero_division=0))
        assert ref["mcc"] == pytest.approx(matthews_corrcoef(y, pred))


def test_tune_threshold_finds_the_separating_cut():
    y = np.r_[np.zeros(50, int), np.ones(10, int)]
    p = np.r_[np.linspace(0.0, 0.2, 50), np.linspace(0.25, 0.4, 10)]
    t = M.tune_threshold(y, p, 1, "f1", 2.0)
    assert 0.2 < t <= 0.25  # 0.5 would call every positive negative


def test_corrected_ttest_is_more_cautious_than_plain_t():
    d = np.array([0.02, 0.01, 0.03, 0.0, 0.02, 0.01, 0.025, 0.015, 0.02, 0.01])
    from scipy import stats

    plain = stats.ttest_1samp(d, 0).pvalue
    assert corrected_resampled_ttest(d, 0.25) > plain
    assert corrected_resampled_ttest(np.zeros(5), 0.25) == 1.0


# ---------------------------------------------------------------------- protocol
def test_compare_rows_baselines_and_json_keys(binary_result):
    r = binary_result
    f = r.folds
    assert set(f["method"]) == {"none", "class-weight", "threshold", "smote", "random"}
    # none: default only; threshold: tuned only; the others both, 3 folds each.
    counts = f.groupby(["method", "operating_point"]).size().to_dict()
    assert counts[("none", "default")] == 3 and ("none", "tuned") not in counts
    assert counts[("threshold", "tuned")] == 3 and ("threshold", "default") not in counts
    assert counts[("smote", "tuned")] == 3 and counts[("class-weight", "default")] == 3
    for m in ("precision", "recall", "f1", "f_beta", "pr_auc", "roc_auc", "mcc",
              "balanced_accuracy", "g_mean", "kappa", "brier"):
        assert m in f.columns
        assert f[m].between(-1, 1).all()
    # A tuned threshold does not change the ranking metrics of the same model.
    none = f[f["method"] == "none"].set_index("fold")["pr_auc"]
    thr = f[f["method"] == "threshold"].set_index("fold")["pr_auc"]
    assert np.allclose(none, thr)
    # Training folds hold 2/3 of the rows; smote adds rows to them.
    sm = f[(f["method"] == "smote") & (f["operating_point"] == "default")]
    assert (sm["n_train"] > f[f["method"] == "none"]["n_train"].to_numpy()).all()
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["settings"]["folds"] == 3 and d["settings"]["positive_class"] == "pos"
    assert len(d["folds"]) == len(f)
    assert {"summary", "verdict", "profile", "generation", "mean_ranks"} <= set(d)


def test_summary_sorted_by_metric_with_ranks(binary_result):
    s = binary_result.summary()
    assert list(s["pr_auc_mean"]) == sorted(s["pr_auc_mean"], reverse=True)
    assert s["pr_auc_rank"].between(1, 5).all()
    # mean ranks of 5 methods average to 3 in every fold
    assert binary_result.mean_ranks()["pr_auc"].mean() == pytest.approx(3.0)
    text = binary_result.table()
    # The first lines answer the question (best remedy, how sure, its time); the profile follows.
    assert text.splitlines()[0].startswith("answer for lr, pr_auc:")
    assert any(line.startswith("imbalance: 2 classes, 120 rows") for line in text.splitlines()[:3])
    assert "*" in text and "threshold" in text and "Verdict" in text


def test_no_leakage_resampling_sees_training_rows_only(monkeypatch):
    data = tiny()
    seen = []
    real = gensample.sampling.sample_minority

    def spy(frame, *args, **kwargs):
        seen.append(set(frame.index))
        return real(frame, *args, **kwargs)

    monkeypatch.setattr(gensample.sampling, "sample_minority", spy)
    compare(data, "label", methods=["smote"], **FAST)
    y = pd.Index(["neg", "pos"]).get_indexer(data["label"])
    tests = [set(c.test) for c in make_cells(y, ["x"], 3, 1, 0)]
    assert len(seen) == 3 * (1 + 3)  # outer + 3 inner resamplings per fold
    for rows in seen:
        # every resampled frame avoids one whole test fold: it came from that fold's training rows
        assert any(not (rows & t) for t in tests)


def test_same_seed_same_numbers_other_seed_differs():
    a = compare(tiny(), "label", methods=["smote"], seed=3, **FAST).folds.drop(columns="train_seconds")
    b = compare(tiny(), "label", methods=["smote"], seed=3, **FAST).folds.drop(columns="train_seconds")
    c = compare(tiny(), "label", methods=["smote"], seed=4, **FAST).folds.drop(columns="train_seconds")
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_nothing_beats_baselines_on_noise_and_verdict_says_so():
    r = compare(tiny(signal=0.0, seed=5), "label", methods=["random"], metric="pr_auc", **FAST)
    v = r.verdicts()
    assert not v["significant"].any()
    assert "no method clearly improves pr_auc" in r.verdict()


class _Boom(Generator):
    name = "boom-test"
    description = "its training always fails (test only)"
    defaults: dict = {}

    def _generate(self, table, plan, rng):
        from gensample.errors import TrainingError

        raise TrainingError("kaput")


def test_fallbacks_inside_folds_are_counted(monkeypatch):
    monkeypatch.setitem(registry._cache, "boom-test", _Boom)
    r = compare(tiny(), "label", methods=["boom-test"], tune_threshold=False, **FAST)
    g = r.generation
    assert (g["fallbacks"] == 1).all() and (g["calls"] == 1).all()
    assert "kaput" in g["fallback_reasons"].iloc[0]
    assert (g["method_used"] == "smote").all()
    assert r.summary().set_index("method").loc["boom-test", "fallbacks"] == 3
    assert "1/1" in r.table() or "3/3" in r.table()


def test_multiclass_has_no_threshold_baseline():
    r = compare(tiny(n=150, minority=20, classes=3), "label", methods=["smote"], **FAST)
    assert "threshold" not in set(r.folds["method"])
    assert (r.folds["operating_point"] == "default").all()
    assert any("multi-class" in n for n in r.notes)
    assert r.folds["roc_auc"].between(0, 1).all()
    assert "imbalance degree" in r.profile.line()


def test_fidelity_and_time_recorded_per_fold():
    pytest.importorskip("gensample.fidelity")
    r = compare(tiny(), "label", methods=["smote"], classifiers=["lr"], folds=3, repeats=1,
                tune_threshold=False, backend="sequential")
    g = r.generation
    assert (g["seconds"] > 0).all() and (g["n_synthetic"] > 0).all()
    assert {"fidelity_passed", "fidelity_column_score", "fidelity_verdict"} <= set(g.columns)
    assert g["fidelity_column_score"].between(0, 1).all()


@pytest.mark.parametrize("kwargs, error, words", [
    ({"methods": ["smoth"]}, UnknownMethodError, "smote"),
    ({"classifiers": ["svm"]}, ParameterError, "lr"),
    ({"folds": 40}, ParameterError, "lower folds"),
    ({"metric": "auc"}, ParameterError, "pr_auc"),
    ({"backend": "spark"}, ParameterError, "dask"),
    ({"method_params": {"smote": {"k": 3}}}, ParameterError, "k_neighbors"),
])
def test_bad_arguments_are_explained(kwargs, error, words):
    args = {**FAST, "methods": ["smote"], **kwargs}
    with pytest.raises(error, match=words):
        compare(tiny(), "label", **args)


# ---------------------------------------------------------------------- backends
def test_loky_and_dask_local_cluster_give_the_same_numbers():
    pytest.importorskip("dask.distributed")
    args = dict(methods=["smote"], classifiers=["lr"], folds=2, repeats=1, fidelity=False, seed=7)
    local = compare(tiny(), "label", backend="sequential", **args).folds.drop(columns="train_seconds")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distributed's own resource warnings on shutdown
        dask = compare(tiny(), "label", backend="dask", n_jobs=2, **args).folds.drop(columns="train_seconds")
    pd.testing.assert_frame_equal(local, dask)


# ---------------------------------------------------------------------- auto
def test_auto_records_scores_and_choice():
    data = tiny(n=150, minority=25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)  # whether a candidate wins is data-dependent
        r = gensample.sample_minority(data, "label", "auto", random_state=0, candidates=["random", "smote"])
        again = gensample.sample_minority(data, "label", "auto", random_state=0, candidates=["random", "smote"])
    rec = r.params["auto"]
    assert rec["chosen"] in ("random", "smote")
    assert set(rec["scores"]) == {"random", "smote"}
    assert isinstance(rec["beats_baseline"], bool) and np.isfinite(rec["baseline"])
    best = max(rec["scores"], key=rec["scores"].get)
    assert rec["chosen"] == best
    assert r.counts["pos"]["after"] == r.counts["neg"]["before"]
    pd.testing.assert_frame_equal(r.synthetic, again.synthetic)
    assert json.dumps(r.to_dict()["params"]["auto"])


def test_auto_warns_when_no_candidate_beats_no_resampling():
    # Perfectly separable: no resampling already scores F1 = 1, so nothing can beat it.
    rng = np.random.default_rng(0)
    n, m = 90, 15
    data = pd.DataFrame({"x": np.r_[rng.normal(0, 1, n - m), rng.normal(20, 1, m)],
                         "z": rng.normal(size=n), "label": ["neg"] * (n - m) + ["pos"] * m})
    with pytest.warns(GensampleWarning, match="no candidate beats no resampling"):
        r = gensample.sample_minority(data, "label", "auto", random_state=0, candidates=["random", "smote"])
    assert r.params["auto"]["beats_baseline"] is False
    assert len(r.synthetic) == (n - m) - m
    assert any("no candidate beats" in w for w in r.warnings)


def test_auto_bad_parameters():
    with pytest.raises(UnknownMethodError):
        gensample.sample_minority(tiny(), "label", "auto", candidates=["smoht"])
    with pytest.raises(ParameterError, match="metric"):
        gensample.sample_minority(tiny(), "label", "auto", metric="accuracy")
    with pytest.raises(ParameterError, match="own candidates"):
        gensample.sample_minority(tiny(), "label", "auto", candidates=["auto"])


def test_auto_inside_compare_is_recorded():
    r = compare(tiny(), "label", methods=["auto"], method_params={"auto": {"candidates": ["random", "smote"]}},
                tune_threshold=False, **{k: v for k, v in FAST.items()})
    assert r.generation["auto_chosen"].isin(["random", "smote"]).all()
    scores = json.loads(r.generation["auto_scores"].iloc[0])
    assert set(scores) <= {"random", "smote"}
    assert json.loads(json.dumps(r.to_dict(), allow_nan=False))["settings"]["method_params"] == {
        "auto": {"candidates": ["random", "smote"]}}


def test_only_baselines():
    r = compare(tiny(), "label", methods=[], **FAST)
    assert set(r.folds["method"]) == {"none", "class-weight", "threshold"}
    assert r.generation.empty
    assert "only baselines were run" in r.verdict()


# ---------------------------------------------------------------------- reports
def test_html_report_is_self_contained(binary_result, tmp_path):
    path = binary_result.to_html(tmp_path / "r.html")
    text = path.read_text()
    for section in ("The data", "Verdict", "Downstream metrics", "Fidelity and cost", "PCA", "Correlation"):
        assert section.lower() in text.lower()
    assert text.count("data:image/png;base64,") >= 1 + 2 * 2  # bars + 2 figures per method
    assert "http://" not in text and "https://" not in text and "<script" not in text


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Debian's chromium is not installed (apt-get install -y chromium)")
def test_html_report_renders_in_headless_chromium(binary_result, tmp_path):
    from PIL import Image

    path = binary_result.to_html(tmp_path / "r.html")
    shot = tmp_path / "r.png"
    base = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(base + ["--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120)
    assert "Which method, if any, helps" in dom.stdout
    subprocess.run(base + ["--window-size=1200,2400", f"--screenshot={shot}", path.as_uri()],
                   capture_output=True, timeout=120, check=False)
    image = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert image.shape[:2] == (2400, 1200)
    dark = (image < 128).mean()
    colour = np.asarray(Image.open(shot).convert("RGB"), dtype=int)
    assert dark > 0.01  # text and figures were drawn, not a blank page
    assert (np.ptp(colour, axis=2) > 60).mean() > 0.005  # coloured bars: the embedded PNGs decoded


def test_json_and_cli(tmp_path, capsys):
    from gensample.cli import main

    csv = tmp_path / "d.csv"
    tiny().to_csv(csv, index=False)
    out, js = tmp_path / "r.html", tmp_path / "r.json"
    code = main(["compare", str(csv), "--target", "label", "--methods", "smote", "--classifiers", "lr",
                 "--folds", "3", "--repeats", "1", "--no-fidelity", "--no-progress", "--backend", "sequential",
                 "--param", "smote:k_neighbors=3", "--out", str(out), "--json", str(js)])
    printed = capsys.readouterr().out
    assert code == 0
    assert printed.startswith("imbalance: 2 classes")
    assert printed.count("imbalance: 2 classes") == 1
    data = json.loads(js.read_text())
    assert data["settings"]["method_params"] == {"smote": {"k_neighbors": 3}}
    assert out.exists()
    code = main(["compare", str(csv), "--target", "label", "--methods", "smote", "--out", str(out)])
    assert code == 2 and "--force" in capsys.readouterr().err
    code = main(["compare", str(csv), "--target", "label", "--methods", "smoth", "--no-progress"])
    assert code == 2 and "smote" in capsys.readouterr().err


def test_a_remedy_failing_on_some_folds_is_recorded_and_the_rest_finish(monkeypatch):
    from gensample.evaluation import protocol

    real = protocol._run_cell

    def flaky(cell, data, schema, settings):
        if cell.method == "random" and cell.fold in (1, 3):
            raise ValueError("planted failure")
        return real(cell, data, schema, settings)

    monkeypatch.setattr(protocol, "_run_cell", flaky)
    res = compare(tiny(), "label", methods=["smote", "random"], classifiers=["lr"], folds=5, repeats=1,
                  fidelity=False, backend="sequential")
    failed = res.folds[res.folds["error"].notna()]
    assert set(failed["method"]) == {"random"} and set(failed["fold"]) == {1, 3}
    assert failed["pr_auc"].isna().all() and "planted failure" in failed["error"].iloc[0]
    assert res.folds.loc[res.folds["method"] == "smote", "pr_auc"].notna().all()
    summary = res.summary().set_index("method")
    assert summary.loc["random", "failed_folds"] == 2 and summary.loc["smote", "failed_folds"] == 0
    assert any("'random' failed in 2 of 5 folds" in n for n in res.notes)
    assert all("'random'" not in line.split(",")[1] for line in res.answer())  # never named the answer
    json.loads(json.dumps(res.to_dict()))


def test_every_cell_failing_is_an_error(monkeypatch):
    from gensample.errors import EvaluationError
    from gensample.evaluation import protocol

    def broken(cell, data, schema, settings):
        raise ValueError("nothing works")

    monkeypatch.setattr(protocol, "_run_cell", broken)
    with pytest.raises(EvaluationError, match="every remedy failed"):
        compare(tiny(), "label", methods=["smote"], classifiers=["lr"], folds=3, repeats=1, fidelity=False,
                backend="sequential")
