"""Every error gensample raises on purpose.

All derive from :class:`GensampleError`, so callers (and the CLI, which maps it to exit
code 2) can catch one type. Each message names the column or parameter at fault and says
what to do about it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class GensampleError(Exception):
    """Base class of every error gensample raises on purpose."""


class InputError(GensampleError, ValueError):
    """The data handed in cannot be used as given (missing target, bad column, empty table)."""


class ParameterError(GensampleError, ValueError):
    """A parameter has an invalid value or name."""


class UnknownMethodError(ParameterError, KeyError):
    """No generator of that name is registered."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class StrategyError(ParameterError):
    """``sampling_strategy`` cannot be applied to this target."""


class SizeError(ParameterError):
    """The rows asked for would not fit in memory or on disk (estimated before any is made)."""


class FileFormatError(GensampleError, OSError):
    """A file could not be read or written (missing, unsupported suffix, unparsable)."""


class ExportError(FileFormatError):
    """An export was refused (existing file without ``overwrite``) or failed."""


class GenerationError(GensampleError, RuntimeError):
    """A generator failed and no fallback was allowed."""


class TrainingError(GensampleError, RuntimeError):
    """A generator's training failed: its library raised inside the fit, or losses became NaN/inf.

    Plugins raise it (``raise TrainingError(...) from exc``) to say "this model could not be
    trained on these rows"; the sampling policy then serves the class with the SMOTE family
    (a recorded fallback). Any other exception from a plugin is a bug and surfaces as a
    :class:`PluginError`.
    """


class PluginError(GensampleError, RuntimeError):
    """A generator raised an exception that is not a training failure (a bug in the method).

    The message names the method; the original exception is chained (``__cause__``).
    """

    def __init__(self, message: str, method: str = ""):
        super().__init__(message)
        self.method = method


class EvaluationError(GensampleError, RuntimeError):
    """A comparison could not score anything (every remedy failed on every fold)."""


class ModelLoadError(GensampleError):
    """A saved generator cannot be loaded (missing files, untrusted pickle, bad checksum)."""


class ReadWarning(UserWarning):
    """``read_table`` read a file otherwise than its record or its look suggests, and says why.

    Raised as a warning when a ``.provenance.json`` no longer matches its file (the dtypes
    are then not applied), when a recorded dtype cannot be restored (the column stays as
    read), or when a one-column CSV is read as semicolon-separated.
    """


def closest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Names in ``choices`` that look like ``name``, best first (for 'did you mean')."""
    choices = list(choices)
    found = difflib.get_close_matches(name, choices, n=n, cutoff=0.5)
    if not found:
        found = [c for c in choices if name.lower() in c.lower() or c.lower() in name.lower()][:n]
    return found
