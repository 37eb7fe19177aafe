"""Saved generators are tamper-evident, saved atomically, and their cards are checked field by field.

Issue 14, item 3. Tiny models only (wgan-gp: 5 steps, 16 wide; arf: 5 trees; gaussian-copula
for the pickle case); the kill -9 tests run a subprocess that pauses mid-save
(``GENSAMPLE_TEST_SLOW_SAVE``) and kill it there.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gensample
from gensample import atomic
from gensample.cli import main
from gensample.errors import ExportError, ModelLoadError, ParameterError
from gensample.persistence import IntegrityWarning

from .conftest import Boom, make_mixed, make_numeric

pytest.importorskip("torch")
pytest.importorskip("safetensors")

ROOT = Path(__file__).resolve().parents[1]
WGAN = {"steps": 5, "hidden": 16, "z_dim": 4, "verbose": False, "min_rows": 10}


def fit(data, target, method, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gensample.fit_generator(data, target, method, random_state=0, **params)


def sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def mixed():
    return make_mixed(n=120, minority=30)


@pytest.fixture(scope="module")
def wgan(mixed):
    return fit(mixed, "Class", "wgan-gp", **WGAN)


@pytest.fixture(scope="module")
def wgan_folder(wgan, tmp_path_factory):
    return wgan.save(tmp_path_factory.mktemp("saved") / "wgan")


@pytest.fixture(scope="module")
def gc_folder(tmp_path_factory):
    gen = fit(make_numeric(n=100, minority=30), "label", "gaussian-copula", verbose=False, min_rows=10,
              default_distribution="norm")
    return gen.save(tmp_path_factory.mktemp("saved") / "gc")


def copy(folder, tmp_path, name="m") -> Path:
    return Path(shutil.copytree(folder, tmp_path / name))


def edit_card(folder: Path, change) -> None:
    card = json.loads((folder / "model.json").read_text())
    change(card)
    (folder / "model.json").write_text(json.dumps(card))


# ---------------------------------------------------------------- the digest save() returns
def test_save_returns_the_sha256_of_model_json_and_load_checks_it(wgan, wgan_folder, tmp_path):
    assert isinstance(wgan_folder, Path) and wgan_folder.sha256 == sha(wgan_folder / "model.json")
    card = json.loads((wgan_folder / "model.json").read_text())
    for name, meta in card["files"].items():  # the card lists every other file's digest
        assert meta["sha256"] == sha(wgan_folder / name)
    assert sorted(os.listdir(wgan_folder)) == sorted([*card["files"], "model.json"])
    loaded = gensample.load_generator(wgan_folder, sha256=wgan_folder.sha256.upper())  # case-insensitive
    assert loaded.sha256 == wgan_folder.sha256
    pd.testing.assert_frame_equal(loaded.sample(20, random_state=1), wgan.sample(20, random_state=1))
    with pytest.raises(ModelLoadError, match="not the .* you gave"):
        gensample.load_generator(wgan_folder, sha256="0" * 64)
    for bad in ("abc", 123, b"0" * 64, "g" * 64):
        with pytest.raises(ParameterError, match="sha256"):
            gensample.load_generator(wgan_folder, sha256=bad)


def test_tampered_pickle_with_a_rewritten_card_is_refused_by_the_saved_digest(gc_folder, tmp_path, capsys):
    folder = copy(gc_folder, tmp_path)
    marker = tmp_path / "PWNED"
    (folder / "model.pkl").write_bytes(pickle.dumps({"1": Boom(marker)}))
    # The attacker also rewrites the digest inside the folder, so the card agrees with the pickle.
    edit_card(folder, lambda c: c["files"]["model.pkl"].update(sha256=sha(folder / "model.pkl")))
    with pytest.raises(ModelLoadError, match="not the model"):
        gensample.load_generator(folder, trust=True, sha256=gc_folder.sha256)
    assert not marker.exists()
    out = tmp_path / "rows.csv"
    code = main(["generate", str(folder), "--n", "5", "--out", str(out), "--trust", "--sha256", gc_folder.sha256])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and "SHA-256" in err
    assert not marker.exists() and not out.exists()


def test_a_pickle_loaded_without_a_digest_says_the_folder_cannot_vouch_for_itself(gc_folder, capsys, tmp_path):
    with pytest.warns(IntegrityWarning, match="only detect accidental corruption, not tampering"):
        gensample.load_generator(gc_folder, trust=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", IntegrityWarning)  # with the digest: no warning
        gensample.load_generator(gc_folder, trust=True, sha256=gc_folder.sha256)
    assert main(["generate", str(gc_folder), "--n", "5", "--out", str(tmp_path / "a.csv"), "--trust"]) == 0
    assert "not tampering" in capsys.readouterr().err
    assert main(["generate", str(gc_folder), "--n", "5", "--out", str(tmp_path / "b.csv"), "--trust",
                 "--sha256", gc_folder.sha256]) == 0
    assert "tampering" not in capsys.readouterr().err


def test_a_damaged_file_names_the_file_without_claiming_tampering(wgan_folder, tmp_path):
    folder = copy(wgan_folder, tmp_path)
    blob = bytearray((folder / "weights.safetensors").read_bytes())
    blob[-1] ^= 0xFF
    (folder / "weights.safetensors").write_bytes(bytes(blob))
    with pytest.raises(ModelLoadError, match="weights.safetensors does not match .* damaged or changed after saving"):
        gensample.load_generator(folder)


def test_weights_rewritten_with_other_shapes_are_refused_by_name_not_by_torch(wgan_folder, tmp_path):
    from safetensors.numpy import load_file, save_file

    folder = copy(wgan_folder, tmp_path)
    tensors = load_file(str(folder / "weights.safetensors"))
    # 128-wide weights under a card that says hidden 16, digests made consistent by the attacker.
    wide = {k: (np.zeros((128,) + v.shape[1:], np.float32) if k.endswith("fc1.weight") else v) for k, v in tensors.items()}
    save_file(wide, str(folder / "weights.safetensors"))
    edit_card(folder, lambda c: c["files"]["weights.safetensors"].update(sha256=sha(folder / "weights.safetensors")))
    with pytest.raises(ModelLoadError, match=r"fc1.weight.* \(128, 26\).*models\[0\].config makes \(16, 26\)"):
        gensample.load_generator(folder)


# ---------------------------------------------------------------- every field of model.json
def _set(path, value):
    """A card change: set the field at ``path`` (keys and list indices) to ``value``."""
    def change(card):
        node = card
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value(node[path[-1]]) if callable(value) else value
    return change


def _delete(path):
    def change(card):
        node = card
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return change


COL = ("schema", "columns")
# (id, change, expected message or None for a documented success)
CARD_CASES = [
    ("format", _set(("format",), "other"), "not a gensample generator card"),
    ("format_version", _set(("format_version",), 2), "format version 2"),
    ("method-unknown", _set(("method",), "nope"), "field method"),
    ("method-smote", _set(("method",), "smote"), "fits no model"),
    ("method-pickling", _set(("method",), "ctgan"), r"classes\[0\].method_used"),
    ("pickling-files", lambda c: (_set(("method",), "ctgan")(c), _set(("classes", 0, "method_used"), "ctgan")(c)),
     "ctgan never writes"),
    ("params-steps", _set(("params", "steps"), -1), "field params: .*steps"),
    ("params-unknown", _set(("params", "bogus"), 1), "field params: .*bogus"),
    ("params-device", _set(("params", "device"), "tpu"), "params.device"),
    ("params-hidden", _set(("params", "hidden"), 64), "params.hidden is 64"),
    ("config-hidden", _set(("models", 0, "config", "hidden"), 128), r"fc1.weight.*\(16, 26\).*makes \(128, 26\)"),
    ("config-z_dim", _set(("models", 0, "config", "z_dim"), 9), "fc1.weight"),
    ("config-width", _set(("models", 0, "config", "width"), 99), "config.width"),
    ("config-architecture", _set(("models", 0, "config", "architecture"), 1), "network layout 1"),
    ("fit_on", _set(("fit_on",), "all"), "field fit_on"),
    ("min_rows", _set(("min_rows",), 3), "field min_rows"),
    ("random_state", _set(("random_state",), -1), "field random_state"),
    ("rows_planned", _set(("classes", 0, "rows_planned"), -5), r"classes\[0\].rows_planned"),
    ("class-code", _set(("classes", 0, "code"), 7), r"classes\[0\].code"),
    ("class-label", _set(("classes", 0, "label"), "other"), r"classes\[0\].label"),
    ("method_used", _set(("classes", 0, "method_used"), "nope"), r"classes\[0\].method_used"),
    ("fallback-text", _set(("classes", 0, "fallback"), "why"), r"classes\[0\].fallback"),
    ("no-classes", _set(("classes",), []), "field classes"),
    ("trained_on-rows", _set(("trained_on", 0, "rows"), 5), r"trained_on\[0\].rows"),
    ("trained_on-label", _set(("trained_on", 1, "label"), "x"), r"trained_on\[1\].label"),
    ("target-counts", _set(("schema", "target", "counts"), [1, 2]), r"trained_on\[0\].rows"),
    ("target-labels", _set(("schema", "target", "labels"), ["a", "a"]), "target.labels repeats"),
    ("target-dtype", _set(("schema", "target", "dtype", "name"), "int64"), r"target.labels\[0\]"),
    ("float-as-datetime", _set(COL + (0, "dtype", "name"), "datetime64[ns]"), r"columns\[0\].dtype"),
    ("kind-datetime", _set(COL + (0, "kind"), "datetime"), r"columns\[0\].dtype"),
    ("kind-unknown", _set(COL + (0, "kind"), "weird"), r"columns\[0\].kind"),
    ("dtype-unknown", _set(COL + (0, "dtype", "name"), "nonsense"), r"columns\[0\].dtype.name"),
    ("int-min-nan-like", _set(COL + (2, "minimum"), None), r"columns\[2\].minimum"),
    ("int-min-huge", _set(COL + (2, "minimum"), -1e30), r"columns\[2\].minimum"),
    ("int-min-fraction", _set(COL + (2, "minimum"), 1.5), r"columns\[2\].minimum"),
    ("min-above-max", _set(COL + (0, "minimum"), 1e9), r"columns\[0\].minimum"),
    ("int-dtype-int8", lambda c: (_set(COL + (2, "dtype", "name"), "int8")(c), _set(COL + (2, "minimum"), -1e3)(c)),
     r"columns\[2\].minimum"),
    ("bool-max", _set(COL + (4, "maximum"), 5.0), r"columns\[4\].minimum"),
    ("missing_rate", _set(COL + (0, "missing_rate"), 2), r"columns\[0\].missing_rate"),
    ("missing-in-numpy-int", _set(COL + (2, "missing_rate"), 0.5), r"columns\[2\].missing_rate"),
    ("na_value", _set(COL + (0, "na_value"), "zero"), r"columns\[0\].na_value"),
    ("categories-empty", _set(COL + (7, "categories"), []), r"columns\[7\].categories"),
    ("categories-fewer", _set(COL + (7, "categories"), ["blue", "green"]), r"models\[0\].layout.discrete"),
    ("category-not-in-dtype", _set(COL + (6, "categories"), ["x", "y", "w"]), r"columns\[6\].categories\[2\]"),
    ("category-dtype-emptied", _set(COL + (6, "dtype", "categories"), []), r"columns\[6\].categories\[0\]"),
    ("category-repeated", _set(COL + (8, "categories"), ["p", "p"]), r"columns\[8\].categories repeats"),
    ("string-category-number", _set(COL + (8, "categories"), ["p", 3]), r"columns\[8\].categories\[1\]"),
    ("datetime-max", _set(COL + (9, "maximum"), 1e9), r"columns\[9\].maximum"),
    ("datetime-resolution", _set(COL + (9, "resolution"), "week"), r"columns\[9\].resolution"),
    ("column-renamed", _set(COL + (0, "name"), "renamed"), "schema.order"),
    ("column-dropped", lambda c: c["schema"]["columns"].pop(0), "schema.order"),
    ("column-extra-field", _set(COL + (0, "extra"), 1), r"columns\[0\].extra"),
    ("order", _set(("schema", "order"), ["Class"]), "schema.order"),
    ("layout-n_numeric", _set(("models", 0, "layout", "n_numeric"), 8), "n_numeric"),
    ("layout-continuous", _set(("models", 0, "layout", "continuous"), [0, 1]), "model each numeric column once"),
    ("layout-cat-code", _set(("models", 0, "layout", "discrete", 3, 2), [0, 1, 9]), r"discrete\[3\]\[2\]"),
    ("layout-int-value", _set(("models", 0, "layout", "discrete", 0, 2), [-50.0, 1.0]), "outside column"),
    ("model-key", _set(("models", 0, "key"), 0), r"models\[0\].key"),
    ("model-conditional", _set(("models", 0, "conditional"), "yes"), r"models\[0\].conditional"),
    ("no-models", _set(("models",), []), "field models"),
    ("files-extra", _set(("files", "evil.bin"), {"format": "pickle", "sha256": "0" * 64}), "unexpected file"),
    ("files-pickle", _set(("files", "model.pkl"), {"format": "pickle", "sha256": "0" * 64}), "never writes"),
    ("files-digest", _set(("files", "weights.safetensors", "sha256"), "0" * 64), "does not match"),
    ("files-digest-format", _set(("files", "weights.safetensors", "sha256"), "xyz"), "64 lowercase"),
    ("files-no-weights", _delete(("files", "weights.safetensors")), "does not list weights"),
    ("files-no-arrays", _delete(("files", "arrays.safetensors")), "does not list arrays.safetensors"),
    ("missing-patterns-dropped", _set(("missing_patterns",), []), "missing_patterns does not list"),
    ("missing-patterns-code", _set(("missing_patterns",), [0]), r"missing_patterns\[0\]"),
    ("contains_real_rows", _set(("contains_real_rows",), True), "field contains_real_rows"),
    ("unknown-top-field", _set(("extra",), 1), "field extra"),
    ("schema-missing", _delete(("schema",)), "field schema"),
    ("versions-type", _set(("versions",), ["torch"]), "field versions"),
    ("created-type", _set(("created",), 5), "field created"),
    # Descriptive fields: reported back, never used to make rows (documented successes).
    ("fidelity", _set(("fidelity",), {"verdict": "edited"}), None),
    ("created", _set(("created",), "2001-01-01T00:00:00+00:00"), None),
    ("versions", _set(("versions", "torch"), "0.0"), None),
    ("info", _set(("models", 0, "info"), {"edited": True}), None),
    # A consistent rename of an object column's values: every field agrees, so only the digest can tell.
    ("category-renamed", _set(COL + (7, "categories"), ["azure", "green", "red"]), None),
]


@pytest.mark.parametrize("case, change, expected", CARD_CASES, ids=[c[0] for c in CARD_CASES])
def test_every_field_of_model_json_altered(case, change, expected, wgan_folder, tmp_path):
    folder = copy(wgan_folder, tmp_path)
    edit_card(folder, change)
    if case == "files-no-arrays":
        (folder / "arrays.safetensors").unlink()
    if expected is None:
        loaded = gensample.load_generator(folder)
        rows = loaded.sample(40, random_state=0)
        assert len(rows) == 40 and (rows.dtypes == gensample.load_generator(wgan_folder).sample(1).dtypes).all()
        if case == "category-renamed":
            assert set(rows["text"].dropna()) <= {"azure", "green", "red"}
    else:
        with pytest.raises(ModelLoadError, match=expected):
            gensample.load_generator(folder)
    # With the digest save() returned, every change is refused before the card is even parsed.
    with pytest.raises(ModelLoadError, match="not the model that was saved"):
        gensample.load_generator(folder, sha256=wgan_folder.sha256)


def test_card_edits_never_yield_silent_datetimes_int64_min_or_empty_columns(wgan_folder, tmp_path):
    # The issue's three silent corruptions, each through a field a user might edit.
    for change in (_set(COL + (0, "dtype", "name"), "datetime64[ns]"), _set(COL + (2, "minimum"), float("nan")),
                   _set(COL + (6, "categories"), ["no", "such", "values"])):
        folder = copy(wgan_folder, tmp_path, name=f"m{time.monotonic_ns()}")
        card = json.loads((folder / "model.json").read_text())
        change(card)
        (folder / "model.json").write_text(json.dumps(card))  # json writes NaN, which save() never does
        with pytest.raises(ModelLoadError):
            gensample.load_generator(folder)


def test_broken_arrays_are_refused_by_name(wgan_folder, tmp_path):
    from safetensors.numpy import save_file

    folder = copy(wgan_folder, tmp_path)
    save_file({"missing/1": np.ones((30, 3), np.uint8)}, str(folder / "arrays.safetensors"))
    edit_card(folder, lambda c: c["files"]["arrays.safetensors"].update(sha256=sha(folder / "arrays.safetensors")))
    with pytest.raises(ModelLoadError, match=r"'missing/1' is \(30, 3\)"):
        gensample.load_generator(folder)
    (folder / "arrays.safetensors").write_bytes(b"not safetensors")
    edit_card(folder, lambda c: c["files"]["arrays.safetensors"].update(sha256=sha(folder / "arrays.safetensors")))
    with pytest.raises(ModelLoadError, match="not a readable safetensors"):
        gensample.load_generator(folder)


def test_card_checks_accept_every_layout_the_methods_write(tmp_path):
    # fit_on="all" (a conditional model of three classes), the wgan-gp prior, arf: the
    # expected tensor shapes must be the real ones, or a genuine model would be refused.
    data = make_numeric(n=150, minority=30, classes=3)
    for method, params in (("wgan-gp", {"steps": 3, "hidden": 8, "z_dim": 2, "prior": True, "fit_on": "all"}),
                           ("arf", {"n_trees": 5, "fit_on": "all"}), ("arf", {"n_trees": 5}),
                           ("forest-flow", {"n_t": 2, "max_iter": 3, "duplicate_k": 2, "fit_on": "all"}),
                           ("forest-flow", {"n_t": 2, "max_iter": 3, "duplicate_k": 2})):
        gen = fit(data, "label", method, verbose=False, min_rows=10, **params)
        folder = gen.save(tmp_path / f"{method}-{params['fit_on'] if 'fit_on' in params else 'minority'}")
        loaded = gensample.load_generator(folder, sha256=folder.sha256)
        pd.testing.assert_frame_equal(loaded.sample(30, random_state=4), gen.sample(30, random_state=4))


def test_fallback_classes_card_fields_are_checked(tmp_path):
    gen = fit(make_mixed(n=120, minority=8), "Class", "wgan-gp", **{**WGAN, "min_rows": None})
    folder = gen.save(tmp_path / "fb")
    assert gensample.load_generator(folder, sha256=folder.sha256).method_used == {"positive": "smote"}
    for change, expected in ((_set(("classes", 0, "fallback"), None), "must say why"),
                             (_set(("classes", 0, "method_used"), "wgan-gp"), "fallback must be null"),
                             (_set(("contains_real_rows",), False), "contains_real_rows")):
        bad = copy(folder, tmp_path, name=f"b{time.monotonic_ns()}")
        edit_card(bad, change)
        with pytest.raises(ModelLoadError, match=expected):
            gensample.load_generator(bad)


# ---------------------------------------------------------------- atomic save
def test_overwrite_replaces_the_model_whole_and_leaves_nothing_beside_it(wgan, mixed, tmp_path):
    target = tmp_path / "m"
    first = wgan.save(target)
    other = fit(mixed, "Class", "wgan-gp", **{**WGAN, "steps": 3})
    second = other.save(target, overwrite=True)
    assert second.sha256 != first.sha256 and sha(target / "model.json") == second.sha256
    assert os.listdir(tmp_path) == ["m"]  # no temporary or old folder left
    pd.testing.assert_frame_equal(gensample.load_generator(target, sha256=second.sha256).sample(10, random_state=0),
                                  other.sample(10, random_state=0))
    with pytest.raises(ExportError, match="overwrite"):
        wgan.save(target)


def test_overwrite_without_an_atomic_exchange_moves_the_old_model_aside_then_removes_it(wgan, mixed, tmp_path,
                                                                                        monkeypatch):
    target = tmp_path / "m"
    wgan.save(target)
    monkeypatch.setattr(atomic, "exchange_paths", lambda a, b: False)  # a system without renameat2
    other = fit(mixed, "Class", "wgan-gp", **{**WGAN, "steps": 3})
    second = other.save(target, overwrite=True)
    assert os.listdir(tmp_path) == ["m"] and sha(target / "model.json") == second.sha256
    real_rename = os.rename

    def failing_rename(src, dst):  # the new folder cannot be put in place: the old one goes back
        if str(src).endswith(".tmp"):
            raise OSError(5, "Input/output error")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", failing_rename)
    with pytest.raises(ExportError, match="Input/output error"):
        wgan.save(target, overwrite=True)
    assert os.listdir(tmp_path) == ["m"] and sha(target / "model.json") == second.sha256


def test_a_failed_save_keeps_the_old_model_and_cleans_up(wgan, tmp_path, monkeypatch):
    target = tmp_path / "m"
    first = wgan.save(target)
    import safetensors.numpy

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safetensors.numpy, "save_file", broken)
    with pytest.raises(ExportError, match="No space left"):
        wgan.save(target, overwrite=True)
    with pytest.raises(ExportError, match="No space left"):
        wgan.save(tmp_path / "new")
    assert sorted(os.listdir(tmp_path)) == ["m"] and sha(target / "model.json") == first.sha256
    gensample.load_generator(target, sha256=first.sha256)


def _wait_for_temp(parent: Path, name: str, proc, what: str, timeout: float = 120.0) -> Path:
    """The temporary folder a save into ``parent/name`` is writing, once its weights are there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in parent.glob(f".{name}.*.tmp") if (p / "weights.safetensors").exists()]
        if found:
            return found[0]
        if proc.poll() is not None:
            pytest.fail(f"{what} ended before its save was seen: {proc.communicate()}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"{what} never started writing its temporary folder")


def _env() -> dict:
    env = dict(os.environ, GENSAMPLE_TEST_SLOW_SAVE="60", PYTHONPATH=str(ROOT))
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def test_kill_9_during_save_leaves_the_old_model_loadable(tmp_path):
    gen = fit(make_numeric(n=120, minority=30), "label", "arf", n_trees=5, verbose=False, min_rows=10)
    target = tmp_path / "m"
    old = gen.save(target)
    gen.random_state = 99  # a different card, so the new model is told apart from the old
    (tmp_path / "gen.pkl").write_bytes(pickle.dumps(gen))
    script = ("import pickle, sys; gen = pickle.load(open(sys.argv[1], 'rb')); "
              "gen.save(sys.argv[2], overwrite=True)")
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "gen.pkl"), str(target)], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tmp = _wait_for_temp(tmp_path, "m", proc, "save()")
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert not (tmp / "model.json").exists()  # killed half-way through its files
    assert sha(target / "model.json") == old.sha256 and sorted(os.listdir(target)) == sorted(os.listdir(old))
    gensample.load_generator(target, sha256=old.sha256).sample(5)
    # The next save removes what the killed one left (its process is gone).
    newer = gen.save(target, overwrite=True)
    assert sorted(os.listdir(tmp_path)) == ["gen.pkl", "m"]
    assert gensample.load_generator(target, sha256=newer.sha256).random_state == 99


