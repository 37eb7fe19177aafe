"""The bad-input battery (issue 14, item 1): every bad input ends in a clear error or a right answer.

Each case calls one public entry point (``sample_minority``, ``export``, ``read_table``,
``fidelity.evaluate``, ``compare``, ``fit_generator``, ``GenerativeOverSampler``, every CLI
command) with one thing wrong. It must end in

* a :class:`~gensample.errors.GensampleError` subclass whose message names the parameter
  or column at fault and says what to do (the CLI: one line on stderr, exit code 2, no
  traceback), or
* a documented success, whose result is checked;

and the objects handed in are unchanged afterwards (deep copy, then pandas equality with
dtypes). ``GenerativeOverSampler`` keeps scikit-learn's conventions: its
``InvalidParameterError`` / ``ValueError`` are what the estimator checks expect.

Tables are tiny and generative methods are never trained here (only their argument
checks, which run before any fit), so the whole file takes seconds.
"""

from __future__ import annotations

import copy
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gensample as gs
from gensample import errors
from gensample.cli import main
from gensample.errors import GensampleError
from gensample.generators.base import GensampleWarning

# ====================================================================== helpers
N_MAJ, N_MIN = 24, 6


def table(seed: int = 0) -> pd.DataFrame:
    """30 rows: a float, an int, a text column and a 24/6 binary target."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "a": rng.normal(size=N_MAJ + N_MIN),
        "b": rng.integers(0, 5, N_MAJ + N_MIN),
        "c": rng.choice(["x", "y", "z"], N_MAJ + N_MIN),
        "y": [0] * N_MAJ + [1] * N_MIN,
    })


def frames_in(args) -> list:
    """The DataFrames (and Series) among ``args``, to check they are left as they were."""
    return [a for a in args if isinstance(a, (pd.DataFrame, pd.Series))]


def assert_unchanged(before: list, after: list) -> None:
    for b, a in zip(before, after):
        if isinstance(b, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, check_exact=True)
            assert list(a.dtypes) == list(b.dtypes)
        else:
            pd.testing.assert_series_equal(a, b, check_exact=True)


def call_checked(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, asserting that no frame among the arguments changed."""
    inputs = frames_in(list(args) + list(kwargs.values()))
    copies = copy.deepcopy(inputs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GensampleWarning)
            return fn(*args, **kwargs)
    finally:
        assert_unchanged(copies, inputs)


def expect(error, words, fn, *args, **kwargs):
    """The call raises ``error`` (a GensampleError) whose message holds every word in ``words``."""
    assert issubclass(error, GensampleError)
    with pytest.raises(error) as info:
        call_checked(fn, *args, **kwargs)
    message = str(info.value)
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} not in {message!r}"
    return message


def S(data, **kwargs):
    """sample_minority with the target and seed of these tables."""
    kwargs.setdefault("target", "y")
    kwargs.setdefault("random_state", 0)
    return gs.sample_minority(data, **kwargs)


def with_column(**cols) -> pd.DataFrame:
    df = table()
    for name, values in cols.items():
        df[name] = values
    return df


def with_cell(column, row, value, dtype=None) -> pd.DataFrame:
    df = table()
    if dtype is not None:
        df[column] = df[column].astype(dtype)
    df.loc[row, column] = value
    return df


MI = table()
MI.columns = pd.MultiIndex.from_tuples([("f", "a"), ("f", "b"), ("f", "c"), ("t", "y")])

