"""Out-of-core path (issue 13): streamed runs equal in-memory runs, bounded memory, atomic export."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import gensample
from gensample.errors import InputError

BATCH = 500


def _table(n=10_000, seed=0, minority=0.04) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "a": rng.normal(size=n), "b": rng.integers(0, 9, n), "c": rng.choice(["x", "y", "z", "w"], n),
        "d": rng.random(n) < 0.3, "e": rng.normal(size=n) * 3,
        "t": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="h"),
        "y": np.where(rng.random(n) < minority, "pos", "neg"),
    })
    df.loc[7, "a"] = np.nan
    return df


@pytest.fixture(scope="module")
def parquet(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "t.parquet"
    _table().to_parquet(path, row_group_size=2_000)  # 20x the batch
    return path


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table.combine_chunks())
    return sink.getvalue().to_pybytes()


@pytest.mark.parametrize("method", ["smote", "random", "borderline-smote", "adasyn"])
def test_streamed_equals_in_memory(parquet, tmp_path, method):
    mem = gensample.sample_minority(gensample.read_table(parquet), "y", method, random_state=3)
    st = gensample.sample_minority(str(parquet), "y", method, random_state=3, batch_rows=BATCH)
    pd.testing.assert_frame_equal(mem.synthetic, st.synthetic, check_exact=True)
    assert st.counts == mem.counts
    a = gensample.export(mem, tmp_path / "mem.parquet")
    b = gensample.export(st, tmp_path / "st.parquet")
    ta, tb = pq.read_table(a), pq.read_table(b)
    assert ta.schema.remove_metadata().equals(tb.schema.remove_metadata())
    assert _ipc(ta.replace_schema_metadata(None)) == _ipc(tb.replace_schema_metadata(None))
    # CSV: the very same bytes
    gensample.export(mem, tmp_path / "mem.csv")
    gensample.export(st, tmp_path / "st.csv")
    assert (tmp_path / "mem.csv").read_bytes() == (tmp_path / "st.csv").read_bytes()


def _encodings(path) -> dict:
    meta = pq.ParquetFile(path).metadata
    out = {}
    for g in range(meta.num_row_groups):
        for i in range(meta.num_columns):
            col = meta.row_group(g).column(i)
            out.setdefault(col.path_in_schema, set()).update(col.encodings)
    return out


def test_exports_write_floats_without_a_dictionary(parquet, tmp_path):
    # pyarrow hashes a float column in full before giving up on its dictionary; the exports
    # write floats plainly and keep dictionaries elsewhere, values unchanged (utils docstring).
    st = gensample.sample_minority(str(parquet), "y", "smote", random_state=0, batch_rows=BATCH)
    mem = gensample.sample_minority(gensample.read_table(parquet), "y", "smote", random_state=0)
    for result, name in ((st, "st.parquet"), (mem, "mem.parquet")):
        out = gensample.export(result, tmp_path / name)
        enc = _encodings(out)
        for col in ("a", "e"):
            assert not {"PLAIN_DICTIONARY", "RLE_DICTIONARY"} & enc[col], (name, col, enc[col])
        for col in ("b", "c", "y"):
            assert "RLE_DICTIONARY" in enc[col], (name, col, enc[col])
        original = _table()
        back = pd.read_parquet(out).iloc[: len(original)].reset_index(drop=True)
        pd.testing.assert_frame_equal(back, original, check_exact=True)


def test_neighbour_method_states_its_need(parquet):
    st = gensample.sample_minority(str(parquet), "y", "borderline-smote", random_state=0, batch_rows=BATCH)
    assert st.scale["need"]["kind"] == "neighbours" and st.scale["passes"] == 3
    assert 0 < st.scale["other_rows_held"] < 10_000 - st.counts["pos"]["before"]


def test_sample_need_is_seeded_and_stated(parquet):
    r1 = gensample.sample_minority(str(parquet), "y", "kmeans-smote", random_state=1, batch_rows=BATCH, majority_sample=800)
    r2 = gensample.sample_minority(str(parquet), "y", "kmeans-smote", random_state=1, batch_rows=BATCH, majority_sample=800)
    assert r1.scale["majority_sampled"] == 800
    pd.testing.assert_frame_equal(r1.synthetic, r2.synthetic)
    assert any("seeded sample of 800" in w for w in r1.warnings)


def test_original_rows_byte_for_byte(tmp_path):
    # types pandas would change on a round trip: large_string, int32, a nullable int with no pandas metadata
    n = 4_000
    rng = np.random.default_rng(1)
    ints = pa.array([None if i % 97 == 0 else int(v) for i, v in enumerate(rng.integers(0, 50, n))], pa.int64())
    table = pa.table({
        "s": pa.array(rng.choice(["p", "q", "r"], n).tolist(), pa.large_string()),
        "i32": pa.array(rng.integers(0, 100, n), pa.int32()), "n": ints, "f": pa.array(rng.normal(size=n)),
        "y": pa.array(np.where(rng.random(n) < 0.05, 1, 0)),
    })
    src = tmp_path / "raw.parquet"
    pq.write_table(table, src, row_group_size=1_000)
    st = gensample.sample_minority(str(src), "y", "smote", random_state=0, batch_rows=250)
    out = gensample.export(st, tmp_path / "out.parquet", flag_synthetic=True)
    back = pq.read_table(out)
    assert back.schema.field("s").type == pa.large_string() and back.schema.field("n").type == pa.int64()
    assert back.slice(0, n).drop_columns(["is_synthetic"]).equals(table)
    assert back.column("is_synthetic").to_pylist() == [False] * n + [True] * len(st.synthetic)
    assert str(st.synthetic["n"].dtype) == "Int64"  # rounded integers, stored as the file's int64


def test_folder_and_dataset_inputs(tmp_path, parquet):
    import pyarrow.dataset as ds

    folder = tmp_path / "parts"
    folder.mkdir()
    df = _table()
    for i in range(4):
        df.iloc[i * 2500:(i + 1) * 2500].to_parquet(folder / f"part-{i}.parquet")
    mem = gensample.sample_minority(gensample.read_table(parquet), "y", random_state=5)
    for data in (folder, ds.dataset(str(folder))):
        st = gensample.sample_minority(data, "y", random_state=5, batch_rows=BATCH)
        pd.testing.assert_frame_equal(mem.synthetic, st.synthetic)
    assert len(st.source["files"]) == 4 and len(st.source["sha256"]) == 64


def test_streamed_errors_name_the_problem(parquet):
    with pytest.raises(InputError, match="column 'nope'"):
        gensample.sample_minority(str(parquet), "nope")
    with pytest.raises(gensample.errors.ParameterError, match="k_nieghbors"):
        gensample.sample_minority(str(parquet), "y", k_nieghbors=3)
    st = gensample.sample_minority(str(parquet), "y", random_state=0, batch_rows=BATCH)
    with pytest.raises(InputError, match="export"):
        st.augmented  # noqa: B018


def test_provenance_hashes(parquet, tmp_path):
    import json

    st = gensample.sample_minority(str(parquet), "y", random_state=0, batch_rows=BATCH)
    out = gensample.export(st, tmp_path / "o.parquet")
    rec = json.loads((tmp_path / "o.parquet.provenance.json").read_text())
    assert rec["input"]["sha256"] == gensample.utils.file_sha256(parquet)
    assert rec["output"]["sha256"] == gensample.utils.file_sha256(out)
    assert rec["output"]["rows"] == 10_000 + len(st.synthetic) and rec["scale"]["backend"] == "stream"


_PEAK = textwrap.dedent("""
    import sys, threading, time, psutil, gensample
    path, small, mode = sys.argv[1], sys.argv[2], sys.argv[3]

    def run(p):
        if mode in ("stream", "parts"):
            if mode == "parts":  # new rows made 20,000 at a time when written
                from gensample.scale import blocks
                blocks.PART_ROWS = 20_000
            r = gensample.sample_minority(p, "y", random_state=0, batch_rows=20_000)
            if len(sys.argv) > 4:  # the export too: where parts are made
                gensample.export(r, sys.argv[4], overwrite=True)
            return r
        return gensample.sample_minority(gensample.read_table(p), "y", random_state=0)

    run(small)  # imports and caches outside the measure
    # ru_maxrss is useless here: the imports' transient peak can exceed the run's. Poll the
    # resident size during the run instead and report its rise over the start.
    proc = psutil.Process()
    start = proc.memory_info().rss
    top, done = [start], threading.Event()

    def poll():
        while not done.is_set():
            top[0] = max(top[0], proc.memory_info().rss)
            time.sleep(0.002)

    t = threading.Thread(target=poll, daemon=True)
    t.start()
    run(path)
    done.set()
    t.join()
    print(start, top[0])
