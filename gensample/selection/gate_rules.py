"""The vs-smote gate's rules and its decision record, apart from the tests that gather evidence.

:func:`judge` is a pure function of recorded evidence (so a benchmark can replay other rules on
the same numbers, ``benchmarks/bench_vs_smote_gate.py``), :class:`GateDecision` the record
``sample_minority`` keeps in ``result.gate``, and :func:`gate_verdict` reads a fidelity report
for the ``check=True`` gate. The tests themselves (utility, resemblance) are in
:mod:`gensample.selection.gate`, which re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..fidelity.report import FidelityReport, FidelityReports
from ..utils import json_safe

#: How the vs-smote gate decides; see the module docstring.
RULES = ("not-worse", "better", "resemblance")
#: The default rule (chosen from the KEEL measurement of ``benchmarks/bench_vs_smote_gate.py``).
DEFAULT_RULE = "not-worse"
#: The default rule's allowance: ``DEFAULT_N_SE`` standard errors plus ``DEFAULT_TOLERANCE``.
DEFAULT_N_SE = 0.0
DEFAULT_TOLERANCE = 0.0
#: ``GateDecision.why`` codes: the deep method passed / failed / could not be judged.
PASSED = frozenset({"utility-not-worse", "utility-better", "resemblance-better"})
FAILED = frozenset({"utility-worse", "utility-not-better", "resemblance-not-better", "deep-failed"})
UNDECIDED = frozenset({"too-few-rows"})



def gate_verdict(report: FidelityReport | FidelityReports) -> str | None:
    """Why the ``check=True`` gate rejects the rows (mode collapse or copies), or None."""
    reports = list(report.values()) if isinstance(report, FidelityReports) else [report]
    reasons = []
    for r in reports:
        for group, words in (("mode_collapse", "mode collapse"), ("copies", "copies of real rows")):
            fired = [s for s in r.signals if s.group == group and s.decisive and s.fired]
            if fired:
                reasons.append(f"{words}: " + "; ".join(s.message for s in fired))
    return " | ".join(reasons) if reasons else None



@dataclass(frozen=True)
class GateDecision:
    """What the vs-smote gate decided for one class, as a record.

    Sentences (warnings, fallback reasons, errors, summaries) are written from it when they
    are shown, never parsed back.

    Attributes
    ----------
    label : the class
    asked : str
        The method the user asked for.
    used : str
        The method that makes the class's rows (``asked``, or ``"smote"``).
    why : str
        One of :data:`PASSED` (the method passed), :data:`FAILED` (it did not) or
        :data:`UNDECIDED` (the gate could not judge it).
    evidence : dict
        ``{"rule", "n_se", "margin", "utility": {...}, "resemblance": {...}}``: per-fold PR-AUC
        of both methods, their mean paired difference and its standard error; both
        resemblance scores with coverage and detection AUC (or ``{"skipped": why}``).
    rule : str
        The rule that decided (:data:`RULES`).
    binding : bool
        False when the verdict was reported only: the gate was not asked for explicitly and
        ``fallback=False`` kept the asked method's rows.
    """

    label: Any
    asked: str
    used: str
    why: str
    evidence: dict = field(repr=False)
    rule: str = DEFAULT_RULE
    binding: bool = True

    @property
    def passed(self) -> bool | None:
        """True: the method passed; False: it did not; None: the gate could not judge."""
        if self.why in PASSED:
            return True
        return False if self.why in FAILED else None

    @property
    def kept(self) -> bool:
        """Whether the asked method makes the rows."""
        return self.used == self.asked

    def verdict(self) -> str:
        """The gate's judgement in words, without what was done about it."""
        u = self.evidence.get("utility", {})
        r = self.evidence.get("resemblance", {})
        asked = repr(self.asked)
        if self.why in ("utility-not-worse", "utility-worse", "utility-better", "utility-not-better"):
            words = {
                "utility-not-worse": "trained a classifier no worse than 'smote''s rows",
                "utility-worse": "trained a worse classifier than 'smote''s rows",
                "utility-better": "trained a better classifier than 'smote''s rows",
                "utility-not-better": "did not train a better classifier than 'smote''s rows",
            }[self.why]
            text = (f"{asked}'s rows {words} (mean {u['metric']} of {u['estimator']} {u['deep_mean']:.3f} vs "
                    f"{u['smote_mean']:.3f} over {u['folds']} inner folds; difference {u['difference']:+.3f}"
                    + (f", allowance {self._allowance(u['se']):.3f})" if self._allowance(u["se"]) else ")"))
        elif self.why in ("resemblance-better", "resemblance-not-better"):
            d, s = r["deep"], r["smote"]
            text = (f"{asked}'s rows matched {r['holdout_rows']} held-out rows "
                    f"{'better' if self.why == 'resemblance-better' else 'no better'} than 'smote''s by "
                    f"{self.evidence['margin']} (score {d['score']:.3f} vs {s['score']:.3f}; coverage "
                    f"{d['coverage']:.2f} vs {s['coverage']:.2f}, detection AUC {d['auc']:.3f} vs {s['auc']:.3f})")
        elif self.why == "deep-failed":
            errors = [e for e in (u.get("error"), r.get("deep", {}).get("error")) if e]
            text = f"{asked} failed in the gate's own fits ({errors[0] if errors else 'no score'})"
        else:
            skipped = [x.get("skipped") or x.get("error") for x in (u, r) if x.get("skipped") or x.get("error")]
            text = f"could not judge {asked} ({'; '.join(skipped) or 'no score'})"
        if self.why.startswith("utility") and r.get("deep", {}).get("score") is not None \
                and r.get("smote", {}).get("score") is not None:
            text += (f"; resemblance to {r['holdout_rows']} held-out rows {r['deep']['score']:.3f} vs "
                     f"{r['smote']['score']:.3f}")
        return text

    def _allowance(self, se: float) -> float:
        return self.evidence.get("n_se", DEFAULT_N_SE) * se + self.evidence.get("tolerance", DEFAULT_TOLERANCE)

    def message(self) -> str:
        """The verdict and what was done about it, for warnings and the fallback record."""
        if not self.kept:
            then = f"used {self.used!r} instead"
        elif self.passed or (self.passed is None and not self.binding):
            then = f"kept {self.asked!r}"
        else:
            then = (f"kept {self.asked!r} anyway: fallback=False asks for the method's own rows "
                    "(gate='vs-smote' makes the verdict binding)")
        return f"vs-smote gate, class {self.label!r}: {self.verdict()}; {then}"

    def summary(self) -> str:
        """A few lines: the decision, then both tests' numbers."""
        lines = [self.message()]
        u = self.evidence.get("utility", {})
        if "deep" in u:
            folds = ", ".join("failed" if a is None else f"{a:.3f}" for a in u["deep"])
            lines.append(f"  utility ({u['metric']}, {u['estimator']}, {u['folds']} folds): {self.asked} [{folds}], "
                         f"smote [{', '.join('failed' if b is None else f'{b:.3f}' for b in u['smote'])}]")
        r = self.evidence.get("resemblance", {})
        for name in ("deep", "smote"):
            s = r.get(name)
            if s and s.get("score") is not None:
                lines.append(f"  resemblance {self.asked if name == 'deep' else 'smote'}: score {s['score']:.3f} "
                             f"(coverage {s['coverage']:.2f}, detection AUC {s['auc']:.3f})")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return json_safe({
            "gate": "vs-smote", "label": self.label, "asked": self.asked, "used": self.used, "why": self.why,
            "passed": self.passed, "binding": self.binding, "rule": self.rule, "message": self.message(),
            "evidence": self.evidence,
        })


