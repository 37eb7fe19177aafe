"""Decisions taken for the user, as records: what was asked, what was used, why, the evidence.

A :class:`Decision` is made by a rule of :mod:`gensample.policy` (or by a gate of
:mod:`gensample.selection.gate`) and travels unchanged through the per-class runner to the
result. Sentences are written from it only where a person reads them: warnings, the CLI,
``SampleResult.fallback`` / ``per_class`` and the provenance file. Nothing parses them back.

Reason codes (``Decision.why``):

``None``
    The asked method makes the rows; nothing to say.
``"too-few-rows"``
    The class has fewer rows than the method's ``min_rows`` (policy rule 1);
    evidence ``{"rows", "min_rows"}``.
``"training-failed"``
    The method's training failed (policy rule 2); evidence ``{"labels", "error"}``.
``"fidelity-rejected"``, ``"fidelity-reported"``
    The fidelity check found mode collapse or copies (policy rule 3); the rows were replaced,
    or, under the default check with ``fallback=False``, kept and reported;
    evidence ``{"verdict"}``.
``"vs-smote"``
    The vs-smote gate settled who makes the rows (policy rule 4); evidence ``{"gate"}``, the
    gate's own record (:class:`gensample.selection.gate.GateDecision`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Every reason code a Decision may carry (None: the asked method, nothing to say).
REASONS = ("too-few-rows", "training-failed", "fidelity-rejected", "fidelity-reported", "vs-smote")


@dataclass(frozen=True)
class Decision:
    """Which method makes a class's rows, and why when it is not simply the one asked.

    Attributes
    ----------
    asked : str
        The method the user (or the caller) asked for.
    used : str
        The method that makes the rows.
    why : str or None
        A code of :data:`REASONS`, or None when ``used`` is ``asked`` with nothing to report.
    label : object
        The class.
    evidence : dict
        The facts behind the decision (see the module docstring for each code).
    """

    asked: str
    used: str
    why: str | None = None
    label: Any = None
    evidence: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def method(self) -> str:
        """The method that makes the rows (``used``)."""
        return self.used

    @property
    def reason(self) -> str | None:
        """The decision in words, or None when there is nothing to report."""
        return None if self.why is None else self.message()

    def verdict(self) -> str:
        """What was found, without what was done about it."""
        e = self.evidence
        if self.why == "too-few-rows":
            n = e["rows"]
            return (f"class {self.label!r} has {n} row{'s' if n != 1 else ''}, fewer than the {e['min_rows']} "
                    f"that {self.asked!r} needs")
        if self.why == "training-failed":
            names = ", ".join(repr(label) for label in e["labels"])
            return f"{self.asked!r} failed on class {names} ({e['error']})"
        if self.why in ("fidelity-rejected", "fidelity-reported"):
            return f"{self.asked!r} for class {self.label!r} ({e['verdict']})"
        if self.why == "vs-smote":
            return e["gate"].verdict()
        return f"{self.asked!r} makes the rows of class {self.label!r}"

    def message(self) -> str:
        """The decision and what was done, for warnings, the fallback record and provenance."""
        if self.why in ("too-few-rows", "training-failed"):
            return f"{self.verdict()}; used {self.used!r} instead"
        if self.why == "fidelity-rejected":
            return f"fidelity gate rejected {self.verdict()}; used {self.used!r} instead"
        if self.why == "fidelity-reported":
            return (f"fidelity gate would reject {self.verdict()}; kept its rows: fallback=False asks for the "
                    "method's own rows (check=True makes the check binding)")
        if self.why == "vs-smote":
            return self.evidence["gate"].message()
        return self.verdict()

    def to_dict(self) -> dict:
        """JSON-safe record (the evidence's own records as their dicts)."""
        from .utils import json_safe

        evidence = {k: (v.to_dict() if hasattr(v, "to_dict") else v) for k, v in self.evidence.items()}
        return json_safe({"asked": self.asked, "used": self.used, "why": self.why, "label": self.label,
                          "message": None if self.why is None else self.message(), "evidence": evidence})


def describe_error(error: BaseException, limit: int = 300) -> str:
    """``Type: message`` of an exception, cut to ``limit`` characters (for a decision's evidence)."""
    what = f"{type(error).__name__}: {error}".strip()
    return what if len(what) <= limit else what[: limit - 3] + "..."
