"""Golden exports: the bytes every SMOTE-family method writes, recorded before a refactor.

Run ``python -m tests.golden.make_golden`` to (re)write ``golden.json``; ``tests/test_golden.py``
recomputes every case and compares. Rewrite the file only when a change of output is meant
(and say so in the commit): the point of it is that a refactor of the data path does not move
a single byte of what the user gets.

Each case is one method on one table with one seed: ``sample_minority`` then
:func:`gensample.export` to CSV; the SHA-256 of the CSV bytes and the row count are kept.
The tables are the three bundled KEEL tables read by :func:`gensample.read_table` (numeric,
categorical, mixed), a planted mixed table with missing cells and a three-class numeric table.
"""

from __future__ import annotations

import hashlib
import json
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


def main() -> int:
    frames = tables()
    out = {}
    for method, tname, seed in cases(frames):
        frame, target = frames[tname]
        out[key(method, tname, seed)] = digest(frame, target, method, seed)
        print(key(method, tname, seed), out[key(method, tname, seed)]["sha256"][:12], flush=True)
    GOLDEN.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(out)} cases -> {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
