"""WGAN-GP's training: held-out early stopping, value conditioning, class balance, learning.

The loop tests train a small network for a few dozen steps; the learning test (marked slow)
trains a few hundred steps on a planted table and checks that the rows carry the planted
dependencies, which the independent-marginals baseline cannot.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import gensample
import gensample.registry
from gensample.datasets.planted import band_of, planted_table
from gensample.datasets import independent_marginals
from gensample.fidelity.structure import dependency_gap

from .conftest import table_with_ids

torch = pytest.importorskip("torch")

from gensample.generators import wgan_gp  # noqa: E402
from gensample.generators.networks import wgan_gp as wgan_net  # noqa: E402

SMALL = {"hidden": 32, "z_dim": 8, "verbose": False}


def fit(df, codes=(1,), seed=0, target="label", **params):
    table = gensample.TableSchema.infer(df, target).encode(df)
    gen = gensample.registry.get("wgan-gp")(**{**SMALL, **params})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gen.fit(table, list(codes), np.random.default_rng(seed))
    return gen, table


@pytest.mark.parametrize("fit_on", ["minority", "all"])
def test_early_stopping_scores_only_held_out_rows_never_trained_on(monkeypatch, fit_on):
    seen_val, seen_train = [], []
    score, draw = wgan_gp.validation_score, wgan_net.BatchDraw.__call__

    def spy_score(real_cont, real_codes, fake_cont, fake_codes, sizes):
        seen_val.append(np.array(real_cont, copy=True))
        return score(real_cont, real_codes, fake_cont, fake_codes, sizes)

    def spy_draw(self, size):
        out = draw(self, size)
        seen_train.append(np.array(out[0], copy=True))
        return out

    monkeypatch.setattr(wgan_gp, "validation_score", spy_score)
    monkeypatch.setattr(wgan_net.BatchDraw, "__call__", spy_draw)
    df = table_with_ids()
    gen, table = fit(df, steps=60, fit_on=fit_on)
    entry = gen.models_["all" if fit_on == "all" else 1]
    info = entry["model"].info
    assert seen_val and info["holdout_rows"] == 24  # 20 % of the 120-row class
    # Row identity through the unique `rid` column (continuous column 0 of the layout).
    rid = entry["layout"].split(*(
        (table.numeric, table.categorical) if fit_on == "all"
        else (table.numeric[table.y == 1], table.categorical[table.y == 1])
    ))[0][:, 0]
    trained = set(np.round(rid[np.concatenate(seen_train)], 9))
    validated = set(np.round(np.concatenate([v[:, 0] for v in seen_val]), 9))
    assert len(validated) == 24 and not (trained & validated)
    # fit_on="all": the signal looks at the class being generated only, not the majority.
    minority_rids = set(np.round(df.loc[df["label"] == 1, "rid"], 9))
    assert validated <= minority_rids
    assert info["best_step"] is not None and info["steps_run"] <= 60
    assert info["validation_history"] and all(s <= info["steps_run"] for s, _ in info["validation_history"])


def test_small_class_trains_on_every_row_for_the_full_budget():
    df = table_with_ids(minority=40)
    gen, _ = fit(df, steps=30, patience=1)
    info = gen.models_[1]["model"].info
    assert info["holdout_rows"] == 0 and info["train_rows"] == 40
    assert info["steps_run"] == 30 and not info["stopped_early"] and info["best_step"] is None


def test_patience_stops_and_keeps_the_best_state():
    df = table_with_ids()
    gen, _ = fit(df, steps=2000, patience=1)
    info = gen.models_[1]["model"].info
    assert info["stopped_early"] and info["steps_run"] < 2000
    scores = [s for _, s in info["validation_history"]]
    assert info["best_validation_score"] == pytest.approx(min(scores), abs=1e-6)


def test_budget_grows_with_the_class_between_its_bounds():
    steps = []
    for m in (60, 400, 2000):
        df = table_with_ids(minority=m, majority=50)
        gen = gensample.registry.get("wgan-gp")(**SMALL, epochs=3, min_steps=5, max_steps=40, patience=0)
        table = gensample.TableSchema.infer(df, "label").encode(df)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gen.fit(table, [1], np.random.default_rng(0))
        steps.append(gen.models_[1]["model"].info["steps_planned"])
    # 48, 320 and 1,600 training rows: 1, 2 and 7 batches an epoch, 3 epochs, at least 5 steps.
    assert steps == [5, 6, 21]


def test_balanced_batches_draw_classes_in_equal_shares():
    rng = np.random.default_rng(0)
    labels = np.r_[np.zeros(950, int), np.ones(50, int)]
    codes = np.zeros((1000, 0), dtype=np.int64)
    draw = wgan_net.BatchDraw(np.arange(1000), labels, 2, True, codes, [], False, rng)
    rows = np.concatenate([draw(256)[0] for _ in range(40)])
    assert abs(labels[rows].mean() - 0.5) < 0.03
    plain = wgan_net.BatchDraw(np.arange(1000), labels, 2, False, codes, [], False, rng)
    rows = np.concatenate([plain(256)[0] for _ in range(40)])
    assert abs(labels[rows].mean() - 0.05) < 0.02


def test_value_conditions_pick_real_rows_with_the_value_asked():
    rng = np.random.default_rng(0)
    codes = np.column_stack([rng.integers(0, 3, 500), rng.integers(0, 2, 500)])
    labels = np.zeros(500, dtype=np.int64)
    draw = wgan_net.BatchDraw(np.arange(500), labels, 1, False, codes, [3, 2], True, rng)
    rows, vcond, (cols, vals) = draw(400)
    assert np.array_equal(codes[rows, cols], vals)
    assert np.array_equal(vcond.argmax(1), np.where(cols == 0, vals, 3 + vals))
    # Log-frequency: a rare value is asked for more often than its share of the rows.
    codes[:, 0] = np.where(rng.random(500) < 0.04, 2, 0)
    draw = wgan_net.BatchDraw(np.arange(500), labels, 1, False, codes, [3, 2], True, rng)
    _, _, (cols, vals) = draw(4000)
    assert (vals[cols == 0] == 2).mean() > 0.2


def test_value_conditions_are_saved_and_sampling_keeps_the_class_frequencies(tmp_path):
    df = table_with_ids(minority=150)
    res = gensample.fit_generator(df, "label", "wgan-gp", random_state=0, steps=5, **SMALL)
    folder = res.save(tmp_path / "m")
    back = gensample.load_generator(folder)
    pd.testing.assert_frame_equal(res.sample(300, random_state=3), back.sample(300, random_state=3))
    model = back.generator.models_[1]["model"]
    real = df.loc[df["label"] == 1, "c"].value_counts(normalize=True).sort_index().to_numpy()
    assert model.value_freq is not None and np.allclose(np.sort(model.value_freq[0]), np.sort(real), atol=0.08)


@pytest.mark.slow
def test_learns_planted_dependencies_the_marginals_baseline_cannot():
    df = planted_table(300, random_state=0, missing=0.0)
    minority = df[df["y"] == 1]
    train_rows, held = minority.iloc[:200], minority.iloc[200:]
    train = pd.concat([df[df["y"] == 0], train_rows])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = gensample.sample_minority(train, "y", "wgan-gp", random_state=0, check=False, gate=None,
                                        sampling_strategy={1: 200 + 400}, steps=400, verbose=False)
    syn = res.synthetic.drop(columns="y")
    real = held.drop(columns="y")
    base = independent_marginals(train_rows.drop(columns="y"), 400, random_state=0)
    gap, gap_base = dependency_gap(real, syn), dependency_gap(real, base)
    # 400 steps (a tenth of the default budget, to keep the suite short) get part of the way:
    # 0.35 against 0.46 when measured; the benchmark shows the default budget at 0.20x.
    assert gap < 0.85 * gap_base, (gap, gap_base)