def judge(evidence: dict, rule: str = DEFAULT_RULE, *, n_se: float = DEFAULT_N_SE, tolerance: float = DEFAULT_TOLERANCE,
          margin: float = 0.05) -> str:
    """The ``why`` code of a decision from the gate's ``evidence`` under ``rule``.

    A pure function of the recorded numbers, so a benchmark can replay other rules on the same
    evidence.

    Parameters
    ----------
    evidence : dict
        ``{"utility": ..., "resemblance": ...}`` as :func:`vs_smote` records it.
    rule : {"not-worse", "better", "resemblance"}
        ``"not-worse"``: pass unless the mean paired PR-AUC difference (deep - smote) is below
        ``-(n_se x SE + tolerance)``. ``"better"``: pass only if it is above
        ``n_se x SE + tolerance``. ``"resemblance"``: pass only if the deep resemblance score
        is higher by ``margin``.
    n_se : float, default 0.0
        Corrected standard errors of the paired differences (see :func:`vs_smote`).
    tolerance : float, default 0.0
        A fixed PR-AUC allowance added to the noise term.
    margin : float, default 0.05

    Returns
    -------
    str
        A code of :data:`PASSED`, :data:`FAILED` or :data:`UNDECIDED`.
    """
    if rule == "resemblance":
        r = evidence.get("resemblance", {})
        if "skipped" in r or r.get("smote", {}).get("score") is None:
            return "too-few-rows"
        if r.get("deep", {}).get("score") is None:
            return "deep-failed"
        return "resemblance-better" if r["deep"]["score"] >= r["smote"]["score"] + margin else "resemblance-not-better"
    u = evidence.get("utility", {})
    if "skipped" in u:
        return "too-few-rows"
    if u.get("error") is not None:
        return "deep-failed"
    if u.get("difference") is None:
        return "too-few-rows"
    bar = n_se * u["se"] + tolerance
    if rule == "better":
        return "utility-better" if u["difference"] > bar else "utility-not-better"
    return "utility-not-worse" if u["difference"] >= -bar else "utility-worse"
