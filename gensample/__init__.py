"""gensample: synthetic minority rows for imbalanced tables, checked and exported.

The public names are loaded on first use, so ``import gensample`` stays fast and the deep
learning libraries load only when a deep method runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .errors import GensampleError

__version__ = "0.1.0"

_LAZY = {
    "sample_minority": ("gensample.sampling", "sample_minority"),
    "SampleResult": ("gensample.result", "SampleResult"),
    "methods": ("gensample.registry", "methods"),
    "export": ("gensample.io", "export"),
    "read_table": ("gensample.io", "read_table"),
    "TableSchema": ("gensample.schema", "TableSchema"),
    "Generator": ("gensample.generators.base", "Generator"),
    "GensampleWarning": ("gensample.generators.base", "GensampleWarning"),
    # A failed final fidelity check (issue 14): users filter or escalate it by this name.
    "FidelityWarning": ("gensample.generators.base", "FidelityWarning"),
    "datasets": ("gensample.datasets", None),
    "fit_generator": ("gensample.fitted", "fit_generator"),
    "load_generator": ("gensample.fitted", "load_generator"),
    "fidelity": ("gensample.fidelity", None),
    "compare": ("gensample.evaluation.compare", "compare"),  # the function, even once the submodule is imported
    "GenerativeOverSampler": ("gensample.imblearn_sampler", "GenerativeOverSampler"),
    "BalancedClassifier": ("gensample.balanced", "BalancedClassifier"),
    "selection": ("gensample.selection", None),
}

__all__ = ["GensampleError", "__version__", *_LAZY]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'gensample' has no attribute {name!r}")
    module, attr = _LAZY[name]
    mod = importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover - for static analysers only
    from . import datasets, fidelity
    from . import selection
    from .balanced import BalancedClassifier
    from .generators.base import FidelityWarning, Generator, GensampleWarning
    from .io import export, read_table
    from .registry import methods
    from .result import SampleResult
    from .sampling import sample_minority
    from .schema import TableSchema
