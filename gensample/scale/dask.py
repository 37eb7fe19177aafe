"""``sample_minority`` on a ``dask.dataframe.DataFrame``: the majority stays on the workers.

What is computed, and what travels to the client:

* the class counts (``value_counts``) and per-column missing counts: a few numbers;
* the witness rows of every partition (:func:`.stream.witness_rows`, reduced on the
  workers): the rows that fix the schema, a few per column;
* the rows of the classes to grow (a filter), with their row numbers;
* for methods that need the other classes (:mod:`.needs`): a seeded sample of them, or for
  neighbour methods each partition's k nearest candidates per row to grow, merged on the
  client into the exact k nearest (the same merge as the streamed pass).

Generation is then the in-memory code on those rows, with the whole table's schema, so the
same seed gives the same new rows as the pandas path on the same data. ``augmented`` is a
Dask DataFrame: the original partitions as they are (filtered only when a cleaning method
removed rows), the new rows as added partitions; :func:`gensample.export` writes it as a
partitioned Parquet dataset with a provenance record.

Above :data:`~gensample.scale.blocks.PART_ROWS` new rows, methods that allow it make them part
by part as the streamed path does (:mod:`.blocks`): the first part runs on the client (its
warnings, the record, and the neighbour search, which is kept with the parts), and each added
partition is one part, made by a task when the frame is computed or written. The client then
never holds the new rows, and the rows are the streamed run's (same seed, same parts), not the
in-memory run's, above that size.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from .. import registry, strategy
from ..errors import InputError
from ..result import SampleResult
from ..utils import check_seed
from . import blocks, handoff, needs, stream
from .result import NewRowsInParts
from .stream import ClassCounts


@dataclass(eq=False)
class DaskResult(NewRowsInParts, SampleResult):
    """A :class:`~gensample.result.SampleResult` whose ``augmented`` is a Dask DataFrame.

    Attributes
    ----------
    scale : dict
        Rows read, partitions, what the method needed of the other classes, rows held, and
        ``seconds``: the passes' (counts, witnesses, filters on the workers) and the generation's.
    """

    scale: dict = field(default_factory=dict)
    _frame: Any = field(default=None, repr=False)
    _n_rows: int = 0
    #: The new rows made part by part (:class:`gensample.scale.blocks.Parts`; ``synthetic``
    #: then holds only their columns and dtypes), or None when they are all in ``synthetic``.
    _parts: Any = field(default=None, repr=False)
    _parts_where = "Dask run", "by the tasks of result.augmented"

    @property
    def n_original(self) -> int:
        return self._n_rows - len(self._removed_positions)

    @property
    def kept_original(self):
        """The original rows that stay, as a Dask DataFrame (partitions untouched when none is removed)."""
        if not len(self._removed_positions):
            return self._frame
        removed = {int(p) for p in self._removed_positions}
        offsets = self.scale["partition_offsets"]
        return self._frame.map_partitions(_drop_positions, removed, offsets, meta=self._frame._meta)

    @property
    def augmented(self):  # type: ignore[override]
        """Original partitions, then the new rows as added partitions (a Dask DataFrame)."""
        import dask.dataframe as dd

        return dd.concat([self.kept_original, self._new_partitions()], interleave_partitions=False)

    def flagged(self):
        """``augmented`` with a boolean column ``is_synthetic``."""
        import dask.dataframe as dd

        old = self.kept_original.assign(is_synthetic=False)
        new = self._new_partitions().assign(is_synthetic=True)
        return dd.concat([old, new], interleave_partitions=False)

    def _new_partitions(self):
        import dask
        import dask.dataframe as dd

        meta = self._frame._meta
        if self._parts is not None:
            # One task per part; the parts (rows held, neighbours found) go into the graph once.
            parts = dask.delayed(self._parts, pure=True)
            tasks = [dask.delayed(_part_frame, pure=True)(parts, i, meta) for i in range(len(self._parts.parts))]
            return dd.from_delayed(tasks, meta=meta, verify_meta=False)
        new = _as_meta(self.synthetic, meta)
        per = max(1, int(self.scale.get("rows_per_partition", len(new) or 1)))
        return dd.from_pandas(new, npartitions=max(1, math.ceil(len(new) / per)), sort=False)

    @property
    def original_index(self):
        raise InputError("a Dask run keeps its index on the workers; use result.kept_original.index")

    @property
    def is_synthetic(self):
        raise InputError("use result.flagged() for a Dask frame with the is_synthetic column")


def _as_meta(new: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    for name in new.columns:  # the frame's own dtypes (e.g. Dask's pyarrow strings)
        if new[name].dtype != meta[name].dtype:
            new = new.assign(**{name: new[name].astype(meta[name].dtype)})
    return new


def _part_frame(parts, number: int, meta: pd.DataFrame) -> pd.DataFrame:
    """Part ``number`` of the new rows, in the Dask frame's dtypes (a task of ``augmented``)."""
    frame = _as_meta(parts.make(number).result.synthetic, meta)
    frame.index = pd.RangeIndex(len(frame))
    return frame


def _drop_positions(part: pd.DataFrame, removed: set, offsets: list, partition_info=None) -> pd.DataFrame:
    start = offsets[partition_info["number"]] if partition_info else 0
    pos = np.arange(start, start + len(part))
    return part[~np.isin(pos, list(removed))]


def _with_positions(part: pd.DataFrame, offsets: list, partition_info=None) -> pd.DataFrame:
    start = offsets[partition_info["number"]] if partition_info else 0
    out = part.copy()
    out.index = pd.RangeIndex(start, start + len(part))
    return out


