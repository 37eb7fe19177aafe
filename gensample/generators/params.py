"""Declarative parameter constraints for generator plugins.

Each plugin declares, once, what every parameter may be (``parameter_constraints``, a dict
``{name: [constraint, ...]}``, a value passing any one constraint of its list), as
scikit-learn's estimators do with ``_parameter_constraints``. :meth:`Generator.validate_params`
checks them with :func:`check_params`; relations between parameters (``max_steps`` not below
``min_steps``, names that must exist in the registry) stay in the plugin's
``_validate_relations`` hook.

Why not scikit-learn's ``sklearn.utils._param_validation`` itself: it is a private module
(its names and messages change between releases), it raises ``InvalidParameterError`` with
scikit-learn's wording, and gensample's messages name the method ("smote: k_neighbors must be
an integer >= 1, got 0") and are matched by users' scripts and the tests. The few constraint
kinds below are all the registry needs.
"""

from __future__ import annotations

import abc
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import ParameterError

__all__ = ["Boolean", "Constraint", "Integer", "Options", "Real", "Satisfies", "Widths", "check_params"]


class Constraint(abc.ABC):
    """One admissible kind of value; :meth:`describe` completes "must be ..."."""

    @abc.abstractmethod
    def is_satisfied_by(self, value: Any) -> bool:
        """Whether ``value`` is admitted."""

    @abc.abstractmethod
    def describe(self) -> str:
        """What the constraint admits, in words."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class Integer(Constraint):
    """An integer (not a bool) at least ``low`` and at most ``high`` (when given)."""

    def __init__(self, low: int | None = None, high: int | None = None):
        self.low, self.high = low, high

    def is_satisfied_by(self, value: Any) -> bool:
        return _is_int(value) and (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return f"an integer in [{self.low}, {self.high}]"
        if self.low is not None:
            return f"an integer >= {self.low}"
        if self.high is not None:
            return f"an integer <= {self.high}"
        return "an integer"


class Real(Constraint):
    """A finite or infinite real number (int or float, not a bool, not NaN) in a range.

    ``low_open`` makes the lower bound strict ("> 0" rather than ">= 0").
    """

    def __init__(self, low: float | None = None, high: float | None = None, low_open: bool = False):
        self.low, self.high, self.low_open = low, high, low_open

    def is_satisfied_by(self, value: Any) -> bool:
        if not _is_real(value) or value != value:  # NaN compares unequal to itself
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or value <= self.high

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return f"a number in {'(' if self.low_open else '['}{float(self.low)}, {float(self.high)}]"
        if self.low is not None:
            return f"a number {'>' if self.low_open else '>='} {self.low}"
        if self.high is not None:
            return f"a number <= {self.high}"
        return "a number"


class Options(Constraint):
    """One of a fixed set of values (compared with ``==``, types checked so 1 is not True)."""

    def __init__(self, *values: Any):
        self.values = tuple(values)

    def is_satisfied_by(self, value: Any) -> bool:
        for v in self.values:
            # isinstance keeps 1 from passing as True and "1" as 1; a numpy str passes as str.
            if v is None or not isinstance(value, type(v)):
                continue
            try:
                if bool(value == v):
                    return True
            except (TypeError, ValueError):  # an array compared with a scalar
                continue
        return value is None and None in self.values

    def describe(self) -> str:
        shown = ", ".join(repr(v) for v in self.values)
        return f"one of {shown}" if len(self.values) > 1 else shown


class Boolean(Constraint):
    """True or False (a Python or numpy bool)."""

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, (bool, np.bool_))

    def describe(self) -> str:
        return "True or False"


class Widths(Constraint):
    """A non-empty list or tuple of positive integers: a network's layer widths."""

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, (list, tuple)) and bool(value) and all(_is_int(v) and v > 0 for v in value)

    def describe(self) -> str:
        return "a tuple of positive layer widths, e.g. (256, 256)"


class Satisfies(Constraint):
    """Any value for which ``predicate`` is true; ``description`` completes "must be ..."."""

    def __init__(self, predicate: Callable[[Any], bool], description: str):
        self.predicate, self.description = predicate, description

    def is_satisfied_by(self, value: Any) -> bool:
        try:
            return bool(self.predicate(value))
        except Exception:  # a predicate that cannot judge a value of the wrong type refuses it
            return False

    def describe(self) -> str:
        return self.description


def check_params(owner: str, params: Mapping[str, Any], constraints: Mapping[str, list]) -> None:
    """Raise ParameterError for the first parameter whose value passes none of its constraints.

    Parameters
    ----------
    owner : str
        The method's name, first in the message.
    params : mapping
        ``{name: value}``; names without constraints are not checked.
    constraints : mapping
        ``{name: [constraint, ...]}``; ``None`` in a list admits None.

    Raises
    ------
    ParameterError
        "<owner>: <name> must be <what> or <what>, got <value>".
    """
    for name, allowed in constraints.items():
        if name not in params:
            continue
        value = params[name]
        if value is None and None in allowed:
            continue
        kinds = [c for c in allowed if c is not None]
        if any(c.is_satisfied_by(value) for c in kinds):
            continue
        what = " or ".join(c.describe() for c in kinds)
        if None in allowed:
            what += " or None"
        raise ParameterError(f"{owner}: {name} must be {what}, got {value!r}")
