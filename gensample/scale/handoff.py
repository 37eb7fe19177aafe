"""Hand a schema built out of core to the in-memory sampling path, for one frame only.

The streamed and Dask paths infer the schema from the whole table in batches, then run the
ordinary :func:`gensample.sampling.sample_minority` on the rows that fit in memory (the
classes to grow, and the majority rows a method needs). That call must use the whole
table's schema (categories, ranges, counts), not one inferred again from the reduced
frame. :func:`given_schema` returns it only for the very frame object it was handed with,
so nested calls on other frames (the fidelity gate's folds) infer their own, as they do
in memory.

:func:`generate` is that hand-over, shared by the streamed (:mod:`.run`) and Dask
(:mod:`.dask`) paths: the rows held, put in table order, and the in-memory call.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError

_GIVEN: contextvars.ContextVar = contextvars.ContextVar("gensample_given_schema", default=None)


@contextlib.contextmanager
def schema_for(frame, schema):
    """Within the block, :func:`given_schema(frame) <given_schema>` is ``schema``."""
    token = _GIVEN.set((frame, schema))
    try:
        yield
    finally:
        _GIVEN.reset(token)


def given_schema(frame):
    """The schema handed with this exact frame object, or None."""
    held = _GIVEN.get()
    if held is not None and held[0] is frame:
        return held[1]
    return None


@dataclass
class Handed:
    """What :func:`generate` returns: the rows it ran on, the result, and its own time."""

    rows: pd.DataFrame
    result: object
    other_rows: int
    seconds: float


def check_majority_sample(value) -> None:
    """``majority_sample`` is None or a positive integer."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
        raise ParameterError(f"majority_sample must be a positive integer, got {value!r}")


def generate(held: pd.DataFrame, extra: list, schema, need, n_grown: int, n_other: int, where: tuple, target,
             method, sampling_strategy, random_state, **kwargs) -> Handed:
    """The tail both out-of-core paths share: the rows held, then the in-memory ``sample_minority``.

    Parameters
    ----------
    held : DataFrame
        Rows of the classes to grow, indexed by row number in the whole table.
    extra : list of DataFrame
        Rows of the other classes a method needed (neighbours, a sample), same indexing;
        a row in several of them is kept once, and all rows are put back in table order, so
        the method sees them in the order a loaded table gives them.
    schema : TableSchema
        The whole table's schema, used for exactly this frame (:func:`schema_for`).
    need : needs.Need
        What the method needed; a method that needed other rows gets a note saying how many.
    n_grown, n_other : int
        Rows of the classes to grow, and of the other classes, in the whole table.
    where : (str, str)
        The path's name and where the other rows went, for the note, e.g.
        ``("streamed", "held in memory")``.
    target, method, sampling_strategy, random_state, **kwargs
        Passed to :func:`gensample.sampling.sample_minority`.
    """
    from ..sampling import sample_minority
    from .needs import MINORITY

    if extra:
        held = pd.concat([held, *extra])
        held = held[~held.index.duplicated(keep="first")].sort_index(kind="stable")
    started = time.perf_counter()
    with schema_for(held, schema):
        result = sample_minority(held, target, method, sampling_strategy, random_state, **kwargs)
    seconds = time.perf_counter() - started
    other = int(len(held) - n_grown)
    if need.kind != MINORITY:
        path, place = where
        result.warnings = [*result.warnings, f"{path} {method}: {need.why}; {other:,} of the {n_other:,} rows of "
                                             f"the other classes were {place}"]
    return Handed(held, result, other, seconds)
