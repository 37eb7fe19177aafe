"""Missing cells filled from the nearest donor of the class (gensample.missing)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import gensample
from gensample import missing
from gensample.datasets.planted import band_of, planted_table
from gensample.missing import impute
from gensample.schema import TableSchema


def encoded(df, target="y"):
    schema = TableSchema.infer(df, target)
    return schema, schema.encode(df)


def linked_table(n=400, seed=0, share=0.2):
    """x2 follows x1 closely; ``share`` of x2 missing at random; two classes of opposite links."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 4 == 0).astype(np.int64)
    x1 = rng.normal(size=n)
    x2 = np.where(y == 1, 2.0 * x1, -2.0 * x1) + rng.normal(0, 0.1, n)
    x2[rng.random(n) < share] = np.nan
    return pd.DataFrame({"x1": x1, "x2": x2, "x3": rng.normal(size=n), "y": y})


def test_filled_cells_follow_the_row_not_the_median():
    df = linked_table()
    schema, enc = encoded(df)
    out = impute(enc)
    j = [c.name for c in schema.numeric].index("x2")
    gap = np.isnan(enc.numeric[:, j])
    for cls, sign in ((1, 1.0), (0, -1.0)):
        rows = gap & (enc.y == schema.target.labels.index(cls))
        filled, x1 = out.numeric[rows, j], df["x1"].to_numpy()[rows]
        # The median would give one value, uncorrelated with x1 (rho 0): the donor follows x1.
        assert len(np.unique(filled)) > 0.5 * rows.sum()
        assert sign * spearmanr(filled, x1).statistic > 0.9
        # Each filled value is an observed value of the same class (a real value, not a blend).
        observed = set(enc.numeric[~gap & (enc.y == schema.target.labels.index(cls)), j])
        assert set(filled) <= observed


def test_filled_categories_are_the_classs_own_and_follow_the_numbers():
    df = planted_table(300, random_state=1)
    rng = np.random.default_rng(1)
    hole = rng.random(len(df)) < 0.15
    df.loc[hole, "band"] = np.nan
    schema, enc = encoded(df)
    out = impute(enc)
    j = [c.name for c in schema.categorical].index("band")
    rows = enc.categorical[:, j] < 0
    assert rows.any() and (out.categorical >= 0).all()
    levels = list(schema.categorical[j].categories)
    filled = pd.Series([levels[c] for c in out.categorical[rows, j]], dtype=object)
    truth = band_of(df.loc[rows, "x1"]).astype(object).reset_index(drop=True)
    # band is a function of x1: the nearest row on the six numbers (x1 one of them) mostly has
    # the same band; the class's most frequent band, the old fill, is right far less often.
    right = (filled == truth).mean()
    classes = df.loc[rows, "y"].reset_index(drop=True)
    modes = df[~hole].groupby("y")["band"].agg(lambda s: s.value_counts().idxmax())
    right_by_mode = (classes.map(modes).astype(object) == truth).mean()
    assert right > 0.75 and right > right_by_mode + 0.2
    for cls in (0, 1):
        code = schema.target.labels.index(cls)
        seen = set(enc.categorical[(enc.y == code) & ~rows, j])
        assert set(out.categorical[(enc.y == code) & rows, j]) <= seen


def test_input_unchanged_deterministic_and_no_copy_without_gaps():
    df = linked_table()
    _, enc = encoded(df)
    before = enc.numeric.copy()
    a, b = impute(enc), impute(enc)
    assert np.array_equal(enc.numeric, before, equal_nan=True)
    assert np.array_equal(a.numeric, b.numeric) and not np.isnan(a.numeric).any()
    full = df.dropna()
    _, enc_full = encoded(full)
    assert impute(enc_full) is enc_full


def test_typical_value_where_no_donor_or_no_number_to_compare():
    # Class 1 never has x2: the table's median. A class-0 row with x1 and x3 missing too: no
    # number to compare, so the class median.
    df = linked_table(n=200)
    df.loc[df["y"] == 1, "x2"] = np.nan
    lone = df.index[(df["y"] == 0)][0]
    df.loc[lone, ["x1", "x2", "x3"]] = np.nan
    schema, enc = encoded(df)
    out = impute(enc)
    j = [c.name for c in schema.numeric].index("x2")
    one = enc.y == schema.target.labels.index(1)
    assert np.all(out.numeric[one, j] == np.nanmedian(enc.numeric[:, j]))
    zero_seen = enc.numeric[(enc.y == schema.target.labels.index(0)) & ~np.isnan(enc.numeric[:, j]), j]
    assert out.numeric[lone, j] == np.median(zero_seen)
    # One number only, and it is the missing one: nothing to compare, the class median.
    single = pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0, np.nan, 10.0], "y": [0, 0, 0, 1, 1, 1]})
    s_schema, s_enc = encoded(single)
    assert impute(s_enc).numeric[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0, 7.0, 10.0]


def test_donors_capped_evenly_on_large_classes(monkeypatch):
    df = linked_table(n=600)
    schema, enc = encoded(df)
    monkeypatch.setattr(missing, "MAX_DONORS", 40)
    monkeypatch.setattr(missing, "MIN_DONORS", 25)
    out = impute(enc)
    j = [c.name for c in schema.numeric].index("x2")
    gap = np.isnan(enc.numeric[:, j])
    for code in (0, 1):
        cls = enc.y == code
        donors = np.flatnonzero(cls & ~gap)
        picked = donors[np.unique(np.linspace(0, len(donors) - 1, 40).round().astype(int))]
        assert set(out.numeric[cls & gap, j]) <= set(enc.numeric[picked, j])
    # Many recipients: fewer donors (MAX_PAIRS / recipients), but never under MIN_DONORS.
    monkeypatch.setattr(missing, "MAX_PAIRS", 10)
    out = impute(enc)
    for code in (0, 1):
        cls = enc.y == code
        donors = np.flatnonzero(cls & ~gap)
        picked = donors[np.unique(np.linspace(0, len(donors) - 1, 25).round().astype(int))]
        assert set(out.numeric[cls & gap, j]) <= set(enc.numeric[picked, j])


@pytest.mark.parametrize("method", ["smote", "forest-flow"])
def test_new_rows_carry_no_imputed_spike(method):
    df = planted_table(120, missing=0.2, random_state=3)
    params = {"verbose": False, "n_t": 4, "max_iter": 10} if method == "forest-flow" else {}
    res = gensample.sample_minority(df, "y", method, {1: 400}, random_state=0, check=False, gate=None, **params)
    new = res.synthetic["x4"]
    median = df.loc[df["y"] == 1, "x4"].median()
    # With the class median filled in, about a fifth of smote's rows sat on that one value.
    assert (np.abs(new.dropna() - median) < 1e-9).mean() < 0.02
    assert new.isna().mean() == pytest.approx(0.2, abs=0.06)
    assert res.augmented.iloc[: len(df)].equals(df)