# ====================================================================== sample_minority: errors
# (id, kwargs for S, error, words the message must hold: the parameter/column + what to do)
SAMPLE_ERRORS = [
    ("target-list", dict(target=["y"]), errors.ParameterError, ["target", "target='y'"]),
    ("target-set", dict(target={"y"}), errors.ParameterError, ["target", "one column"]),
    ("target-dict", dict(target={"y": 1}), errors.ParameterError, ["target"]),
    ("target-tuple", dict(target=("y",)), errors.InputError, ["target", "columns are"]),
    ("target-bytes", dict(target=b"y"), errors.InputError, ["target", "columns are"]),
    ("target-missing", dict(target="nope"), errors.InputError, ["'nope'", "columns are"]),
    ("method-list", dict(method=["smote"]), errors.UnknownMethodError, ["method", "string"]),
    ("method-bytes", dict(method=b"smote"), errors.UnknownMethodError, ["method", "string"]),
    ("method-none", dict(method=None), errors.UnknownMethodError, ["method"]),
    ("method-typo", dict(method="smoet"), errors.UnknownMethodError, ["smoet", "smote"]),
    ("strategy-list", dict(sampling_strategy=["auto"]), errors.StrategyError, ["sampling_strategy", "dict"]),
    ("strategy-tuple", dict(sampling_strategy=("auto",)), errors.StrategyError, ["sampling_strategy"]),
    ("strategy-bytes", dict(sampling_strategy=b"auto"), errors.StrategyError, ["sampling_strategy"]),
    ("strategy-unknown", dict(sampling_strategy="most"), errors.StrategyError, ["'most'", "use one of"]),
    ("strategy-nan", dict(sampling_strategy=float("nan")), errors.StrategyError, ["sampling_strategy", "(0, 1]"]),
    ("strategy-inf", dict(sampling_strategy=float("inf")), errors.StrategyError, ["sampling_strategy", "(0, 1]"]),
    ("strategy-zero", dict(sampling_strategy=0.0), errors.StrategyError, ["sampling_strategy", "(0, 1]"]),
    ("count-negative", dict(sampling_strategy={1: -5}), errors.StrategyError, ["sampling_strategy[1]", "whole number"]),
    ("count-float", dict(sampling_strategy={1: 10.5}), errors.StrategyError, ["sampling_strategy[1]", "whole number"]),
    ("count-below", dict(sampling_strategy={1: 2}), errors.StrategyError, ["class 1", "at least"]),
    ("count-label", dict(sampling_strategy={7: 30}), errors.StrategyError, ["[7]", "labels are"]),
    ("count-huge", dict(sampling_strategy={1: 10**12}), errors.SizeError, ["sampling_strategy", "memory", "fewer rows"]),
    ("seed-float", dict(random_state=3.0), errors.ParameterError, ["random_state", "non-negative integer"]),
    ("seed-negative", dict(random_state=-1), errors.ParameterError, ["random_state"]),
    ("seed-list", dict(random_state=[3]), errors.ParameterError, ["random_state"]),
    ("seed-bool", dict(random_state=True), errors.ParameterError, ["random_state"]),
    ("categorical-int", dict(categorical=5), errors.ParameterError, ["categorical", "[5]"]),
    ("categorical-bytes", dict(categorical=b"b"), errors.ParameterError, ["categorical", "list of column labels"]),
    ("categorical-nested", dict(categorical=[["b"]]), errors.ParameterError, ["categorical", "'b'"]),
    ("categorical-missing", dict(categorical=["zz"]), errors.InputError, ["'zz'", "columns are"]),
    ("categorical-target", dict(categorical=["y"]), errors.InputError, ["'y'", "feature columns only"]),
    ("check-str", dict(check="yes"), errors.ParameterError, ["check", "True, False or None"]),
    ("gate-list", dict(gate=["auto"]), errors.ParameterError, ["gate", "one of"]),
    ("gate-smote", dict(gate="vs-smote"), errors.ParameterError, ["gate", "gate=None"]),
    ("fallback-str", dict(fallback="no"), errors.ParameterError, ["fallback", "True or False"]),
    ("param-list", dict(k_neighbors=[3]), errors.ParameterError, ["k_neighbors", "integer"]),
    ("param-zero", dict(k_neighbors=0), errors.ParameterError, ["k_neighbors", ">= 1"]),
    ("param-unknown", dict(k_neigbors=3), errors.ParameterError, ["k_neigbors", "k_neighbors"]),
]


@pytest.mark.parametrize("kwargs, error, words", [pytest.param(k, e, w, id=i) for i, k, e, w in SAMPLE_ERRORS])
def test_sample_minority_bad_argument(kwargs, error, words):
    expect(error, words, S, table(), **kwargs)


# (id, data, error, words)
DATA_ERRORS = [
    ("ndarray", table().to_numpy(), errors.InputError, ["data", "pandas.DataFrame("]),
    ("dict", table().to_dict(), errors.InputError, ["data", "DataFrame"]),
    ("none", None, errors.InputError, ["data", "DataFrame"]),
    ("series", table()["a"], errors.InputError, ["data", "DataFrame"]),
    ("empty", table().iloc[:0], errors.InputError, ["no rows"]),
    ("one-column", table()[["y"]], errors.InputError, ["no feature column", "'y'"]),
    ("duplicate-columns", pd.concat([table()[["a"]], table()], axis=1), errors.InputError, ["duplicated: a", "unique"]),
    ("multiindex-string-target", MI, errors.InputError, ["'y'", "('t', 'y')"]),
    ("inf-majority", with_cell("a", 0, np.inf), errors.InputError, ["'a'", "infinite", "replace"]),
    ("inf-minority", with_cell("a", 27, -np.inf), errors.InputError, ["'a'", "infinite", "replace"]),
    ("nan-label", with_cell("y", 3, np.nan, float), errors.InputError, ["'y'", "missing label", "drop"]),
    ("float-target", with_column(y=np.r_[np.zeros(N_MAJ), np.ones(N_MIN)] + 0.5), errors.InputError,
     ["'y'", "continuous", "class labels"]),
    ("continuous-target", with_column(y=np.linspace(0, 1, N_MAJ + N_MIN)), errors.InputError, ["'y'", "continuous"]),
    ("one-class", with_column(y=0), errors.InputError, ["'y'", "single class", "at least two"]),
]


@pytest.mark.parametrize("data, error, words", [pytest.param(d, e, w, id=i) for i, d, e, w in DATA_ERRORS])
def test_sample_minority_bad_data(data, error, words):
    expect(error, words, S, data)


def test_dask_frame_is_sampled_not_refused():
    dd = pytest.importorskip("dask.dataframe")
    df = table()
    ddf = dd.from_pandas(df, npartitions=2)
    result = call_checked(S, ddf, method="random")
    assert result.counts[1]["after"] == N_MAJ
    assert len(result.augmented.compute()) == 2 * N_MAJ


