"""SampleResult: what one call of ``sample_minority`` made, and every decision it took."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .schema import TableSchema
from .utils import json_scalar


@dataclass(eq=False)
class SampleResult:
    """The new rows, the augmented table and how they were made.

    Index scheme: ``synthetic`` has a fresh ``RangeIndex`` (0 .. n_new-1). ``augmented`` has a
    fresh ``RangeIndex`` too; its first rows are the original rows, exactly as given and in
    their order (less ``removed_index`` for cleaning methods), then the synthetic rows. The
    original index labels are in ``original_index``; ``is_synthetic`` marks the new rows.

    Attributes
    ----------
    synthetic : DataFrame
        Only the new rows, target included, in the input's column order and dtypes.
    method : str
        The method asked for.
    method_used : str
        The method that made the rows ("smote+random" when classes needed different ones).
    fallback : str or None
        Why another method was used, when one was.
    counts : dict
        ``{label: {"before": int, "generated": int, "after": int}}``.
    params : dict
        Effective parameters (defaults filled in; lowered values as used).
    per_class : DataFrame
        One row per class: label, before, generated, removed, after, method_used, fallback.
    removed_index : Index
        Index labels of original rows removed by a cleaning method (empty otherwise).
    seconds : float
        Wall-clock time of the whole call.
    warnings : list of str
        Decisions taken for the user, and final fidelity checks that failed, in words (each
        was warned once).
    fidelity : FidelityReport or None
        The fidelity report, when a check ran. A class whose final check failed is also in
        ``extra["fidelity_failed"]`` (``{label: {"method", "checks", "line"}}``) and was warned
        as a :class:`~gensample.generators.base.FidelityWarning`.
    decisions : dict
        ``{label: Decision}`` for each class that received rows: the method asked, the one
        used, the reason code and its evidence (:class:`gensample.decisions.Decision`); the
        sentences of ``fallback``, ``per_class`` and ``warnings`` are written from them.
    gate : dict
        ``{label: GateDecision}`` for each class the vs-smote gate judged (generative methods):
        the method asked and used, why (a code), the evidence (both methods' inner-CV PR-AUC
        per fold, resemblance scores) and whether the verdict was binding. Empty when no
        gate ran.
    """

    synthetic: pd.DataFrame
    method: str
    method_used: str
    fallback: str | None
    counts: dict
    params: dict
    per_class: pd.DataFrame
    removed_index: pd.Index
    seconds: float
    random_state: Any
    sampling_strategy: Any
    schema: TableSchema
    warnings: list = field(default_factory=list)
    fidelity: Any = None
    extra: dict = field(default_factory=dict)
    gate: dict = field(default_factory=dict)
    decisions: dict = field(default_factory=dict)
    source: dict = field(default_factory=dict)
    _original: pd.DataFrame | None = field(default=None, repr=False)
    _removed_positions: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64), repr=False)

    @property
    def kept_original(self) -> pd.DataFrame:
        """The original rows that stay (all of them unless a cleaning method removed some)."""
        data = self._original
        if len(self._removed_positions):
            keep = np.ones(len(data), dtype=bool)
            keep[self._removed_positions] = False
            data = data.iloc[np.flatnonzero(keep)]
        return data

    @property
    def original_index(self) -> pd.Index:
        return self.kept_original.index

    @cached_property
    def augmented(self) -> pd.DataFrame:
        """Original rows first, exactly as given, then the synthetic rows (built on first use)."""
        kept = self.kept_original
        out = pd.concat([kept, self.synthetic], axis=0, ignore_index=True, copy=False)
        # concat can widen a dtype when one side is empty; hold the input's dtypes exactly.
        for name in out.columns:
            want = self._original[name].dtype
            if out[name].dtype != want:
                out[name] = out[name].astype(want)
            if want == object:
                _keep_object_cells(out, name, kept[name], self.synthetic[name])
        return out

    @property
    def is_synthetic(self) -> pd.Series:
        """Boolean Series aligned with ``augmented``: True for generated rows."""
        n_old = len(self._original) - len(self._removed_positions)
        return pd.Series(np.r_[np.zeros(n_old, bool), np.ones(len(self.synthetic), bool)], name="is_synthetic")

    @property
    def auto(self) -> dict | None:
        """For ``method="auto"``: the candidates' inner-CV scores, the no-resampling baseline,
        the choice and ``beats_baseline`` (False means no candidate helped on that metric)."""
        return self.params.get("auto")

    @property
    def target(self):
        return self.schema.target.name

    def summary(self) -> str:
        """A few lines for a terminal: counts per class, method used, fallback, warnings."""
        lines = [f"method: {self.method}" + (f" -> {self.method_used}" if self.method_used != self.method else "")]
        if self.auto:
            a = self.auto
            scores = ", ".join(f"{m} {v:.3f}" for m, v in sorted(a.get("scores", {}).items(), key=lambda kv: -kv[1]))
            lines.append(f"auto: chose {a.get('chosen')!r} by {a.get('metric')} ({scores}; no resampling {a.get('baseline', float('nan')):.3f})"
                         + ("" if a.get("beats_baseline", True) else " - no candidate beats no resampling"))
        width = max(len(str(k)) for k in self.counts)
        lines.append(f"  {'class':<{width}}  {'before':>8}  {'generated':>9}  {'after':>8}")
        for label, c in self.counts.items():
            lines.append(f"  {str(label):<{width}}  {c['before']:>8}  {c['generated']:>9}  {c['after']:>8}")
        if len(self.removed_index):
            lines.append(f"removed by cleaning: {len(self.removed_index)} original row(s) (see removed_index)")
        if self.fallback:
            lines.append(f"fallback: {self.fallback}")
        for decision in self.gate.values():
            if decision.message() not in (self.fallback or "") and decision.message() not in self.warnings:
                lines.append(f"gate: {decision.message()}")
        if self.fidelity is not None:
            verdict = self.fidelity.verdict
            lines.append("fidelity: passed" if self.fidelity.passed else f"fidelity: FAILED - {verdict}")
        checks = [f["line"] for f in self.extra.get("fidelity_failed", {}).values()]
        for w in self.warnings:
            # the fallback and the fidelity lines above say these already
            if w != self.fallback and not any(w.startswith(line) for line in checks):
                lines.append(f"note: {w}")
        lines.append(f"seconds: {self.seconds:.2f}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-safe record of how the rows were made (the core of the provenance file)."""
        return {
            "target": json_scalar(self.target),
            "method": self.method,
            "method_used": self.method_used,
            "fallback": self.fallback,
            "sampling_strategy": _strategy_json(self.sampling_strategy),
            "random_state": self.random_state if isinstance(self.random_state, (int, type(None))) else repr(self.random_state),
            "params": _json_params(self.params),
            "counts": [
                {"label": json_scalar(label), **{k: int(v) for k, v in c.items()}} for label, c in self.counts.items()
            ],
            "per_class": [
                {k: (json_scalar(v) if not isinstance(v, (int, np.integer)) else int(v)) for k, v in row.items()}
                for row in self.per_class.to_dict(orient="records")
            ],
            "removed_index": [json_scalar(v) for v in self.removed_index],
            "warnings": list(self.warnings),
            "seconds": round(float(self.seconds), 4),
            "fidelity": None if self.fidelity is None else _fidelity_json(self.fidelity),
            **({"extra": _json_params(self.extra)} if self.extra else {}),
        }

    def __repr__(self) -> str:
        return (
            f"SampleResult(method={self.method!r}, method_used={self.method_used!r}, "
            f"generated={len(self.synthetic)}, fallback={self.fallback!r})"
        )


