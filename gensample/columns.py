"""What a column is: its kind (continuous, integer, boolean, categorical, datetime, empty) and
the record of how it was observed (:class:`ColumnSpec`, :class:`TargetSpec`).

Apart from :mod:`gensample.schema` so that the cell codecs (:mod:`gensample._codecs`) and the
schema can both use them without importing each other; :mod:`gensample.schema` re-exports
every name, and callers import them from there.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any


from .utils import json_scalar

CONTINUOUS = "continuous"
INTEGER = "integer"
BOOLEAN = "boolean"
CATEGORICAL = "categorical"
DATETIME = "datetime"
EMPTY = "empty"  # a column with no observed value at all: it stays missing in every synthetic row
NUMERIC_KINDS = (CONTINUOUS, INTEGER, BOOLEAN, DATETIME)

#: Largest magnitude up to which every integer is exactly a float64.
EXACT_FLOAT_INT = 2**53

NS_PER_DAY = 86_400 * 10**9
# Datetime resolutions tried from coarsest to finest, in nanoseconds.
DATETIME_RESOLUTIONS = (
    ("D", NS_PER_DAY),
    ("h", 3_600 * 10**9),
    ("min", 60 * 10**9),
    ("s", 10**9),
    ("ms", 10**6),
    ("us", 10**3),
    ("ns", 1),
)


@dataclass
class ColumnSpec:
    """What gensample knows about one feature column."""

    name: Hashable
    kind: str
    dtype: Any
    missing_rate: float = 0.0
    na_value: Any = None
    categories: list = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    resolution: str | None = None  # datetime only
    tz: Any = None  # datetime only

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def wide(self) -> bool:
        """An integer column with values beyond 2**53 (its range is then kept as exact ints)."""
        # By magnitude, not by type: a range read back as floats (an older model card) still
        # decodes through the offsets it was encoded with, if not to the last unit.
        return (self.kind == INTEGER and self.minimum is not None and self.maximum is not None
                and max(abs(self.minimum), abs(self.maximum)) > EXACT_FLOAT_INT)

    @property
    def offset(self) -> int:
        """The exact integer subtracted before encoding (0 unless the column is wide and exact).

        The float64 nearest the minimum, as an int: the same whether the range was kept as
        exact ints or read back as floats, so a model card that stored floats still decodes
        through the offsets its model was trained on.
        """
        if self.wide and self.exact:
            return int(float(self.minimum))
        return 0

    @property
    def exact(self) -> bool:
        """Whether float64 arithmetic on the encoded column gives exact values back."""
        # Half a unit of the minimum's float is added by rounding the offset base.
        return not self.wide or int(self.maximum) - int(self.minimum) <= EXACT_FLOAT_INT // 2

    def to_dict(self) -> dict:
        """A JSON-safe description (used in provenance records and model cards)."""
        out = {
            "name": json_scalar(self.name),
            "kind": self.kind,
            "dtype": str(self.dtype),
            "missing_rate": round(float(self.missing_rate), 6),
        }
        if self.kind == CATEGORICAL:
            out["categories"] = [json_scalar(c) for c in self.categories]
        if self.minimum is not None:
            out["minimum"] = self.minimum
            out["maximum"] = self.maximum
        if self.resolution is not None:
            out["resolution"] = self.resolution
            out["tz"] = None if self.tz is None else str(self.tz)
        return out


@dataclass
class TargetSpec:
    """The target column: its labels (exact objects, in a fixed order) and dtype."""

    name: Hashable
    dtype: Any
    labels: list
    counts: list

    def to_dict(self) -> dict:
        return {
            "name": json_scalar(self.name),
            "dtype": str(self.dtype),
            "labels": [json_scalar(v) for v in self.labels],
            "counts": [int(c) for c in self.counts],
        }