# ====================================================================== sample_minority: successes
def _original_rows_kept(data, result):
    aug = result.augmented
    pd.testing.assert_frame_equal(aug.iloc[: len(data)].reset_index(drop=True), data.reset_index(drop=True))
    assert list(result.synthetic.dtypes) == list(data.dtypes)
    assert result.counts[1]["after"] == N_MAJ


def test_numpy_scalars_are_accepted():
    df = table()
    result = call_checked(S, df, target=np.str_("y"), random_state=np.int64(3), k_neighbors=np.int64(2),
                          sampling_strategy={np.int64(1): np.int64(N_MAJ)}, fallback=np.bool_(True))
    _original_rows_kept(df, result)
    assert result.params["k_neighbors"] == 2


def test_float_ratio_as_numpy_scalar():
    result = call_checked(S, table(), sampling_strategy=np.float64(0.5))
    assert result.counts[1]["after"] == N_MAJ // 2


@pytest.mark.parametrize("names", [[0, 1, 2, "y"], [0, "b", 2.5, "y"]], ids=["int-names", "mixed-names"])
def test_non_string_column_names(names):
    df = table().set_axis(names, axis=1)
    result = call_checked(S, df)
    _original_rows_kept(df, result)
    assert list(result.synthetic.columns) == names


def test_multiindex_columns_with_tuple_target():
    result = call_checked(S, MI, target=("t", "y"))
    assert isinstance(result.synthetic.columns, pd.MultiIndex)
    assert result.counts[1]["after"] == N_MAJ


def test_huge_finite_values_stay_in_range():
    df = with_cell("a", 25, 1e308)
    df.loc[26, "a"] = -1e308
    result = call_checked(S, df)
    new = result.synthetic["a"]
    assert np.isfinite(new).all() and new.between(-1e308, 1e308).all()


def test_mixed_type_object_column():
    df = with_column(m=pd.Series([1, "x", 2.5] * 10, dtype=object))
    result = call_checked(S, df)
    assert result.synthetic["m"].dtype == object
    observed = set(map(repr, df.loc[df.y == 1, "m"]))
    assert set(map(repr, result.synthetic["m"])) <= observed


def test_nat_cells_keep_datetime_dtype():
    df = with_column(t=pd.date_range("2020-01-01", periods=N_MAJ + N_MIN, freq="D"))
    df.loc[[3, 26], "t"] = pd.NaT
    result = call_checked(S, df)
    t = result.synthetic["t"]
    assert t.dtype == df["t"].dtype
    real = df.loc[df.y == 1, "t"]
    assert t.dropna().between(real.min(), real.max()).all()


def test_tz_aware_and_naive_mixed_in_one_column():
    stamps = [pd.Timestamp("2020-01-01", tz="UTC"), pd.Timestamp("2020-01-02")] * 15
    df = with_column(t=pd.Series(stamps, dtype=object))
    result = call_checked(S, df)
    # an object column of mixed stamps is a category: new rows hold only observed stamps
    assert set(map(repr, result.synthetic["t"])) <= set(map(repr, df.loc[df.y == 1, "t"]))


# ====================================================================== export
@pytest.fixture(scope="module")
def result():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        return S(table())


EXPORT_ERRORS = [
    ("bytes", lambda d: (b"out.csv",), {}, errors.ParameterError, ["path", "decode", "'out.csv'"]),
    ("list", lambda d: ([str(d / "o.csv")],), {}, errors.ParameterError, ["path", "str or pathlib.Path"]),
    ("none", lambda d: (None,), {}, errors.ParameterError, ["path"]),
    ("tuple", lambda d: (("o.csv",),), {}, errors.ParameterError, ["path"]),
    ("empty", lambda d: ("",), {}, errors.ParameterError, ["path", "empty"]),
    ("suffix", lambda d: (d / "o.xlsx",), {}, errors.FileFormatError, ["o.xlsx", ".parquet"]),
    ("folder", lambda d: (d,), {}, errors.ExportError, ["folder", "file name"]),
    ("missing-folder", lambda d: (d / "nope" / "o.csv",), {}, errors.ExportError, ["nope", "create it"]),
    ("flag-str", lambda d: (d / "o.csv",), {"flag_synthetic": "yes"}, errors.ParameterError, ["flag_synthetic", "True or False"]),
    ("overwrite-int", lambda d: (d / "o.csv",), {"overwrite": 1}, errors.ParameterError, ["overwrite"]),
    ("provenance-none", lambda d: (d / "o.csv",), {"provenance": None}, errors.ParameterError, ["provenance"]),
]


@pytest.mark.parametrize("args, kwargs, error, words",
                         [pytest.param(a, k, e, w, id=i) for i, a, k, e, w in EXPORT_ERRORS])
