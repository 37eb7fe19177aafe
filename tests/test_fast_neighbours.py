"""The compiled SMOTE-NC neighbour search (numba) finds what scikit-learn finds on the embedding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import gensample
from gensample.generators import fast_neighbours as F
from gensample.generators import smote
from gensample.generators.space import kneighbors

pytestmark = pytest.mark.skipif(not F.available(), reason="numba (the 'fast' extra) is not installed")


def _mixed(n, p=5, c=3, levels=6, seed=0):
    rng = np.random.default_rng(seed)
    num = rng.normal(size=(n, p))
    num[:, 1] += 0.8 * num[:, 0]  # columns that depend on each other
    cod = rng.integers(0, levels, size=(n, c))
    return num, cod


def _embed(num, cod, levels, scale):
    out = np.zeros((len(num), num.shape[1] + cod.shape[1] * levels))
    out[:, : num.shape[1]] = num
    for j in range(cod.shape[1]):
        out[np.arange(len(num)), num.shape[1] + j * levels + cod[:, j]] = scale
    return out


@pytest.mark.parametrize("c", [0, 1, 3])
def test_same_neighbours_and_distances_as_scikit_learn_on_the_embedding(c):
    num, cod = _mixed(700, c=c, seed=c)
    med = 0.9
    X = _embed(num, cod, 6, med / np.sqrt(2))
    d0, i0 = kneighbors(X, X[:300], 7)
    d1, i1 = F.kneighbors((num, cod), (num[:300], cod[:300]), med**2, 7)
    np.testing.assert_allclose(d1, d0, atol=1e-6)  # sqrt of rounding near 0
    assert (i1 == i0).all()
    # excluding self: the next six of scikit-learn's seven
    d2, i2 = F.kneighbors((num, cod), (num, cod), med**2, 6, exclude_self=True)
    assert (i2[:300] == i0[:, 1:]).all() and (i2 != np.arange(700)[:, None]).all()


def test_ties_go_to_the_lower_row_and_duplicates_stay_neighbours():
    num = np.zeros((6, 2))
    num[5] = 10.0
    cod = np.zeros((6, 1), dtype=np.int64)
    d, i = F.kneighbors((num, cod), (num, cod), 1.0, 3, exclude_self=True)
    assert i[0].tolist() == [1, 2, 3] and i[3].tolist() == [0, 1, 2]
    assert (d[:5] == 0).all()
    # a categorical mismatch costs sqrt(penalty)
    cod[1, 0] = 1
    d, i = F.kneighbors((num, cod), (num[:1], cod[:1]), 4.0, 5)
    assert i[0].tolist() == [0, 2, 3, 4, 1] and d[0, -1] == pytest.approx(2.0)


def test_bad_k_is_refused():
    num, cod = _mixed(5)
    with pytest.raises(ValueError, match="k=5"):
        F.kneighbors((num, cod), (num, cod), 1.0, 5, exclude_self=True)


def test_small_searches_stay_with_scikit_learn(monkeypatch):
    assert not F.applies(1000, 1000)
    assert F.applies(1 << 15, 1 << 15)
    assert not F.applies(1 << 15, 1 << 15, np.array([[np.nan]]))  # missing numbers: scikit-learn's errors
    monkeypatch.setattr(F, "numba", False)  # not installed
    assert not F.applies(1 << 15, 1 << 15) and not F.available()


def _frame(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    df = pd.DataFrame({
        "x": x, "x2": 0.7 * x + 0.3 * rng.normal(size=n), "n": rng.integers(0, 20, n),
        "band": pd.cut(x, [-np.inf, -0.5, 0.5, np.inf], labels=["lo", "mid", "hi"]).astype(str),
        "c": rng.choice(list("abcdefgh"), n),
        "y": np.where(rng.random(n) < 0.2, "pos", "neg"),
    })
    return df


def test_sample_minority_rows_are_the_same_through_either_search(monkeypatch):
    df = _frame()
    original = df.copy()
    calls = []
    real = F.kneighbors
    monkeypatch.setattr(F, "kneighbors", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    before = gensample.sample_minority(df, "y", "smote", random_state=4)
    assert not calls  # a 600-row class: scikit-learn's search
    monkeypatch.setattr(F, "MIN_PAIRS", 0)
    after = gensample.sample_minority(df, "y", "smote", random_state=4)
    assert calls
    pd.testing.assert_frame_equal(before.synthetic, after.synthetic, check_exact=True)
    pd.testing.assert_frame_equal(df, original)


def test_streamed_equals_in_memory_through_the_compiled_search(tmp_path, monkeypatch):
    monkeypatch.setattr(F, "MIN_PAIRS", 0)
    path = tmp_path / "t.parquet"
    _frame(4000, seed=1).to_parquet(path, row_group_size=1000)
    mem = gensample.sample_minority(gensample.read_table(path), "y", random_state=2)
    st = gensample.sample_minority(str(path), "y", random_state=2, batch_rows=400)
    pd.testing.assert_frame_equal(mem.synthetic, st.synthetic, check_exact=True)
    a, b = gensample.export(mem, tmp_path / "a.parquet"), gensample.export(st, tmp_path / "b.parquet")
    assert pq.read_table(a).replace_schema_metadata(None).equals(pq.read_table(b).replace_schema_metadata(None))


def test_the_search_is_remembered_across_parts(monkeypatch):
    num, cod = _mixed(200, seed=3)
    calls = []
    real = F.kneighbors
    monkeypatch.setattr(F, "kneighbors", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    memo = {}
    with smote.remembered_neighbours(memo):
        a = smote.mixed_neighbours(num, cod, 1.0, 5)
        b = smote.mixed_neighbours(num, cod, 1.0, 5)
    assert len(calls) == 1 and (a == b).all()
    smote.mixed_neighbours(num, cod, 2.0, 5)  # another penalty: another search
    assert len(calls) == 2


def _scan_only(monkeypatch):
    monkeypatch.setattr(F, "SHARED_SHARE", 10**12)  # every search by the full scan


@pytest.mark.parametrize("dupes", [False, True])
def test_candidate_search_finds_what_the_full_scan_finds(monkeypatch, dupes):
    # Codes of many values (few rows share one): the k nearest come from the numbers' 2k nearest
    # and the rows sharing a code. Duplicated numbers make ties that reach past the 2k
    # candidates, which the full scan then settles.
    rng = np.random.default_rng(5)
    n = 1500
    num = rng.normal(size=(n, 4))
    num[:, 1] += 0.5 * num[:, 0]
    cod = rng.integers(3, 203, size=(n, 4))  # codes need not start at 0
    if dupes:
        num[100:160] = num[99]  # 61 equal rows: more ties than 2k candidates
        cod[100:130] = cod[99]
    assert F.few_shared_codes(cod)
    got = F.kneighbors((num, cod), (num, cod), 0.8, 6, exclude_self=True)
    queries = (num[::7], np.where(np.arange(len(num[::7]))[:, None] % 5 == 0, 999, cod[::7]))  # unseen codes too
    got_q = F.kneighbors((num, cod), queries, 0.8, 6)
    _scan_only(monkeypatch)
    want = F.kneighbors((num, cod), (num, cod), 0.8, 6, exclude_self=True)
    want_q = F.kneighbors((num, cod), queries, 0.8, 6)
    for (d1, i1), (d0, i0) in ((got, want), (got_q, want_q)):
        assert (i1 == i0).all()
        np.testing.assert_allclose(d1, d0, atol=1e-6)  # sqrt of rounding near 0
    if dupes:  # ties go to the lower row, self excluded
        assert got[1][100].tolist() == [99, 101, 102, 103, 104, 105]


def test_codes_many_rows_share_keep_the_full_scan():
    rng = np.random.default_rng(0)
    assert not F.few_shared_codes(rng.integers(0, 6, size=(1000, 3)))
    assert F.few_shared_codes(rng.integers(0, 200, size=(1000, 10)))


def test_candidate_search_on_large_numbers_stays_exact(monkeypatch):
    # Raw SMOTE-NC numbers can be large (incomes): |q|^2 + |r|^2 - 2 q.r then rounds by more,
    # and near-ties past the candidates must still go to the full scan.
    rng = np.random.default_rng(8)
    num = 1e6 + 0.1 * rng.integers(0, 40, size=(1200, 3))  # many equal and near-equal rows, inexact squares
    cod = rng.integers(0, 150, size=(1200, 5))
    assert F.few_shared_codes(cod)
    got = F.kneighbors((num, cod), (num, cod), 25.0, 5, exclude_self=True)
    _scan_only(monkeypatch)
    want = F.kneighbors((num, cod), (num, cod), 25.0, 5, exclude_self=True)
    assert (got[1] == want[1]).all()
