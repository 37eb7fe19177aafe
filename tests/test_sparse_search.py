"""SMOTE-NC's neighbour search on a sparse one-hot embedding (wide categorical columns).

With many category levels the dense embedding is mostly zeros (10 columns of 200 levels:
2,019 columns, 1.4 % non-zero) and costs width x rows of memory. ``MixedSpace`` then hands the
search a CSR matrix with the same values: these tests pin that the values, the neighbours and
the new rows are those of the dense embedding, and that the switch happens only where it is
meant to (so the narrow tables of the golden exports keep the dense search).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import gensample
from gensample.generators import smote as smote_module
from gensample.generators import space as space_module
from gensample.generators.space import MixedSpace


def _wide_table(n_min: int = 300, n_maj: int = 900, levels: int = 120, seed: int = 0) -> pd.DataFrame:
    """Numbers that depend on each other plus three high-cardinality text columns."""
    rng = np.random.default_rng(seed)
    n = n_min + n_maj
    y = np.r_[np.ones(n_min, dtype=int), np.zeros(n_maj, dtype=int)]
    a = rng.normal(size=n) + y
    frame = pd.DataFrame({"a": a, "b": 2 * a + rng.normal(scale=0.3, size=n), "c": rng.gamma(2.0, size=n)})
    for j in range(3):
        frame[f"t{j}"] = [f"v{int(v)}" for v in rng.integers(0, levels, size=n)]
    frame["y"] = y
    return frame


def _space(frame: pd.DataFrame):
    schema = gensample.schema.TableSchema.infer(frame, "y")
    table = schema.encode(frame)
    rows = np.flatnonzero(table.y == schema.target.labels.index(1))
    return MixedSpace(table, rows), table, rows


def test_sparse_embedding_has_the_dense_values():
    space, table, rows = _space(_wide_table())
    num, cat = table.numeric[rows], table.categorical[rows]
    S = space.embed_sparse(num, cat)
    assert sp.isspmatrix_csr(S) and S.has_sorted_indices
    np.testing.assert_array_equal(S.toarray(), space.embed(num, cat))


def test_wide_table_is_searched_sparse_and_narrow_dense():
    space, table, rows = _space(_wide_table(levels=120))
    assert space.width > 32 * (space.n_numeric + len(space.sizes))
    assert sp.issparse(space.embed_for_search(table.numeric[rows], table.categorical[rows]))
    narrow, t2, r2 = _space(_wide_table(levels=4))
    assert isinstance(narrow.embed_for_search(t2.numeric[r2], t2.categorical[r2]), np.ndarray)


def test_dense_matrix_over_the_memory_bound_goes_sparse(monkeypatch):
    space, table, rows = _space(_wide_table(levels=4))
    assert not space.sparse_is_better(len(rows))
    monkeypatch.setattr(space_module, "SPARSE_DENSE_BYTES", len(rows) * space.width * 8 - 1)
    assert space.sparse_is_better(len(rows))


def test_sparse_and_dense_searches_give_the_same_neighbours():
    space, table, rows = _space(_wide_table())
    num, cat = table.numeric[rows], table.categorical[rows]
    dense = smote_module.neighbours(space.embed(num, cat), 5)
    sparse = smote_module.neighbours(space.embed_sparse(num, cat), 5)
    np.testing.assert_array_equal(sparse, dense)


@pytest.mark.parametrize("seed", [0, 3])
def test_smote_nc_rows_are_the_dense_searchs_rows(monkeypatch, seed):
    frame = _wide_table(seed=seed)
    original = frame.copy()
    sparse_run = gensample.sample_minority(frame, target="y", method="smote", random_state=seed, check=False)
    monkeypatch.setattr(space_module, "SPARSE_DENSITY", 0.0)
    monkeypatch.setattr(space_module, "SPARSE_DENSE_BYTES", 1 << 62)
    dense_run = gensample.sample_minority(frame, target="y", method="smote", random_state=seed, check=False)
    pd.testing.assert_frame_equal(sparse_run.synthetic, dense_run.synthetic)
    pd.testing.assert_frame_equal(frame, original)
    assert len(sparse_run.synthetic) == 600
    # Categories never invented: every new text value is one the class has.
    for j in range(3):
        col = f"t{j}"
        assert set(sparse_run.synthetic[col]) <= set(frame.loc[frame["y"] == 1, col])


def test_remembered_neighbours_tell_sparse_matrices_apart():
    space, table, rows = _space(_wide_table())
    num, cat = table.numeric[rows], table.categorical[rows]
    S = space.embed_sparse(num, cat)
    other = space.embed_sparse(num, np.roll(cat, 1, axis=0))
    memo: dict = {}
    with smote_module.remembered_neighbours(memo):
        first = smote_module.neighbours(S, 5)
        again = smote_module.neighbours(S.copy(), 5)
        moved = smote_module.neighbours(other, 5)
    assert len(memo) == 2
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, moved)


def test_streamed_borderline_on_wide_columns_matches_in_memory(tmp_path, monkeypatch):
    # pass 3 (the k nearest other rows, batch by batch) searches the wide one-hot sparse; the
    # rows found must be those the in-memory method finds on the whole table
    from gensample.scale import neighbours as scale_neighbours

    frame = _wide_table(n_min=120, n_maj=1_500, seed=2)
    path = tmp_path / "wide.parquet"
    frame.to_parquet(path, index=False)
    calls = []
    real = scale_neighbours.search
    monkeypatch.setattr(scale_neighbours, "search", lambda space, *a: calls.append(
        space.sparse_is_better(max(len(a[0][0]), len(a[1][0])))) or real(space, *a))
    streamed = gensample.sample_minority(str(path), "y", "borderline-smote", random_state=1, batch_rows=400)
    loaded = gensample.sample_minority(gensample.read_table(path), "y", "borderline-smote", random_state=1)
    assert calls and all(calls)  # every batch was searched sparse
    pd.testing.assert_frame_equal(streamed.synthetic.reset_index(drop=True), loaded.synthetic.reset_index(drop=True))


@pytest.mark.parametrize("method", ["borderline-smote", "adasyn"])
def test_dense_embedding_too_large_for_memory_is_a_size_error(monkeypatch, method):
    # these methods embed every row densely for imbalanced-learn; when that matrix cannot fit,
    # the user gets a SizeError naming the method and the way out, not a MemoryError from numpy
    from gensample import checks
    from gensample.errors import SizeError

    frame = _wide_table()
    monkeypatch.setattr(checks, "_available_memory", lambda: 1 << 20)  # 1 MiB free
    with pytest.raises(SizeError, match=rf"{method} on 1,200 rows with 360 category levels.*method='smote'"):
        gensample.sample_minority(frame, target="y", method=method, random_state=0, fallback=False)
    # smote itself searches the sparse one-hot and is not refused
    assert len(gensample.sample_minority(frame, target="y", method="smote", random_state=0, check=False).synthetic)
