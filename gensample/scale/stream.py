"""The batched passes over an out-of-core table: class counts, then rows and schema.

Pass 1 reads the target column only and counts the classes, which says which classes the
sampling strategy grows. Pass 2 reads every column once and keeps (a) the rows of those
classes, (b) the majority rows a method asked for (a seeded sample, by rank), and (c) a few
*witness rows* per batch: the rows that hold each column's minimum and maximum, the first
occurrence of each category and of each label, the first missing cell, and the first cell
finer than each datetime resolution. :meth:`TableSchema.infer` run on the witness rows gives
the very schema it gives on the whole table (same kinds, dtypes, categories in the same
order, ranges, missing markers, resolutions), because each of those facts is decided by
those rows only; the missing rates and class counts, which depend on every row, are then
set from the counts kept while streaming. The schema code is thus reused, not re-written,
and the streamed and in-memory paths cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from ..schema import TableSchema
from .progress import Progress

# Datetime resolutions coarser than nanoseconds, as in the schema's inference, in ns.
_STEPS_NS = (86_400 * 10**9, 3_600 * 10**9, 60 * 10**9, 10**9, 10**6, 10**3)


@dataclass
class ClassCounts:
    """The target's labels (in the schema's order) and their row counts."""

    labels: list
    counts: list

    def count(self, label) -> int:
        return self.counts[self.labels.index(label)]


@dataclass
class Gathered:
    """What pass 2 kept: rows by global row number, the schema, and how many rows it read."""

    rows: pd.DataFrame
    schema: TableSchema
    n_rows: int
    sampled: int = 0  # majority rows kept by the seeded sample
    notes: list = field(default_factory=list)


def count_classes(source, target: Hashable, show: bool) -> ClassCounts:
    """Pass 1: labels and counts from the target column alone."""
    counts: dict = {}
    missing = 0
    with Progress(source.num_rows, "pass 1/2: counting classes", show) as bar:
        for _, frame, batch in source.frames([target]):
            col = frame[target]
            missing += int(col.isna().sum())
            for value, n in col.value_counts(sort=False, dropna=True).items():
                key = value.item() if isinstance(value, np.generic) else value
                counts[key] = counts.get(key, 0) + int(n)
            bar.update(batch.num_rows)
    if missing:
        raise InputError(
            f"target column {target!r} has {missing} missing label(s); drop those rows or fill them before sampling"
        )
    labels = list(counts)
    try:  # the schema's rule: sorted labels, or first-seen order when they do not sort
        labels = sorted(labels)
    except TypeError:
        pass
    return ClassCounts(labels, [counts[lbl] for lbl in labels])


def gather(
    source,
    target: Hashable,
    categorical: Iterable[Hashable] | None,
    keep_labels: Iterable,
    counts: ClassCounts,
    show: bool,
    majority_ranks: np.ndarray | None = None,
) -> Gathered:
    """Pass 2: the rows of ``keep_labels`` (and of the majority at ``majority_ranks``), and the schema.

    ``majority_ranks`` are sorted ranks among the rows of the other classes, in row order.
    """
    forced = _forced(categorical)
    keep = list(keep_labels)
    ranks = np.asarray([] if majority_ranks is None else majority_ranks, dtype=np.int64)
    parts, witnesses = [], None
    missing = pd.Series(0, index=pd.Index(source.names, dtype=object), dtype=np.int64)
    others_seen = 0
    with Progress(source.num_rows, "pass 2/2: minority rows and schema", show) as bar:
        for _, frame, batch in source.frames(source.names):
            missing += frame.isna().sum().reindex(missing.index).to_numpy()
            chunk = frame.iloc[witness_rows(frame, target, forced)]
            witnesses = chunk if witnesses is None else _shrink(pd.concat([witnesses, chunk]), target, forced)
            wanted = frame[target].isin(keep).to_numpy()
            take = wanted
            if len(ranks):
                other = np.flatnonzero(~wanted)
                lo, hi = np.searchsorted(ranks, [others_seen, others_seen + len(other)])
                if hi > lo:
                    take = wanted.copy()
                    take[other[ranks[lo:hi] - others_seen]] = True
                others_seen += len(other)
            if take.any():
                parts.append(frame.iloc[np.flatnonzero(take)])
            bar.update(batch.num_rows)
    schema = schema_from_witnesses(witnesses, target, categorical, missing, source.num_rows, counts)
    if parts:
        rows = pd.concat(parts) if len(parts) > 1 else parts[0]
    else:
        rows = witnesses.iloc[:0]
    return Gathered(rows, schema, source.num_rows, sampled=len(ranks))


def schema_from_witnesses(witnesses: pd.DataFrame, target, categorical, missing: pd.Series, n_rows: int,
                          counts: ClassCounts) -> TableSchema:
    """The whole table's schema from its witness rows and the counts kept while streaming."""
    schema = TableSchema.infer(witnesses, target, categorical)
    for spec in schema.columns:
        # float(count / n) is what the mean of the column's boolean missing mask gives in memory.
        spec.missing_rate = float(int(missing[spec.name]) / n_rows)
    schema.target.counts = [counts.count(lbl) for lbl in schema.target.labels]
    return schema