""")


def _wide(n, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n, 20)), columns=[f"x{i}" for i in range(20)])
    df["y"] = (rng.random(n) < 0.01).astype(int)
    return df


def test_peak_memory_bounded(tmp_path):
    n = 400_000  # 20x the batch
    df = _wide(n)
    path, small = tmp_path / "big.parquet", tmp_path / "small.parquet"
    df.to_parquet(path, row_group_size=20_000)
    _wide(5_000, 1).to_parquet(small)
    peaks = {}
    for mode in ("stream", "memory"):
        # Arrow's jemalloc pool keeps freed pages mapped for a while; the system allocator shows use.
        env = {**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "system"}
        out = subprocess.run([sys.executable, "-c", _PEAK, str(path), str(small), mode], capture_output=True,
                             text=True, check=True, env=env)
        start, top = map(int, out.stdout.split()[-2:])
        peaks[mode] = top - start  # rise of the resident size during the run on the big file
    # Loading takes the table's 67 MB at least; the stream holds ~4,000 rows and a 20,000-row batch.
    table_bytes = int(df.memory_usage(deep=True).sum())
    # Both runs hold the new rows (as many as the majority here); loading costs the table on top.
    assert peaks["memory"] - peaks["stream"] > table_bytes / 2, peaks


_SLOW = textwrap.dedent("""
    import sys, gensample
    r = gensample.sample_minority(sys.argv[1], "y", random_state=0, batch_rows=1_000)
    print("ready", flush=True)
    gensample.export(r, sys.argv[2])
