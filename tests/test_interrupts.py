"""Interrupted writes leave nothing partial (issue 14, items 4 and 5).

* ``kill -9`` during ``export`` (CSV and Parquet) and during ``gensample compare --out``
  leaves no file at the target path; the next write of that target removes the temporary
  file the killed writer left;
* files written through :func:`gensample.utils.atomic_write` get the mode the umask gives
  (``0o666 & ~umask``), not a temporary file's ``0o600``;
* only stale temporary files of our own are removed: their writer is gone (same machine), or
  they have not changed for an hour.

The children run in a subprocess with ``os.fsync`` slowed down (a slow disk): the write is
then certainly not finished when the temporary file appears and the parent kills the child,
so a fast machine cannot turn the test into one that never interrupts anything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gensample import atomic, utils

ROOT = Path(__file__).resolve().parents[1]
SLOW_DISK = textwrap.dedent("""
    import os, time
    _real_fsync = os.fsync
    def _slow_fsync(fd):
        _real_fsync(fd)
        time.sleep(120)
    os.fsync = _slow_fsync
""")


def temps(folder: Path, name: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(f".{name}.") and p.name.endswith(".tmp"))


def run_and_kill(code: str, folder: Path, name: str, timeout: float = 120.0) -> list[Path]:
    """Run ``code`` in a child, kill -9 it once a temporary file of ``name`` appears; those files."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", SLOW_DISK + code], cwd=folder, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            found = temps(folder, name)
            if found:
                os.kill(child.pid, signal.SIGKILL)
                child.wait(30)
                return found
            if child.poll() is not None:
                out = child.stdout.read().decode(errors="replace")
                pytest.fail(f"the child ended (rc {child.returncode}) before any temporary file of {name!r} "
                            f"appeared; its output:\n{out[-3000:]}")
            time.sleep(0.005)
        pytest.fail(f"no temporary file of {name!r} within {timeout} s")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)
    return []  # pragma: no cover


EXPORT = textwrap.dedent("""
    import numpy as np, pandas as pd, gensample as gs
    rng = np.random.default_rng(0)
    n = 60_000
    df = pd.DataFrame({{"a": rng.normal(size=n), "b": rng.integers(0, 100, n), "c": rng.choice(list("xyz"), n),
                        "y": np.r_[np.zeros(n - 2000, int), np.ones(2000, int)]}})
    res = gs.sample_minority(df, "y", method="random", random_state=0)
    gs.export(res, {target!r})
""")


@pytest.mark.parametrize("name", ["out.csv", "out.parquet"])
def test_kill_during_export_leaves_nothing_at_the_target(tmp_path, name):
    left = run_and_kill(EXPORT.format(target=name), tmp_path, name)
    target = tmp_path / name
    assert not target.exists(), "a killed export left a file at the target path"
    assert not Path(str(target) + ".provenance.json").exists()
    assert left and all(p.is_file() for p in left)
    # The next write of that target removes what the killed writer (a dead pid) left.
    assert utils.stale_temp_files(target) == left
    utils.atomic_write(target, lambda tmp: tmp.write_text("a,y\n1,0\n"), overwrite=False)
    assert target.read_text() == "a,y\n1,0\n"
    assert temps(tmp_path, name) == []


COMPARE = textwrap.dedent("""
    import sys
    from gensample.cli import main
    sys.exit(main(["compare", "data.csv", "--target", "y", "--methods", "smote", "--classifiers", "lr",
                   "--folds", "2", "--repeats", "1", "--no-tune", "--no-fidelity", "--backend", "sequential",
                   "--no-progress", "--out", "report.html"]))
""")


def test_kill_during_compare_out_leaves_nothing_at_the_target(tmp_path):
    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120),
                  "y": np.r_[np.zeros(100, int), np.ones(20, int)]}).to_csv(tmp_path / "data.csv", index=False)
    # run_and_kill fails the test if the child ends before a temporary file of the report
    # appears, so a report written in place (or a compare that crashed) cannot pass here
    left = run_and_kill(COMPARE, tmp_path, "report.html")
    assert not (tmp_path / "report.html").exists(), "compare --out wrote its report in place"
    assert left and utils.stale_temp_files(tmp_path / "report.html") == left


