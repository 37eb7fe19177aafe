"""FidelityReport: the measures, the signals behind the verdict, and the verdict.

The verdict has three parts, each a boolean backed by named signals:

* ``mode_collapse``: coverage far below what a perfect generator gets at these sizes,
  k-means modes of the real rows left empty, real categories never produced, duplicate rows
  or repeated values well above the real rows' rate at the same size;
* ``copies_detected``: exact copies of real rows above the real rows' own repeat rate, near
  copies (much nearer a real row than real rows are to each other) above the leave-one-out
  rate, or a median distance to the closest real record under a tenth of the real
  nearest-neighbour distance;
* ``passed``: no column, pair or detection signal fired, no mode collapse, no copies.

Each signal is *decisive* (it enters the verdict) or *supporting* (shown, for a human to
weigh: MMD, a detection AUC below 0.5, precision and coverage both saturated,
authenticity). Every threshold is ``max(noise floor, tolerance)``, see
:mod:`gensample.fidelity.calibration`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..utils import json_safe as _json_safe
from .calibration import Thresholds

GROUPS = ("fidelity", "mode_collapse", "copies")


@dataclass
class Signal:
    """One piece of evidence: a value, its threshold, and whether it fired."""

    name: str
    group: str
    value: Any
    threshold: Any
    fired: bool
    decisive: bool
    message: str

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "group": self.group,
            "value": json_safe(self.value),
            "threshold": json_safe(self.threshold),
            "fired": bool(self.fired),
            "decisive": bool(self.decisive),
            "message": self.message,
        }


@dataclass(eq=False)
class FidelityReport:
    """How synthetic rows of one class compare with the real rows of that class.

    Attributes
    ----------
    passed, mode_collapse, copies_detected : bool
        The verdict (properties; see the module docstring).
    signals : list of Signal
        The evidence behind each part of the verdict.
    columns : DataFrame
        One row per feature column: ``statistic`` ("ks" or "tvd"), ``value``, ``score``
        (1 - value: SDMetrics' KSComplement / TVComplement), ``threshold``, ``noise_floor``,
        ``wasserstein`` (in real sd), missing rates, ``failed``, ``reasons``, ``severity``
        (largest value/threshold ratio of the column's tests).
    pairs : DataFrame
        One row per compared pair of columns (Spearman correlations, contingency tables).
    detection, mmd, diversity, copies : dict
        The multivariate, diversity and copy measures with their thresholds.
    sizes : dict
        Rows used by each measure (large tables are subsampled where a statistic allows).
    """

    label: Any
    target: Any
    n_real: int
    n_synthetic: int
    columns: pd.DataFrame
    pairs: pd.DataFrame
    detection: dict
    mmd: dict
    diversity: dict
    copies: dict
    signals: list
    thresholds: Thresholds
    sizes: dict
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    random_state: Any = None

    # ------------------------------------------------------------------ verdict
    def _fired(self, group: str) -> list[Signal]:
        return [s for s in self.signals if s.group == group and s.decisive and s.fired]

    @property
    def mode_collapse(self) -> bool:
        return bool(self._fired("mode_collapse"))

    @property
    def copies_detected(self) -> bool:
        return bool(self._fired("copies"))

    @property
    def passed(self) -> bool:
        return not any(self._fired(g) for g in GROUPS)

    @property
    def failed_columns(self) -> list:
        if self.columns.empty:
            return []
        return list(self.columns.loc[self.columns["failed"], "column"])

    def worst_columns(self, n: int = 3) -> pd.DataFrame:
        """The ``n`` columns furthest beyond (or closest to) their thresholds."""
        if self.columns.empty:
            return self.columns
        return self.columns.sort_values("severity", ascending=False, kind="stable").head(n)

    def signals_for(self, group: str) -> list[Signal]:
        return [s for s in self.signals if s.group == group]

    @property
    def verdict(self) -> str:
        """One line: 'passed' or what failed, e.g. 'mode collapse: coverage 0.20 < 0.83'."""
        if self.passed:
            return "passed"
        parts = []
        for group, words in (("mode_collapse", "mode collapse"), ("copies", "copies"), ("fidelity", "fidelity")):
            fired = self._fired(group)
            if fired:
                parts.append(f"{words}: " + "; ".join(s.message for s in fired))
        return " | ".join(parts)

    def failed_checks(self) -> list[Signal]:
        """The decisive signals that fired (empty when the rows passed), in the verdict's order."""
        return [s for g in ("mode_collapse", "copies", "fidelity") for s in self._fired(g)]

    def failure_line(self, made_by: str | None = None) -> str:
        """One line for a terminal or a warning: what failed, with its figures ("" when passed).

        Names the class, how many rows (and, with ``made_by``, which method made them), and
        each failed check with the figures behind it: the worst columns' statistics, the pair
        furthest from its real relation, AUC, coverage, copy shares.
        """
        if self.passed:
            return ""
        who = f"class {self.label!r}" if self.target is not None else "the synthetic rows"
        by = f" by {made_by}" if made_by else ""
        parts = []
        for s in self.failed_checks():
            text = s.message
            if s.name == "columns":
                worst = self.columns[self.columns["failed"]].sort_values("severity", ascending=False, kind="stable")
                text = (f"{len(worst)} column(s) differ, worst "
                        + ", ".join(_column_brief(r) for _, r in worst.head(3).iterrows()))
            elif s.name == "pairs":
                text = f"{len(s.value)} pair(s) of columns relate differently" + _worst_pair(self.pairs)
            parts.append(f"{s.name}: {text}")
        return (f"fidelity check FAILED for {who} ({self.n_synthetic} new rows{by} vs {self.n_real} real rows): "
                + "; ".join(parts))

    # ------------------------------------------------------------------ output
    def summary(self) -> str:
        """A few lines for a terminal: verdict, signals that fired, worst columns, key figures."""
        who = f"class {self.label!r}" if self.target is not None else "all rows"
        state = "PASSED" if self.passed else "FAILED"
        lines = [f"Fidelity of {self.n_synthetic} synthetic rows vs {self.n_real} real rows ({who}): {state}"]
        for group, words in (("fidelity", "fidelity"), ("mode_collapse", "mode collapse"), ("copies", "copies")):
            fired = self._fired(group)
            if fired:
                lines.append(f"  {words}: " + "; ".join(s.message for s in fired))
            else:
                lines.append(f"  {words}: ok")
        support = [s for s in self.signals if not s.decisive and s.fired]
        for s in support:
            lines.append(f"  note: {s.message}")
        failed = self.columns[self.columns["failed"]] if not self.columns.empty else self.columns
        if len(failed):
            lines.append("  failed columns:")
            for _, row in failed.sort_values("severity", ascending=False).iterrows():
                lines.append(f"    {row['column']}: {'; '.join(row['reasons'])}")
        worst = self.worst_columns(3)
        if len(worst):
            lines.append("  worst columns: " + ", ".join(_column_brief(r) for _, r in worst.iterrows()))
        p = self.diversity.get("prdc", {})
        if p.get("coverage") is not None:
            lines.append(
                f"  precision {p['precision']:.2f}  recall {p['recall']:.2f}  density {p['density']:.2f}  "
                f"coverage {p['coverage']:.2f} (perfect generator: {p.get('expected_coverage', float('nan')):.2f})"
            )
        if self.detection.get("auc") is not None:
            lines.append(f"  detection AUC {self.detection['auc']:.3f} (0.5 = indistinguishable)"
                         + (f"; MMD^2 {self.mmd['mmd2']:.4f} (p = {self.mmd['p_value']:.3f})" if self.mmd.get("mmd2") is not None else ""))
        dcr = self.copies.get("dcr", {})
        if dcr.get("dcr_ratio") is not None:
            lines.append(
                f"  DCR ratio {dcr['dcr_ratio']:.2f} (fresh samples ~1, SMOTE ~0.3, copies ~0); near copies "
                f"{dcr['near_copy_share']:.1%}; exact copies {self.copies['exact']['share']:.1%}"
            )
        for note in self.notes:
            lines.append(f"  note: {note}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Everything in the report as JSON-safe built-in types (NaN and inf become None)."""
        return json_safe({
            "label": self.label,
            "target": self.target,
            "passed": self.passed,
            "mode_collapse": self.mode_collapse,
            "copies_detected": self.copies_detected,
            "verdict": self.verdict,
            "n_real": self.n_real,
            "n_synthetic": self.n_synthetic,
            "signals": [s.to_dict() for s in self.signals],
            "columns": self.columns.to_dict(orient="records"),
            "pairs": self.pairs.to_dict(orient="records"),
            "detection": self.detection,
            "mmd": self.mmd,
            "diversity": self.diversity,
            "copies": self.copies,
            "thresholds": self.thresholds.to_dict(),
            "sizes": self.sizes,
            "notes": list(self.notes),
            "seconds": round(float(self.seconds), 4),
            "random_state": self.random_state,
            "summary": self.summary(),
        })

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def __repr__(self) -> str:
        return (
            f"FidelityReport(label={self.label!r}, passed={self.passed}, mode_collapse={self.mode_collapse}, "
            f"copies_detected={self.copies_detected}, n_real={self.n_real}, n_synthetic={self.n_synthetic})"
        )

    def _repr_html_(self) -> str:  # notebooks show the summary, not a wall of dicts
        import html

        return f"<pre>{html.escape(self.summary())}</pre>"


class FidelityReports(Mapping):
    """One :class:`FidelityReport` per class, with the same verdict interface.

    Returned by :func:`~gensample.fidelity.evaluate` when the synthetic rows hold several
    classes: classes are never pooled, since pooling hides a class that collapsed behind one
    that did not. ``passed`` is True when every class passed; ``mode_collapse`` and
    ``copies_detected`` when any class shows them.
    """

    def __init__(self, reports: dict):
        self.reports = dict(reports)

    def __getitem__(self, label) -> FidelityReport:
        return self.reports[label]

    def __iter__(self) -> Iterator:
        return iter(self.reports)

    def __len__(self) -> int:
        return len(self.reports)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.reports.values())

    @property
    def mode_collapse(self) -> bool:
        return any(r.mode_collapse for r in self.reports.values())

    @property
    def copies_detected(self) -> bool:
        return any(r.copies_detected for r in self.reports.values())

    @property
    def signals(self) -> list[Signal]:
        return [s for r in self.reports.values() for s in r.signals]

    @property
    def verdict(self) -> str:
        if self.passed:
            return "passed"
        return " || ".join(f"class {k!r}: {r.verdict}" for k, r in self.reports.items() if not r.passed)

    def summary(self) -> str:
        head = f"Fidelity of {len(self)} classes: {'PASSED' if self.passed else 'FAILED'}"
        return "\n\n".join([head] + [r.summary() for r in self.reports.values()])

    def to_dict(self) -> dict:
        return json_safe({
            "passed": self.passed,
            "mode_collapse": self.mode_collapse,
            "copies_detected": self.copies_detected,
            "verdict": self.verdict,
            "classes": [r.to_dict() for r in self.reports.values()],
            "summary": self.summary(),
        })

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def __repr__(self) -> str:
        return f"FidelityReports({', '.join(repr(r) for r in self.reports.values())})"

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.summary())}</pre>"


