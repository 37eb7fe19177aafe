"""Fitted generators: fit once, sample many times, save and load safely (and the CLI)."""

from __future__ import annotations

import json
import os
import pickle
import warnings

import pandas as pd
import pytest

import gensample
from gensample.cli import main
from gensample.errors import ExportError, ModelLoadError, ParameterError
from gensample.persistence import IntegrityWarning

from .conftest import Boom, make_mixed, make_numeric

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")

WGAN = {"steps": 20, "verbose": False}


def fit(data, target, method="wgan-gp", **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        defaults = WGAN if method == "wgan-gp" else {"steps": 3, "verbose": False}
        if method == "gaussian-copula":
            defaults = {"verbose": False, "default_distribution": "norm"}
        return gensample.fit_generator(data, target, method, random_state=0, **{**defaults, **params})


@pytest.fixture(scope="module")
def mixed():
    return make_mixed(n=240, minority=40)


@pytest.fixture(scope="module")
def wgan(mixed):
    return fit(mixed, "Class", min_rows=10)


# ---------------------------------------------------------------- sampling
def test_fitted_wgan_samples_exact_counts_in_the_input_dtypes(wgan, mixed):
    rows = wgan.sample(123, random_state=1)
    assert len(rows) == 123 and (rows["Class"] == "positive").all()
    assert (rows.dtypes == mixed.dtypes).all() and list(rows.columns) == list(mixed.columns)
    pd.testing.assert_frame_equal(rows, wgan.sample(123, random_state=1))
    assert not rows.equals(wgan.sample(123, random_state=2))
    assert wgan.method_used == {"positive": "wgan-gp"} and wgan.fallback == {"positive": None}
    assert len(wgan.sample(random_state=0)) == 160  # the plan: up to the majority's count


def test_sample_splits_n_across_classes_and_checks_labels():
    data = make_numeric(n=330, minority=40, classes=3)
    gen = fit(data, "label", min_rows=10)
    rows = gen.sample(101, random_state=0)
    assert len(rows) == 101 and set(rows["label"]) == {1, 2}
    assert rows["label"].value_counts().to_dict() in ({1: 51, 2: 50}, {1: 50, 2: 51})
    assert (gen.sample(7, label=2)["label"] == 2).all()
    assert gen.sample({1: 3, 2: 4}, random_state=0)["label"].value_counts().to_dict() == {1: 3, 2: 4}
    with pytest.raises(ParameterError, match="not fitted"):
        gen.sample(5, label=0)
    with pytest.raises(ParameterError, match="non-negative"):
        gen.sample(-1)


def test_fit_generator_refuses_methods_that_learn_nothing():
    with pytest.raises(ParameterError, match="sample_minority"):
        gensample.fit_generator(make_numeric(), "label", "smote")


# ---------------------------------------------------------------- save / load
def test_wgan_round_trip_is_tensors_only_and_samples_identically(wgan, mixed, tmp_path):
    folder = wgan.save(tmp_path / "wgan")
    names = sorted(os.listdir(folder))
    assert "model.pkl" not in names and {"model.json", "weights.safetensors", "arrays.safetensors"} <= set(names)
    card = json.loads((folder / "model.json").read_text())
    assert card["method"] == "wgan-gp" and card["params"]["steps"] == 20
    assert {c["name"] for c in card["schema"]["columns"]} == set(mixed.columns) - {"Class"}
    assert {t["label"]: t["rows"] for t in card["trained_on"]} == {"negative": 200, "positive": 40}
    assert card["versions"]["torch"] and card["created"] and "sha256" in card["files"]["weights.safetensors"]
    assert card["classes"][0]["method_used"] == "wgan-gp" and card["classes"][0]["fallback"] is None
    loaded = gensample.load_generator(folder)  # no trust needed: nothing is unpickled
    pd.testing.assert_frame_equal(loaded.sample(80, random_state=5), wgan.sample(80, random_state=5))
    with pytest.raises(ExportError, match="overwrite"):
        wgan.save(folder)
    wgan.save(folder, overwrite=True)


@pytest.mark.parametrize("method", ["ctgan", "gaussian-copula"])
def test_pickled_methods_need_trust_and_round_trip_with_it(method, tmp_path):
    data = make_numeric(n=300, minority=60)
    gen = fit(data, "label", method, min_rows=10)
    folder = gen.save(tmp_path / method)
    with pytest.raises(ModelLoadError, match="trust=True"):
        gensample.load_generator(folder)
    loaded = gensample.load_generator(folder, trust=True, sha256=folder.sha256)
    pd.testing.assert_frame_equal(loaded.sample(50, random_state=3), gen.sample(50, random_state=3))


def test_fallback_classes_are_recorded_saved_and_reloaded(tmp_path):
    data = make_mixed(n=240, minority=8)
    gen = fit(data, "Class")
    assert gen.method_used == {"positive": "smote"}
    assert "8 rows, fewer than the 10" in gen.fallback["positive"]
    assert "fallback" in gen.summary()
    folder = gen.save(tmp_path / "fb")
    card = json.loads((folder / "model.json").read_text())
    assert card["contains_real_rows"] and card["classes"][0]["method_used"] == "smote"
    loaded = gensample.load_generator(folder)
    rows = loaded.sample(40, random_state=0)
    pd.testing.assert_frame_equal(rows, gen.sample(40, random_state=0))
    assert (rows.dtypes == data.dtypes).all() and len(rows) == 40


def test_crafted_malicious_pickle_never_runs(tmp_path):
    data = make_numeric(n=300, minority=60)
    folder = saved = fit(data, "label", "gaussian-copula", min_rows=10).save(tmp_path / "gc")
    marker = tmp_path / "PWNED"
    (folder / "model.pkl").write_bytes(pickle.dumps({"1": Boom(marker)}))
    # Without trust: refused before reading the file.
    with pytest.raises(ModelLoadError, match="trust"):
        gensample.load_generator(folder)
    # With trust: the SHA-256 written at save time no longer matches.
    with pytest.raises(ModelLoadError, match="SHA-256"), pytest.warns(IntegrityWarning):
        gensample.load_generator(folder, trust=True)
    assert not marker.exists()
    # An attacker who also rewrites the checksum still cannot get past trust=False.
    card = json.loads((folder / "model.json").read_text())
    import hashlib

    card["files"]["model.pkl"]["sha256"] = hashlib.sha256((folder / "model.pkl").read_bytes()).hexdigest()
    (folder / "model.json").write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match="trust"):
        gensample.load_generator(folder)
    # ... nor past the digest save() returned (tests/test_model_integrity.py has the full case).
    with pytest.raises(ModelLoadError, match="not the model"):
        gensample.load_generator(folder, trust=True, sha256=saved.sha256)
    assert not marker.exists()