def sample_dask(ddf, target, method="smote", sampling_strategy="auto", random_state=None, *, categorical=None,
                fallback=True, check=None, gate="auto", majority_sample=None, progress=None, batch_rows=None,
                **params) -> DaskResult:
    """``sample_minority`` for a Dask DataFrame (see the module notes)."""
    started = time.perf_counter()
    check_seed(random_state)
    handoff.check_majority_sample(majority_sample)
    generator = registry.get(method)(**params)
    columns = list(ddf.columns)
    forced = [] if categorical is None else ([categorical] if isinstance(categorical, str) else list(categorical))
    for name in [target, *forced]:
        if name not in columns:
            raise InputError(f"column {name!r} is not in the data; columns are: " + ", ".join(map(repr, columns[:30])))
    lengths = ddf.map_partitions(len).compute().tolist()
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(int).tolist()
    n_rows = int(offsets[-1])
    if n_rows == 0:
        raise InputError("data has no rows")
    placed = ddf.map_partitions(_with_positions, offsets, meta=ddf._meta)
    n_missing_target = int(ddf[target].isna().sum().compute())
    if n_missing_target:
        raise InputError(f"target column {target!r} has {n_missing_target} missing label(s); drop those rows or fill "
                         "them before sampling")
    vc = ddf[target].value_counts(dropna=True).compute()
    tally = {(k.item() if isinstance(k, np.generic) else k): int(v) for k, v in vc.items()}
    labels = list(tally)
    try:
        labels = sorted(labels)
    except TypeError:
        labels = _first_seen(placed, target, labels)
    counts = ClassCounts(labels, [tally[lbl] for lbl in labels])
    todo = strategy.plan(sampling_strategy, counts.labels, counts.counts)
    keep = list(todo)
    fset = set(forced)
    wit = placed.map_partitions(lambda f: f.iloc[stream.witness_rows(f, target, fset)], meta=ddf._meta).compute()
    wit = wit.iloc[stream.witness_rows(wit, target, fset)]
    missing = ddf.isna().sum().compute()
    schema = stream.schema_from_witnesses(wit, target, categorical, missing, n_rows, counts)
    is_kept = placed[target].isin(keep)
    held = placed[is_kept].compute()
    need = needs.need_of(generator, schema, gate, majority_sample)
    n_other = n_rows - len(held)
    extra = []
    sampled = 0
    if need.kind == needs.SAMPLE and need.sample and n_other:
        sampled = min(need.sample, n_other)
        others = placed[~is_kept]
        # Bernoulli per partition with a seed per partition, then an exact seeded subset on the client.
        frac = min(1.0, 1.2 * sampled / n_other + 1e-9)
        seed = 0 if random_state is None else int(random_state)
        pool = others.sample(frac=frac, random_state=seed + 13).compute()
        if len(pool) > sampled:
            rng = np.random.default_rng(np.random.SeedSequence([13, seed]))
            pool = pool.iloc[np.sort(rng.choice(len(pool), size=sampled, replace=False))]
        sampled = len(pool)
        extra.append(pool)
    if need.k and n_other:
        extra.append(_nearest_on_workers(placed[~is_kept], schema, held, keep, need.k))
    passes_seconds = time.perf_counter() - started
    kwargs = dict(categorical=categorical, fallback=fallback, check=check, gate=gate, **params)
    parts = None
    if sum(todo.values()) > blocks.PART_ROWS and blocks.splittable(generator, need, check):
        parts = blocks.Parts(held, extra, schema, need, n_rows - n_other, n_other, target, method, random_state,
                             kwargs, blocks.plan_parts(todo, blocks.PART_ROWS), {}, ("dask", "brought to the client"))
        handed = blocks.first_part(parts, sampling_strategy, todo)
    else:
        handed = handoff.generate(held, extra, schema, need, n_rows - n_other, n_other,
                                  ("dask", "brought to the client"), target, method, sampling_strategy,
                                  random_state, **kwargs)
    result, held = handed.result, handed.rows
    values = {f.name: getattr(result, f.name) for f in fields(SampleResult)}
    if parts is not None:  # the first part's rows: only their columns and dtypes are kept
        values["synthetic"] = result.synthetic.iloc[:0].copy()
    values["_original"] = None
    values["_removed_positions"] = np.asarray(result.removed_index, dtype=np.int64)
    values["seconds"] = time.perf_counter() - started
    values["source"] = {"path": None, "sha256": None, "rows": n_rows, "format": "dask"}
    scale = {
        "backend": "dask", "rows_read": n_rows, "partitions": int(ddf.npartitions), "partition_offsets": offsets,
        "rows_per_partition": int(max(lengths) if lengths else 1), "need": need.to_dict(),
        "rows_held": int(len(held)), "other_rows_held": handed.other_rows, "majority_sampled": int(sampled),
        "seconds": {"passes": round(passes_seconds, 3), "generation": round(handed.seconds, 3)},
        "parts": 1 if parts is None else len(parts.parts),
    }
    return DaskResult(**values, scale=scale, _frame=ddf, _n_rows=n_rows, _parts=parts)


def _first_seen(placed, target, labels) -> list:
    firsts = placed.map_partitions(lambda f: f[[target]].drop_duplicates(), meta=placed._meta[[target]]).compute()
    return list(dict.fromkeys(firsts[target].tolist()))


def _nearest_on_workers(others, schema, held: pd.DataFrame, keep: list, k: int) -> pd.DataFrame:
    """Each partition's k nearest candidates per row to grow, merged on the client (exact)."""
    from .neighbours import candidates_in

    codes = [schema.target.labels.index(lbl) for lbl in keep]
    # Each partition sends its own k nearest per row to grow: a superset of the global k nearest,
    # so the method finds the same neighbours among them as on the whole table.
    return others.map_partitions(candidates_in, schema, held, codes, k, meta=others._meta).compute()
