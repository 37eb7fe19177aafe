"""Property-based guarantees of the SMOTE family and ``random`` on random mixed-type tables (issue 14).

Hypothesis draws the table's shape (1-5 classes of 1-60 rows, which column kinds, which cells
are missing) and a seed that fills the values, so every case is reproducible from its seed.
Each case must end in a documented success or a ``GensampleError``; on success:

* the input frame is unchanged (values and dtypes);
* the original rows come back identical in ``augmented``, with every dtype kept;
* integer columns of new rows hold whole numbers within the class's observed range, category
  and text values of new rows were observed in that column, datetimes stay in the class's range;
* each class reaches the planned count (the majority's, for ``sampling_strategy="auto"``);
* the same ``random_state`` gives the same bytes.

The default suite runs 150 cases (15 per method); ``test_properties_many`` runs 1,100 more
(about 4 min on 2 cores busy with other work: 207 s and 236 s measured, 0 failures, with
hypothesis seeds unset and 1), only when asked:
``GENSAMPLE_PROPERTIES_MANY=1 python -m pytest -m slow tests/test_properties.py``.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gensample import sample_minority
from gensample.errors import GensampleError

METHODS = ["random", "smote", "borderline-smote", "adasyn", "svm-smote", "kmeans-smote", "smote-enn",
           "smote-tomek", "polynom-fit-smote", "prowsyn"]
#: Methods that also remove rows (cleaning), so class counts are not the plan's.
CLEANING = {"smote-enn", "smote-tomek"}
#: SVM-SMOTE extrapolates on purpose (Nguyen et al. 2011: away from a support vector whose
#: neighbours are mostly minority), so its numbers may leave the class's observed range; they
#: still stay whole in integer columns, which the dtype check pins.
EXTRAPOLATES = {"svm-smote"}
KINDS = ["int64", "Int64", "uint8", "float32", "float64_nan", "bool", "boolean", "category", "string", "object",
         "datetime", "datetime_tz"]


def make_table(seed: int, sizes: list[int], kinds: list[str], target_kind: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    rng.shuffle(labels)
    cols = {}
    for i, kind in enumerate(kinds):
        name = f"{kind}_{i}"
        shift = labels * 3.0
        if kind == "int64":
            cols[name] = (rng.integers(-50, 50, n) + shift.astype(int) * 10).astype("int64")
        elif kind == "Int64":
            v = pd.array(rng.integers(0, 1000, n), dtype="Int64")
            v[rng.random(n) < 0.15] = pd.NA
            cols[name] = v
        elif kind == "uint8":
            cols[name] = rng.integers(0, 256, n).astype("uint8")
        elif kind == "float32":
            cols[name] = (rng.normal(size=n) + shift).astype("float32")
        elif kind == "float64_nan":
            v = rng.normal(size=n) * 100 + shift
            v[rng.random(n) < 0.2] = np.nan
            cols[name] = v
        elif kind == "bool":
            cols[name] = rng.random(n) < 0.3
        elif kind == "boolean":
            v = pd.array(rng.random(n) < 0.5, dtype="boolean")
            v[rng.random(n) < 0.1] = pd.NA
            cols[name] = v
        elif kind == "category":
            cols[name] = pd.Categorical(rng.choice(["a", "b", "c"], n), categories=["a", "b", "c", "unused"])
        elif kind == "string":
            v = pd.array(rng.choice(["x", "y", "z"], n), dtype="string")
            v[rng.random(n) < 0.1] = pd.NA
            cols[name] = v
        elif kind == "object":
            cols[name] = pd.Series(rng.choice(["red", "green", "blue"], n), dtype=object)
        elif kind == "datetime":
            cols[name] = pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 10_000, n), unit="h")
        elif kind == "datetime_tz":
            cols[name] = (pd.to_datetime("2024-01-01", utc=True)
                          + pd.to_timedelta(rng.integers(0, 10_000, n), unit="min")).tz_convert("Europe/Paris")
    if target_kind == "str":
        cols["y"] = pd.Series(np.array(["c0", "c1", "c2", "c3", "c4"])[labels], dtype=object)
    else:
        cols["y"] = labels.astype("int64") * 7
    return pd.DataFrame(cols)


tables = st.fixed_dictionaries({
    "seed": st.integers(0, 2**31 - 1),
    "sizes": st.lists(st.integers(1, 60), min_size=1, max_size=5),
    "kinds": st.lists(st.sampled_from(KINDS), min_size=1, max_size=6),
    "target_kind": st.sampled_from(["str", "int"]),
})


def check_case(method: str, case: dict) -> None:
    data = make_table(**case)
    before = data.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = sample_minority(data, "y", method, random_state=case["seed"] % 1000)
        except GensampleError as exc:
            assert str(exc), "a GensampleError must say what went wrong"
            pd.testing.assert_frame_equal(data, before, check_exact=True)
            return
        again = sample_minority(data, "y", method, random_state=case["seed"] % 1000)
    pd.testing.assert_frame_equal(data, before, check_exact=True)  # the input is never altered

    aug = result.augmented
    assert list(aug.columns) == list(data.columns)
    assert list(aug.dtypes) == list(data.dtypes)
    synthetic = np.asarray(result.is_synthetic, dtype=bool)
    kept = aug[~synthetic]
    expected = data.loc[result.original_index]  # all rows, unless a cleaning method removed some
    assert method in CLEANING or len(expected) == len(data)
    pd.testing.assert_frame_equal(kept.reset_index(drop=True), expected.reset_index(drop=True),
                                  check_exact=True)  # original rows identical, in order
    new = aug[synthetic]

    for col in data.columns.drop("y"):
        for label, rows in new.groupby("y", sort=False)[col]:
            real = data.loc[data["y"] == label, col].dropna()
            made = rows.dropna()
            if made.empty:
                continue
            dtype = data[col].dtype
            if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype) or \
                    pd.api.types.is_string_dtype(dtype) or dtype == object:
                assert set(made) <= set(data[col].dropna()), f"{method} invented a value in {col!r}"
            elif pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
                if real.empty or method in EXTRAPOLATES:
                    continue
                assert made.min() >= real.min() and made.max() <= real.max(), \
                    f"{method}: {col!r} left class {label!r}'s observed range"

    if method not in CLEANING:
        counts = data["y"].value_counts()
        if len(counts) > 1:
            after = aug["y"].value_counts()
            assert (after.reindex(counts.index) == counts.max()).all(), f"{method}: counts not as planned"
    same = again.augmented
    assert pd.util.hash_pandas_object(same, index=True).equals(pd.util.hash_pandas_object(aug, index=True))


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(case=tables)
def test_properties(method, case):
    check_case(method, case)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("GENSAMPLE_PROPERTIES_MANY") != "1",
                    reason="1,100 cases: set GENSAMPLE_PROPERTIES_MANY=1 to run them")
@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=110, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=tables)
def test_properties_many(method, case):
    check_case(method, case)
