"""Dask path (issue 13) on a LocalCluster: same new rows as pandas, partitions kept, Parquet export."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import gensample

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as c:
            yield c


def _table(n=6_000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 9, n), "c": rng.choice(["x", "y", "z"], n),
                         "y": np.where(rng.random(n) < 0.04, "pos", "neg")})


@pytest.mark.parametrize("method", ["smote", "borderline-smote"])
def test_dask_same_rows_as_pandas(client, method, tmp_path):
    df = _table()
    ddf = dd.from_pandas(df, npartitions=5)
    mem = gensample.sample_minority(df, "y", method, random_state=2)
    res = gensample.sample_minority(ddf, "y", method, random_state=2)
    pd.testing.assert_frame_equal(mem.synthetic.astype(object), res.synthetic.astype(object))
    aug = res.augmented
    assert isinstance(aug, dd.DataFrame) and aug.npartitions > ddf.npartitions
    out = gensample.export(res, tmp_path / "aug.parquet", flag_synthetic=True)
    back = pd.read_parquet(out)
    assert len(back) == len(df) + len(res.synthetic) and back["is_synthetic"].sum() == len(res.synthetic)
    pd.testing.assert_frame_equal(back.iloc[: len(df)].drop(columns="is_synthetic").astype(object),
                                  df.astype(object), check_dtype=False)
    rec = json.loads((tmp_path / "aug.parquet.provenance.json").read_text())
    assert rec["scale"]["backend"] == "dask" and rec["output"]["files"]
    # As the other exports: floats without a dictionary, the rest with one.
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(sorted(out.glob("*.parquet"))[0]).metadata.row_group(0)
    enc = {meta.column(i).path_in_schema: set(meta.column(i).encodings) for i in range(meta.num_columns)}
    assert not {"PLAIN_DICTIONARY", "RLE_DICTIONARY"} & enc["a"] and "RLE_DICTIONARY" in enc["c"], enc


def test_dask_export_reads_back_as_streamed_input(client, tmp_path):
    # the folder the Dask export writes, its provenance record copied in beside the parts
    import shutil

    df = _table()
    res = gensample.sample_minority(dd.from_pandas(df, npartitions=12), "y", random_state=4)  # part.10 after part.9
    out = gensample.export(res, tmp_path / "aug.parquet")
    shutil.copy(tmp_path / "aug.parquet.provenance.json", out / "aug.parquet.provenance.json")
    back = gensample.sample_minority(str(out), "y", random_state=0, batch_rows=1_000)
    assert back.n_original == len(df) + len(res.synthetic)
    assert all(f["file"].endswith(".parquet") for f in back.source["files"])
    from gensample.scale.source import parquet_files

    files = parquet_files(out)
    assert len(files) == len(list(out.glob("*.parquet"))) > 10  # every part, not the record
    read = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    pd.testing.assert_frame_equal(read.astype(object),
                                  pd.concat([df, res.synthetic], ignore_index=True).astype(object), check_dtype=False)


def test_dask_new_rows_in_parts_are_the_streamed_runs(client, tmp_path, monkeypatch):
    # more new rows than a part: one added partition per part, made by tasks; same rows as the
    # streamed run of the same table and seed (both made part by part), counts whole
    from gensample.generators import smote
    from gensample.scale import blocks

    monkeypatch.setattr(blocks, "PART_ROWS", 1_000)
    df = _table()
    path = tmp_path / "t.parquet"
    df.to_parquet(path, index=False)
    searches = []
    real = smote._neighbours
    monkeypatch.setattr(smote, "_neighbours", lambda X, k: searches.append(X.shape) or real(X, k))
    res = gensample.sample_minority(dd.from_pandas(df, npartitions=4), "y", random_state=5)
    st = gensample.sample_minority(str(path), "y", random_state=5, batch_rows=1_500)
    n_new = st.n_synthetic
    assert res.n_synthetic == n_new and res.scale["parts"] == st.scale["parts"] == -(-n_new // 1_000) > 1
    assert res.counts == st.counts and len(res.synthetic) == 0
    with pytest.raises(gensample.errors.InputError, match="part by part"):
        res.new_rows  # noqa: B018
    aug = res.augmented
    assert aug.npartitions == 4 + res.scale["parts"]
    searched = len(searches)
    out = gensample.export(res, tmp_path / "aug.parquet", flag_synthetic=True)
    assert len(searches) == searched  # the parts remembered the first part's neighbour search
    back = pd.read_parquet(out)
    assert len(back) == len(df) + n_new and int(back["is_synthetic"].sum()) == n_new
    pd.testing.assert_frame_equal(back.iloc[: len(df)].drop(columns="is_synthetic").astype(object),
                                  df.astype(object), check_dtype=False)
    streamed_new = pd.concat(list(st.iter_synthetic()), ignore_index=True)
    dask_new = back.iloc[len(df):].drop(columns="is_synthetic").reset_index(drop=True)
    pd.testing.assert_frame_equal(dask_new.astype(object), streamed_new.astype(object), check_dtype=False)
    assert not dask_new.duplicated().any()  # parts are not copies of one another
    rec = json.loads((tmp_path / "aug.parquet.provenance.json").read_text())
    assert rec["output"]["synthetic_rows"] == n_new and rec["scale"]["parts"] == res.scale["parts"]