def test_export_bad_argument(tmp_path, result, args, kwargs, error, words):
    expect(error, words, gs.export, result, *args(tmp_path), **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_export_not_a_result(tmp_path):
    expect(errors.InputError, ["SampleResult", "DataFrame"], gs.export, table(), tmp_path / "o.csv")


def test_export_existing_file(tmp_path, result):
    (tmp_path / "o.csv").write_text("precious")
    expect(errors.ExportError, ["already exists", "overwrite=True"], gs.export, result, tmp_path / "o.csv")
    assert (tmp_path / "o.csv").read_text() == "precious"


def test_export_into_read_only_folder(tmp_path, result, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    # past the early os.access check, into the write itself (root would write anyway)
    monkeypatch.setattr(os, "access", lambda *a, **k: True)
    if os.geteuid() == 0:
        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied", str(folder))

        monkeypatch.setattr("gensample.atomic._create_temp", refuse)
    try:
        expect(errors.ExportError, ["could not write", "permission denied", "folder you can write"],
               gs.export, result, folder / "o.csv")
    finally:
        folder.chmod(0o755)
    assert list(folder.iterdir()) == []


def test_export_read_only_folder_early_check(tmp_path, result, monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode: mode != os.W_OK)
    expect(errors.ExportError, ["not writable", "folder you can write"], gs.export, result, tmp_path / "o.csv")


def test_export_disk_guard(tmp_path, result, monkeypatch):
    from gensample import checks

    monkeypatch.setattr(checks.shutil, "disk_usage", lambda p: type("U", (), {"free": 10})())
    expect(errors.SizeError, ["export", "on disk", "free some space"], gs.export, result, tmp_path / "o.csv")


# ====================================================================== read_table
def write(path: Path, text: str, encoding="utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


READ_ERRORS = [
    ("bytes", lambda d: b"in.csv", {}, errors.ParameterError, ["path", "decode"]),
    ("list", lambda d: [str(d / "in.csv")], {}, errors.ParameterError, ["path"]),
    ("none", lambda d: None, {}, errors.ParameterError, ["path"]),
    ("int", lambda d: 3, {}, errors.ParameterError, ["path"]),
    ("missing", lambda d: d / "nope.csv", {}, errors.FileFormatError, ["no such file", "check the path"]),
    ("folder", lambda d: d, {}, errors.FileFormatError, ["folder", ".csv"]),
    ("suffix", lambda d: write(d / "in.txt", "a,b\n1,2\n"), {}, errors.FileFormatError, ["in.txt", ".csv"]),
    ("non-utf8", lambda d: write(d / "in.csv", "a,b,y\n\xe9t\xe9,1,0\n", "latin-1"), {}, errors.FileFormatError,
     ["not UTF-8", "encoding="]),
    ("empty-file", lambda d: write(d / "in.csv", ""), {}, errors.FileFormatError, ["in.csv"]),
    ("duplicate-header", lambda d: write(d / "in.csv", "a,a,y\n1,2,0\n3,4,1\n"), {}, errors.InputError,
     ["duplicate column", "'a'", "rename"]),
    ("bad-kwarg", lambda d: write(d / "in.csv", "a,b\n1,2\n"), {"bogus": 1}, errors.ParameterError, ["bogus", "keyword"]),
    ("use-provenance-str", lambda d: write(d / "in.csv", "a,b\n1,2\n"), {"use_provenance": "no"},
     errors.ParameterError, ["use_provenance"]),
    ("parquet-garbage", lambda d: write(d / "in.parquet", "not parquet"), {}, errors.FileFormatError, ["in.parquet"]),
]


@pytest.mark.parametrize("path, kwargs, error, words",
                         [pytest.param(p, k, e, w, id=i) for i, p, k, e, w in READ_ERRORS])
def test_read_table_bad_input(tmp_path, path, kwargs, error, words):
    expect(error, words, gs.read_table, path(tmp_path), **kwargs)


def test_read_table_unreadable(tmp_path, monkeypatch):
    path = write(tmp_path / "in.csv", "a,b\n1,2\n")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads anyway: make the open fail as it would for a user
        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied", str(path))

        monkeypatch.setattr("gensample.io.file_sha256", refuse)
    try:
        expect(errors.FileFormatError, ["cannot read", "permission"], gs.read_table, path)
    finally:
        path.chmod(0o644)


def test_read_table_bom_is_stripped(tmp_path):
    path = write(tmp_path / "in.csv", "a,b,y\n1,2,0\n3,4,1\n", "utf-8-sig")
    frame = gs.read_table(path)
    assert list(frame.columns) == ["a", "b", "y"]
    assert frame["a"].tolist() == [1, 3]


def test_read_table_semicolon_separated(tmp_path):
    path = write(tmp_path / "in.csv", "a;b;y\n1,5;2;0\n3;4;1\n")
    with pytest.warns(errors.ReadWarning, match="semicolon"):
        frame = gs.read_table(path)
    assert list(frame.columns) == ["a", "b", "y"]
    assert frame["b"].tolist() == [2, 4]
    assert frame.attrs["gensample_source"]["sep"] == ";"


def test_read_table_dotted_names_are_not_duplicates(tmp_path):
    frame = gs.read_table(write(tmp_path / "in.csv", "a,a.1,y\n1,2,0\n"))
    assert list(frame.columns) == ["a", "a.1", "y"]


def test_read_table_header_only_is_an_empty_table(tmp_path):
    frame = gs.read_table(write(tmp_path / "in.csv", "a,b,y\n"))
    assert list(frame.columns) == ["a", "b", "y"] and len(frame) == 0
    expect(errors.InputError, ["no rows"], S, frame)


# ------------------------------------------------------------ stale provenance (issue 14, io.py)
def exported(tmp_path) -> Path:
    df = table()
    df["when"] = pd.date_range("2021-01-01", periods=len(df), freq="h")
    df["c"] = df["c"].astype("category")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        return gs.export(S(df, method="random"), tmp_path / "out.csv")


def test_fresh_provenance_restores_dtypes(tmp_path):
    path = exported(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.ReadWarning)
        frame = gs.read_table(path)
    assert frame["when"].dtype == "datetime64[ns]"
    assert isinstance(frame["c"].dtype, pd.CategoricalDtype)


def test_edited_csv_is_read_plainly_with_a_warning(tmp_path):
    path = exported(tmp_path)
    frame = pd.read_csv(path)
    frame["when"] = np.arange(len(frame)) * 0.5  # the user rewrote a column with floats
    frame.loc[:19, "c"] = "new value"             # and a category the record never saw
    frame.to_csv(path, index=False)
    with pytest.warns(errors.ReadWarning, match="changed since"):
        back = gs.read_table(path)
    assert back["when"].dtype == np.float64        # not 1970-01-01 datetimes
    assert (back["c"].iloc[:20] == "new value").all()  # not NaN
    assert back["c"].notna().all()


def test_failed_restore_names_the_column(tmp_path):
    import json

    path = exported(tmp_path)
    prov = Path(str(path) + ".provenance.json")
    record = json.loads(prov.read_text())
    for col in record["output"]["columns"]:
        if col["name"] == "c":
            col["categories"] = ["x"]  # a record that no longer matches its own file's values
    prov.write_text(json.dumps(record))
    with pytest.warns(errors.ReadWarning, match="column 'c'.*could not be restored"):
        back = gs.read_table(path)
    assert back["c"].notna().all()
    assert back.attrs["gensample_source"]["dtypes_not_restored"] == ["c"]


# ====================================================================== fidelity.evaluate
def _real_syn():
    df = table()
    return df, df[df.y == 1].reset_index(drop=True)


FIDELITY_ERRORS = [
    ("inf-synthetic", lambda r, s: (r, s.assign(a=np.inf)), {"target": "y"}, errors.InputError,
     ["'a'", "synthetic", "infinite", "replace"]),
    ("inf-real", lambda r, s: (r.assign(a=-np.inf), s), {"target": "y"}, errors.InputError, ["'a'", "real", "infinite"]),
    ("target-list", lambda r, s: (r, s), {"target": ["y"]}, errors.ParameterError, ["target", "target='y'"]),
    ("real-ndarray", lambda r, s: (r.to_numpy(), s), {}, errors.InputError, ["real", "DataFrame"]),
    ("synthetic-none", lambda r, s: (r, None), {}, errors.InputError, ["synthetic", "DataFrame"]),
    ("duplicate-columns", lambda r, s: (r, pd.concat([s[["a"]], s], axis=1)), {"target": "y"}, errors.InputError,
     ["synthetic", "duplicated", "a"]),
    ("empty-synthetic", lambda r, s: (r, s.iloc[:0]), {"target": "y"}, errors.InputError, ["no synthetic rows"]),
    ("missing-column", lambda r, s: (r, s[["a", "y"]]), {"target": "y"}, errors.InputError, ["'b'", "same feature columns"]),
    ("k-zero", lambda r, s: (r, s), {"target": "y", "k": 0}, errors.ParameterError, ["k must", ">= 1"]),
    ("k-float", lambda r, s: (r, s), {"target": "y", "k": 2.0}, errors.ParameterError, ["k must"]),
    ("seed-str", lambda r, s: (r, s), {"target": "y", "random_state": "0"}, errors.ParameterError, ["random_state"]),
    ("thresholds-list", lambda r, s: (r, s), {"target": "y", "thresholds": [1]}, errors.ParameterError, ["thresholds"]),
    ("label-without-target", lambda r, s: (r, s), {"label": 1}, errors.ParameterError, ["label", "target="]),
    ("target-missing", lambda r, s: (r, s), {"target": "zz"}, errors.InputError, ["'zz'", "columns are"]),
]


@pytest.mark.parametrize("frames, kwargs, error, words",
                         [pytest.param(f, k, e, w, id=i) for i, f, k, e, w in FIDELITY_ERRORS])
def test_fidelity_evaluate_bad_input(frames, kwargs, error, words):
    from gensample import fidelity

    expect(error, words, fidelity.evaluate, *frames(*_real_syn()), **kwargs)


def test_fidelity_evaluate_dask_frame_says_compute():
    dd = pytest.importorskip("dask.dataframe")
    from gensample import fidelity

    real, syn = _real_syn()
    expect(errors.InputError, ["dask", ".compute()", "Scale"], fidelity.evaluate, dd.from_pandas(real, npartitions=2), syn)


# ====================================================================== compare (errors before any fold runs)
COMPARE_ERRORS = [
    ("target-list", {"target": ["y"]}, errors.ParameterError, ["target", "target='y'"]),
    ("methods-bytes", {"methods": b"smote"}, errors.ParameterError, ["methods"]),
    ("method-unknown", {"methods": ["zzz"]}, errors.UnknownMethodError, ["'zzz'"]),
    ("folds-str", {"folds": "5"}, errors.ParameterError, ["folds", ">= 2"]),
    ("folds-too-many", {"folds": 7}, errors.ParameterError, ["folds", "at most 6"]),
    ("seed-negative", {"seed": -1}, errors.ParameterError, ["seed"]),
    ("fidelity-str", {"fidelity": "no"}, errors.ParameterError, ["fidelity", "True or False"]),
    ("categorical-int", {"categorical": 3}, errors.ParameterError, ["categorical", "[3]"]),
]


@pytest.mark.parametrize("kwargs, error, words", [pytest.param(k, e, w, id=i) for i, k, e, w in COMPARE_ERRORS])
def test_compare_bad_argument(kwargs, error, words):
    from gensample.evaluation import compare

    kwargs = {"target": "y", **kwargs}
    expect(error, words, compare, table(), **kwargs)


@pytest.mark.parametrize("data, words", [
    pytest.param(table().to_numpy(), ["data", "DataFrame"], id="ndarray"),
    pytest.param(with_column(y=0), ["'y'", "single class"], id="one-class"),
    pytest.param(with_column(y=np.linspace(0, 1, 30)), ["'y'", "continuous"], id="continuous"),
])
def test_compare_bad_data(data, words):
    from gensample.evaluation import compare

    expect(errors.InputError, words, compare, data, "y")


def test_compare_dask_frame_says_compute():
    dd = pytest.importorskip("dask.dataframe")
    from gensample.evaluation import compare

    expect(errors.InputError, ["dask", ".compute()", "--backend dask"], compare, dd.from_pandas(table(), npartitions=2), "y")


# ====================================================================== fit_generator (checks before training)
FIT_ERRORS = [
    ("ndarray", lambda: (table().to_numpy(), "y", "arf"), errors.InputError, ["data", "DataFrame"]),
    ("smote", lambda: (table(), "y", "smote"), errors.ParameterError, ["'smote'", "sample_minority"]),
    ("seed-float", lambda: (table(), "y", "arf"), errors.ParameterError, ["random_state"]),
    ("one-class", lambda: (with_column(y=0), "y", "arf"), errors.InputError, ["'y'", "single class"]),
    ("missing-target", lambda: (table(), "zz", "arf"), errors.InputError, ["'zz'"]),
]


@pytest.mark.parametrize("args, error, words", [pytest.param(a, e, w, id=i) for i, a, e, w in FIT_ERRORS])
def test_fit_generator_bad_input(args, error, words):
    kwargs = {"random_state": 1.5} if error is errors.ParameterError and "random_state" in words else {}
    expect(error, words, gs.fit_generator, *args(), **kwargs)


def test_fit_generator_dask_frame_says_compute():
    dd = pytest.importorskip("dask.dataframe")
    expect(errors.InputError, ["dask", ".compute()"], gs.fit_generator, dd.from_pandas(table(), npartitions=2), "y", "arf")


def test_fit_generator_target_list():
    expect(errors.ParameterError, ["target", "target='y'"], gs.fit_generator, table(), ["y"], "arf")


# ====================================================================== GenerativeOverSampler (sklearn conventions)
def _sampler_error(sampler, X, y, error, match):
    X0, y0 = copy.deepcopy(X), copy.deepcopy(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=match):
            sampler.fit_resample(X, y)
    if isinstance(X, pd.DataFrame):
        pd.testing.assert_frame_equal(X, X0)
    else:
        np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(np.asarray(y), np.asarray(y0))


def _xy():
    df = table()
    return df[["a", "b"]].astype(float), df["y"]


@pytest.mark.parametrize("make, kind, match", [
    pytest.param(lambda: dict(method=["smote"]), "invalid", "method", id="method-list"),
    pytest.param(lambda: dict(sampling_strategy=b"auto"), "invalid", "sampling_strategy", id="strategy-bytes"),
    pytest.param(lambda: dict(random_state="0"), "invalid", "random_state", id="seed-str"),
    pytest.param(lambda: dict(method_params=[1]), "invalid", "method_params", id="params-list"),
])
def test_generative_oversampler_bad_parameter(make, kind, match):
    from sklearn.utils._param_validation import InvalidParameterError

    from gensample.imblearn_sampler import GenerativeOverSampler

    X, y = _xy()
    _sampler_error(GenerativeOverSampler(**make()), X, y, InvalidParameterError, match)


@pytest.mark.parametrize("change, match", [
    pytest.param(lambda X, y: (X.assign(a=np.inf), y), "infinit", id="inf"),
    pytest.param(lambda X, y: (X, y * 0.5 + np.linspace(0, 0.1, len(y))), "continuous|Unknown label", id="continuous-y"),
    pytest.param(lambda X, y: (X, y * 0), "class|one", id="one-class"),
    pytest.param(lambda X, y: (X.iloc[:, :0], y), "0 feature", id="no-features"),
    pytest.param(lambda X, y: (X, y.iloc[:-1]), "inconsistent|samples", id="length-mismatch"),
])
def test_generative_oversampler_bad_data(change, match):
    from gensample.imblearn_sampler import GenerativeOverSampler

    X, y = change(*_xy())
    _sampler_error(GenerativeOverSampler(), X, y, ValueError, match)


# ====================================================================== CLI: every command
def cli(capsys, *argv):
    """Exit code and stderr of ``gensample ARGV``; argparse's own exits are caught too."""
    try:
        rc = main(list(map(str, argv)))
    except SystemExit as exc:
        rc = exc.code
    captured = capsys.readouterr()
    return rc, captured.err


def assert_user_error(capsys, words, *argv):
    rc, err = cli(capsys, *argv)
    lines = [line for line in err.splitlines() if line.strip()]
    assert rc == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("error:") and "Traceback" not in err
    for word in words:
        assert word.lower() in lines[0].lower(), f"{word!r} not in {lines[0]!r}"


@pytest.fixture
def data_csv(tmp_path) -> Path:
    path = tmp_path / "data.csv"
    table().to_csv(path, index=False)
    return path


CLI_CASES = [
    ("sample-missing-input", lambda d, f: ["sample", d / "nope.csv", "--target", "y", "--out", d / "o.csv"],
     ["no such file"]),
    # a folder is read as a Parquet dataset (issue 13): one without Parquet files says what it holds
    ("sample-folder-input", lambda d, f: ["sample", d, "--target", "y", "--out", d / "o.csv"],
     ["holds no parquet file", "data.csv"]),
    ("sample-no-target", lambda d, f: ["sample", f, "--out", d / "o.csv"], ["--target", "--help"]),
    ("sample-bad-target", lambda d, f: ["sample", f, "--target", "zz", "--out", d / "o.csv"], ["'zz'"]),
    ("sample-seed-text", lambda d, f: ["sample", f, "--target", "y", "--seed", "x", "--out", d / "o.csv"], ["--seed"]),
    ("sample-bad-method", lambda d, f: ["sample", f, "--target", "y", "--method", "smoet", "--out", d / "o.csv"],
     ["smoet"]),
    ("sample-bad-param", lambda d, f: ["sample", f, "--target", "y", "--param", "k_neighbors", "--out", d / "o.csv"],
     ["NAME=VALUE"]),
    ("sample-huge-count", lambda d, f: ["sample", f, "--target", "y", "--strategy", "1:10000000000000",
                                        "--out", d / "o.csv"], ["memory", "fewer rows"]),
    ("sample-negative-count", lambda d, f: ["sample", f, "--target", "y", "--strategy", "1:-5", "--out", d / "o.csv"],
     ["whole number"]),
    ("sample-out-suffix", lambda d, f: ["sample", f, "--target", "y", "--out", d / "o.txt"], ["o.txt"]),
    ("sample-out-folder", lambda d, f: ["sample", f, "--target", "y", "--out", d], ["folder"]),
    ("sample-out-missing-folder", lambda d, f: ["sample", f, "--target", "y", "--out", d / "no" / "o.csv"],
     ["create it"]),
    ("sample-duplicate-header", lambda d, f: ["sample", write(d / "dup.csv", "a,a,y\n1,2,0\n3,4,1\n"),
                                              "--target", "y", "--out", d / "o.csv"], ["duplicate", "'a'"]),
    ("sample-non-utf8", lambda d, f: ["sample", write(d / "l1.csv", "a,b,y\n\xe9,1,0\n", "latin-1"),
                                      "--target", "y", "--out", d / "o.csv"], ["UTF-8"]),
    ("sample-one-class", lambda d, f: ["sample", write(d / "one.csv", "a,y\n1,0\n2,0\n"), "--target", "y",
                                       "--out", d / "o.csv"], ["single class"]),
    ("check-missing", lambda d, f: ["check", f, d / "nope.csv", "--target", "y"], ["no such file"]),
    ("check-bad-target", lambda d, f: ["check", f, f, "--target", "zz"], ["'zz'"]),
    ("check-inf", lambda d, f: ["check", f, write(d / "inf.csv", "a,b,c,y\ninf,1,x,1\n2,1,y,1\n"), "--target", "y"],
     ["infinite"]),
    ("fit-missing", lambda d, f: ["fit", d / "nope.csv", "--target", "y", "--method", "arf"], ["no such file"]),
    ("fit-smote", lambda d, f: ["fit", f, "--target", "y", "--method", "smote", "--out", d / "m"], ["smote"]),
    ("fit-epochs-text", lambda d, f: ["fit", f, "--target", "y", "--epochs", "many"], ["--epochs"]),
    ("generate-missing-model", lambda d, f: ["generate", d / "nomodel", "--n", "10", "--out", d / "o.csv"],
     ["nomodel"]),
    ("generate-n-text", lambda d, f: ["generate", d, "--n", "lots", "--out", d / "o.csv"], ["--n"]),
    ("compare-missing", lambda d, f: ["compare", d / "nope.csv", "--target", "y"], ["no such file"]),
    ("compare-folds", lambda d, f: ["compare", f, "--target", "y", "--folds", "1"], ["folds"]),
    ("compare-folds-text", lambda d, f: ["compare", f, "--target", "y", "--folds", "x"], ["--folds"]),
    ("demo-unknown-dataset", lambda d, f: ["demo", "--dataset", "nope", "--out", d / "demo.csv"], ["nope"]),
    ("methods-extra-argument", lambda d, f: ["methods", "--bogus"], ["--bogus"]),
    ("unknown-command", lambda d, f: ["sampel"], ["sampel"]),
]


@pytest.mark.parametrize("argv, words", [pytest.param(a, w, id=i) for i, a, w in CLI_CASES])
def test_cli_user_error_is_one_line_exit_2(tmp_path, data_csv, capsys, argv, words):
    before = data_csv.read_bytes()
    assert_user_error(capsys, words, *argv(tmp_path, data_csv))
    assert data_csv.read_bytes() == before
    assert not (tmp_path / "o.csv").exists()


def test_cli_out_into_read_only_folder(tmp_path, data_csv, capsys, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:
        monkeypatch.setattr(os, "access", lambda path, mode: mode != os.W_OK)
    try:
        assert_user_error(capsys, ["not writable"], "sample", data_csv, "--target", "y", "--out", folder / "o.csv")
    finally:
        folder.chmod(0o755)
    assert list(folder.iterdir()) == []


def test_cli_raw_os_error_is_one_line(tmp_path, data_csv, capsys, monkeypatch):
    """Any OSError the file system raises under a command is the user's to fix: one line, exit 2."""
    import gensample.io as gio

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "o.csv"))

    monkeypatch.setattr(gio, "export", refuse)
    assert_user_error(capsys, ["Permission denied", "o.csv"], "sample", data_csv, "--target", "y",
                      "--out", tmp_path / "o.csv")


def test_cli_bom_and_semicolon_inputs_succeed(tmp_path, capsys):
    df = table()
    bom = tmp_path / "bom.csv"
    bom.write_bytes(df.to_csv(index=False).encode("utf-8-sig"))
    semi = tmp_path / "semi.csv"
    df.to_csv(semi, index=False, sep=";")
    for i, path in enumerate((bom, semi)):
        rc = main(["sample", str(path), "--target", "y", "--seed", "0", "--out", str(tmp_path / f"o{i}.csv")])
        assert rc == 0
        out = pd.read_csv(tmp_path / f"o{i}.csv")
        assert list(out.columns) == ["a", "b", "c", "y"]
        assert (out["y"] == 1).sum() == N_MAJ
    capsys.readouterr()


@pytest.fixture(scope="module")
def fitted_model():
    """A small arf model (fits in about a second)."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=80), "b": rng.integers(0, 5, 80), "y": [0] * 50 + [1] * 30})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gs.fit_generator(df, "y", "arf", random_state=0)


@pytest.fixture(scope="module")
def saved_model(fitted_model, tmp_path_factory) -> Path:
    """``fitted_model`` saved as `gensample fit` would."""
    return fitted_model.save(tmp_path_factory.mktemp("model") / "arf")


@pytest.mark.parametrize("n, words", [
    # refused by the size guard before any row is made (not a MemoryError part way through)
    pytest.param("10000000000", ["--n 10000000000", "10,000,000,000 new rows", "memory", "--seed"], id="huge"),
    pytest.param("-5", ["--n", "non-negative"], id="negative"),
])
def test_cli_generate_bad_count(saved_model, tmp_path, capsys, n, words):
    assert_user_error(capsys, words, "generate", saved_model, "--n", n, "--out", tmp_path / "g.csv")
    assert list(tmp_path.iterdir()) == []


def test_fitted_generator_sample_huge_count_is_refused(fitted_model):
    # 10**12 rows of 3 columns is terabytes: refused up front, naming n and the size
    expect(errors.SizeError, ["n asks for 1,000,000,000,000 new rows", "memory", "fewer rows"],
           fitted_model.sample, 10**12, random_state=0)
    expect(errors.SizeError, ["1,000,000,000,000 new rows"], fitted_model.sample, {1: 10**12})
    assert len(fitted_model.sample(5, random_state=0)) == 5  # a sane count still samples


def test_cli_generate_class_unknown(saved_model, tmp_path, capsys):
    assert_user_error(capsys, ["--class", "not a fitted class"], "generate", saved_model, "--n", "3",
                      "--class", "7", "--out", tmp_path / "g.csv")


def test_size_guard_estimates_from_the_schema():
    from gensample import checks
    from gensample.schema import TableSchema

    schema = TableSchema.infer(table(), "y")
    per_row, csv_row = checks.estimate_row_bytes(schema)
    assert per_row >= 8 * 4 * checks.WORK_COPIES and csv_row >= 4 * checks.CSV_CELL_BYTES
    checks.check_size(schema, 1000, what="--n", memory=per_row * 1000, disk=csv_row * 1000, out="x.csv")
    with pytest.raises(errors.SizeError, match=r"--n asks for 1,001 new rows.*memory.*fewer"):
        checks.check_size(schema, 1001, what="--n", memory=per_row * 1000, shrink="ask for fewer rows")
    with pytest.raises(errors.SizeError, match=r"on disk.*free in"):
        checks.check_size(schema, 1001, what="--n", memory=1 << 60, disk=csv_row * 1000, out="x.csv")
