"""The discrete head (``discrete="classifier"``) of forest-flow and wgan-gp.

What it is for: a category that a number's band fixes follows the number (the planted
``band`` rule). What it must keep: only observed values, a fitted model identical to the one
without a head in its numbers, saving as arrays, old cards and tampered arrays handled.
"""

from __future__ import annotations

import hashlib
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import gensample as gs
from gensample.datasets.planted import BANDS, band_of, planted_table
from gensample.errors import ModelLoadError, ParameterError
from gensample.generators._discrete_head import ARRAY_PREFIX, CONFIG_KEY
from gensample.generators._flow_forest import FlowForest, fit_flow
from gensample.generators.base import GensampleWarning

from .conftest import make_mixed

FLOW = {"n_t": 8, "max_iter": 30, "duplicate_k": 8, "verbose": False}
#: Short wgan-gp training: the head's effect on the band rule does not need a good network.
WGAN = {"steps": 150, "hidden": 32, "z_dim": 8, "verbose": False}


def _band_rule(method, discrete, **params):
    table = planted_table(400, n_majority=800, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        rows = gs.sample_minority(table, "y", method, sampling_strategy={1: 1400}, random_state=0, check=False,
                                  gate=None, discrete=discrete, **params).synthetic
    assert len(rows) == 1000 and set(rows["band"].astype(str)) <= set(BANDS)
    return float((rows["band"].astype(object) == band_of(rows["x1"]).astype(object)).mean())


@pytest.mark.parametrize(("method", "params", "own"), [("forest-flow", FLOW, "flow"), ("wgan-gp", WGAN, "generator")])
def test_the_head_makes_a_category_follow_the_number_that_fixes_it(method, params, own):
    with_head = _band_rule(method, "classifier", **params)
    without = _band_rule(method, own, **params)
    # Measured here: forest-flow 0.99 with the head, 0.91 without; wgan-gp 0.99 and 0.5-0.7.
    assert with_head >= 0.97, with_head
    assert with_head > without + 0.02, (with_head, without)


def test_the_card_reader_names_the_head_as_the_head_saves_itself():
    from gensample import model_card

    assert (model_card.HEAD_CONFIG_KEY, model_card.HEAD_ARRAY_PREFIX) == (CONFIG_KEY, ARRAY_PREFIX)


def test_the_head_leaves_the_flow_as_it_is():
    # The head is fitted after the flow's trees and drawn after the flow's steps: a model with
    # a head, stripped of it, is the model fitted without one, row for row.
    rng = np.random.default_rng(0)
    cont = rng.normal(size=(200, 2))
    codes = np.column_stack([(cont[:, 0] > 0).astype(np.int64), rng.integers(0, 3, 200)])
    kw = dict(n_t=3, duplicate_k=3, max_iter=20, max_depth=3, learning_rate=0.3, min_samples_leaf=5,
              head_learning_rate=0.5)
    headed = fit_flow(cont, codes, [2, 3], None, 1, rng=np.random.default_rng(1), discrete="classifier", **kw)
    plain = fit_flow(cont, codes, [2, 3], None, 1, rng=np.random.default_rng(1), discrete="flow", **kw)
    assert headed.head is not None and plain.head is None
    config, arrays = headed.state()
    assert CONFIG_KEY in config and any(k.startswith(ARRAY_PREFIX) for k in arrays)
    stripped = FlowForest.from_state({k: v for k, v in config.items() if k != CONFIG_KEY},
                                     {k: v for k, v in arrays.items() if not k.startswith(ARRAY_PREFIX)})
    for a, b in zip(stripped.sample(300, np.random.default_rng(4)), plain.sample(300, np.random.default_rng(4))):
        np.testing.assert_array_equal(a, b)
    c_head, d_head = headed.sample(300, np.random.default_rng(4))
    np.testing.assert_array_equal(c_head, plain.sample(300, np.random.default_rng(4))[0])
    assert set(np.unique(d_head[:, 0])) <= {0, 1} and set(np.unique(d_head[:, 1])) <= {0, 1, 2}
    # The first column is fixed by the sign of the first number: the head follows it.
    assert ((c_head[:, 0] > 0) == (d_head[:, 0] == 1)).mean() > 0.95


def test_head_arrays_that_do_not_fit_are_refused():
    rng = np.random.default_rng(0)
    cont = rng.normal(size=(120, 2))
    codes = (cont[:, :1] > 0).astype(np.int64)
    model = fit_flow(cont, codes, [2], None, 1, n_t=2, duplicate_k=2, max_iter=3, max_depth=2, learning_rate=0.3,
                     min_samples_leaf=5, rng=np.random.default_rng(0), discrete="classifier")
    config, arrays = model.state()
    leaf = arrays[ARRAY_PREFIX + "is_leaf"].astype(bool)
    for name, bad in (("roots", arrays[ARRAY_PREFIX + "roots"] + 10**6),
                      ("left", np.where(leaf, arrays[ARRAY_PREFIX + "left"], 10**6)),
                      ("feature", np.where(leaf, arrays[ARRAY_PREFIX + "feature"], 99)),
                      ("baseline", arrays[ARRAY_PREFIX + "baseline"][:0])):
        with pytest.raises(ValueError, match="do not fit together"):
            FlowForest.from_state(config, {**arrays, ARRAY_PREFIX + name: bad})
    with pytest.raises(ValueError, match="head shape"):
        FlowForest.from_state({**config, CONFIG_KEY: {**config[CONFIG_KEY], "n_cont": 1}}, arrays)


@pytest.mark.parametrize(("method", "params"), [("forest-flow", {**FLOW, "n_t": 2, "max_iter": 3}),
                                                ("wgan-gp", {**WGAN, "steps": 3})])
def test_saved_heads_load_as_arrays_and_tampering_is_refused(method, params, tmp_path):
    from safetensors.numpy import load_file, save_file

    df = make_mixed(240, 40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        fitted = gs.fit_generator(df, "Class", method, random_state=0, **params)
    folder = fitted.save(tmp_path / "m")
    card = json.loads((folder / "model.json").read_text())
    assert all(CONFIG_KEY in m["config"] for m in card["models"])
    pd.testing.assert_frame_equal(gs.load_generator(folder).sample(80, random_state=2),
                                  fitted.sample(80, random_state=2))
    # A card that lost its head while the arrays kept it: refused by name.
    edited = json.loads(json.dumps(card))
    for m in edited["models"]:
        m["config"].pop(CONFIG_KEY)
    (folder / "model.json").write_text(json.dumps(edited))
    with pytest.raises(ModelLoadError, match=ARRAY_PREFIX):
        gs.load_generator(folder)
    # Head trees whose children point outside the table, with the card's digest rewritten.
    (folder / "model.json").write_text(json.dumps(card))
    weights = folder / "weights.safetensors"
    tensors = load_file(weights)
    key = next(k for k in tensors if k.endswith(ARRAY_PREFIX + "roots"))
    tensors[key] = tensors[key] + 10**6
    save_file(tensors, weights)
    card["files"][weights.name]["sha256"] = hashlib.sha256(weights.read_bytes()).hexdigest()
    (folder / "model.json").write_text(json.dumps(card))
    with pytest.raises(ModelLoadError):
        gs.load_generator(folder)


def test_head_off_gives_no_head_and_bad_values_name_the_parameter():
    df = make_mixed(200, 30, missing=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        fitted = gs.fit_generator(df, "Class", "forest-flow", random_state=0, discrete="flow",
                                  **{**FLOW, "n_t": 2, "max_iter": 3})
    assert all(entry["model"].head is None for entry in fitted.generator.models_.values())
    for name, value in (("discrete", "argmax"), ("head_learning_rate", 0.0)):
        with pytest.raises(ParameterError, match=name):
            gs.sample_minority(df, "Class", "forest-flow", **{name: value})


@pytest.mark.parametrize("levels", [2, 4])
def test_discrete_head_arrays_give_scikit_learns_probabilities(levels):
    # The head draws each code from the classifier's probabilities computed on its arrays:
    # those must be scikit-learn's predict_proba, for the binary (one tree an iteration) and
    # the multiclass (one per class) layouts alike.
    from sklearn.ensemble import HistGradientBoostingClassifier

    from gensample.generators._discrete_head import head_from_models

    rng = np.random.default_rng(1)
    cont = rng.uniform(-1, 1, size=(600, 2))
    codes = np.digitize(cont[:, 0] + 0.2 * rng.normal(size=600), np.linspace(-1, 1, levels + 1)[1:-1])[:, None]
    ref = HistGradientBoostingClassifier(max_iter=15, max_depth=4, early_stopping=False,
                                         random_state=0).fit(cont, codes[:, 0])
    head = head_from_models([(ref, levels)], 2, [levels], 0)
    raw = head._raw(cont, slice(0, 1 if levels == 2 else levels))
    if levels == 2:
        ours = np.column_stack([1 / (1 + np.exp(raw[:, 0])), 1 / (1 + np.exp(-raw[:, 0]))])
    else:
        ours = np.exp(raw) / np.exp(raw).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(ours, ref.predict_proba(cont), rtol=0, atol=1e-9)
    # Drawn codes follow those probabilities: over 20 draws of each row, every code's share
    # is its mean probability (binomial sd about 0.004 here).
    many = np.tile(cont, (20, 1))
    drawn = head.draw(many, None, np.random.default_rng(0))[:, 0]
    shares = np.bincount(drawn, minlength=levels) / len(drawn)
    np.testing.assert_allclose(shares, ref.predict_proba(many).mean(axis=0), atol=0.015)


def test_wgan_head_knows_values_seen_only_in_its_held_out_rows():
    # wgan-gp holds 20 % of a class out for early stopping; a category value whose only rows
    # are held out is still one of the layout's values, and the head (fitted after the network
    # stopped) must know it rather than fail (found on KEEL's kddcup-guess_passwd_vs_satan).
    rng = np.random.default_rng(0)
    n_min, n_maj = 100, 200
    tag = np.where(rng.random(n_min) < 0.5, "a", "b").astype(object)
    tag[:10] = [f"r{i}" for i in range(10)]  # ten values of one row each: some land in the hold-out
    df = pd.DataFrame({
        "x": np.r_[rng.normal(size=n_min), rng.normal(2, 1, n_maj)],
        "tag": np.r_[tag, np.where(rng.random(n_maj) < 0.5, "a", "b")],
        "y": np.r_[np.ones(n_min, dtype=np.int64), np.zeros(n_maj, dtype=np.int64)],
    })
    for seed in (0, 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GensampleWarning)
            res = gs.sample_minority(df, "y", "wgan-gp", random_state=seed, check=False, gate=None, fallback=False,
                                     **{**WGAN, "steps": 3})
        assert res.method_used == "wgan-gp"
        assert set(res.synthetic["tag"]) <= set(df["tag"])
