"""``sample_minority`` on a Parquet file, folder or ``pyarrow.dataset``, in bounded memory.

Passes over the table (each in batches of ``batch_rows``):

1. the target column: class counts, hence the classes to grow;
2. every column: the rows of those classes (and a seeded sample of the others when the
   method needs one), the witness rows that fix the schema, missing-cell counts;
3. only for methods that need neighbours: the k nearest rows of the other classes
   (:mod:`.neighbours`).

Then the in-memory :func:`~gensample.sampling.sample_minority` runs on the rows held, with
the whole table's schema (:mod:`.handoff`), so generation is the same code, fed the same
rows in the same order, as when the table is loaded: same seed, same new rows. Above
:data:`~gensample.scale.blocks.PART_ROWS` new rows, methods that allow it make them part by
part when the result is written (:mod:`.blocks`): memory then stays bounded, and the rows
are the in-memory run's only up to that size.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .. import registry, strategy
from ..utils import check_seed
from . import blocks, handoff, needs, stream
from .progress import wanted
from .result import StreamedResult
from .source import DEFAULT_BATCH_ROWS, Source

_CSV = (".csv", ".csv.gz", ".tsv")


def sample_source(data, target, method="smote", sampling_strategy="auto", random_state=None, *,
                  categorical=None, fallback=True, check=None, gate="auto", batch_rows=None,
                  majority_sample=None, progress=None, **params) -> StreamedResult:
    """Stream ``data`` and return a :class:`StreamedResult` (see :mod:`gensample.scale.run`).

    Parameters
    ----------
    data : str, PathLike or pyarrow.dataset.Dataset
        Parquet file or folder (CSV paths are read whole, as by ``read_table``).
    target, method, sampling_strategy, random_state, categorical, fallback, check, gate, **params
        As in :func:`gensample.sample_minority`.
    batch_rows : int, optional
        Rows per batch (default 131,072). Peak memory grows with it and with the rows held.
    majority_sample : int, optional
        Rows of the other classes sampled for methods that need a sample (default 100,000;
        svm-smote 20,000). Ignored by methods that need none.
    progress : bool, optional
        Show progress on stderr (default: when stderr is a terminal).
    """
    if isinstance(data, (str, Path)) and str(data).lower().endswith(_CSV):
        return _csv_in_memory(data, target, method, sampling_strategy, random_state, categorical=categorical,
                              fallback=fallback, check=check, gate=gate, **params)
    started = time.perf_counter()
    check_seed(random_state)
    handoff.check_majority_sample(majority_sample)
    generator = registry.get(method)(**params)  # unknown parameter names fail before any pass
    show = wanted(progress)
    source = Source(data, DEFAULT_BATCH_ROWS if batch_rows is None else batch_rows)
    forced = [] if categorical is None else ([categorical] if isinstance(categorical, str) else list(categorical))
    source.require([target, *forced])
    source.start_hashing()
    counts = stream.count_classes(source, target, show)
    todo = strategy.plan(sampling_strategy, counts.labels, counts.counts)
    keep = list(todo)
    n_other = source.num_rows - sum(counts.count(lbl) for lbl in keep)
    before = needs.need_of(generator, None, gate, majority_sample)
    ranks = _sample_ranks(before, n_other, random_state)
    passes = 2
    gathered = stream.gather(source, target, categorical, keep, counts, show, majority_ranks=ranks)
    schema = gathered.schema
    need = needs.need_of(generator, schema, gate, majority_sample)
    held = gathered.rows
    extra = []
    if ranks is None:  # the schema showed a need the class alone did not (e.g. SMOTE-N's frequencies)
        ranks = _sample_ranks(need, n_other, random_state)
        if ranks is not None:
            extra.append(stream.gather(source, target, categorical, [], counts, show, majority_ranks=ranks).rows)
            passes += 1
    sampled = 0 if ranks is None else len(ranks)
    if need.k and n_other:
        from .neighbours import nearest_other_rows

        codes = [schema.target.labels.index(lbl) for lbl in keep]
        extra.append(nearest_other_rows(source, schema, held, codes, need.k, keep, show))
        passes += 1
    passes_seconds = time.perf_counter() - started
    kwargs = dict(categorical=categorical, fallback=fallback, check=check, gate=gate, **params)
    parts = None
    if sum(todo.values()) > blocks.PART_ROWS and blocks.splittable(generator, need, check):
        # More new rows than one part: made part by part at export (scale.blocks), so memory
        # does not grow with them; the first part runs now, for the record and its warnings.
        parts = blocks.Parts(held, extra, schema, need, source.num_rows - n_other, n_other, target, method,
                             random_state, kwargs, blocks.plan_parts(todo, blocks.PART_ROWS), {})
        handed = blocks.first_part(parts, sampling_strategy, todo)
    else:
        handed = handoff.generate(held, extra, schema, need, source.num_rows - n_other, n_other,
                                  ("streamed", "held in memory"), target, method, sampling_strategy, random_state,
                                  **kwargs)
    result = handed.result
    result.seconds = time.perf_counter() - started
    scale = {
        "backend": "stream", "rows_read": source.num_rows, "batch_rows": source.batch_rows, "passes": passes,
        "need": need.to_dict(), "rows_held": int(len(handed.rows)), "other_rows_held": handed.other_rows,
        "majority_sampled": int(sampled),
        "seconds": {"passes": round(passes_seconds, 3), "generation": round(handed.seconds, 3)},
        "parts": 1 if parts is None else len(parts.parts),
    }
    return StreamedResult.from_result(result, source, scale, parts)


def _sample_ranks(need, n_other: int, random_state) -> np.ndarray | None:
    """Sorted ranks, among the other classes' rows, of the seeded sample a method needs (or None)."""
    if need.kind != needs.SAMPLE or not need.sample or not n_other:
        return None
    # Its own stream from the seed: the sample does not shift the draws generation makes.
    entropy = [13, int(random_state)] if random_state is not None else None
    rng = np.random.default_rng(np.random.SeedSequence(entropy))
    return np.sort(rng.choice(n_other, size=min(need.sample, n_other), replace=False))


def _csv_in_memory(path, target, method, sampling_strategy, random_state, **kwargs):
    from ..io import read_table
    from ..sampling import sample_minority

    return sample_minority(read_table(path), target, method, sampling_strategy, random_state, **kwargs)
