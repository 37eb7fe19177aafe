"""The result of an out-of-core run: the new rows in memory, the original rows on disk."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..result import SampleResult


class NewRowsInParts:
    """The new rows of a result that may make them part by part (:mod:`gensample.scale.blocks`).

    Shared by :class:`StreamedResult` and :class:`~gensample.scale.dask.DaskResult`: their
    ``_parts`` is a :class:`~gensample.scale.blocks.Parts` (``synthetic`` then holds only the
    columns and dtypes) or None (the rows are all in ``synthetic``).
    """

    #: How ``new_rows`` names the run and where its parts are made.
    _parts_where = "streamed run", "when written"

    @property
    def n_synthetic(self) -> int:
        """New rows (made part by part when there are more than one part's worth)."""
        return self._parts.rows if self._parts is not None else len(self.synthetic)

    @property
    def new_rows(self) -> pd.DataFrame:
        """All new rows in one frame (what ``synthetic`` holds when they were not made in parts)."""
        if self._parts is None:
            return self.synthetic
        run, when = self._parts_where
        raise InputError(
            f"the {self.n_synthetic:,} new rows of this {run} are made part by part {when} "
            f"({len(self._parts.parts)} parts of at most {max(n for _, n in self._parts.parts):,} rows), "
            "so memory does not grow with them; use gensample.export(result, path), or "
            "result.iter_synthetic() for the parts (result.synthetic holds only the columns and dtypes)"
        )

    def iter_synthetic(self):
        """The new rows as pandas frames: one frame, or one per part (made when asked for)."""
        if self._parts is None:
            yield self.synthetic
        else:
            yield from self._parts.frames()


@dataclass(eq=False)
class StreamedResult(NewRowsInParts, SampleResult):
    """A :class:`~gensample.result.SampleResult` whose original rows stay in the source.

    ``synthetic``, ``counts``, ``per_class``, ``params``, ``removed_index`` (row numbers of
    the source) and the rest mean what they mean in memory, with one exception: when the run
    asked for more new rows than one part (:mod:`gensample.scale.blocks`), they are made part
    by part when written, and ``synthetic`` holds only their columns and dtypes (no rows);
    ``n_synthetic`` counts them and :meth:`iter_synthetic` yields them. ``augmented`` is not built:
    write it with :func:`gensample.export` (which streams the original rows through) or read
    it batch by batch with :meth:`iter_augmented`.

    Attributes
    ----------
    scale : dict
        How the run streamed: rows read, batch size, passes, what the method needed of the
        other classes (:class:`~gensample.scale.needs.Need`), rows held in memory, and
        ``seconds``: the passes' and the generation's wall time.
    """

    scale: dict = field(default_factory=dict)
    _source: Any = field(default=None, repr=False)
    #: The new rows made part by part (:class:`gensample.scale.blocks.Parts`), or None when
    #: they are all in ``synthetic``.
    _parts: Any = field(default=None, repr=False)

    @classmethod
    def from_result(cls, result: SampleResult, source, scale: dict, parts=None) -> StreamedResult:
        values = {f.name: getattr(result, f.name) for f in fields(SampleResult)}
        values["_original"] = None
        values["_removed_positions"] = np.asarray(result.removed_index, dtype=np.int64)
        values["source"] = source.identity()
        if parts is not None:  # the first part's rows: only their columns and dtypes are kept
            values["synthetic"] = result.synthetic.iloc[:0].copy()
        return cls(**values, scale=scale, _source=source, _parts=parts)

    def __repr__(self) -> str:
        return (f"StreamedResult(method={self.method!r}, method_used={self.method_used!r}, "
                f"generated={self.n_synthetic}, fallback={self.fallback!r})")

    @property
    def n_original(self) -> int:
        """Original rows that stay (all of them unless a cleaning method removed some)."""
        return self._source.num_rows - len(self._removed_positions)

    @property
    def kept_original(self) -> pd.DataFrame:
        raise InputError(
            "the original rows of a streamed run stay in the source file; use gensample.export(result, path) "
            "or result.iter_augmented() to go through them batch by batch"
        )

    @property
    def augmented(self) -> pd.DataFrame:  # type: ignore[override]
        raise InputError(
            f"the augmented table of a streamed run ({self.n_original:,} original + {len(self.synthetic):,} new rows) "
            "is not built in memory; use gensample.export(result, path), or result.iter_augmented() for batches"
        )

    @property
    def original_index(self) -> pd.Index:
        raise InputError("a streamed run has no in-memory index; original rows are numbered 0..n-1 in file order")

    @property
    def is_synthetic(self) -> pd.Series:
        raise InputError("in a streamed run the first result.n_original rows of the export are the original ones")

    def iter_augmented(self):
        """pandas batches of the augmented table: original rows (less removed ones), then the new rows."""
        removed = self._removed_positions
        for start, frame, _ in self._source.frames(self._source.names):
            if len(removed):
                frame = frame[~np.isin(frame.index.to_numpy(), removed)]
            yield frame.reset_index(drop=True)
        yield from self.iter_synthetic()