def _keep_object_cells(out: pd.DataFrame, name, first: pd.Series, second: pd.Series) -> None:
    """Put back the exact missing markers of an object column that ``pd.concat`` replaced.

    pandas treats a part whose object column is all missing as "no data" and fills it with
    float ``nan``, so an all-``pd.NA`` (or all-None) column came back as ``nan``: the original
    rows must come back exactly as given. The column is rebuilt from both parts' own objects
    (only when a part is all missing: otherwise concat kept every object as it was).
    """
    if not (first.isna().all() or second.isna().all()):
        return
    values = np.empty(len(first) + len(second), dtype=object)
    values[: len(first)] = first.to_numpy(dtype=object)
    values[len(first):] = second.to_numpy(dtype=object)
    out[name] = pd.Series(values, dtype=object, index=out.index)


def _fidelity_json(report) -> Any:
    if hasattr(report, "to_dict"):
        return report.to_dict()
    return {str(k): _fidelity_json(v) for k, v in report.items()} if isinstance(report, dict) else str(report)


def _strategy_json(strategy):
    if isinstance(strategy, dict):
        return {str(json_scalar(k)): int(v) for k, v in strategy.items()}
    return strategy if isinstance(strategy, (str, int, float)) else repr(strategy)


def _json_params(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        if isinstance(v, dict):
            out[str(k)] = _json_params({str(json_scalar(kk)): vv for kk, vv in v.items()})
        elif isinstance(v, (list, tuple)):
            out[str(k)] = [json_scalar(x) for x in v]
        else:
            out[str(k)] = json_scalar(v)
    return out
