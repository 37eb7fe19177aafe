"""Shared fixtures: small tables of every kind the core issue names, built in memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_mixed(n: int = 240, minority: int = 30, seed: int = 0, missing: bool = True) -> pd.DataFrame:
    """A table with every supported dtype, missing cells and a string target."""
    rng = np.random.default_rng(seed)
    y = np.array(["negative"] * (n - minority) + ["positive"] * minority, dtype=object)
    rng.shuffle(y)
    df = pd.DataFrame({
        "f64": rng.normal(10, 3, n),
        "f32": rng.normal(size=n).astype("float32"),
        "i64": rng.integers(18, 90, n),
        "nullable_int": pd.array(rng.integers(0, 10, n), dtype="Int64"),
        "flag": rng.random(n) < 0.3,
        "nullable_flag": pd.array(rng.random(n) < 0.5, dtype="boolean"),
        "cat": pd.Categorical(rng.choice(["x", "y", "z"], n), categories=["x", "y", "z", "unused"]),
        "text": rng.choice(["red", "green", "blue"], n).astype(object),
        "string": pd.array(rng.choice(["p", "q"], n), dtype="string"),
        "when": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
        "Class": y,
    })
    if missing:
        df.loc[df.index[::7], "f64"] = np.nan
        df.loc[df.index[::9], "nullable_int"] = pd.NA
        df.loc[df.index[::5], "nullable_flag"] = pd.NA
        df.loc[df.index[::11], "text"] = None
        df.loc[df.index[::6], "when"] = pd.NaT
    return df


def make_numeric(n: int = 300, minority: int = 25, seed: int = 0, classes: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    if classes == 2:
        y = np.r_[np.zeros(n - minority, int), np.ones(minority, int)]
    else:
        sizes = [n - minority * (classes - 1)] + [minority] * (classes - 1)
        y = np.repeat(np.arange(classes), sizes)
    X[y > 0] += 1.5
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    df["label"] = y
    return df


def table_with_ids(minority: int = 120, majority: int = 200, seed: int = 0) -> pd.DataFrame:
    """``rid`` is unique per row (so a row is recognised in any frame); ``c`` a category."""
    rng = np.random.default_rng(seed)
    n = minority + majority
    y = np.r_[np.ones(minority, int), np.zeros(majority, int)]
    a = rng.normal(size=n) + 2 * y
    return pd.DataFrame({
        "rid": np.arange(n, dtype=float) + rng.random(n) * 0.5,
        "a": a,
        "b": 0.8 * a + rng.normal(0, 0.5, n),
        "c": np.where(a > 1, "hi", "lo"),
        "label": y,
    })


def make_categorical(n: int = 200, minority: int = 20, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = np.r_[["neg"] * (n - minority), ["pos"] * minority]
    return pd.DataFrame({
        "colour": rng.choice(["red", "green", "blue"], n),
        "size": rng.choice(["S", "M", "L", "XL"], n),
        "shape": pd.Categorical(rng.choice(["round", "square"], n)),
        "y": y,
    })


class Boom:
    """A pickle that, if ever loaded, writes a marker file: loading must never run it."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def mixed() -> pd.DataFrame:
    return make_mixed()


@pytest.fixture
def numeric() -> pd.DataFrame:
    return make_numeric()


@pytest.fixture
def categorical() -> pd.DataFrame:
    return make_categorical()