# ====================================================================== modes
@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_atomic_write_gives_the_mode_the_umask_gives(tmp_path, umask):
    old = os.umask(umask)
    try:
        utils.atomic_write(tmp_path / "a.csv", lambda tmp: tmp.write_text("x"), overwrite=False)
        utils.atomic_write(tmp_path / "b.csv", lambda tmp: tmp.write_text("x"), overwrite=True)
        (tmp_path / "plain.csv").write_text("x")
    finally:
        os.umask(old)
    want = 0o666 & ~umask
    assert (tmp_path / "plain.csv").stat().st_mode & 0o777 == want
    assert (tmp_path / "a.csv").stat().st_mode & 0o777 == want
    assert (tmp_path / "b.csv").stat().st_mode & 0o777 == want


def test_export_and_provenance_get_the_umask_mode(tmp_path):
    import gensample as gs

    df = pd.DataFrame({"a": np.arange(10.0), "y": [0] * 7 + [1] * 3})
    res = gs.sample_minority(df, "y", method="random", random_state=0)
    old = os.umask(0o022)
    try:
        gs.export(res, tmp_path / "out.csv")
    finally:
        os.umask(old)
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "out.csv.provenance.json").stat().st_mode & 0o777 == 0o644


# ====================================================================== stale files
def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_our_stale_temp_files_are_removed(tmp_path):
    target = tmp_path / "t.csv"
    tag = atomic.host_tag()
    dead = tmp_path / f".t.csv.0badf00d.{tag}-{dead_pid()}.tmp"
    alive = tmp_path / f".t.csv.0badf00e.{tag}-{os.getppid()}.tmp"       # a running writer
    mine = tmp_path / f".t.csv.0badf00f.{tag}-{os.getpid()}.tmp"         # this process: a write in progress
    elsewhere = tmp_path / f".t.csv.0badf010.{'0' * 6 if tag != '0' * 6 else '1' * 6}-{dead_pid()}.tmp"
    legacy_young = tmp_path / ".t.csv.abc_1234.tmp"
    legacy_old = tmp_path / ".t.csv.old_5678.tmp"
    other_target = tmp_path / f".u.csv.0badf011.{tag}-{dead_pid()}.tmp"
    not_ours = tmp_path / ".t.csv.mine.tmp"
    for p in (dead, alive, mine, elsewhere, legacy_young, legacy_old, other_target, not_ours):
        p.write_text("partial")
    folder = tmp_path / f".t.csv.0badf012.{tag}-{dead_pid()}.tmp"  # a folder (Dask exports): never removed
    folder.mkdir()
    hour_ago = time.time() - atomic.STALE_AFTER_S - 5
    os.utime(legacy_old, (hour_ago, hour_ago))
    assert utils.stale_temp_files(target) == sorted([dead, legacy_old])
    # An hour without a change makes any of ours stale, whoever wrote it.
    os.utime(elsewhere, (hour_ago, hour_ago))
    assert elsewhere in utils.stale_temp_files(target)
    utils.atomic_write(target, lambda tmp: tmp.write_text("ok"), overwrite=False)
    assert target.read_text() == "ok"
    for p in (dead, legacy_old, elsewhere):
        assert not p.exists()
    for p in (alive, mine, legacy_young, other_target, not_ours, folder):
        assert p.exists()


@pytest.mark.parametrize("where", ["after the file is created", "while writing"])
def test_an_interrupt_at_any_point_of_atomic_write_leaves_no_temporary_file(tmp_path, monkeypatch, where):
    # Ctrl-C or SIGTERM (raised as KeyboardInterrupt during an export) may land between the
    # temporary file's creation and the start of the write; the file was left behind there
    # (seen once as a flaky tests/test_scale.py::test_interrupted_export_leaves_nothing).
    target = tmp_path / "out.csv"

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt("test")

    if where == "after the file is created":
        monkeypatch.setattr(atomic.os, "close", interrupt)
        writer = None
    else:
        writer = interrupt
    with pytest.raises(KeyboardInterrupt):
        atomic.atomic_write(target, writer, overwrite=False)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []
