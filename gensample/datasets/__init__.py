"""Small real imbalanced datasets bundled with gensample (no network needed).

>>> from gensample import datasets
>>> datasets.names()
['abalone9-18', 'car-good', 'yeast4']
>>> df = datasets.load("abalone9-18")   # target column "Class", minority "positive"

Sources and licences are in ``SOURCES.md`` beside this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import pandas as pd

from ..errors import InputError, closest
from .baselines import independent_marginals  # noqa: F401  (the no-learning floor of generator benchmarks)
from .planted import band_of, planted_table  # noqa: F401  (tables with a known dependency structure)


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    kind: str  # numeric / mixed / categorical
    target: str
    minority: str
    rows: int
    description: str


_INFO = {
    "abalone9-18": DatasetInfo(
        "abalone9-18", "mixed", "Class", "positive", 731,
        "Abalone: sex (text) and 7 shell measurements; positive = 18 rings vs 9 rings (42 of 731 rows).",
    ),
    "car-good": DatasetInfo(
        "car-good", "categorical", "Class", "positive", 1728,
        "Car evaluation: 6 categorical attributes; positive = 'good' cars (69 of 1728 rows).",
    ),
    "yeast4": DatasetInfo(
        "yeast4", "numeric", "Class", "positive", 1484,
        "Yeast protein localisation: 8 numeric features; positive = class ME2 (51 of 1484 rows).",
    ),
}


def names() -> list[str]:
    """Names of the bundled datasets."""
    return sorted(_INFO)


def info(name: str) -> DatasetInfo:
    """Kind, target column, minority label, size and a description of a bundled dataset."""
    _check(name)
    return _INFO[name]


def load(name: str) -> pd.DataFrame:
    """The bundled dataset ``name`` as a DataFrame (target column ``Class``)."""
    _check(name)
    with resources.files(__package__).joinpath(f"{name}.csv").open("rb") as fh:
        frame = pd.read_csv(fh)
    frame.attrs["gensample_source"] = {"path": f"gensample.datasets:{name}", "sha256": None, "format": "csv"}
    return frame


def _check(name: str) -> None:
    if name not in _INFO:
        hint = closest(str(name), _INFO)
        raise InputError(
            f"no bundled dataset {name!r}"
            + (f"; did you mean {hint[0]!r}?" if hint else "")
            + f" Bundled: {', '.join(names())}"
        )
