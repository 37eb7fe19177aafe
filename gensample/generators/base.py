"""The generator plugin protocol.

A generator is a class that declares what it is (name, one-line description, family, what
data it handles, whether it does multi-class, its minimum rows per class and its default
parameters) and implements :meth:`Generator.generate`. It sees only an
:class:`~gensample.schema.EncodedTable` (numbers, no NaN: missing cells were imputed before
and are put back after) and a plan ``{class code: rows to make}``; it never sees file paths,
CLI flags or pandas dtypes. Decoding to the user's dtypes happens once, in the schema.

Third-party packages register subclasses through the ``gensample.generators`` entry-point
group (see :mod:`gensample.registry`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..errors import ParameterError, closest
from ..schema import EncodedTable

#: The data kinds a generator may declare in ``handles``.
DATA_KINDS = ("numeric", "categorical", "mixed", "missing")


class GensampleWarning(UserWarning):
    """A decision gensample took for the user (lowered k, fallback); also kept in the result."""


@dataclass
class Generated:
    """What one call of :meth:`Generator.generate` made.

    Attributes
    ----------
    numeric, categorical : ndarray
        New rows in the encoded space (``categorical`` holds category codes).
    y : ndarray of int
        Class code of each new row.
    copied_from : ndarray of int, optional
        When the new rows are exact copies of real rows (random oversampling), the row
        positions (indices into the encoded table) they copy; the rows are then taken from
        the user's data as they are, missing cells included.
    removed : ndarray of int
        Rows of the encoded table that a cleaning step removed (SMOTE-ENN, SMOTE-Tomek).
    params : dict
        Effective parameters (e.g. a lowered ``k_neighbors``).
    notes : list of str
        Decisions taken on the way, in words.
    made_by : str, optional
        The method that really made the rows, when a generator delegates (``auto``).
    """

    numeric: np.ndarray
    categorical: np.ndarray
    y: np.ndarray
    copied_from: np.ndarray | None = None
    removed: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    params: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    made_by: str | None = None

    @classmethod
    def empty(cls, table: EncodedTable) -> Generated:
        return cls(
            np.empty((0, table.numeric.shape[1])),
            np.empty((0, table.categorical.shape[1]), dtype=np.int64),
            np.empty(0, dtype=np.int64),
        )


class Generator:
    """Base class of every method in the registry.

    Subclasses set the class attributes below and implement :meth:`_generate`. Parameters
    are stored as given in ``__init__`` and validated against :attr:`defaults` there too:
    an unknown name is an error that lists the valid ones.
    """

    #: Name used in ``method=``, the CLI and ``methods()``.
    name: ClassVar[str] = ""
    #: One line for ``methods()``.
    description: ClassVar[str] = ""
    #: ``"interpolation"``, ``"copy"`` or ``"deep"``.
    family: ClassVar[str] = "interpolation"
    #: Which of :data:`DATA_KINDS` the method handles.
    handles: ClassVar[frozenset] = frozenset(DATA_KINDS)
    multiclass: ClassVar[bool] = True
    #: Fewest rows a class needs for this method; smaller classes fall back (see policy).
    min_rows: ClassVar[int] = 2
    #: Default parameters; the keys are the only parameter names accepted.
    defaults: ClassVar[dict] = {}
    #: True when the method looks at the other classes' rows (danger zones, cleaning).
    needs_all_rows: ClassVar[bool] = False
    #: True when the method may remove original rows.
    cleans: ClassVar[bool] = False

    def __init__(self, **params: Any):
        unknown = [k for k in params if k not in self.defaults]
        if unknown:
            valid = ", ".join(sorted(self.defaults)) or "none"
            hint = closest(unknown[0], self.defaults)
            raise ParameterError(
                f"method {self.name!r} has no parameter {unknown[0]!r}"
                + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + f"; its parameters are: {valid}"
            )
        self.params = {**self.defaults, **params}

    def get_params(self) -> dict:
        return dict(self.params)

    def generate(self, table: EncodedTable, plan: dict, rng: np.random.Generator) -> Generated:
        """Make ``plan[c]`` new rows of each class code ``c``.

        Parameters
        ----------
        table : EncodedTable
            The rows the method may learn from: only the planned classes' rows, or the whole
            table when :attr:`needs_all_rows` is set. No missing cells.
        plan : dict
            ``{class code: number of rows to make}``.
        rng : numpy.random.Generator
            The only source of randomness.
        """
        self._validate_params()
        if not plan:
            return Generated.empty(table)
        return self._generate(table, plan, rng)

    def _validate_params(self) -> None:
        """Check parameter values; raise ParameterError naming the parameter. Override to add checks."""

    def _generate(self, table: EncodedTable, plan: dict, rng: np.random.Generator) -> Generated:
        raise NotImplementedError  # pragma: no cover - every registered method overrides it

    # helpers for subclasses ---------------------------------------------------------
    def _check_int(self, name: str, minimum: int = 0) -> int:
        value = self.params[name]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ParameterError(f"{self.name}: {name} must be an integer >= {minimum}, got {value!r}")
        return int(value)

    def _check_float(self, name: str, low: float | None = None, high: float | None = None) -> float:
        value = self.params[name]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ParameterError(f"{self.name}: {name} must be a number, got {value!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ParameterError(f"{self.name}: {name} must be in [{low}, {high}], got {value!r}")
        return float(value)

    def _check_choice(self, name: str, choices: tuple) -> Any:
        value = self.params[name]
        if value not in choices:
            raise ParameterError(f"{self.name}: {name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
        return value


def warn(message: str, notes: list | None = None) -> None:
    """Warn the user and keep the message for the result."""
    if notes is not None:
        notes.append(message)
    warnings.warn(message, GensampleWarning, stacklevel=3)
