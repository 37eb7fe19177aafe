"""Streaming exact k nearest neighbours of the rows to grow among the other classes.

For each class to grow, its rows are embedded in the same :class:`MixedSpace` the method
uses in memory (SMOTE-NC's distance, scaled on that class's rows). Each batch of the other
classes' rows is embedded the same way and searched with scikit-learn's
:class:`~sklearn.neighbors.NearestNeighbors`; the running ``k`` best per row (distance, then
row number, so ties resolve as in row order) are merged batch by batch. Memory: the class's
rows, one batch and ``k`` candidates per row (wide one-hot embeddings are searched sparse, see
:func:`search`). The rows that end up among some row's
neighbours are returned with their data, so the method can then run in memory on the class
plus those rows and find exactly the neighbours it finds on the whole table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..generators.space import MixedSpace, kneighbors
from ..missing import impute
from .progress import Progress


class _Best:
    """The ``k`` nearest candidates so far of each query row."""

    def __init__(self, n: int, k: int):
        self.k = k
        self.dist = np.full((n, 0), np.inf)
        self.pos = np.full((n, 0), -1, dtype=np.int64)

    def merge(self, dist: np.ndarray, pos: np.ndarray) -> None:
        d = np.concatenate([self.dist, dist], axis=1)
        p = np.concatenate([self.pos, pos], axis=1)
        order = np.lexsort((p, d), axis=1)[:, : self.k]
        self.dist = np.take_along_axis(d, order, axis=1)
        self.pos = np.take_along_axis(p, order, axis=1)


def nearest_other_rows(source, schema, grown: pd.DataFrame, codes: list, k: int, keep_labels: list,
                       show: bool) -> pd.DataFrame:
    """Rows of the other classes that are among the ``k`` nearest of some row to grow.

    Parameters
    ----------
    source : Source
        The table.
    schema : TableSchema
        The whole table's schema.
    grown : DataFrame
        The rows of the classes to grow (indexed by row number).
    codes : list of int
        Class codes to grow.
    k : int
        Neighbours per row.
    keep_labels : list
        Labels of the classes in ``grown`` (the others are searched).
    show : bool
        Show progress.

    Returns
    -------
    DataFrame
        Those rows, indexed by row number, in row order.
    """
    table = impute(schema.encode(grown))
    spaces, queries, best, embedded = {}, {}, {}, {}
    for code in codes:
        rows = np.flatnonzero(table.y == code)
        if not len(rows):
            continue
        space = MixedSpace(table, rows)
        spaces[code] = space
        queries[code] = (table.numeric[rows], table.categorical[rows])
        embedded[code] = {}
        best[code] = _Best(len(rows), k)
    kept = []
    target = schema.target.name
    with Progress(source.num_rows, f"pass 3: {k} nearest other rows", show) as bar:
        for _, frame, batch in source.frames(source.names):
            other = frame[~frame[target].isin(keep_labels).to_numpy()]
            bar.update(batch.num_rows)
            if not len(other) or not best:
                continue
            enc = impute(schema.encode(other))
            entered = np.zeros(len(other), dtype=bool)
            for code, space in spaces.items():
                kk = min(k, len(other))
                dist, idx = search(space, (enc.numeric, enc.categorical), queries[code], kk, embedded[code])
                positions = other.index.to_numpy()[idx]
                best[code].merge(dist, positions)
                entered[np.isin(other.index.to_numpy(), best[code].pos)] = True
            if entered.any():
                kept.append(other.iloc[np.flatnonzero(entered)])
                if len(kept) > 8:  # drop rows pushed out since: memory stays ~k per query row
                    kept = [_prune(pd.concat(kept), best)]
    if not kept:
        return grown.iloc[:0]
    return _prune(pd.concat(kept), best)


def search(space: MixedSpace, reference: tuple, queries: tuple, k: int, embedded: dict | None = None):
    """Distances and indices of the ``k`` nearest ``reference`` rows of each query row.

    Both are (numeric, codes) pairs embedded in ``space``: dense, or both sparse when the
    one-hot is wide or a dense batch would be large (``MixedSpace.sparse_is_better``), so a
    131,072-row batch of a table with wide text columns is not a multi-GB dense matrix.
    ``embedded`` keeps the queries' embedding (one per form) across the batches.
    """
    sparse = space.sparse_is_better(max(len(reference[0]), len(queries[0])))
    embed = space.embed_sparse if sparse else space.embed
    cache = {} if embedded is None else embedded
    if sparse not in cache:
        cache[sparse] = embed(*queries)
    return kneighbors(embed(*reference), cache[sparse], k)


def _prune(frame: pd.DataFrame, best: dict) -> pd.DataFrame:
    final = np.unique(np.concatenate([b.pos.ravel() for b in best.values()]))
    return frame[np.isin(frame.index.to_numpy(), final)]


def candidates_in(part: pd.DataFrame, schema, grown: pd.DataFrame, codes: list, k: int) -> pd.DataFrame:
    """The rows of ``part`` (other classes) among the ``k`` nearest of some row of ``grown``.

    Run on each Dask partition: the union over partitions holds every row's k nearest.
    """
    if not len(part):
        return part
    table = impute(schema.encode(grown))
    enc = impute(schema.encode(part))
    chosen = np.zeros(len(part), dtype=bool)
    for code in codes:
        rows = np.flatnonzero(table.y == code)
        if not len(rows):
            continue
        space = MixedSpace(table, rows)
        _, idx = search(space, (enc.numeric, enc.categorical), (table.numeric[rows], table.categorical[rows]),
                        min(k, len(part)))
        chosen[np.unique(idx)] = True
    return part.iloc[np.flatnonzero(chosen)]
