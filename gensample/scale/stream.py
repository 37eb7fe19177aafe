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

Text columns are the one thing pass 2 does not turn into pandas batch by batch: a string
column's witnesses, missing count and (for a text target) the class filter are computed on
the Arrow column, and only the rows kept and the witness rows become pandas objects.
Converting every batch's strings to Python objects was most of pass 2's time on tables with
text columns (issue 13).
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

    Text columns stay in Arrow (:func:`arrow_text_witnesses`): only the rows kept and the
    witness rows are turned into pandas, so a batch's strings never become Python objects.
    """
    forced = _forced(categorical)
    keep = list(keep_labels)
    ranks = np.asarray([] if majority_ranks is None else majority_ranks, dtype=np.int64)
    parts, witnesses = [], None
    names = list(source.names)
    text = [name for name in names if _arrow_text(source.schema.field(name).type)]
    rest = [name for name in names if name not in set(text)]
    missing = pd.Series(0, index=pd.Index(names, dtype=object), dtype=np.int64)
    others_seen = start = 0
    with Progress(source.num_rows, "pass 2/2: minority rows and schema", show) as bar:
        for batch in source.arrow_batches(names):
            n = batch.num_rows
            if n == 0:
                continue
            frame = source.to_pandas(batch.select(rest)) if rest else pd.DataFrame(index=pd.RangeIndex(n))
            counted = {name: batch.column(name).null_count for name in text}
            counted.update(frame.isna().sum().items())
            missing += np.fromiter((counted[name] for name in names), dtype=np.int64, count=len(names))
            picks = [witness_rows(frame, target, forced)] if rest else [np.zeros(1, dtype=np.int64)]
            picks += [arrow_text_witnesses(batch.column(name)) for name in text]
            chunk = _rows(source, batch, np.unique(np.concatenate(picks)), start)
            witnesses = chunk if witnesses is None else _shrink(pd.concat([witnesses, chunk]), target, forced)
            if target in text:
                import pyarrow as pa
                import pyarrow.compute as pc

                column = batch.column(target)
                wanted = pc.is_in(column, value_set=pa.array(keep, type=column.type)).to_numpy(zero_copy_only=False)
            else:
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
                parts.append(_rows(source, batch, np.flatnonzero(take), start))
            bar.update(n)
            start += n
    schema = schema_from_witnesses(witnesses, target, categorical, missing, source.num_rows, counts)
    if parts:
        rows = pd.concat(parts) if len(parts) > 1 else parts[0]
    else:
        rows = witnesses.iloc[:0]
    return Gathered(rows, schema, source.num_rows, sampled=len(ranks))


def _rows(source, batch, positions: np.ndarray, start: int) -> pd.DataFrame:
    """The rows of ``batch`` at ``positions`` as pandas, indexed by their row numbers in the table."""
    import pyarrow as pa

    frame = source.to_pandas(batch.take(pa.array(positions, type=pa.int64())))
    frame.index = pd.Index(start + positions, dtype=np.int64)
    return frame


def _arrow_text(arrow_type) -> bool:
    """Plain Arrow string columns: pandas reads them as text, compared by value, never missing but null."""
    import pyarrow.types as t

    return t.is_string(arrow_type) or t.is_large_string(arrow_type)


def arrow_text_witnesses(column) -> np.ndarray:
    """Witness positions of one Arrow text column: the first missing cell, the first of each value.

    The same rows :func:`witness_rows` picks from the pandas column (strings compare by value
    in both), found without making Python strings: the dictionary encoding numbers values in
    order of first appearance, so a value's first row is where the running maximum of the
    codes grows.
    """
    import pyarrow.compute as pc

    codes = pc.fill_null(pc.dictionary_encode(column).indices, -1).to_numpy(zero_copy_only=False)
    if not len(codes):
        return np.empty(0, dtype=np.int64)
    top = np.maximum.accumulate(codes)
    previous = np.concatenate([[-1], top[:-1]])
    out = [np.flatnonzero(codes > previous)]
    if column.null_count:
        out.append(np.flatnonzero(codes < 0)[:1])
    return np.concatenate(out).astype(np.int64)


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
