"""ARF (adversarial random forest): guarantees, seeds, saving, structure, conditioning, parameters."""

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
from gensample.errors import ParameterError
from gensample.generators._arf_forest import MIN_LEAF_ROWS, fit_arf
from gensample.generators.base import GensampleWarning

from .conftest import make_mixed

FAST = {"n_trees": 10, "verbose": False}


def _sample(df, target, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        # arf's own rows: the default gate and check of generative methods (which may hand a
        # class to SMOTE) are tested in test_gate.
        return gs.sample_minority(df, target, "arf", **{"random_state": 0, "gate": None, "check": False, **FAST, **params})


def dependent_table(n_min: int, seed: int) -> pd.DataFrame:
    """Minority rows with planted dependencies; majority rows independent of each other."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(0, 1, n_min)
    mino = pd.DataFrame({
        "x1": x1,
        "x2": 0.9 * x1 + rng.normal(0, 0.3, n_min),
        "x3": x1**2 + rng.normal(0, 0.2, n_min),
        "band": np.where(x1 < -0.5, "low", np.where(x1 < 0.5, "mid", "high")),
        "count": np.clip(np.rint(6 + 3 * x1 + rng.normal(0, 0.5, n_min)), 0, 12).astype(np.int64),
    })
    n_maj = 2 * n_min
    majo = pd.DataFrame({
        "x1": rng.normal(0, 1, n_maj), "x2": rng.normal(0, 1, n_maj), "x3": rng.normal(1, 1, n_maj),
        "band": rng.choice(["low", "mid", "high"], n_maj), "count": rng.integers(0, 13, n_maj),
    })
    return pd.concat([mino.assign(y=1), majo.assign(y=0)], ignore_index=True)


def _spearman_gap(real: pd.DataFrame, synth: pd.DataFrame, cols=("x1", "x2", "count")) -> float:
    a = spearmanr(real[list(cols)]).statistic
    b = spearmanr(synth[list(cols)]).statistic
    off = ~np.eye(len(cols), dtype=bool)
    return float(np.abs(a - b)[off].mean())


# ------------------------------------------------------------------ registry
def test_registered_with_its_family_and_min_rows():
    table = gs.methods().set_index("name")
    assert "arf" in table.index
    assert table.loc["arf", "family"] == "forest"
    assert registry.get("arf").min_rows == 25
    assert registry.get("arf").pickles is False


# ------------------------------------------------------------------ guarantees
@pytest.mark.parametrize("fit_on", ["minority", "all"])
def test_counts_dtypes_ranges_categories_and_originals(fit_on):
    df = make_mixed(300, 40)
    before = df.copy(deep=True)
    result = _sample(df, "Class", fit_on=fit_on)
    pd.testing.assert_frame_equal(df, before)  # the user's rows are never altered
    syn = result.synthetic
    assert len(syn) == 220 and (syn["Class"] == "positive").all()
    assert result.counts["positive"]["after"] == result.counts["negative"]["before"]
    assert syn.dtypes.to_dict() == df.dtypes.to_dict()
    pd.testing.assert_frame_equal(result.augmented.iloc[: len(df)].reset_index(drop=True), df.reset_index(drop=True))
    # One forest per class draws inside the class's values; one forest for the table inside
    # the table's (a leaf's law is fitted to all its rows, whatever their class).
    seen = df[df["Class"] == "positive"] if fit_on == "minority" else df
    for col in ("i64", "nullable_int"):
        v = syn[col].dropna().to_numpy(dtype=float)
        real = seen[col].dropna().to_numpy(dtype=float)
        assert np.all(v == np.round(v)) and v.min() >= real.min() and v.max() <= real.max()
    for col in ("cat", "text", "string"):
        assert set(syn[col].dropna()) <= set(seen[col].dropna())
    real_f = seen["f64"].dropna()
    assert syn["f64"].dropna().between(real_f.min(), real_f.max()).all()
    # New rows are not copies of the class's rows.
    cols = ["f64", "f32"]
    real_keys = set(map(tuple, df.loc[df["Class"] == "positive", cols].dropna().round(9).to_numpy()))
    new_keys = set(map(tuple, syn[cols].dropna().round(9).to_numpy()))
    assert len(new_keys & real_keys) == 0


def test_multiclass_exact_counts():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"a": rng.normal(size=260), "b": rng.integers(0, 50, 260)})
    df["label"] = np.repeat(["big", "mid", "small"], [200, 40, 20])
    result = _sample(df, "label", fit_on="all", min_rows=10)
    assert result.synthetic["label"].value_counts().to_dict() == {"mid": 160, "small": 180}
    assert result.method_used == "arf" and not result.fallback


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
            fitted = gs.fit_generator(df, "Class", "arf", random_state=1, fit_on=fit_on, **FAST)
        expected = fitted.sample(150, random_state=7)
        folder = fitted.save(tmp_path / fit_on)
        assert not (folder / "model.pkl").exists() and (folder / "weights.safetensors").is_file()
        loaded = gs.load_generator(folder)  # trust=False: nothing is executed
        pd.testing.assert_frame_equal(loaded.sample(150, random_state=7), expected)
        assert loaded.sample(150, random_state=8)["f64"].ne(expected["f64"]).any()
        # device= (load_generator, `gensample generate --device`) is accepted: trees have no device.
        on_cpu = gs.load_generator(folder, device="cpu")
        pd.testing.assert_frame_equal(on_cpu.sample(150, random_state=7), expected)


# ------------------------------------------------------------------ structure
def test_dependencies_kept_far_better_than_independent_marginals():
    train = dependent_table(300, seed=0)
    held = dependent_table(300, seed=1)
    held_min = held[held["y"] == 1].reset_index(drop=True)
    train_min = train[train["y"] == 1].reset_index(drop=True)
    syn = _sample(train, "y", sampling_strategy={1: 600}).synthetic
    rng = np.random.default_rng(0)
    marg = pd.DataFrame({c: train_min[c].to_numpy()[rng.integers(0, 300, 300)] for c in train_min.columns})
    gap_arf, gap_marg = _spearman_gap(held_min, syn), _spearman_gap(held_min, marg)
    assert gap_marg > 0.7  # x1, x2 and count are strongly tied in the real rows
    assert gap_arf < 0.25 * gap_marg, (gap_arf, gap_marg)
    # A category fixed by x1's band: most new rows keep the rule; independent columns break it.
    band = np.where(syn["x1"] < -0.5, "low", np.where(syn["x1"] < 0.5, "mid", "high"))
    band_marg = np.where(marg["x1"] < -0.5, "low", np.where(marg["x1"] < 0.5, "mid", "high"))
    assert (band == syn["band"]).mean() > 0.8 > 0.5 > (band_marg == marg["band"]).mean()


def test_fit_on_all_samples_each_class_from_its_own_leaves():
    # Two classes with opposite dependence: conditioning on the class must keep each sign.
    rng = np.random.default_rng(0)
    x = rng.normal(size=600)
    y = np.r_[np.zeros(400, int), np.ones(200, int)]
    z = np.where(y == 1, x, -x) + rng.normal(0, 0.2, 600)
    df = pd.DataFrame({"x": x, "z": z, "y": y})
    syn = _sample(df, "y", fit_on="all", sampling_strategy={0: 800, 1: 800}).synthetic
    for label, sign in ((1, 1), (0, -1)):
        part = syn[syn["y"] == label]
        assert len(part) == (600 if label == 1 else 400)
        assert sign * spearmanr(part["x"], part["z"]).statistic > 0.8


def test_tiny_class_in_one_forest_still_gets_its_rows():
    # Three rows of a class inside a 300-row forest may all land in leaves smaller than
    # MIN_LEAF_ROWS; the class must still be sampled (from those leaves) with exact counts.
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.normal(size=303), "b": rng.normal(size=303)})
    df["y"] = np.r_[np.zeros(300, int), np.ones(3, int)]
    syn = _sample(df, "y", fit_on="all", min_rows=2, fallback=False).synthetic
    assert len(syn) == 297 and (syn["y"] == 1).all()
    real = df[df["y"] == 1]
    assert syn["a"].between(df["a"].min(), df["a"].max()).all()
    assert np.isfinite(syn[["a", "b"]].to_numpy()).all() and len(real) == 3


def test_forest_density_leaves_and_convergence():
    rng = np.random.default_rng(0)
    x1 = rng.normal(size=400)
    cont = np.column_stack([x1, x1 + rng.normal(0, 0.1, 400)])
    codes = (x1 > 0).astype(np.int64)[:, None]
    model = fit_arf(cont, codes, [2], None, 1, n_trees=10, min_samples_leaf=5, delta=0.0, max_iters=5,
                    early_stop=True, alpha=0.0, n_jobs=1, rng=np.random.default_rng(0))
    assert model.accuracy[0] > 0.75  # real rows are easy to tell from independent columns
    assert min(model.accuracy[1:]) < 0.6  # and hard to tell from the forest's own rows
    assert np.all(model.lo <= model.mean + 1e-12) and np.all(model.mean <= model.hi + 1e-12)
    w = model.weights()
    assert w[model.counts[:, 0] < MIN_LEAF_ROWS].sum() == 0 and np.isclose(w.sum(), 1)
    c, d = model.sample(2000, np.random.default_rng(1))
    assert c.min(axis=0).tolist() >= cont.min(axis=0).tolist() and c.max(axis=0).tolist() <= cont.max(axis=0).tolist()
    # the binary column follows the sign of x1 through the leaves
    assert ((c[:, 0] > 0) == (d[:, 0] == 1)).mean() > 0.9


# ------------------------------------------------------------------ parameters
@pytest.mark.parametrize(
    ("name", "value"),
    [("n_trees", 0), ("min_samples_leaf", 0), ("delta", 0.7), ("max_iters", -1), ("alpha", -1.0),
     ("early_stop", "yes"), ("fit_on", "everything"), ("verbose", 1), ("threads", 0), ("min_rows", 1),
     ("n_trees", 2.5)],
)
def test_bad_parameters_name_the_parameter(name, value):
    df = make_mixed(120, 20, missing=False)
    with pytest.raises(ParameterError, match=name):
        gs.sample_minority(df, "Class", "arf", random_state=0, **{name: value})


def test_unknown_parameter_is_refused_with_a_hint():
    with pytest.raises(ParameterError, match="n_trees"):
        gs.sample_minority(make_mixed(120, 20), "Class", "arf", n_tree=5)
    with pytest.raises(ParameterError, match="device"):
        gs.sample_minority(make_mixed(120, 20), "Class", "arf", device="cpu")


def test_runs_without_torch_or_sdv():
    # The forests need scikit-learn only: the deep extra's heavy packages are never imported.
    code = (
        "import sys, warnings; warnings.simplefilter('ignore')\n"
        "import gensample as gs\n"
        "from tests.conftest import make_mixed\n"
        "gs.fit_generator(make_mixed(120, 30), 'Class', 'arf', random_state=0, verbose=False, n_trees=5).sample(10)\n"
        "print(sorted(m for m in ('torch', 'sdv', 'ctgan') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(Path(__file__).resolve().parents[1]))
    assert out.stdout.strip().splitlines()[-1] == "[]"
