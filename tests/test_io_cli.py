"""Export, reading, provenance, bad inputs with their errors, the CLI and the plugin registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gensample as gs
from gensample import errors, registry
from gensample.cli import main

from .conftest import make_mixed, make_numeric


# ---------------------------------------------------------------------------- export
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_same_seed_gives_identical_export_bytes(tmp_path, mixed, suffix):
    a = gs.export(gs.sample_minority(mixed, "Class", random_state=3), tmp_path / f"a{suffix}")
    b = gs.export(gs.sample_minority(mixed, "Class", random_state=3), tmp_path / f"b{suffix}")
    assert a.read_bytes() == b.read_bytes()


def test_export_refuses_existing_file_unless_overwrite(tmp_path, numeric):
    result = gs.sample_minority(numeric, "label", random_state=0)
    path = tmp_path / "out.csv"
    path.write_text("precious")
    with pytest.raises(errors.ExportError, match="already exists"):
        gs.export(result, path)
    assert path.read_text() == "precious"
    gs.export(result, path, overwrite=True)
    assert path.read_text() != "precious"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_interrupted_export_leaves_no_partial_file(tmp_path, numeric, monkeypatch):
    result = gs.sample_minority(numeric, "label", random_state=0)
    path = tmp_path / "out.csv"
    calls = {"n": 0}
    real_to_csv = pd.DataFrame.to_csv

    def dying_to_csv(self, *args, **kwargs):  # first chunk written, then the "crash"
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_to_csv(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", dying_to_csv)
    with pytest.raises(KeyboardInterrupt):
        gs.export(result, path)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone too


def test_interrupted_overwrite_keeps_old_file(tmp_path, numeric, monkeypatch):
    result = gs.sample_minority(numeric, "label", random_state=0)
    path = tmp_path / "out.parquet"
    path.write_bytes(b"old")
    monkeypatch.setattr(pd.DataFrame, "to_parquet", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(errors.ExportError, match="disk full"):
        gs.export(result, path, overwrite=True)
    assert path.read_bytes() == b"old"


def test_flag_synthetic_and_provenance(tmp_path, mixed):
    mixed.attrs = {}
    src = tmp_path / "in.csv"
    mixed.to_csv(src, index=False)
    data = gs.read_table(src)
    result = gs.sample_minority(data, "Class", random_state=5, k_neighbors=3)
    out = gs.export(result, tmp_path / "aug.csv", flag_synthetic=True)
    frame = pd.read_csv(out)
    assert frame["is_synthetic"].dtype == bool
    assert frame["is_synthetic"].sum() == len(result.synthetic)
    assert not frame["is_synthetic"].iloc[: len(data)].any()
    prov = json.loads(Path(str(out) + ".provenance.json").read_text())
    assert prov["input"]["path"] == str(src.resolve())
    assert prov["input"]["sha256"] == gs.io.file_sha256(src)
    assert prov["method"] == "smote" and prov["method_used"] == "smote" and prov["fallback"] is None
    assert prov["params"] == {"k_neighbors": 3, "categorical_rule": "endpoint"}
    assert prov["random_state"] == 5
    assert {c["label"]: c["after"] for c in prov["counts"]} == {"negative": 210, "positive": 210}
    assert prov["versions"]["gensample"] and prov["versions"]["pandas"]
    assert prov["output"]["sha256"] == gs.io.file_sha256(out)
    assert "created" in prov and prov["seconds"] >= 0


def test_csv_round_trip_keeps_dtypes(tmp_path):
    df = make_mixed(missing=True)
    df["code"] = ["00%d" % (i % 3) for i in range(len(df))]  # text that looks like numbers
    result = gs.sample_minority(df, "Class", random_state=0)
    out = gs.export(result, tmp_path / "aug.csv")
    back = gs.read_table(out)
    for col in ["f64", "i64", "flag", "text", "code", "nullable_int", "nullable_flag", "cat", "when", "Class"]:
        assert back[col].dtype == df[col].dtype, col
    pd.testing.assert_frame_equal(back.iloc[: len(df)].drop(columns=["f32", "string"]), df.drop(columns=["f32", "string"]), check_exact=False)
    # plain read_csv (no provenance) still gets int, bool, float and text right
    plain = pd.read_csv(out)
    assert plain["i64"].dtype == np.int64 and plain["flag"].dtype == bool
    assert plain["f64"].dtype == np.float64 and plain["text"].dtype == object


def test_parquet_round_trip_is_exact(tmp_path, mixed):
    result = gs.sample_minority(mixed, "Class", random_state=0)
    out = gs.export(result, tmp_path / "aug.parquet")
    back = gs.read_table(out)
    pd.testing.assert_frame_equal(back, result.augmented)


# ---------------------------------------------------------------------------- bad input
BAD_INPUTS = [
    (lambda d: gs.sample_minority(d.to_numpy(), "Class"), errors.InputError, "DataFrame"),
    (lambda d: gs.sample_minority(d, "Klass"), errors.InputError, "'Klass' is not in the data"),
    (lambda d: gs.sample_minority(d.iloc[:0], "Class"), errors.InputError, "no rows"),
    (lambda d: gs.sample_minority(d[["Class"]], "Class"), errors.InputError, "no feature column"),
    (lambda d: gs.sample_minority(d.assign(Class="one"), "Class"), errors.InputError, "single class"),
    (lambda d: gs.sample_minority(d.assign(Class=d.Class.where(d.index > 3)), "Class"), errors.InputError, "missing label"),
    (lambda d: gs.sample_minority(d.assign(Class=np.linspace(0, 1, len(d))), "Class"), errors.InputError, "continuous"),
    (lambda d: gs.sample_minority(d, "Class", method="smot"), errors.UnknownMethodError, "did you mean 'smote'"),
    (lambda d: gs.sample_minority(d, "Class", sampling_strategy="most"), errors.StrategyError, "not known"),
    (lambda d: gs.sample_minority(d, "Class", sampling_strategy=1.5), errors.StrategyError, r"\(0, 1\]"),
    (lambda d: gs.sample_minority(d, "Class", sampling_strategy={"maybe": 10}), errors.StrategyError, "'maybe'"),
    (lambda d: gs.sample_minority(d, "Class", sampling_strategy={"positive": 3}), errors.StrategyError, "already has"),
    (lambda d: gs.sample_minority(d, "Class", k_neighbours=3), errors.ParameterError, "k_neighbors"),
    (lambda d: gs.sample_minority(d, "Class", k_neighbors=0), errors.ParameterError, "k_neighbors must be"),
    (lambda d: gs.sample_minority(d, "Class", random_state=-1), errors.ParameterError, "random_state"),
    (lambda d: gs.sample_minority(d, "Class", categorical=["nope"]), errors.InputError, "'nope'"),
    (lambda d: gs.sample_minority(d.assign(f64=np.inf), "Class"), errors.InputError, "infinite"),
    (lambda d: gs.sample_minority(d.assign(td=pd.to_timedelta(1, "D")), "Class"), errors.InputError, "'td'"),
    (lambda d: gs.sample_minority(d.assign(lst=[[1]] * len(d)), "Class"), errors.InputError, "'lst'"),
    (lambda d: gs.sample_minority(pd.concat([d, d["f64"]], axis=1), "Class"), errors.InputError, "unique"),
    (lambda d: gs.sample_minority(d, "Class", fallback="yes"), errors.ParameterError, "fallback"),
    (lambda d: gs.export(gs.sample_minority(d, "Class"), "out.xlsx"), errors.FileFormatError, "suffix"),
    (lambda d: gs.export(d, "out.csv"), errors.InputError, "SampleResult"),
    (lambda d: gs.export(gs.sample_minority(d, "Class"), "/no/such/folder/out.csv"), errors.ExportError, "does not exist"),
    (lambda d: gs.read_table("/no/such/file.csv"), errors.FileFormatError, "no such file"),
    (lambda d: gs.datasets.load("yeast5"), errors.InputError, "yeast4"),
]


@pytest.mark.parametrize("call,error,message", BAD_INPUTS, ids=[f"bad{i}" for i in range(len(BAD_INPUTS))])
def test_bad_input_gets_a_clear_error(mixed, call, error, message):
    with pytest.raises(error, match=message) as info:
        call(mixed)
    assert isinstance(info.value, errors.GensampleError)


def test_unreadable_file(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(errors.FileFormatError, match="could not read"):
        gs.read_table(bad)


# ---------------------------------------------------------------------------- CLI
def _csv(tmp_path, frame=None) -> Path:
    path = tmp_path / "in.csv"
    (make_mixed(missing=False) if frame is None else frame).to_csv(path, index=False)
    return path


def test_cli_sample_prints_and_writes(tmp_path, capsys):
    src = _csv(tmp_path)
    out = tmp_path / "aug.parquet"
    code = main(["sample", str(src), "--target", "Class", "--seed", "1", "--out", str(out), "--flag-synthetic",
                 "--param", "k_neighbors=4", "--strategy", "positive:100"])
    text = capsys.readouterr().out
    assert code == 0
    assert "imbalance ratio" in text and "method: smote" in text and str(out) in text
    # the features are profiled too, not only the class counts (issue 11)
    assert "structure (5-NN)" in text and "guidance:" in text
    frame = pd.read_parquet(out)
    assert (frame["Class"] == "positive").sum() == 100 and frame["is_synthetic"].sum() == 70
    assert main(["sample", str(src), "--target", "Class", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["sample", str(src), "--target", "Class", "--out", str(out), "--force"]) == 0


@pytest.mark.parametrize(
    "argv,message",
    [
        (["sample", "{src}", "--target", "Klass", "--out", "{out}"], "columns are"),
        (["sample", "{missing}", "--target", "Class", "--out", "{out}"], "no such file"),
        (["sample", "{src}", "--target", "Class", "--method", "bordeline-smote", "--out", "{out}"], "did you mean"),
        (["sample", "{src}", "--target", "Class", "--strategy", "most", "--out", "{out}"], "not known"),
        (["sample", "{src}", "--target", "Class", "--param", "k_neighbors", "--out", "{out}"], "NAME=VALUE"),
        (["sample", "{one}", "--target", "Class", "--out", "{out}"], "single class"),
        (["sample", "{garbage}", "--target", "Class", "--out", "{out}"], "could not read"),
    ],
)
def test_cli_user_errors_exit_2_with_one_line(tmp_path, capsys, argv, message):
    src = _csv(tmp_path)
    one = tmp_path / "one.csv"
    make_mixed(missing=False).assign(Class="x").to_csv(one, index=False)
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"\x00\x01")
    names = {"src": src, "out": tmp_path / "o.csv", "missing": tmp_path / "nope.csv", "one": one, "garbage": garbage}
    code = main([a.format(**names) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_verbose_shows_traceback(tmp_path, capsys):
    src = _csv(tmp_path)
    assert main(["sample", str(src), "--target", "Klass", "--out", str(tmp_path / "o.csv"), "--verbose"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_cli_methods_and_demo(tmp_path, capsys, monkeypatch):
    assert main(["methods"]) == 0
    text = capsys.readouterr().out
    assert "smote" in text and "random" in text and "min rows" in text
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "abalone9-18" in out and "positive" in out
    frame = pd.read_csv(tmp_path / "gensample-demo-abalone9-18.csv")
    assert frame["is_synthetic"].sum() > 0
    assert (tmp_path / "gensample-demo-abalone9-18.csv.provenance.json").exists()


def test_python_dash_m_entry_point(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "gensample", "methods"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "smote" in proc.stdout


# ---------------------------------------------------------------------------- bundled data
@pytest.mark.parametrize("name,kind", [("yeast4", "numeric"), ("abalone9-18", "mixed"), ("car-good", "categorical")])
def test_bundled_datasets(name, kind):
    df = gs.datasets.load(name)
    info = gs.datasets.info(name)
    assert len(df) == info.rows and info.target in df.columns and info.kind == kind
    result = gs.sample_minority(df, info.target, random_state=0)
    assert result.schema.data_kind == kind
    assert result.counts[info.minority]["after"] == result.counts[info.minority]["after"]


# ---------------------------------------------------------------------------- plugins
PLUGIN_MODULE = '''
import numpy as np
from gensample.generators.base import Generated, Generator


class MeanShift(Generator):
    """Test plugin: every new row is the class mean."""

    name = "class-mean"
    description = "Test plugin: rows at the class mean"
    handles = frozenset({"numeric", "missing"})
    defaults = {"jitter": 0.0}

    def _generate(self, table, plan, rng):
        num, ys = [], []
        for code, n in plan.items():
            rows = table.numeric[table.y == code]
            num.append(np.repeat(rows.mean(axis=0, keepdims=True), n, axis=0) + rng.normal(0, self.params["jitter"], (n, rows.shape[1])))
            ys.append(np.full(n, code))
        return Generated(np.concatenate(num), np.empty((sum(plan.values()), 0), dtype=np.int64), np.concatenate(ys))
'''


@pytest.fixture
def plugin_dist(tmp_path, monkeypatch):
    """A tiny installed distribution that registers 'class-mean' through the entry-point group."""
    site = tmp_path / "site"
    (site / "gensample_test_plugin").mkdir(parents=True)
    (site / "gensample_test_plugin" / "__init__.py").write_text(textwrap.dedent(PLUGIN_MODULE))
    dist = site / "gensample_test_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: gensample-test-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[gensample.generators]\nclass-mean = gensample_test_plugin:MeanShift\n")
    monkeypatch.syspath_prepend(str(site))
    registry.clear_cache()
    yield site
    registry.clear_cache()


def test_entry_point_plugin_appears_and_samples(plugin_dist, capsys):
    assert "class-mean" in registry.names()
    row = gs.methods().set_index("name").loc["class-mean"]
    assert row["numeric"] and not row["categorical"] and row["source"].startswith("plugin")
    df = make_numeric()
    result = gs.sample_minority(df, "label", method="class-mean", random_state=0)
    expected = df[df.label == 1].drop(columns="label").mean().to_numpy()
    np.testing.assert_allclose(result.synthetic.drop(columns="label").to_numpy()[0], expected)
    with pytest.raises(errors.ParameterError, match="jitter"):
        gs.sample_minority(df, "label", method="class-mean", jiter=1)
    with pytest.raises(errors.ParameterError, match="handles numeric"):
        gs.sample_minority(make_mixed(), "Class", method="class-mean")
    assert main(["methods"]) == 0
    assert "class-mean" in capsys.readouterr().out


def test_plugin_in_a_fresh_process(plugin_dist, tmp_path):
    src = tmp_path / "in.csv"
    make_numeric().to_csv(src, index=False)
    env = dict(os.environ, PYTHONPATH=f"{plugin_dist}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    proc = subprocess.run(
        [sys.executable, "-m", "gensample", "sample", str(src), "--target", "label", "--method", "class-mean",
         "--out", str(tmp_path / "o.csv")],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "class-mean" in proc.stdout


def test_time_zone_columns_keep_local_days_and_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    n = 100
    df = pd.DataFrame({
        "x": rng.normal(size=n),
        # local midnights on both sides of the daylight-saving change
        "paris": (pd.Timestamp("2024-03-20") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")).tz_localize("Europe/Paris"),
        "utc": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 400, n), unit="h"),
        "y": np.r_[np.zeros(90, int), np.ones(10, int)],
    })
    result = gs.sample_minority(df, "y", random_state=0)
    paris = result.synthetic["paris"]
    assert paris.dtype == df["paris"].dtype and (paris == paris.dt.normalize()).all()
    assert paris.between(df["paris"].min(), df["paris"].max()).all()
    back = gs.read_table(gs.export(result, tmp_path / "tz.csv"))
    pd.testing.assert_frame_equal(back.iloc[:n], df)
    assert back["paris"].dtype == df["paris"].dtype and back["utc"].dtype == df["utc"].dtype
