"""Forest-Flow: guarantees, seeds, saving, structure, conditioning, the tree arrays, parameters."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import gensample as gs
from gensample import registry
from gensample.datasets import independent_marginals
from gensample.errors import ModelLoadError, ParameterError
from gensample.fidelity.structure import dependency_gap
from gensample.generators._flow_forest import FlowForest, encode, fit_flow
from gensample.generators.base import GensampleWarning

from .conftest import make_mixed
from .test_arf import dependent_table

#: A few trees per level: enough for the guarantees, seconds per fit.
FAST = {"n_t": 4, "max_iter": 15, "max_depth": 4, "duplicate_k": 4, "verbose": False}
#: Enough training to learn the planted links on 300 rows (about 10 s on one core).
LEARN = {"n_t": 10, "max_iter": 40, "duplicate_k": 10, "verbose": False}


def _sample(df, target, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        # The method's own rows: the default gate and check of generative methods are tested
        # in test_gate.
        return gs.sample_minority(df, target, "forest-flow",
                                  **{"random_state": 0, "gate": None, "check": False, **FAST, **params})


# ------------------------------------------------------------------ registry
def test_registered_with_its_family_and_min_rows():
    table = gs.methods().set_index("name")
    assert table.loc["forest-flow", "family"] == "forest"
    cls = registry.get("forest-flow")
    assert cls.min_rows == 25 and cls.pickles is False and cls.generative


def test_time_levels_grow_with_the_class():
    from gensample.generators.forest_flow import COARSE_LEVELS, FINE_FROM_ROWS, FINE_LEVELS

    gen = registry.get("forest-flow")()
    assert gen.params["n_t"] is None
    assert gen.levels_for(FINE_FROM_ROWS - 1) == COARSE_LEVELS == 20
    assert gen.levels_for(FINE_FROM_ROWS) == FINE_LEVELS == 40
    assert registry.get("forest-flow")(n_t=7).levels_for(10**6) == 7


def test_duplicates_aim_at_a_bounded_number_of_training_rows():
    gen = registry.get("forest-flow")()
    assert gen.duplicates_for(50) == 100 and gen.duplicates_for(1000) == 20 and gen.duplicates_for(10**6) == 5
    assert registry.get("forest-flow")(duplicate_k=3).duplicates_for(1000) == 3


# ------------------------------------------------------------------ guarantees
@pytest.mark.parametrize("fit_on", ["minority", "all"])
def test_counts_dtypes_ranges_categories_and_originals(fit_on):
    df = make_mixed(300, 40)
    before = df.copy(deep=True)
    result = _sample(df, "Class", fit_on=fit_on)
    pd.testing.assert_frame_equal(df, before)  # the user's rows are never altered
    assert result.method_used == "forest-flow" and not result.fallback
    syn = result.synthetic
    assert len(syn) == 220 and (syn["Class"] == "positive").all()
    assert syn.dtypes.to_dict() == df.dtypes.to_dict()
    pd.testing.assert_frame_equal(result.augmented.iloc[: len(df)].reset_index(drop=True), df.reset_index(drop=True))
    seen = df[df["Class"] == "positive"] if fit_on == "minority" else df
    for col in ("i64", "nullable_int"):
        v = syn[col].dropna().to_numpy(dtype=float)
        real = seen[col].dropna().to_numpy(dtype=float)
        assert np.all(v == np.round(v)) and v.min() >= real.min() and v.max() <= real.max()
    for col in ("cat", "text", "string"):
        assert set(syn[col].dropna()) <= set(seen[col].dropna())
    real_f = seen["f64"].dropna()
    assert syn["f64"].dropna().between(real_f.min(), real_f.max()).all()
    cols = ["f64", "f32"]
    real_keys = set(map(tuple, df.loc[df["Class"] == "positive", cols].dropna().round(9).to_numpy()))
    assert not real_keys & set(map(tuple, syn[cols].dropna().round(9).to_numpy()))


def test_multiclass_exact_counts():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"a": rng.normal(size=260), "b": rng.integers(0, 50, 260)})
    df["label"] = np.repeat(["big", "mid", "small"], [200, 40, 20])
    result = _sample(df, "label", fit_on="all", min_rows=10)
    assert result.synthetic["label"].value_counts().to_dict() == {"mid": 160, "small": 180}
    assert result.method_used == "forest-flow" and not result.fallback


def test_same_seed_same_rows_other_seed_other_rows():
    df = make_mixed(200, 30, missing=False)
    a = _sample(df, "Class", random_state=5).synthetic
    b = _sample(df, "Class", random_state=5).synthetic
    c = _sample(df, "Class", random_state=6).synthetic
    pd.testing.assert_frame_equal(a, b)
    assert not a["f64"].equals(c["f64"])


def test_saved_generator_loads_without_pickles_and_samples_identical_rows(tmp_path):
    df = make_mixed(300, 40)
    for fit_on in ("minority", "all"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GensampleWarning)
            fitted = gs.fit_generator(df, "Class", "forest-flow", random_state=1, fit_on=fit_on, **FAST)
        expected = fitted.sample(150, random_state=7)
        folder = fitted.save(tmp_path / fit_on)
        assert not (folder / "model.pkl").exists() and (folder / "weights.safetensors").is_file()
        loaded = gs.load_generator(folder)  # trust=False: nothing is executed
        pd.testing.assert_frame_equal(loaded.sample(150, random_state=7), expected)
        assert loaded.sample(150, random_state=8)["f64"].ne(expected["f64"]).any()


def test_model_arrays_that_do_not_fit_together_are_refused():
    rng = np.random.default_rng(0)
    model = fit_flow(rng.normal(size=(60, 2)), np.zeros((60, 0), dtype=np.int64), [], None, 1, n_t=2,
                     duplicate_k=2, max_iter=3, max_depth=2, learning_rate=0.3, min_samples_leaf=5,
                     rng=np.random.default_rng(0))
    arrays = model.arrays()
    for name, bad in (("left", arrays["left"] + 10**6), ("feature", arrays["feature"] + 7),
                      ("roots", arrays["roots"][:1]), ("lo", arrays["lo"][:1])):
        broken = {**arrays, name: bad}
        if name in ("left", "feature"):
            broken[name] = np.where(arrays["is_leaf"].astype(bool), arrays[name], bad)
        with pytest.raises(ValueError, match="do not fit together"):
            FlowForest.from_state(model.config(), broken)


def test_a_tampered_tree_array_in_a_saved_folder_is_a_model_load_error(tmp_path):
    # An attacker who rewrites the weights and the card's digest still gets no rows from
    # trees whose children point outside the node table.
    import hashlib
    import json

    from safetensors.numpy import load_file, save_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        fitted = gs.fit_generator(make_mixed(200, 30), "Class", "forest-flow", random_state=0, **FAST)
    folder = fitted.save(tmp_path / "m")
    weights = folder / "weights.safetensors"
    tensors = load_file(weights)
    key = next(k for k in tensors if k.endswith("right"))
    tensors[key] = tensors[key] + 10**6
    save_file(tensors, weights)
    card = json.loads((folder / "model.json").read_text())
    card["files"][weights.name]["sha256"] = hashlib.sha256(weights.read_bytes()).hexdigest()
    (folder / "model.json").write_text(json.dumps(card))
    with pytest.raises(ModelLoadError):
        gs.load_generator(folder)


@pytest.mark.parametrize(("field", "value", "match"), [
    ("n_t", 3, "weights"), ("n_cont", 0, "n_cont"), ("sizes", [9], "sizes"), ("n_classes", 2, "n_classes"),
    ("n_t", -1, "n_t"), ("solver", "rk4", "solver"),
])
def test_an_edited_card_is_refused_before_any_tree_is_built(tmp_path, field, value, match):
    import json

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        fitted = gs.fit_generator(make_mixed(200, 30), "Class", "forest-flow", random_state=0, **FAST)
    folder = fitted.save(tmp_path / "m")
    card = json.loads((folder / "model.json").read_text())
    model = next(m for m in card["models"])
    model["config"][field] = value
    (folder / "model.json").write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match=match):
        gs.load_generator(folder)


def test_solver_changes_the_walk_not_the_trees_and_old_cards_load_as_euler(tmp_path):
    import json

    df = make_mixed(300, 40)
    fits = {}
    for solver in ("euler", "heun"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GensampleWarning)
            fits[solver] = gs.fit_generator(df, "Class", "forest-flow", random_state=1, solver=solver, **FAST)
    assert registry.get("forest-flow").defaults["solver"] == "heun"
    models = {s: next(iter(f.generator.models_.values()))["model"] for s, f in fits.items()}
    for name, array in models["euler"].arrays().items():  # the solver does not touch training
        np.testing.assert_array_equal(array, models["heun"].arrays()[name])
    euler, heun = (fits[s].sample(200, random_state=3) for s in ("euler", "heun"))
    assert not euler["f64"].equals(heun["f64"])
    # A card written before the solver was recorded has no "solver": it samples as it did, with Euler.
    folder = fits["euler"].save(tmp_path / "old")
    card = json.loads((folder / "model.json").read_text())
    for model in card["models"]:
        assert model["config"].pop("solver") == "euler"
    (folder / "model.json").write_text(json.dumps(card))
    pd.testing.assert_frame_equal(gs.load_generator(folder).sample(200, random_state=3), euler)


# ------------------------------------------------------------------ the tree arrays
def test_tree_arrays_predict_what_scikit_learn_predicts():
    # The flat arrays are copied out of scikit-learn's private ``_predictors[i][0].nodes``; a
    # release that renames or reorders those fields must fail here, not give other rows.
    from sklearn.ensemble import HistGradientBoostingRegressor

    from gensample.generators._boosted_trees import TreeTable, predict_leaves

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2]
    model = HistGradientBoostingRegressor(max_iter=20, max_depth=4, early_stopping=False, random_state=0).fit(X, y)
    table = TreeTable()
    roots = np.array(table.add_model(model, 0, 25))  # 5 empty trees of padding change nothing
    nd = table.arrays()
    leaves = predict_leaves(X, roots, nd["feature"], nd["threshold"], nd["left"], nd["right"], nd["is_leaf"], table.depth)
    ours = nd["value"][leaves].sum(axis=1) + float(np.ravel(model._baseline_prediction)[0])
    np.testing.assert_allclose(ours, model.predict(X), rtol=0, atol=1e-10)


def test_encode_scales_to_the_unit_box_and_decode_gives_observed_codes_only():
    rng = np.random.default_rng(0)
    cont = rng.normal(5, 2, size=(50, 2))
    codes = rng.integers(0, 3, size=(50, 1))
    x, lo, hi = encode(cont, codes, [3])
    assert x.shape == (50, 5) and x.min() >= -1 and x.max() <= 1
    assert set(np.unique(x[:, 2:])) == {-1.0, 1.0} and (x[:, 2:] == 1).sum(axis=1).tolist() == [1] * 50
    model = fit_flow(cont, codes, [3], None, 1, n_t=3, duplicate_k=3, max_iter=5, max_depth=3, learning_rate=0.3,
                     min_samples_leaf=5, rng=np.random.default_rng(1))
    c, d = model.sample(500, np.random.default_rng(2))
    assert (c >= lo - 1e-12).all() and (c <= hi + 1e-12).all() and set(np.unique(d)) <= {0, 1, 2}


# ------------------------------------------------------------------ structure
def test_dependencies_kept_far_better_than_independent_marginals():
    train = dependent_table(300, seed=0)
    held = dependent_table(300, seed=1)
    held_min = held[held["y"] == 1].drop(columns="y").reset_index(drop=True)
    train_min = train[train["y"] == 1].drop(columns="y").reset_index(drop=True)
    syn = _sample(train, "y", sampling_strategy={1: 600}, **LEARN).synthetic.drop(columns="y")
    marg = independent_marginals(train_min, 300, random_state=0)
    gap, gap_marg = dependency_gap(held_min, syn), dependency_gap(held_min, marg)
    assert gap_marg > 0.4
    assert gap < 0.3 * gap_marg, (gap, gap_marg)
    band = np.where(syn["x1"] < -0.5, "low", np.where(syn["x1"] < 0.5, "mid", "high"))
    assert (band == syn["band"].astype(str)).mean() > 0.8


def test_fit_on_all_samples_each_class_with_its_own_dependence():
    # Two classes with opposite dependence in one model, the class an input of the shared
    # trees: each class must keep its own sign. (Measured: rho 0.79 for the 200-row class, whose
    # truth is 0.98; shared trees spend most splits on the larger class.)
    rng = np.random.default_rng(0)
    x = rng.normal(size=600)
    y = np.r_[np.zeros(400, int), np.ones(200, int)]
    z = np.where(y == 1, x, -x) + rng.normal(0, 0.2, 600)
    df = pd.DataFrame({"x": x, "z": z, "y": y})
    syn = _sample(df, "y", fit_on="all", sampling_strategy={0: 800, 1: 800}, **LEARN).synthetic
    for label, sign in ((1, 1), (0, -1)):
        part = syn[syn["y"] == label]
        assert len(part) == (600 if label == 1 else 400)
        assert sign * spearmanr(part["x"], part["z"]).statistic > 0.6


def test_time_limit_stops_training_and_falls_back_to_smote():
    df = make_mixed(200, 30, missing=False)
    res = _sample(df, "Class", time_limit=1e-3)
    assert res.method_used == "smote"
    assert "time_limit" in res.decisions["positive"].evidence["error"]


# ------------------------------------------------------------------ parameters
@pytest.mark.parametrize(
    ("name", "value"),
    [("n_t", 0), ("duplicate_k", 0), ("max_iter", 0), ("max_depth", 0), ("learning_rate", 0.0),
     ("min_samples_leaf", 0), ("fit_on", "everything"), ("verbose", 1), ("threads", 0), ("min_rows", 1),
     ("n_t", 2.5), ("solver", "Heun")],
)
def test_bad_parameters_name_the_parameter(name, value):
    df = make_mixed(120, 20, missing=False)
    with pytest.raises(ParameterError, match=name):
        gs.sample_minority(df, "Class", "forest-flow", random_state=0, **{name: value})


def test_runs_without_torch_or_sdv():
    code = (
        "import sys, warnings; warnings.simplefilter('ignore')\n"
        "import gensample as gs\n"
        "from tests.conftest import make_mixed\n"
        "gs.fit_generator(make_mixed(120, 30), 'Class', 'forest-flow', random_state=0, verbose=False, n_t=2,\n"
        "                 max_iter=3, duplicate_k=2).sample(10)\n"
        "print(sorted(m for m in ('torch', 'sdv', 'ctgan') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(Path(__file__).resolve().parents[1]))
    assert out.stdout.strip().splitlines()[-1] == "[]"
