"""Deep generators (ctgan, copulagan, tvae, gaussian-copula, wgan-gp) through sample_minority.

Every model trains for a handful of steps only: these tests check guarantees (counts, dtypes,
seeds, fallbacks, the anchors' pitfalls), not sample quality.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import gensample
from gensample.errors import GenerationError, ParameterError
from gensample.generators.deep import valid_batch

from .conftest import make_mixed, make_numeric

torch = pytest.importorskip("torch")
pytest.importorskip("ctgan")
pytest.importorskip("sdv")

DEEP = ["ctgan", "copulagan", "tvae", "gaussian-copula", "wgan-gp"]
# A few steps each: enough to exercise every code path.
FAST = {
    "ctgan": {"steps": 3, "verbose": False},
    "copulagan": {"steps": 3, "verbose": False, "default_distribution": "norm"},
    "tvae": {"steps": 3, "verbose": False},
    "gaussian-copula": {"verbose": False, "default_distribution": "norm"},
    "wgan-gp": {"steps": 20, "verbose": False},
}


def run(data, target, method, seed=0, **params):
    # These tests pin the methods themselves: the fidelity check and vs-smote gate, which
    # may replace a few-step model's rows by SMOTE's, are tested in test_fidelity.py.
    params = {"check": False, "gate": None, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gensample.sample_minority(data, target, method, random_state=seed, **{**FAST[method], **params})


def test_registry_lists_the_deep_methods():
    table = gensample.methods().set_index("name")
    for name in DEEP:
        # gaussian-copula has no network: a family of its own, judged like the deep ones.
        assert table.loc[name, "family"] == ("copula" if name == "gaussian-copula" else "deep")
        assert gensample.registry.get(name).generative
        assert table.loc[name, "mixed"] and table.loc[name, "missing"] and table.loc[name, "multiclass"]


def test_import_gensample_and_deep_classes_do_not_import_torch():
    code = (
        "import sys, gensample\n"
        "from gensample import registry\n"
        "[registry.get(n) for n in ('ctgan', 'copulagan', 'tvae', 'gaussian-copula', 'wgan-gp')]\n"
        "assert 'torch' not in sys.modules and 'sdv' not in sys.modules and 'ctgan' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("fit_on", ["minority", "all"])
@pytest.mark.parametrize("method", DEEP)
def test_mixed_table_guarantees(method, fit_on):
    data = make_mixed(n=240, minority=40)
    res = run(data, "Class", method, fit_on=fit_on, min_rows=10)
    syn = res.synthetic
    assert res.method_used == method and res.fallback is None
    assert len(syn) == 160 and (syn["Class"] == "positive").all()
    assert list(syn.columns) == list(data.columns)
    assert (syn.dtypes == data.dtypes).all()
    assert set(syn["text"].dropna()) <= set(data["text"].dropna())
    assert set(syn["cat"].dropna()) <= {"x", "y", "z"}
    assert syn["i64"].between(data["i64"].min(), data["i64"].max()).all()
    assert syn["nullable_int"].dropna().between(0, 9).all()
    # Missing cells come back at the class's rate (patterns of real rows), never everywhere.
    assert 0 < syn["f64"].isna().mean() < 0.5
    assert not syn["f32"].isna().any()
    again = run(data, "Class", method, fit_on=fit_on, min_rows=10)
    pd.testing.assert_frame_equal(syn, again.synthetic)
    other = run(data, "Class", method, seed=1, fit_on=fit_on, min_rows=10)
    assert not syn.equals(other.synthetic)


@pytest.mark.parametrize("method", ["wgan-gp", "ctgan", "tvae"])
def test_multiclass_exact_counts(method):
    data = make_numeric(n=330, minority=40, classes=3)
    res = run(data, "label", method, fit_on="all", min_rows=10)
    assert res.counts[1]["after"] == res.counts[0]["after"] == res.counts[2]["after"] == 250
    assert res.synthetic["label"].dtype == data["label"].dtype


def test_global_random_state_is_left_alone():
    data = make_numeric()
    np.random.seed(5)
    torch.manual_seed(5)
    np_before, torch_before = np.random.get_state()[1].copy(), torch.get_rng_state().clone()
    run(data, "label", "ctgan", min_rows=10)
    run(data, "label", "wgan-gp", min_rows=10)
    assert np.array_equal(np.random.get_state()[1], np_before)
    assert torch.equal(torch.get_rng_state(), torch_before)


# ---------------------------------------------------------------- the anchors' pitfalls
def test_ctgan_samples_with_the_generator_in_eval_mode(monkeypatch):
    """CTGAN issue 309: ctgan's sample() leaves BatchNorm in training mode; ours must not."""
    from gensample.generators.ctgan import CTGANGenerator

    seen = []
    original = CTGANGenerator._sample_model

    def spy(self, model, layout, n, condition, seed):
        handle = model._generator.register_forward_pre_hook(lambda mod, inp: seen.append(mod.training))
        model._generator.train()  # even if something left it in training mode
        try:
            return original(self, model, layout, n, condition, seed)
        finally:
            handle.remove()

    monkeypatch.setattr(CTGANGenerator, "_sample_model", spy)
    res = run(make_numeric(), "label", "ctgan", min_rows=10)
    assert res.method_used == "ctgan"
    assert seen and not any(seen)
    # and the generator really has BatchNorm layers whose mode matters
    gen = CTGANGenerator(**FAST["ctgan"], min_rows=10)
    table = gensample.TableSchema.infer(make_numeric(), "label").encode(make_numeric())
    gen.fit(table, [1], np.random.default_rng(0))
    has_bn = [m for m in gen.models_[1]["model"]._generator.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    assert has_bn


@pytest.mark.parametrize("method", ["ctgan", "copulagan", "tvae", "gaussian-copula", "wgan-gp"])
def test_rare_class_with_fit_on_all_gets_exactly_the_rows_asked(method):
    """SDV issue 1419: conditional sampling of a rare class must not fail or fall short."""
    data = make_numeric(n=600, minority=12)
    res = run(data, "label", method, fit_on="all", min_rows=5)
    assert res.method_used == method and res.fallback is None
    assert len(res.synthetic) == 576 and (res.synthetic["label"] == 1).all()


def test_ctgan_mixtures_are_fitted_on_a_bounded_subsample(monkeypatch, capsys):
    """CTGAN issue 7 / SDV issue 988: one Bayesian GMM per column on every row is slow."""
    from ctgan.data_transformer import DataTransformer

    sizes = []
    original = DataTransformer._fit_continuous

    def spy(self, data):
        sizes.append(len(data))
        return original(self, data)

    monkeypatch.setattr(DataTransformer, "_fit_continuous", spy)
    data = make_numeric(n=700, minority=300)
    res = run(data, "label", "ctgan", transformer_rows=60, min_rows=10, verbose=True)
    assert res.method_used == "ctgan"
    assert sizes and max(sizes) == 60 and len(sizes) == 4  # four continuous columns
    assert "fitting mixtures" in capsys.readouterr().err


@pytest.mark.parametrize("n_rows,batch_size,pac", [(37, 500, 10), (13, 500, 10), (7, 500, 10), (500, 500, 10), (64, 20, 3)])
def test_valid_batch_is_even_divisible_by_pac_and_no_larger_than_the_class(n_rows, batch_size, pac):
    batch, used_pac = valid_batch(n_rows, batch_size, pac)
    assert batch % 2 == 0 and batch % used_pac == 0
    assert batch <= min(n_rows, batch_size)
    assert 1 <= used_pac <= pac


@pytest.mark.parametrize("minority", [37, 13])
def test_ctgan_on_odd_class_sizes_derives_a_valid_batch(minority):
    data = make_numeric(n=300, minority=minority)
    res = run(data, "label", "ctgan", min_rows=5, batch_size=500, pac=10)
    assert res.method_used == "ctgan" and res.counts[1]["generated"] == 300 - 2 * minority


def test_epochs_count_steps_with_a_batch_no_larger_than_the_class():
    data = make_numeric(n=300, minority=37)
    table = gensample.TableSchema.infer(data, "label").encode(data)
    gen = gensample.registry.get("ctgan")(epochs=2, verbose=False)
    gen.fit(table, [1], np.random.default_rng(0))
    info = gen.models_[1]["model"].gs_info
    assert info["batch_size"] == 30 and info["steps_run"] == 2 * 1  # max(37 // 30, 1) steps per epoch


# ---------------------------------------------------------------- fallback policy
def test_small_class_falls_back_to_smote_with_the_reason():
    data = make_mixed(n=240, minority=8)
    res = run(data, "Class", "wgan-gp")
    assert res.method_used == "smote"
    assert "8 rows, fewer than the 10 that 'wgan-gp' needs" in res.fallback
    assert res.per_class.set_index("label").loc["positive", "method_used"] == "smote"
    assert res.to_dict()["fallback"] == res.fallback  # kept for the provenance record
    with pytest.raises(GenerationError, match="fewer than the 10"):
        run(data, "Class", "wgan-gp", fallback=False)


def test_diverging_training_falls_back(monkeypatch):
    from gensample.generators import wgan_gp

    def diverge(name, step, **losses):
        if step == 3:
            raise FloatingPointError(f"{name}: critic_loss became nan at step {step} (training diverged)")

    monkeypatch.setattr(wgan_gp, "check_finite_loss", diverge)
    data = make_numeric()
    res = run(data, "label", "wgan-gp", min_rows=10)
    assert res.method_used == "smote" and "FloatingPointError" in res.fallback and "diverged" in res.fallback
    assert res.counts[1]["generated"] == 250
    with pytest.raises(GenerationError, match="diverged"):
        run(data, "label", "wgan-gp", min_rows=10, fallback=False)


def test_nan_loss_raises_floating_point_error():
    from gensample.generators.deep import check_finite_loss

    check_finite_loss("x", 1, loss=1.0)
    with pytest.raises(FloatingPointError, match="diverged"):
        check_finite_loss("x", 7, loss=float("nan"))


def test_exception_inside_sdv_falls_back(monkeypatch):
    from sdv.single_table import GaussianCopulaSynthesizer

    def broken(self, data):
        raise ValueError("sdv could not fit")

    monkeypatch.setattr(GaussianCopulaSynthesizer, "fit", broken)
    res = run(make_numeric(), "label", "gaussian-copula", min_rows=10)
    assert res.method_used == "smote" and "sdv could not fit" in res.fallback


# ---------------------------------------------------------------- parameters, progress
def test_parameters_are_validated_before_training():
    data = make_numeric()
    with pytest.raises(ParameterError, match="fit_on"):
        run(data, "label", "wgan-gp", fit_on="everything")
    with pytest.raises(ParameterError, match="epocs"):
        gensample.sample_minority(data, "label", "ctgan", epocs=3)
    with pytest.raises(ParameterError, match="generator_dim"):
        run(data, "label", "ctgan", generator_dim=(0,))
    if not torch.cuda.is_available():
        with pytest.raises(ParameterError, match="cuda"):
            run(data, "label", "wgan-gp", device="cuda", min_rows=10)


def test_progress_bar_shows_and_verbose_false_silences_it(capsys):
    data = make_numeric()
    run(data, "label", "wgan-gp", min_rows=10, verbose=True, fit_on="all")
    err = capsys.readouterr().err
    assert "wgan-gp all classes" in err and "epoch" in err
    run(data, "label", "wgan-gp", min_rows=10, verbose=True)  # fit_on="minority", wgan-gp's default
    assert "wgan-gp class 1" in capsys.readouterr().err
    run(data, "label", "wgan-gp", min_rows=10, verbose=False)
    assert capsys.readouterr().err == ""


def test_wgan_gp_stops_early_on_the_validation_signal():
    data = make_numeric(n=300, minority=60)
    table = gensample.TableSchema.infer(data, "label").encode(data)
    gen = gensample.registry.get("wgan-gp")(steps=2000, patience=1, verbose=False, fit_on="minority")
    gen.fit(table, [1], np.random.default_rng(0))
    info = gen.models_[1]["model"].info
    assert info["stopped_early"] and info["steps_run"] < 2000
    assert info["best_validation_score"] is not None


@pytest.mark.parametrize("method", ["wgan-gp", "ctgan"])
def test_class_whose_columns_are_all_constant_repeats_them(method):
    data = make_numeric(n=200, minority=30)
    data.loc[data["label"] == 1, ["a", "b", "c", "d"]] = 2.5
    res = run(data, "label", method, min_rows=10)
    assert res.method_used == method and len(res.synthetic) == 140
    assert (res.synthetic[["a", "b", "c", "d"]] == 2.5).all().all()


@pytest.mark.parametrize("fit_on", ["minority", "all"])
def test_wgan_gp_starts_from_the_class_marginals(fit_on):
    # Before any real training (one step) the generator already draws each column from its
    # class's marginal: category shares and continuous quantiles of the real class rows. A
    # randomly initialised GAN does not (its categories are near uniform, its scale arbitrary).
    rng = np.random.default_rng(3)
    n, m = 600, 150
    y = np.r_[np.zeros(n - m, dtype=int), np.ones(m, dtype=int)]
    # The minority's category shares (70/20/10) and scale differ from the majority's.
    cat = np.where(y == 1, rng.choice(["a", "b", "c"], n, p=[0.7, 0.2, 0.1]), rng.choice(["a", "b", "c"], n))
    data = pd.DataFrame({
        "amount": np.where(y == 1, rng.lognormal(3, 1, n), rng.normal(0, 1, n)),
        "kind": cat,
        "label": y,
    })
    # discrete="generator": the network's own category draw is what starts from the prior (the
    # discrete head would draw the category from the untrained network's amounts instead).
    res = run(data, "label", "wgan-gp", steps=1, fit_on=fit_on, min_rows=10, prior=True, discrete="generator",
              sampling_strategy={1: n - m + 3000})
    syn, real = res.synthetic, data[data["label"] == 1]
    shares = syn["kind"].value_counts(normalize=True)
    for k, p in {"a": 0.7, "b": 0.2, "c": 0.1}.items():
        assert abs(shares.get(k, 0.0) - real["kind"].eq(k).mean()) < 0.06, (k, shares.to_dict())
    # With fit_on="all" the quantile map is shared by the classes, so the class's prior is a
    # Gaussian with the class's mean and scale in that shared space: its body, not its tails.
    levels = [0.1, 0.25, 0.5, 0.75, 0.9] if fit_on == "minority" else [0.25, 0.5, 0.75]
    got, want = np.quantile(syn["amount"], levels), np.quantile(real["amount"], levels)
    assert np.all(np.abs(np.log(got) - np.log(want)) < 0.35), (got, want)


def test_wgan_gp_prior_is_part_of_the_saved_state():
    data = make_mixed(n=240, minority=60, missing=False)  # fit() directly: no imputation step
    table = gensample.TableSchema.infer(data, "Class").encode(data)
    gen = gensample.registry.get("wgan-gp")(steps=2, verbose=False, fit_on="minority", prior=True)
    gen.fit(table, [1], np.random.default_rng(0))
    model = gen.models_[1]["model"]
    config, arrays = gen._model_state(model)
    assert config["architecture"] == 3 and config["prior"] is True
    assert {"generator.prior.mean", "generator.prior.scale", "generator.prior.logits"} <= set(arrays)
    # A state from the first layout (no prior) is refused with a message that says what to do.
    old = {k: v for k, v in arrays.items() if ".prior." not in k}
    for layout in (1, 2):
        with pytest.raises(gensample.errors.ModelLoadError, match="fit it again"):
            gen._model_from_state({**config, "architecture": layout}, old)