def test_kill_9_during_cli_fit_leaves_no_folder_at_the_target(tmp_path, capsys):
    src = tmp_path / "d.csv"
    make_numeric(n=120, minority=30).to_csv(src, index=False)
    out = tmp_path / "models" / "m"
    cmd = [sys.executable, "-m", "gensample", "fit", str(src), "--target", "label", "--method", "arf",
           "--param", "n_trees=5", "--param", "min_rows=10", "--quiet", "--out", str(out)]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    _wait_for_temp(out.parent, "m", proc, "gensample fit")
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert not out.exists()
    # The same command, uninterrupted, prints the digest that generate --sha256 takes.
    assert main(cmd[3:]) == 0
    printed = capsys.readouterr().out
    digest = sha(out / "model.json")
    assert f"model SHA-256: {digest}" in printed and f"--sha256 {digest}" in printed
    assert sorted(os.listdir(out.parent)) == ["m"]
    assert main(["generate", str(out), "--n", "5", "--out", str(tmp_path / "r.csv"), "--sha256", digest]) == 0
    assert main(["generate", str(out), "--n", "5", "--out", str(tmp_path / "s.csv"), "--sha256", "f" * 64]) == 2
    assert main(["generate", str(out), "--n", "5", "--out", str(tmp_path / "s.csv"), "--sha256", "short"]) == 2
    err = capsys.readouterr().err
    assert "not the" in err and "--sha256 must be" in err


def test_an_interrupted_swap_names_where_the_previous_model_is(wgan_folder, tmp_path):
    moved = tmp_path / f".m.{2**22 + 12345}-abc{atomic.FOLDER_OLD}"
    shutil.copytree(wgan_folder, moved)
    with pytest.raises(ModelLoadError, match="left the previous model in .*abc.old"):
        gensample.load_generator(tmp_path / "m")
