"""gensample.utils: the helpers modules share (JSON values, hashing, versions, atomic writes, seeds)."""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata

import numpy as np
import pandas as pd
import pytest

from gensample.errors import ExportError, ParameterError
from gensample.utils import atomic_write, check_seed, file_sha256, json_safe, json_scalar, package_versions


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.int64(7), 7), (np.float32(0.5), 0.5), (np.bool_(False), False), (float("nan"), None),
        (float("-inf"), None), (np.float64("inf"), None), (pd.NA, None), (pd.NaT, None), (None, None),
        ("a", "a"), (True, True), (pd.Timestamp("2024-01-02"), "2024-01-02 00:00:00"),
    ],
)
def test_json_scalar(value, expected):
    out = json_scalar(value)
    assert out == expected and type(out) is type(expected)


def test_json_safe_walks_containers_and_is_dumpable():
    value = {
        np.int64(1): np.arange(3), "t": (np.float32(1.5), float("nan")), "s": {np.int8(2)},
        "df": pd.DataFrame({"a": [1, 2], "b": ["x", None]}), "nested": [{"k": np.bool_(True)}],
    }
    out = json_safe(value)
    assert out == {
        "1": [0, 1, 2], "t": [1.5, None], "s": [2], "df": [{"a": 1, "b": "x"}, {"a": 2, "b": None}],
        "nested": [{"k": True}],
    }
    json.dumps(out, allow_nan=False)  # no default= hook needed, no NaN written


def test_json_safe_default_hook_renders_own_types():
    class Record:
        def to_dict(self):
            return {"x": 1}

    hook = lambda v: v.to_dict() if isinstance(v, Record) else NotImplemented  # noqa: E731
    assert json_safe({"r": [Record(), np.int16(4)]}, default=hook) == {"r": [{"x": 1}, 4]}


def test_file_sha256_matches_hashlib(tmp_path):
    data = np.random.default_rng(0).bytes(3 * (1 << 20) + 17)  # more than one read block
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
    assert file_sha256(str(path)) == file_sha256(path)


def test_package_versions():
    out = package_versions(["python", "numpy", "surely-not-an-installed-package"])
    assert list(out) == ["python", "numpy", "surely-not-an-installed-package"]
    assert out["python"] == platform.python_version()
    assert out["numpy"] == metadata.version("numpy") == np.__version__
    assert out["surely-not-an-installed-package"] is None


def test_atomic_write_refuses_existing_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.txt"
    atomic_write(path, lambda tmp: tmp.write_text("one"), overwrite=False)
    assert path.read_text() == "one"
    with pytest.raises(ExportError, match="already exists"):
        atomic_write(path, lambda tmp: tmp.write_text("two"), overwrite=False)
    assert path.read_text() == "one"
    atomic_write(path, lambda tmp: tmp.write_text("three"), overwrite=True)
    assert path.read_text() == "three"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_atomic_write_interrupted_writer_leaves_nothing(tmp_path):
    path = tmp_path / "out.csv"

    def broken(tmp):
        tmp.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, broken, overwrite=True)
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_os_error_becomes_export_error(tmp_path):
    with pytest.raises(ExportError, match="could not write"):
        atomic_write(tmp_path / "x.txt", lambda tmp: (_ for _ in ()).throw(PermissionError("denied")), overwrite=True)


@pytest.mark.parametrize("value", [0, 5, np.int64(3), 2**40])
def test_check_seed_accepts(value):
    out = check_seed(value)
    assert out == int(value) and type(out) is int


@pytest.mark.parametrize("value", [-1, 1.0, "1", True, np.bool_(True), np.random.default_rng(0)])
def test_check_seed_refuses_with_todays_message(value):
    with pytest.raises(ParameterError, match=r"^random_state must be None or a non-negative integer, got "):
        check_seed(value)


def test_check_seed_none_and_names():
    assert check_seed(None) is None
    with pytest.raises(ParameterError, match=r"^seed must be a non-negative integer, got None$"):
        check_seed(None, "seed", allow_none=False)
    with pytest.raises(ParameterError, match=r"^seed must be a non-negative integer, got -2$"):
        check_seed(-2, "seed", allow_none=False)
