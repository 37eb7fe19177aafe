"""Record and frame conversions of ``compare``: per-cell records to frames, frames to JSON.

:func:`fold_frame` and :func:`generation_frame` turn the cells' records into the result's
``folds`` and ``generation`` frames (methods in the order asked); :func:`failure_notes` words the
cells that raised; :func:`jsonable`, :func:`json_number` and :func:`records` make settings and
frames JSON-safe (non-finite floats become ``null``).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ..errors import EvaluationError
from ..utils import json_scalar
from .protocol import BASELINES


def fold_frame(rows, order) -> pd.DataFrame:
    """Every cell's metric rows, sorted by method (in ``order``), classifier, operating point, repeat, fold."""
    frame = pd.DataFrame(rows)
    return frame.sort_values(
        ["method", "classifier", "operating_point", "repeat", "fold"],
        key=lambda col: col.map(order) if col.name == "method" else col,
    ).reset_index(drop=True)


def failure_notes(records, methods, n_folds) -> list:
    """One line per remedy that raised in some folds; raises when every cell failed."""
    failed = {}
    for g in records:
        if g.get("error"):
            failed.setdefault(g["method"], []).append(g)
    if failed and sum(len(v) for v in failed.values()) == len(records):
        first = records[0]
        raise EvaluationError(
            f"every remedy failed on every fold, e.g. {first['method']!r} on fold {first['fold']} "
            f"(repeat {first['repeat']}): {first['error']}; check the data and the classifiers")
    return [
        f"{m!r} failed in {len({(g['repeat'], g['fold']) for g in failed[m]})} of {n_folds} folds (first: fold "
        f"{failed[m][0]['fold']}, repeat "
        f"{failed[m][0]['repeat']}: {failed[m][0]['error']}); its means are over the other folds and it is "
        "not named the answer (per-fold errors in the 'error' column of folds)"
        for m in methods if m in failed
    ]


def generation_frame(records, order) -> pd.DataFrame:
    """One row per method (baselines left out), repeat and fold (and judge, for ``auto`` judged by each
    classifier): time, rows made, fallbacks, fidelity, auto."""
    rows = []
    for g in records:
        if g["method"] in BASELINES:
            continue
        row = {k: g[k] for k in ("method", "repeat", "fold", "seconds", "n_synthetic", "n_removed",
                                 "method_used", "fallbacks", "calls")}
        if g.get("judge") is not None:  # auto judged by each classifier: one record per judge
            row["judge"] = g["judge"]
        row["fallback_reasons"] = "; ".join(g["fallback_reasons"])
        if g.get("error"):
            row["error"] = g["error"]
        for k, v in (g.get("fidelity") or {}).items():
            row[f"fidelity_{k}"] = v
        if "auto" in g:
            row["auto_chosen"] = g["auto"].get("chosen")
            row["auto_metric"] = g["auto"].get("metric")  # what it judged by (the comparison's metric by default)
            row["auto_beats_baseline"] = g["auto"].get("beats_baseline")
            row["auto_scores"] = json.dumps(jsonable(g["auto"].get("scores", {})))
        rows.append(row)
    if not rows:
        return pd.DataFrame(columns=["method", "repeat", "fold", "seconds", "n_synthetic", "n_removed",
                                     "method_used", "fallbacks", "calls", "fallback_reasons"])
    frame = pd.DataFrame(rows)
    keys = ["method", "repeat", "fold", *(["judge"] if "judge" in frame.columns else [])]
    return frame.sort_values(keys, key=lambda c: c.map(order) if c.name == "method" else c
                             ).reset_index(drop=True)


def jsonable(v):
    """``v`` with JSON-safe keys and values, nested dicts and lists included."""
    if isinstance(v, dict):
        return {str(json_scalar(k)): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return json_number(v)


def json_number(v):
    """A JSON-safe scalar; NaN and infinities become ``None``."""
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    return json_scalar(v)


def records(frame: pd.DataFrame) -> list:
    """A frame as a list of JSON-safe ``{column: value}`` rows."""
    return [{str(k): json_number(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
