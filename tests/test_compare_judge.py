"""``auto`` in ``compare`` is judged by the classifier it is scored with (one run per classifier)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import gensample
from gensample.evaluation.protocol import judged_methods, make_cells


def _table(n=360, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.choice(["u", "v"], n)})
    frame["y"] = np.where(rng.random(n) < 0.12, "pos", "neg")
    frame.loc[frame["y"] == "pos", "a"] += 1.0
    frame["b"] = frame["b"] + 0.8 * frame["a"]  # columns that depend on each other
    return frame


def test_only_auto_without_a_fixed_judge_is_judged_per_classifier():
    clfs = ["lr", "rf"]
    assert judged_methods(["auto", "smote", "auto+threshold"], clfs, {}) == {"auto": clfs, "auto+threshold": clfs}
    assert judged_methods(["auto"], clfs, {"auto": {"classifier": "hgb"}}) == {}
    assert judged_methods(["auto"], clfs, {"auto": {"estimator": object()}}) == {}
    # One classifier is still the judge: a comparison of forests alone must not judge by lr.
    assert judged_methods(["auto"], ["rf"], {}) == {"auto": ["rf"]}
    cells = make_cells(np.r_[np.zeros(20), np.ones(10)].astype(int), ["none", "auto"], 2, 1, 0, {"auto": clfs})
    assert [(c.method, c.judge) for c in cells[:3]] == [("none", None), ("auto", "lr"), ("auto", "rf")]


def test_each_classifier_scores_the_auto_it_judged(tmp_path):
    df = _table()
    original = df.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = gensample.compare(df, "y", methods=["auto", "smote"], classifiers=["lr", "rf"], folds=3, repeats=1,
                                fidelity=False, tune_threshold=False)
    pd.testing.assert_frame_equal(df, original)
    gen = res.generation[res.generation["method"] == "auto"]
    assert sorted(gen["judge"]) == ["lr"] * 3 + ["rf"] * 3
    folds = res.folds[(res.folds["method"] == "auto") & (res.folds["operating_point"] == "default")]
    assert len(folds) == 6 and sorted(folds["classifier"]) == ["lr"] * 3 + ["rf"] * 3
    # Where a judge kept SMOTE, its classifier's scores are SMOTE's own (same seeds, same rows).
    smote = res.folds[(res.folds["method"] == "smote") & (res.folds["operating_point"] == "default")]
    for _, g in gen.iterrows():
        if g["auto_chosen"] == "smote":
            a = folds[(folds["classifier"] == g["judge"]) & (folds["fold"] == g["fold"])]["pr_auc"].item()
            b = smote[(smote["classifier"] == g["judge"]) & (smote["fold"] == g["fold"])]["pr_auc"].item()
            assert a == b
    summary = res.summary()
    assert set(summary.loc[summary["method"] == "auto", "classifier"]) == {"lr", "rf"}
    assert not any("failed in" in n for n in res.notes)


def test_the_judge_is_the_classifier_in_autos_record():
    from gensample.evaluation.protocol import Cell, Settings, run_cell

    df = _table(seed=1)
    schema = gensample.schema.TableSchema.infer(df, "y")
    y = schema.encode(df).y
    cell = make_cells(y, ["auto"], 3, 1, 0, {"auto": ["lr", "rf"]})[1]
    assert isinstance(cell, Cell) and cell.judge == "rf"
    settings = Settings(target="y", classifiers=["lr", "rf"], seed=0, beta=2.0, tune_threshold=False,
                        threshold_metric="f1", inner_folds=3, sampling_strategy="auto", categorical=None,
                        method_params={}, fidelity=False, n_classes=2, positive=schema.target.labels.index("pos"),
                        n_numeric=len(schema.numeric), n_categories=[len(c.categories) for c in schema.categorical])
    out = run_cell(cell, df, schema, settings)
    assert out.generation.get("error") is None
    assert out.generation["auto"]["classifier"] == "rf" and out.generation["judge"] == "rf"
    assert {r["classifier"] for r in out.rows} == {"rf"}


def test_failure_notes_count_folds_not_judges():
    from gensample.evaluation.records import failure_notes

    recs = [{"method": "auto", "repeat": 0, "fold": f, "judge": j, "error": "ValueError: x"}
            for f in range(2) for j in ("lr", "rf")] + [{"method": "smote", "repeat": 0, "fold": 0, "error": None}]
    (note,) = failure_notes(recs, ["auto", "smote"], 5)
    assert note.startswith("'auto' failed in 2 of 5 folds")


def _settings(schema, **kw):
    from gensample.evaluation.protocol import Settings

    base = dict(target="y", classifiers=["lr", "rf"], seed=0, beta=2.0, tune_threshold=False, threshold_metric="f1",
                inner_folds=3, sampling_strategy="auto", categorical=None, method_params={}, fidelity=False,
                n_classes=2, positive=schema.target.labels.index("pos"), n_numeric=len(schema.numeric),
                n_categories=[len(c.categories) for c in schema.categorical])
    return Settings(**{**base, **kw})


def test_auto_judges_by_the_comparisons_metric_unless_the_user_set_one():
    from gensample.evaluation.protocol import Cell, for_cell

    schema = gensample.schema.TableSchema.infer(_table(), "y")
    idx = np.arange(3)
    cell = Cell("auto", 0, 0, idx, idx, "rf")
    s = for_cell(_settings(schema, metric="mcc"), cell)
    assert s.method_params["auto"] == {"classifier": "rf", "metric": "mcc"} and s.classifiers == ["rf"]
    s = for_cell(_settings(schema, metric="mcc", method_params={"auto": {"metric": "g_mean"}}), cell)
    assert s.method_params["auto"]["metric"] == "g_mean"
    # A fixed judge: no per-classifier cell, but the metric still follows the comparison.
    s = for_cell(_settings(schema, metric="brier", method_params={"auto": {"classifier": "hgb"}}),
                 Cell("auto", 0, 0, idx, idx, None))
    assert s.method_params["auto"] == {"classifier": "hgb", "metric": "brier"} and s.classifiers == ["lr", "rf"]
    # expected_cost is not a metric auto's inner folds can compute: it keeps its own default.
    s = for_cell(_settings(schema, metric="expected_cost"), cell)
    assert "metric" not in s.method_params["auto"]
    smote = Cell("smote", 0, 0, idx, idx, None)
    assert for_cell(_settings(schema, metric="mcc"), smote).method_params == {}


def test_compare_records_the_metric_auto_judged_by(tmp_path):
    df = _table(seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = gensample.compare(df, "y", methods=["auto"], classifiers=["rf"], folds=2, repeats=1, metric="mcc",
                                fidelity=False, tune_threshold=False)
    gen = res.generation[res.generation["method"] == "auto"]
    assert list(gen["judge"]) == ["rf", "rf"]
    assert list(gen["auto_metric"]) == ["mcc", "mcc"]
    scores = [json.loads(s) for s in gen["auto_scores"]]
    assert all(set(s) == {"random", "smote", "borderline-smote", "adasyn"} for s in scores)
    html = res.to_html(tmp_path / "r.html").read_text()
    assert "auto judged by" in html and "rf on mcc (2)" in html


def test_expected_cost_comparison_says_auto_kept_its_default_metric():
    df = _table(seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = gensample.compare(df, "y", methods=["auto"], classifiers=["lr"], folds=2, repeats=1,
                                costs={"fn": 5, "fp": 1}, metric="expected_cost", fidelity=False)
    assert any("auto cannot judge by expected_cost" in n and "f1" in n for n in res.notes)
    assert list(res.generation.loc[res.generation["method"] == "auto", "auto_metric"]) == ["f1", "f1"]