""")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_interrupted_export_leaves_nothing(tmp_path, sig):
    n = 600_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(n, 8)), columns=[f"x{i}" for i in range(8)])
    df["y"] = (rng.random(n) < 0.001).astype(int)
    src = tmp_path / "src.parquet"
    df.to_parquet(src, row_group_size=1_000)
    target = tmp_path / "out" / "aug.parquet"
    target.parent.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", _SLOW, str(src), str(target)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    deadline = time.time() + 60
    while not any(p.name.endswith(".tmp") for p in target.parent.iterdir()):
        assert time.time() < deadline and proc.poll() is None, "export finished before it could be interrupted"
        time.sleep(0.005)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert not target.exists() and not os.path.exists(str(target) + ".provenance.json")
    assert list(target.parent.iterdir()) == []
    assert "nothing was written at" in err


def test_cli_streams_parquet(parquet, tmp_path, capsys):
    from gensample.cli import main

    out = tmp_path / "cli.parquet"
    assert main(["sample", str(parquet), "--target", "y", "--out", str(out), "--seed", "3", "--batch-rows", "500"]) == 0
    assert "stream" in capsys.readouterr().out
    mem = gensample.sample_minority(gensample.read_table(parquet), "y", random_state=3)
    back = pd.read_parquet(out)
    pd.testing.assert_frame_equal(back.iloc[10_000:].reset_index(drop=True), mem.synthetic)


def test_arrow_text_witnesses_match_pandas():
    from gensample.scale import stream

    rng = np.random.default_rng(4)
    for trial in range(20):
        n = int(rng.integers(1, 300))
        values = rng.choice(["a", "b", "", "é", "zz", None], n, p=[0.3, 0.2, 0.1, 0.1, 0.1, 0.2]).tolist()
        column = pa.array(values, pa.large_string() if trial % 2 else pa.string())
        got = np.unique(stream.arrow_text_witnesses(column))
        frame = pd.DataFrame({"s": column.to_pandas()})
        want = stream.witness_rows(frame, "y", set())  # also picks row 0, as gather does for every batch
        assert np.array_equal(np.union1d(got, [0]), np.union1d(want, [0])), (values, got, want)


def test_text_target_and_missing_text_stream_as_in_memory(tmp_path):
    # text columns stay in Arrow in pass 2: missing text cells, a text target, categories first seen late
    rng = np.random.default_rng(2)
    n = 3_000
    df = pd.DataFrame({"a": rng.normal(size=n), "s": rng.choice(["u", "v", "w"], n).astype(object),
                       "y": np.where(rng.random(n) < 0.05, "pos", "neg")})
    df.loc[rng.choice(n, 40, replace=False), "s"] = None
    df.loc[2_900, "s"] = "late"  # one category seen only in the last batch
    path = tmp_path / "text.parquet"
    df.to_parquet(path, row_group_size=500)
    mem = gensample.sample_minority(gensample.read_table(path), "y", random_state=1, gate=None, check=False)
    st = gensample.sample_minority(str(path), "y", random_state=1, batch_rows=250, gate=None, check=False)
    pd.testing.assert_frame_equal(mem.synthetic, st.synthetic, check_exact=True)
    assert st.schema.column("s").categories == mem.schema.column("s").categories
    assert st.schema.column("s").missing_rate == mem.schema.column("s").missing_rate


def test_scale_record_splits_passes_from_generation(parquet):
    st = gensample.sample_minority(str(parquet), "y", random_state=0, batch_rows=BATCH, gate=None, check=False)
    secs = st.scale["seconds"]
    assert set(secs) == {"passes", "generation"} and secs["passes"] > 0 and secs["generation"] > 0
    assert secs["passes"] + secs["generation"] <= st.seconds + 1e-3


def test_cli_strategy_labels_match_an_integer_target(tmp_path, capsys):
    # --strategy 1:N names the label as text; the streamed CLI matches it to the int target, as in memory
    from gensample.cli import main

    df = _wide(3_000, 2)
    src = tmp_path / "int.parquet"
    df.to_parquet(src, row_group_size=500)
    n_pos = int((df["y"] == 1).sum())
    out = tmp_path / "aug.parquet"
    argv = ["sample", str(src), "--target", "y", "--strategy", f"1:{4 * n_pos}", "--seed", "3", "--batch-rows", "400"]
    assert main([*argv, "--out", str(out)]) == 0
    mem = gensample.sample_minority(gensample.read_table(src), "y", sampling_strategy={1: 4 * n_pos}, random_state=3)
    back = pd.read_parquet(out)
    assert len(back) == 3_000 + 3 * n_pos
    pd.testing.assert_frame_equal(back.iloc[3_000:].reset_index(drop=True), mem.synthetic)
    capsys.readouterr()
    # a label the target does not hold: the in-memory command's message, listing the labels
    assert main([*argv[:4], "--strategy", "7:10", "--out", str(tmp_path / "bad.parquet")]) != 0
    err = capsys.readouterr().err
    assert "label '7'" in err and "['0', '1']" in err


def test_folder_with_other_files_reads_only_parquet(tmp_path, parquet):
    # what Spark, Hadoop, editors and gensample itself leave in a dataset folder
    folder = tmp_path / "parts"
    (folder / "_temporary" / "0").mkdir(parents=True)
    df = _table()
    for i in range(2):
        df.iloc[i * 5000:(i + 1) * 5000].to_parquet(folder / f"part-{i}.parquet")
    (folder / "_SUCCESS").write_bytes(b"")
    (folder / ".part-0.parquet.crc").write_bytes(b"\x00crc")
    (folder / "README.txt").write_text("not a table")
    (folder / "aug.parquet.provenance.json").write_text("{}")
    (folder / "_temporary" / "0" / "part-9.parquet").write_bytes(b"half-written")
    mem = gensample.sample_minority(gensample.read_table(parquet), "y", random_state=5)
    st = gensample.sample_minority(str(folder), "y", random_state=5, batch_rows=BATCH)
    pd.testing.assert_frame_equal(mem.synthetic, st.synthetic)
    assert [f["file"] for f in st.source["files"]] == ["part-0.parquet", "part-1.parquet"]
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.txt").write_text("x")
    with pytest.raises(gensample.errors.FileFormatError, match=r"holds no Parquet file.*'README.txt'"):
        gensample.sample_minority(str(empty), "y")


def test_new_rows_made_in_parts(parquet, tmp_path, monkeypatch):
    # more new rows than a part: made part by part at export, same seed same bytes, counts whole
    from gensample.generators import smote
    from gensample.scale import blocks

    monkeypatch.setattr(blocks, "PART_ROWS", 1_000)
    searches = []
    real = smote._neighbours
    monkeypatch.setattr(smote, "_neighbours", lambda X, k: searches.append(X.shape) or real(X, k))
    st = gensample.sample_minority(str(parquet), "y", random_state=3, batch_rows=BATCH)
    mem = gensample.sample_minority(gensample.read_table(parquet), "y", random_state=3)
    n_new = mem.counts["pos"]["generated"]
    assert st.n_synthetic == n_new and st.scale["parts"] == -(-n_new // 1_000) > 1
    assert st.counts == mem.counts and st.per_class.equals(mem.per_class)
    assert len(st.synthetic) == 0 and (st.synthetic.dtypes == mem.synthetic.dtypes).all()
    with pytest.raises(InputError, match="part by part"):
        st.new_rows  # noqa: B018
    searched = len(searches)
    a = gensample.export(st, tmp_path / "a.parquet")
    # the class's neighbour search ran for the first part only: the other parts remember it
    assert len(searches) == searched
    b = gensample.export(gensample.sample_minority(str(parquet), "y", random_state=3, batch_rows=BATCH),
                         tmp_path / "b.parquet")
    assert pq.read_table(a).equals(pq.read_table(b))  # same seed, same rows
    back = pd.read_parquet(a)
    assert len(back) == 10_000 + n_new and (back.iloc[10_000:]["y"] == "pos").all()
    pd.testing.assert_frame_equal(back.iloc[:10_000], gensample.read_table(parquet))
    new = back.iloc[10_000:]
    pos = gensample.read_table(parquet).query("y == 'pos'")
    assert new["a"].between(pos["a"].min(), pos["a"].max()).all()  # interpolated within the class
    assert set(new["c"]) <= set(pos["c"])
    assert not new.duplicated().any()  # parts are not copies of one another
    gensample.export(st, tmp_path / "a.csv")
    assert len(pd.read_csv(tmp_path / "a.csv")) == 10_000 + n_new
    rec = json.loads((tmp_path / "a.parquet.provenance.json").read_text())
    assert rec["output"]["synthetic_rows"] == n_new and rec["scale"]["parts"] == st.scale["parts"]


def test_peak_memory_does_not_grow_with_new_rows(tmp_path):
    # 396,000 new rows x 21 columns (67 MB as float64): held whole, or made 20,000 at a time
    n = 400_000
    path, small = tmp_path / "big.parquet", tmp_path / "small.parquet"
    _wide(n).to_parquet(path, row_group_size=20_000)
    _wide(5_000, 1).to_parquet(small)
    peaks = {}
    for mode in ("stream", "parts"):
        env = {**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "system"}
        out = subprocess.run([sys.executable, "-c", _PEAK, str(path), str(small), mode, str(tmp_path / "o.parquet")],
                             capture_output=True, text=True, check=True, env=env)
        start, top = map(int, out.stdout.split()[-2:])
        peaks[mode] = top - start
    new_bytes = 396_000 * 21 * 8
    # whole: the new rows as float64, decoded, and as Arrow; in parts: one part at a time
    assert peaks["stream"] - peaks["parts"] > new_bytes, peaks
