"""Fidelity of one class's synthetic rows: a pure scorer (rows in, report out).

:func:`check_rows` is what ``sample_minority``'s ``check`` runs per class, and what the
vs-smote gate's resemblance test scores held-out rows with; :func:`combine` joins the
per-class reports of one call. What is done about a report (reject, regenerate) is decided in
:mod:`gensample.selection.gate`, not here.
"""

from __future__ import annotations

import pandas as pd

from ..schema import TableSchema
from .core import evaluate
from .report import FidelityReport, FidelityReports

#: Seed of the check inside ``sample_minority``: the default of :func:`evaluate` and of
#: ``gensample check --seed``, so that the same rows get the same verdict there and here
#: (the permutation noise floors depend on the seed).
CHECK_SEED = 0


def check_rows(
    real_rows: pd.DataFrame,
    synthetic_rows: pd.DataFrame,
    schema: TableSchema | None = None,
    *,
    label=None,
    random_state: int | None = CHECK_SEED,
    thresholds=None,
) -> FidelityReport:
    """Fidelity report of one class's synthetic rows against that class's real rows.

    Parameters
    ----------
    real_rows, synthetic_rows : DataFrame
        The class's rows, with or without the target column.
    schema : TableSchema, optional
        The schema ``sample_minority`` built (column kinds and categories of the whole table).
    label : optional
        The class label (shown in the report).
    random_state : int or None
    thresholds : Thresholds or dict, optional
    """
    target = schema.target.name if schema is not None else None
    real = real_rows.drop(columns=[target]) if target is not None and target in real_rows.columns else real_rows
    syn = synthetic_rows.drop(columns=[target]) if target is not None and target in synthetic_rows.columns else synthetic_rows
    report = evaluate(real, syn, schema=schema, random_state=random_state, thresholds=thresholds)
    report.label = label
    report.target = None if target is None else target
    return report


def combine(reports: dict) -> FidelityReport | FidelityReports | None:
    """One report as is; several (one per class) as :class:`FidelityReports`."""
    if not reports:
        return None
    if len(reports) == 1:
        return next(iter(reports.values()))
    return FidelityReports(reports)
