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


class FileFormatError(GensampleError, OSError):
    """A file could not be read or written (missing, unsupported suffix, unparsable)."""


class ExportError(FileFormatError):
    """An export was refused (existing file without ``overwrite``) or failed."""


class GenerationError(GensampleError, RuntimeError):
    """A generator failed and no fallback was allowed."""


class ModelLoadError(GensampleError):
    """A saved generator cannot be loaded (missing files, untrusted pickle, bad checksum)."""


def closest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Names in ``choices`` that look like ``name``, best first (for 'did you mean')."""
    choices = list(choices)
    found = difflib.get_close_matches(name, choices, n=n, cutoff=0.5)
    if not found:
        found = [c for c in choices if name.lower() in c.lower() or c.lower() in name.lower()][:n]
    return found
