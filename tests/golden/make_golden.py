"""Golden exports: the bytes every SMOTE-family method writes, recorded before a refactor.

Run ``python -m tests.golden.make_golden`` to (re)write ``golden.json``; ``tests/test_golden.py``
recomputes every case and compares (``--json`` prints the digests instead of writing them). Rewrite the file only when a change of output is meant
(and say so in the commit): the point of it is that a refactor of the data path does not move
a single byte of what the user gets.

Each case is one method on one table with one seed: ``sample_minority`` then
:func:`gensample.export` to CSV; the SHA-256 of the CSV bytes and the row count are kept.
The tables are the three bundled KEEL tables read by :func:`gensample.read_table` (numeric,
categorical, mixed), a planted mixed table with missing cells and a three-class numeric table.

Digests are computed under one floating-point configuration, :data:`PINNED_ENV` (the module
re-runs itself under it): numpy's AVX-512 kernels and OpenBLAS's AVX-512 kernels off, so an
x86-64 CPU with AVX2 computes the same bits whatever else it has. Without this the digests
follow the CPU: on an AVX-512 machine ``np.exp`` and OpenBLAS's products differ in the last
bit, which moves the planted table's values and the order of tied neighbours (32 of 106 cases
differed there). Other CPUs skip the test (:func:`unsupported`).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

import gensample
from gensample import registry
from gensample.datasets.planted import planted_table

GOLDEN = Path(__file__).with_name("golden.json")
SEEDS = (0, 7)
#: Families whose output is fixed by the seed alone (no model training, no torch).
FAMILIES = ("copy", "interpolation")
#: Methods run on one seed only: auto runs model selection (inner folds), a second seed adds
#: time and no path.
ONE_SEED = ("auto",)
#: The floating-point configuration the digests are recorded and checked under (module notes).
#: Both variables are read when numpy and OpenBLAS load, so they need a fresh process.
PINNED_ENV = {
    # Old and new names of numpy's AVX-512 dispatch targets (unknown names are ignored).
    "NPY_DISABLE_CPU_FEATURES": "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR X86_V4",
    "OPENBLAS_CORETYPE": "Haswell",
}
ROOT = Path(__file__).resolve().parents[2]


def _bundled(name: str) -> pd.DataFrame:
    with resources.as_file(resources.files("gensample.datasets").joinpath(f"{name}.csv")) as path:
        return gensample.read_table(path)


def _three_class(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = (150, 30, 20)
    y = np.repeat(np.arange(3), sizes)
    X = rng.normal(size=(len(y), 4)) + y[:, None] * 1.2
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame["label"] = y
    return frame


def tables() -> dict:
    """``{name: (frame, target)}``."""
    return {
        "yeast4": (_bundled("yeast4"), "Class"),
        "car-good": (_bundled("car-good"), "Class"),
        "abalone9-18": (_bundled("abalone9-18"), "Class"),
        "planted": (planted_table(40, n_majority=200, missing=0.1, random_state=0), "y"),
        "three-class": (_three_class(), "label"),
    }


def methods() -> list:
    return [n for n in registry.names()
            if registry.get(n).family in FAMILIES and registry.get(n).__module__.startswith("gensample.")]


def cases(frames: dict | None = None):
    """Every (method, table, seed) whose method handles the table."""
    frames = tables() if frames is None else frames
    for method in methods():
        cls = registry.get(method)
        for tname, (frame, target) in frames.items():
            schema = gensample.schema.TableSchema.infer(frame, target)
            if schema.data_kind not in cls.handles or (schema.has_missing and "missing" not in cls.handles):
                continue
            if len(schema.target.labels) > 2 and not cls.multiclass:
                continue
            for seed in SEEDS[:1] if method in ONE_SEED else SEEDS:
                yield method, tname, seed


def digest(frame: pd.DataFrame, target, method: str, seed: int) -> dict:
    """SHA-256 of the exported CSV bytes and of the result's record (provenance core, timings
    left out), rows written, the method used and the notes."""
    result = gensample.sample_minority(frame, target, method, random_state=seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.csv"
        gensample.export(result, path, provenance=False)
        data = path.read_bytes()
    record = json.dumps(_untimed(result.to_dict()), sort_keys=True, default=str).encode("utf-8")
    return {"sha256": hashlib.sha256(data).hexdigest(), "record_sha256": hashlib.sha256(record).hexdigest(),
            "rows": len(result.augmented), "synthetic": len(result.synthetic), "method_used": result.method_used,
            "warnings": list(result.warnings)}


def _untimed(value):
    """``value`` less every ``seconds`` entry (wall-clock times differ from run to run)."""
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def key(method: str, table: str, seed: int) -> str:
    return f"{method}|{table}|{seed}"


def unsupported() -> str | None:
    """Why this machine cannot reproduce the pinned arithmetic (None when it can)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return f"golden digests are recorded on x86-64 with AVX2; this machine is {platform.machine()}"
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return "golden digests need /proc/cpuinfo to confirm AVX2 and FMA (Linux, x86-64)"
    if not {"avx2", "fma"} <= flags:
        return "golden digests are recorded with AVX2 and FMA; this CPU lacks them"
    return None


def pinned_env() -> dict:
    """This process's environment with :data:`PINNED_ENV` set."""
    return {**os.environ, **PINNED_ENV}


def compute(progress: bool = False) -> dict:
    """``{case: digest}`` of every case, in this process (see :func:`digest`)."""
    import warnings

    from gensample.generators.base import GensampleWarning

    frames = tables()
    out = {}
    for method, tname, seed in cases(frames):
        frame, target = frames[tname]
        before = frame.copy(deep=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GensampleWarning)
            out[key(method, tname, seed)] = digest(frame, target, method, seed)
        if not frame.equals(before):  # the user's data is never altered
            raise AssertionError(f"{key(method, tname, seed)} altered its input table")
        if progress:
            print(key(method, tname, seed), out[key(method, tname, seed)]["sha256"][:12], file=sys.stderr, flush=True)
    return out


def main(argv: list | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if any(os.environ.get(k) != v for k, v in PINNED_ENV.items()):
        reason = unsupported()
        if reason:
            print(reason, file=sys.stderr)
            return 2
        return subprocess.run([sys.executable, "-m", "tests.golden.make_golden", *argv], env=pinned_env(),
                              cwd=ROOT).returncode
    if "--json" in argv:
        print(json.dumps(compute(), sort_keys=True))
        return 0
    out = compute(progress=True)
    GOLDEN.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(out)} cases -> {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
