"""Golden exports: every SMOTE-family method writes the same bytes as when golden.json was made.

The cases and their digests are recorded by ``python -m tests.golden.make_golden`` (see that
module). A mismatch means the user's output changed: if the change is meant, regenerate the
file and say why in the commit.
"""

from __future__ import annotations

import json
import warnings

import pytest

from gensample.generators.base import GensampleWarning
from tests.golden import make_golden

GOLDEN = json.loads(make_golden.GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def frames():
    return make_golden.tables()


def test_every_case_is_recorded(frames):
    now = {make_golden.key(*c) for c in make_golden.cases(frames)}
    assert now == set(GOLDEN), (
        f"cases without a golden digest: {sorted(now - set(GOLDEN))}; recorded cases no longer run: "
        f"{sorted(set(GOLDEN) - now)} (regenerate with python -m tests.golden.make_golden if meant)"
    )


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_export_bytes_unchanged(case, frames):
    method, table, seed = case.split("|")
    frame, target = frames[table]
    before = frame.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        got = make_golden.digest(frame, target, method, int(seed))
    want = GOLDEN[case]
    assert got["rows"] == want["rows"] and got["synthetic"] == want["synthetic"]
    assert got["method_used"] == want["method_used"]
    assert got["warnings"] == want["warnings"]
    assert got["sha256"] == want["sha256"], f"{case}: exported bytes changed"
    assert got["record_sha256"] == want["record_sha256"], f"{case}: the result's record (provenance) changed"
    assert frame.equals(before)  # the user's data is never altered
