"""Golden exports: every SMOTE-family method writes the same bytes as when golden.json was made.

The cases and their digests are recorded by ``python -m tests.golden.make_golden`` (see that
module). A mismatch means the user's output changed: if the change is meant, regenerate the
file and say why in the commit.

The digests are recomputed in one subprocess under the pinned floating-point configuration
(``make_golden.PINNED_ENV``, see that module), so the test gives the same answer on every
x86-64 CPU with AVX2.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.golden import make_golden

GOLDEN = json.loads(make_golden.GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def frames():
    return make_golden.tables()


@pytest.fixture(scope="module")
def pinned():
    """Skips, with the reason, on a machine that cannot reproduce the pinned arithmetic."""
    reason = make_golden.unsupported()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def computed(pinned):
    run = subprocess.run([sys.executable, "-m", "tests.golden.make_golden", "--json"], env=make_golden.pinned_env(),
                         cwd=make_golden.ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-4000:]
    return json.loads(run.stdout)


def test_every_case_is_recorded(frames):
    now = {make_golden.key(*c) for c in make_golden.cases(frames)}
    assert now == set(GOLDEN), (
        f"cases without a golden digest: {sorted(now - set(GOLDEN))}; recorded cases no longer run: "
        f"{sorted(set(GOLDEN) - now)} (regenerate with python -m tests.golden.make_golden if meant)"
    )


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_export_bytes_unchanged(case, computed):
    got = computed[case]  # computed also checks that no case altered its input table
    want = GOLDEN[case]
    assert got["rows"] == want["rows"] and got["synthetic"] == want["synthetic"]
    assert got["method_used"] == want["method_used"]
    assert got["warnings"] == want["warnings"]
    assert got["sha256"] == want["sha256"], f"{case}: exported bytes changed"
    assert got["record_sha256"] == want["record_sha256"], f"{case}: the result's record (provenance) changed"


def test_pinned_environment_is_what_the_digests_need(pinned):
    # Under the pin no AVX-512 target of numpy's dispatch is in use and OpenBLAS runs its
    # Haswell kernels (the names of numpy's targets differ between versions).
    code = (
        "import json, threadpoolctl\n"
        "from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__\n"
        "used = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]\n"
        "blas = [i.get('architecture') for i in threadpoolctl.threadpool_info() if i.get('internal_api') == 'openblas']\n"
        "print(json.dumps({'used': used, 'blas': blas}))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], env=make_golden.pinned_env(), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    assert not [f for f in got["used"] if "AVX512" in f or f == "X86_V4"], got
    assert got["blas"] and set(got["blas"]) == {"Haswell"}, got
