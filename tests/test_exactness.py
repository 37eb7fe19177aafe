"""Exact data (issue 14, item 4): what comes back is exactly what went in, or a clear error.

* the original rows' missing markers of an object column come back as the same objects
  (``pd.NA`` stays ``pd.NA``), even when the column holds nothing else;
* integers beyond 2**53 (int64, uint64, Int64, UInt64) are interpolated exactly and stay
  inside the class's observed range; a column whose values span more than 2**53 is refused
  by name for methods that make new values;
* category codes outside a column's categories raise (schema, deep layout, runner) instead of
  being clipped into a category;
* a deep method that runs past ``time_limit`` stops and the class is made by SMOTE, recorded.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import gensample as gs
from gensample.errors import GenerationError, InputError, ParameterError, PluginError
from gensample.generators.base import Generated, Generator, GensampleWarning
from gensample.schema import TableSchema

FAMILY = ["smote", "borderline-smote", "adasyn", "svm-smote", "kmeans-smote", "polynom-fit-smote", "prowsyn",
          "smote-tomek"]
BIG = 2**62


def sample(df, method="smote", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        return gs.sample_minority(df, "y", method=method, random_state=0, **kw)


# ====================================================================== missing markers
@pytest.mark.parametrize("marker", [pd.NA, None])
def test_all_missing_object_column_keeps_its_marker(marker):
    df = pd.DataFrame({"x": np.arange(20.0), "o": pd.Series([marker] * 20, dtype=object), "y": [0] * 15 + [1] * 5})
    before = df.copy(deep=True)
    res = sample(df)
    aug = res.augmented
    assert aug["o"].dtype == object
    assert all(v is marker for v in aug["o"]), "original and new rows keep the column's own missing marker"
    assert aug.iloc[:20].equals(df) and df.equals(before)


def test_object_column_whose_new_rows_are_all_missing_keeps_the_originals_markers():
    # A mostly-missing column: new rows take real rows' missing patterns, here all missing.
    o = pd.Series(["a"] + [pd.NA] * 19, dtype=object)
    df = pd.DataFrame({"x": np.arange(20.0), "o": o, "y": [0] * 15 + [1] * 5})
    res = sample(df)
    assert res.synthetic["o"].isna().all()
    kept = res.augmented["o"].iloc[:20]
    assert kept.iloc[0] == "a" and all(v is pd.NA for v in kept.iloc[1:])
    assert all(v is pd.NA for v in res.augmented["o"].iloc[20:])


# ====================================================================== integers beyond 2**53
def wide_table(n_min=12, n_maj=30, seed=0):
    """Wide integer columns tied to a small one ``c``: an exact interpolation keeps the tie."""
    rng = np.random.default_rng(seed)
    c = rng.integers(0, 5000, n_min + n_maj)
    cu = c.astype(np.uint64)
    return pd.DataFrame({
        "c": c.astype(np.int64),
        "i64": (BIG + c).astype(np.int64),
        "top": (np.int64(2**63 - 1) - c).astype(np.int64),         # next to int64's largest value
        "u64": np.uint64(2**63) + cu,                               # above int64's range
        "umax": np.uint64(2**64 - 1) - cu,                          # next to uint64's largest value
        "n64": pd.array(-(BIG + c), dtype="Int64"),
        "y": [1] * n_min + [0] * n_maj,
    })


def ties_hold(s: pd.DataFrame) -> None:
    c = s["c"].astype(object)
    assert (s["i64"].astype(object) - BIG == c).all()
    assert (2**63 - 1 - s["top"].astype(object) == c).all()
    assert (s["u64"].astype(object) - 2**63 == c).all()
    assert (2**64 - 1 - s["umax"].astype(object) == c).all()
    assert (-s["n64"].astype(object) - BIG == c).all()


@pytest.mark.parametrize("method", FAMILY)
def test_wide_integers_are_interpolated_exactly_and_stay_in_the_class_range(method):
    df = wide_table()
    before = df.copy(deep=True)
    res = sample(df, method)
    s = res.synthetic
    assert len(s) > 0 and s.dtypes.equals(df.dtypes)
    ties_hold(s)
    cls = df[df["y"] == 1]
    for col in ("i64", "top", "u64", "umax", "n64"):
        lo, hi = int(cls[col].min()), int(cls[col].max())
        got = s[col].astype(object)
        if method == "svm-smote":  # extrapolates beyond the class; the table's range holds
            lo, hi = int(df[col].min()), int(df[col].max())
        assert got.map(lambda v, lo=lo, hi=hi: lo <= int(v) <= hi).all(), col
    assert df.equals(before)


def test_wide_integers_with_missing_cells_and_nullable_unsigned():
    df = wide_table()
    u = pd.array(df["u64"].to_numpy(), dtype="UInt64")
    u[[20, 25, 30]] = pd.NA  # majority rows only: the class's rows are interpolated as they are
    df["U64"] = u
    res = sample(df)
    s = res.synthetic
    assert s["U64"].dtype == "UInt64" and s["U64"].notna().all()
    assert (s["U64"].astype(object) - 2**63 == s["c"].astype(object)).all()
    assert res.augmented.iloc[: len(df)].equals(df)
    # Missing cells in the class too: imputed for the interpolation, put back after.
    u[[0, 3]] = pd.NA
    df["U64"] = u
    s = sample(df).synthetic
    lo, hi = int(df.loc[df["y"] == 1, "U64"].min()), int(df.loc[df["y"] == 1, "U64"].max())
    assert s["U64"].dtype == "UInt64"
    assert s["U64"].dropna().astype(object).map(lambda v: lo <= int(v) <= hi).all()


def test_schema_round_trip_of_wide_integers_is_exact():
    df = wide_table()
    schema = TableSchema.infer(df, "y")
    enc = schema.encode(df)
    back = schema.decode(enc.numeric, enc.categorical, enc.y, schema.missing_mask(df))
    assert back.equals(df)
    spec = schema.column("u64")
    assert spec.minimum == int(df["u64"].min()) and isinstance(spec.minimum, int)


def test_small_integers_keep_their_float_range():
    # Columns within 2**53 are encoded as before (golden exports depend on it).
    df = pd.DataFrame({"a": np.arange(10, dtype=np.int64), "y": [0] * 7 + [1] * 3})
    spec = TableSchema.infer(df, "y").column("a")
    assert spec.minimum == 0.0 and isinstance(spec.minimum, float) and spec.offset == 0


def test_integer_column_spanning_more_than_2_53_is_refused_by_name():
    df = wide_table()
    df["span"] = np.where(df["y"] == 1, BIG + df["c"], df["c"]).astype(np.int64)
    with pytest.raises(InputError, match=r"'span'.*2\*\*53.*categorical=\['span'\]"):
        sample(df)
    res = sample(df, "random")  # copies: exact whatever the span
    assert set(res.synthetic["span"]) <= set(df.loc[df["y"] == 1, "span"])
    res = sample(df, categorical=["span"])  # as an identifier: observed values only
    assert set(res.synthetic["span"]) <= set(df.loc[df["y"] == 1, "span"])


def test_wgan_gp_keeps_wide_integers_whole_and_in_range():
    df = wide_table(n_min=20, n_maj=20)
    res = sample(df[["c", "i64", "u64", "y"]], "wgan-gp", steps=3, gate=None, check=False, verbose=False)
    assert res.method_used == "wgan-gp"
    for col in ("i64", "u64"):
        lo, hi = int(df[col].min()), int(df[col].max())
        assert res.synthetic[col].astype(object).map(lambda v, lo=lo, hi=hi: lo <= int(v) <= hi).all()
        assert res.synthetic[col].dtype == df[col].dtype


def test_saved_generator_decodes_wide_integers_as_before_saving(tmp_path):
    df = wide_table(n_min=15, n_maj=25)[["c", "i64", "u64", "y"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        gen = gs.fit_generator(df, "y", "wgan-gp", random_state=0, steps=3, verbose=False)
        before = gen.sample(20, random_state=1)
        gen.save(tmp_path / "m")
        after = gs.load_generator(tmp_path / "m").sample(20, random_state=1)
    assert after.equals(before)
    lo, hi = int(df["u64"].min()), int(df["u64"].max())
    assert after["u64"].astype(object).map(lambda v: lo <= int(v) <= hi).all()


# ====================================================================== category codes
def test_schema_refuses_out_of_range_category_codes():
    df = pd.DataFrame({"x": np.arange(6.0), "k": list("abcabc"), "y": [0, 0, 0, 0, 1, 1]})
    schema = TableSchema.infer(df, "y")
    num = np.zeros((2, 1))
    with pytest.raises(GenerationError, match=r"column 'k'.*code 3.*0\.\.2"):
        schema.decode(num, np.array([[0], [3]]), np.array([1, 1]))
    with pytest.raises(GenerationError, match=r"code -1"):
        schema.decode(num, np.array([[-1], [0]]), np.array([1, 1]))
    got = schema.decode(num, np.array([[2], [0]]), np.array([1, 1]))
    assert got["k"].tolist() == ["c", "a"]


def test_deep_layout_refuses_out_of_range_codes():
    from gensample.generators.deep import Layout

    df = pd.DataFrame({"x": np.arange(6.0), "k": list("abcabc"), "y": [0, 0, 0, 0, 1, 1]})
    enc = TableSchema.infer(df, "y").encode(df)
    layout = Layout.fit(enc.numeric, enc.categorical, enc.schema)
    cont = np.zeros((2, len(layout.continuous)))
    with pytest.raises(GenerationError, match=r"wgan-gp returned code 3 .*3 values"):
        layout.to_encoded(cont, np.array([[1], [3]]), what="wgan-gp")
    num, cat = layout.to_encoded(cont, np.array([[1], [2]]))
    assert cat[:, 0].tolist() == [1, 2]


class _BadCodes(Generator):
    name = "bad-codes"
    defaults = {}

    def _generate(self, table, plan, rng):
        n = sum(plan.values())
        cat = np.full((n, table.categorical.shape[1]), 7, dtype=np.int64)
        y = np.concatenate([np.full(k, c) for c, k in plan.items()])
        return Generated(np.zeros((n, table.numeric.shape[1])), cat, y)


def test_runner_names_the_method_that_returned_bad_codes(monkeypatch):
    from gensample import registry

    real_get = registry.get
    monkeypatch.setattr(registry, "get", lambda name: _BadCodes if name == "bad-codes" else real_get(name))
    df = pd.DataFrame({"x": np.arange(8.0), "k": list("abababab"), "y": [0] * 5 + [1] * 3})
    from gensample.runner import Runner

    schema = TableSchema.infer(df, "y")
    runner = Runner(df, schema, np.random.default_rng(0), allow_fallback=True)
    with pytest.raises(PluginError, match=r"'bad-codes'.*code 7.*'k'"):
        runner.run(_BadCodes(), {1: 2})


# ====================================================================== time_limit
def deep_table():
    rng = np.random.default_rng(1)
    return pd.DataFrame({"a": rng.normal(size=60), "k": rng.choice(list("pqr"), 60), "y": [1] * 20 + [0] * 40})


@pytest.mark.parametrize("method", ["wgan-gp", "tvae"])
def test_time_limit_stops_training_and_falls_back_to_smote(method):
    df = deep_table()
    res = sample(df, method, time_limit=1e-3, gate=None, check=False, verbose=False)
    assert res.method_used == "smote" and len(res.synthetic) == 20
    decision = res.decisions[1]
    assert (decision.asked, decision.used, decision.why) == (method, "smote", "training-failed")
    assert "time_limit=0.001" in decision.evidence["error"]
    assert "time_limit" in res.fallback and "time_limit" in res.to_dict()["fallback"]
    assert res.augmented.iloc[:60].equals(df)


def test_time_limit_without_fallback_is_an_error():
    with pytest.raises(GenerationError, match="time_limit"):
        sample(deep_table(), "wgan-gp", time_limit=1e-3, gate=None, check=False, verbose=False, fallback=False)


def test_generous_time_limit_keeps_the_deep_rows():
    res = sample(deep_table(), "wgan-gp", steps=3, time_limit=600, gate=None, check=False, verbose=False)
    assert res.method_used == "wgan-gp" and res.params["time_limit"] == 600


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "5", True])
def test_time_limit_is_validated(bad):
    with pytest.raises(ParameterError, match="time_limit"):
        sample(deep_table(), "wgan-gp", time_limit=bad, gate=None, check=False, verbose=False)


def test_time_limit_is_checked_before_each_class_model():
    from gensample.errors import TrainingError
    from gensample.generators import deep

    token = deep._BUDGET.set((0.0, 1.0, 0.0))  # a budget spent long ago
    try:
        with pytest.raises(TrainingError, match=r"gaussian-copula class 1: .*time_limit=1 s \(before fitting"):
            deep.check_time_limit("gaussian-copula class 1", "before fitting its model")
    finally:
        deep._BUDGET.reset(token)
    deep.check_time_limit("no budget outside a fit", "anywhere")  # no budget: nothing raised