def witness_rows(frame: pd.DataFrame, target, forced: set) -> np.ndarray:
    """Positions of the rows that decide every fact the schema infers from this frame."""
    picks = [np.zeros(1, dtype=np.int64)]
    for name in frame.columns:
        col = frame[name]
        miss = col.isna().to_numpy()
        if miss.any():
            picks.append(np.flatnonzero(miss)[:1])
        if name == target or name in forced or _is_categorical(col.dtype):
            picks.append(_first_occurrences(col, miss, name))
        elif pd.api.types.is_datetime64_any_dtype(col.dtype):
            picks.append(_datetime_witnesses(col, miss))
        elif pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_numeric_dtype(col.dtype):
            values = col.to_numpy(dtype=np.float64, na_value=np.nan) if col.dtype != bool else col.to_numpy().astype(np.float64)
            if not miss.all():
                picks.append(np.array([np.nanargmin(values), np.nanargmax(values)], dtype=np.int64))
                inf = np.flatnonzero(np.isinf(values))[:1]
                picks.append(inf)
        else:  # a dtype the schema refuses: one row is enough for it to say so
            pass
    return np.unique(np.concatenate(picks))


def _shrink(frame: pd.DataFrame, target, forced: set) -> pd.DataFrame:
    return frame.iloc[witness_rows(frame, target, forced)]


def _first_occurrences(col: pd.Series, miss: np.ndarray, name) -> np.ndarray:
    present = np.flatnonzero(~miss)
    if not len(present):
        return present
    values = col.iloc[present]
    if isinstance(col.dtype, pd.CategoricalDtype):
        _, first = np.unique(values.cat.codes.to_numpy(), return_index=True)
        return present[np.sort(first)]
    try:
        first = ~values.duplicated(keep="first").to_numpy()
    except TypeError as exc:  # lists, dicts, arrays in an object column
        raise InputError(f"column {name!r} holds unhashable values ({exc}); gensample needs one scalar per cell") from exc
    return present[first]


def _datetime_witnesses(col: pd.Series, miss: np.ndarray) -> np.ndarray:
    if miss.all():
        return np.empty(0, dtype=np.int64)
    idx = pd.DatetimeIndex(col)
    if idx.tz is not None:  # the schema works on wall-clock time
        idx = idx.tz_localize(None)
    ns = idx.as_unit("ns").asi8
    present = np.flatnonzero(~miss)
    vals = ns[present]
    out = [present[[np.argmin(vals), np.argmax(vals)]]]
    for step in _STEPS_NS:
        off = np.flatnonzero(vals % step != 0)[:1]
        out.append(present[off])
    return np.concatenate(out)


def _is_categorical(dtype) -> bool:
    return dtype == object or isinstance(dtype, pd.CategoricalDtype) or (
        pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def _forced(categorical) -> set:
    if categorical is None:
        return set()
    if isinstance(categorical, str):
        return {categorical}
    return set(categorical)