def _column_brief(row) -> str:
    """'name (KS 0.42, W1 0.76 sd)': the column's statistics, as judged."""
    parts = []
    value = row["value"]
    if row["statistic"] is not None and value is not None and not (isinstance(value, float) and math.isnan(value)):
        parts.append(f"{row['statistic'].upper()} {value:.2f}")
    w1 = row.get("wasserstein")
    if w1 is not None and not (isinstance(w1, float) and math.isnan(w1)):
        parts.append(f"W1 {w1:.2f} sd")
    if row["missing_diff"] and row["missing_diff"] >= 0.01:
        parts.append(f"missing {row['missing_synthetic']:.0%} vs {row['missing_real']:.0%}")
    return f"{row['column']} ({', '.join(parts) or 'no values'})"


def _worst_pair(pairs: pd.DataFrame) -> str:
    """', worst a~b (spearman 0.91 real vs 0.12)': the failed pair furthest beyond its threshold."""
    if pairs.empty or not pairs["failed"].any():
        return ""
    bad = pairs[pairs["failed"]]
    row = bad.loc[(bad["difference"] / bad["threshold"].where(bad["threshold"] > 0, 1.0)).idxmax()]
    if row["measure"] == "spearman":
        figures = f"Spearman {row['real']:.2f} real vs {row['synthetic']:.2f}"
    else:
        figures = f"joint TVD {row['difference']:.2f} > {row['threshold']:.2f}"
    return f", worst {row['column_a']}~{row['column_b']} ({figures})"


def _signal_dict(value: Any) -> Any:
    return value.to_dict() if isinstance(value, Signal) else NotImplemented


def json_safe(value: Any) -> Any:
    """:func:`gensample.utils.json_safe`, with :class:`Signal` leaves as their dicts."""
    return _json_safe(value, default=_signal_dict)
