"""Compare generators by what they do downstream: utility, fidelity and cost.

>>> from gensample import compare
>>> res = compare(df, "Class", methods=["smote", "random"], classifiers=["lr"], folds=3, repeats=1)
>>> print(res.table())          # terminal table, sorted by the chosen metric
>>> res.folds                   # every fold's numbers
>>> res.to_html("report.html")  # self-contained report

Also :func:`imbalance_profile` (rows per class, imbalance ratio, imbalance degree, LRID).
Names load on first use so that ``imbalance_profile`` does not import scikit-learn's models.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "compare": ("gensample.evaluation.compare", "compare"),
    "CompareResult": ("gensample.evaluation.compare", "CompareResult"),
    "imbalance_profile": ("gensample.evaluation.profile", "imbalance_profile"),
    "ImbalanceProfile": ("gensample.evaluation.profile", "ImbalanceProfile"),
    "METRICS": ("gensample.evaluation.metrics", "METRICS"),
    "CLASSIFIERS": ("gensample.evaluation.classifiers", "CLASSIFIERS"),
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'gensample.evaluation' has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
