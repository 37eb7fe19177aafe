"""Fidelity checks: can these synthetic minority rows be trusted?

:func:`evaluate` compares synthetic rows with the real rows of the same class and returns a
:class:`FidelityReport` with measures per column, per pair of columns and for whole rows, the
diversity and copy measures that reveal mode collapse and memorisation, and a verdict
(``passed``, ``mode_collapse``, ``copies_detected``) whose thresholds are calibrated to the
sample sizes. See the module of each measure for what it computes and why::

    from gensample.fidelity import evaluate
    report = evaluate(real_table, result.synthetic, target="Class")
    print(report.summary())
    report.passed, report.mode_collapse, report.copies_detected

``gensample check REAL SYNTHETIC --target COL`` does the same on files.
"""

from .calibration import Thresholds
from .core import evaluate
from .report import FidelityReport, FidelityReports, Signal

__all__ = ["FidelityReport", "FidelityReports", "Signal", "Thresholds", "evaluate"]