def test_pickle_slipped_into_a_tensor_only_folder_is_refused(wgan, tmp_path):
    folder = wgan.save(tmp_path / "w")
    marker = tmp_path / "PWNED"
    (folder / "model.pkl").write_bytes(pickle.dumps(Boom(marker)))
    loaded = gensample.load_generator(folder)  # not listed in the card: never opened
    assert len(loaded.sample(5)) == 5 and not marker.exists()
    card = json.loads((folder / "model.json").read_text())
    card["files"]["model.pkl"] = {"format": "pickle", "sha256": "0" * 64}
    (folder / "model.json").write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match="trust"):
        gensample.load_generator(folder)
    assert not marker.exists()


def test_tampered_weights_and_broken_folders_give_clear_errors(wgan, tmp_path):
    folder = wgan.save(tmp_path / "t")
    blob = bytearray((folder / "weights.safetensors").read_bytes())
    blob[-1] ^= 0xFF
    (folder / "weights.safetensors").write_bytes(bytes(blob))
    with pytest.raises(ModelLoadError, match="SHA-256"):
        gensample.load_generator(folder)
    with pytest.raises(ModelLoadError, match="model.json"):
        gensample.load_generator(tmp_path / "nowhere")
    (folder / "model.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match="JSON"):
        gensample.load_generator(folder)


# ---------------------------------------------------------------- CLI
def test_cli_fit_then_generate(tmp_path, capsys):
    data = make_mixed(n=240, minority=40, missing=False)
    src = tmp_path / "data.csv"
    data.to_csv(src, index=False)
    folder = tmp_path / "models" / "m"
    code = main(["fit", str(src), "--target", "Class", "--method", "wgan-gp", "--param", "steps=15",
                 "--param", "min_rows=10", "--seed", "0", "--quiet", "--out", str(folder)])
    out = capsys.readouterr().out
    assert code == 0 and "class 'positive': wgan-gp" in out and (folder / "model.json").exists()
    rows_path = tmp_path / "rows.csv"
    code = main(["generate", str(folder), "--n", "30", "--seed", "1", "--out", str(rows_path)])
    out = capsys.readouterr().out
    assert code == 0 and "30 synthetic rows" in out
    rows = pd.read_csv(rows_path)
    assert len(rows) == 30 and set(rows["Class"]) == {"positive"}
    prov = json.loads(open(str(rows_path) + ".provenance.json").read())
    assert prov["method_used"] == {"positive": "wgan-gp"} and prov["fallback"] == {"positive": None}
    assert main(["generate", str(folder), "--n", "30", "--out", str(rows_path)]) == 2  # exists, no --force
    assert "already exists" in capsys.readouterr().err


def test_cli_generate_refuses_pickles_without_trust(tmp_path, capsys):
    data = make_numeric(n=300, minority=60)
    folder = fit(data, "label", "gaussian-copula", min_rows=10).save(tmp_path / "gc")
    out = tmp_path / "rows.csv"
    assert main(["generate", str(folder), "--n", "10", "--out", str(out)]) == 2
    assert "--trust" in capsys.readouterr().err and not out.exists()
    assert main(["generate", str(folder), "--n", "10", "--out", str(out), "--trust", "--sha256", folder.sha256]) == 0
    assert len(pd.read_csv(out)) == 10


def test_cli_fit_prints_the_fallback(tmp_path, capsys):
    data = make_numeric(n=300, minority=8)
    src = tmp_path / "d.csv"
    data.to_csv(src, index=False)
    code = main(["fit", str(src), "--target", "label", "--param", "steps=5", "--quiet", "--out", str(tmp_path / "m")])
    out = capsys.readouterr().out
    assert code == 0 and "class 1: smote (fallback: class 1 has 8 rows" in out


def test_load_generator_device_choice(wgan, tmp_path):
    folder = wgan.save(tmp_path / "w")
    loaded = gensample.load_generator(folder, device="cpu")
    pd.testing.assert_frame_equal(loaded.sample(30, random_state=2), wgan.sample(30, random_state=2))
    with pytest.raises(ParameterError, match="device"):
        gensample.load_generator(folder, device="tpu")
    card = json.loads((folder / "model.json").read_text())
    card["params"]["device"] = "cuda"  # trained on a GPU box
    (folder / "model.json").write_text(json.dumps(card))
    if not torch.cuda.is_available():
        with pytest.raises(ParameterError, match="cuda"):
            gensample.load_generator(folder, device="cuda")
    # Without a device asked, a GPU-trained generator loads onto the CPU where there is no GPU.
    moved = gensample.load_generator(folder)
    pd.testing.assert_frame_equal(moved.sample(30, random_state=2), wgan.sample(30, random_state=2))
