"""Hand a schema built out of core to the in-memory sampling path, for one frame only.

The streamed and Dask paths infer the schema from the whole table in batches, then run the
ordinary :func:`gensample.sampling.sample_minority` on the rows that fit in memory (the
classes to grow, and the majority rows a method needs). That call must use the whole
table's schema (categories, ranges, counts), not one inferred again from the reduced
frame. :func:`given_schema` returns it only for the very frame object it was handed with,
so nested calls on other frames (the fidelity gate's folds) infer their own, as they do
in memory.
"""

from __future__ import annotations

import contextlib
import contextvars

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
