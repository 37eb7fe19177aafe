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
