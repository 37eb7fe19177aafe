"""New rows made part by part on the streamed path, so memory does not grow with their number.

With ``sampling_strategy="auto"`` a 1 % minority gets as many new rows as the majority has:
9.8 million rows of 30 columns on a 10^7-row table, 2.3 GB as float64 before they are
decoded, written or copied once. Held whole, they alone break the 1.5 GiB target of issue 13.
So when a streamed run asks for more than :data:`PART_ROWS` new rows, and the method allows it
(:func:`splittable`), the rows are made in parts of at most :data:`PART_ROWS` rows, one class
after the other, each part by the ordinary in-memory ``sample_minority`` on the rows held,
with its own seed derived from ``random_state`` and the part's number (:func:`part_seed`).
The export makes and writes one part at a time (:meth:`Parts.frames`); nothing keeps them.

What this changes, on purpose:

* **Same seed, same rows** still holds for the streamed path (the parts' seeds are fixed by
  the seed), but **streamed equals in-memory only up to one part** (new rows <=
  :data:`PART_ROWS`): above it the in-memory run draws all rows from one generator, the
  streamed run from one per part. Both are draws of the same method on the same rows.
* The neighbour search a part needs (SMOTE's k nearest rows within the class) is the same
  for every part: it is computed once and remembered for the parts
  (:func:`gensample.generators.smote.remembered_neighbours`), so parts cost interpolation
  and decoding only.

Methods made in parts: those that need only the classes' rows (``needs.MINORITY``) of the
interpolation and copy families (smote on numeric and mixed tables, polynom-fit-smote,
random), without an explicit fidelity check. The others (neighbour and sample methods,
cleaning, deep, forest and copula methods, ``check=True``) keep all their new rows in memory,
as before: their per-part cost (a refit, a search over other classes) or their removals
would differ part to part.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import handoff, needs

#: Most new rows per part: ~250 MB of float64 on a 30-column table, and the row group
#: size the export writes (smaller row groups cost the Parquet writer more CPU).
PART_ROWS = 1 << 20


def splittable(generator, need, check) -> bool:
    """Whether the new rows of ``generator`` may be made in parts (see the module notes)."""
    return (need.kind == needs.MINORITY and generator.family in ("interpolation", "copy")
            and not generator.generative and check is not True)


def part_seed(random_state, number: int) -> int | None:
    """The seed of part ``number``: fixed by ``random_state`` (None stays None: fresh entropy)."""
    if random_state is None:
        return None
    # Its own stream (tag 29): distinct from the seed itself and from the majority sample's.
    return int(np.random.SeedSequence([29, int(random_state), int(number)]).generate_state(1, np.uint32)[0])


def plan_parts(todo: dict, size: int = PART_ROWS) -> list[tuple]:
    """``[(label, rows), ...]``: each class's new rows cut into parts of at most ``size``."""
    out = []
    for label, n in todo.items():
        for lo in range(0, int(n), size):
            out.append((label, min(size, int(n) - lo)))
    return out


@dataclass
class Parts:
    """How to make the new rows of a streamed run part by part, and the first part's result."""

    held: pd.DataFrame
    extra: list
    schema: object
    need: object
    n_grown: int
    n_other: int
    target: object
    method: str
    random_state: object
    kwargs: dict
    parts: list
    memo: dict
    #: How the notes name the path and its rows (the Dask path's differ).
    where: tuple = ("streamed", "held in memory")

    @property
    def rows(self) -> int:
        return int(sum(n for _, n in self.parts))

    def make(self, number: int, quiet: bool = True):
        """The :class:`~gensample.scale.handoff.Handed` of part ``number``."""
        from ..generators.base import GensampleWarning
        from ..generators.smote import remembered_neighbours

        label, n = self.parts[number]
        before = self.schema.target.counts[self.schema.target.labels.index(label)]
        with warnings.catch_warnings():
            if quiet:  # the first part warned what every part would warn
                warnings.simplefilter("ignore", GensampleWarning)
            with remembered_neighbours(self.memo):
                return handoff.generate(self.held, self.extra, self.schema, self.need, self.n_grown, self.n_other,
                                        self.where, self.target, self.method,
                                        {label: before + n}, part_seed(self.random_state, number), **self.kwargs)

    def frames(self):
        """The new rows, part after part (each made when asked for, then let go)."""
        for number in range(len(self.parts)):
            yield self.make(number).result.synthetic


def first_part(parts: Parts, sampling_strategy, todo: dict):
    """Run part 0 (warnings shown), then make its result stand for all parts: counts, per-class rows."""
    started = time.perf_counter()
    handed = parts.make(0, quiet=False)
    result = handed.result
    for label, n in todo.items():
        entry = result.counts.get(label)
        if entry is not None:
            entry["generated"] = int(n)
            entry["after"] = int(entry["before"]) + int(n)
    per = result.per_class.copy()
    for i, label in enumerate(per["label"]):
        if label in todo:
            per.loc[i, "generated"] = int(todo[label])
            per.loc[i, "after"] = int(per.loc[i, "before"]) - int(per.loc[i, "removed"]) + int(todo[label])
    result.per_class = per
    result.sampling_strategy = sampling_strategy
    result.random_state = parts.random_state
    handed.seconds = time.perf_counter() - started
    return handed
