"""Tables larger than memory, and the same job on a Dask cluster (issue 13).

``sample_minority`` hands three kinds of input here instead of loading them: a path to a
Parquet file or folder, a ``pyarrow.dataset.Dataset`` (:mod:`.run`, streamed in batches)
and a ``dask.dataframe.DataFrame`` (:mod:`.dask`). Only the classes to grow (and what a
method states it needs of the others, :mod:`.needs`) are brought into memory; generation
itself is the in-memory code, run on those rows with the whole table's schema.

This module imports nothing heavy: ``sampling.py`` asks it about every input.
"""

from __future__ import annotations

import os

#: Keyword arguments of ``sample_minority`` that only the out-of-core paths accept.
SCALE_OPTIONS = ("batch_rows", "majority_sample", "progress")


def handles(data) -> bool:
    """True for inputs that take the out-of-core path (paths, pyarrow datasets, Dask frames)."""
    if isinstance(data, (str, os.PathLike)):
        return True
    module = type(data).__module__
    if module.startswith("pyarrow") and type(data).__name__.endswith("Dataset"):
        return True
    return module.startswith("dask") and hasattr(data, "npartitions")


def sample_scaled(data, target, method="smote", sampling_strategy="auto", random_state=None, **kwargs):
    """``sample_minority`` for a path, a pyarrow dataset or a Dask DataFrame."""
    if type(data).__module__.startswith("dask"):
        from .dask import sample_dask

        return sample_dask(data, target, method, sampling_strategy, random_state, **kwargs)
    from .run import sample_source

    return sample_source(data, target, method, sampling_strategy, random_state, **kwargs)


def is_scaled_result(result) -> bool:
    """True for results that :func:`gensample.io.export` must hand to :mod:`.export`."""
    from .result import StreamedResult

    if isinstance(result, StreamedResult):
        return True
    return type(result).__name__ == "DaskResult" and type(result).__module__ == "gensample.scale.dask"


def export_scaled(result, path, flag_synthetic=False, overwrite=False, *, provenance=True):
    """``export`` for a streamed or Dask result."""
    from .export import export_result

    return export_result(result, path, flag_synthetic=flag_synthetic, overwrite=overwrite, provenance=provenance)
