"""Exact k-nearest-neighbour search in SMOTE-NC's distance, compiled (numba), for large classes.

Why by hand: SMOTE's cost on a large class is one exact search among its rows (10^5 minority
rows are 10^10 pairs). scikit-learn's brute force is the fastest exact search tried here on such
rows (39 CPU s for 10^5 x 9 numbers; its KD-tree 74 s, scipy's cKDTree 41.5 s), and on a mixed
table it must search the one-hot embedding, sparse: 411.7 s for 10^5 rows of 19 numbers and 10
text columns of 200 values (about 35 ns a pair, one thread). No library computes SMOTE-NC's
distance (squared Euclidean on the numbers plus a penalty per categorical mismatch) on the
numbers and the category codes directly. This kernel does, fused with the top-k selection:
for every query a row of distances to all reference rows (numbers column by column, then one
comparison of codes per categorical column), then one scan that keeps the k smallest. It runs
on every core (numba threads, one query at a time per thread), so its result does not depend
on the thread count.

The answer is exact: the same neighbours as scikit-learn's search of the embedding, up to the
order of neighbours whose distances tie to within rounding (here: the lower row number first,
always). It is used only for searches of at least :data:`MIN_PAIRS` pairs, where it pays, so
the rows of smaller classes are exactly what they were before. numba is an optional dependency
(the ``fast`` extra); without it every search is scikit-learn's.
"""

from __future__ import annotations

import numpy as np

#: Searches of fewer query x reference pairs stay with scikit-learn (compiling the kernel
#: costs about a second, once per process; below this size the search takes less).
MIN_PAIRS = 1 << 28

#: numba, imported on first use (importing it costs about half a second; most runs never search
#: a class this large). None until then; False where it is not installed.
numba = None


def available() -> bool:
    """Whether the compiled search can run (numba, the optional "fast" extra, is installed)."""
    global numba
    if numba is None:
        try:
            import numba as _numba
        except ImportError:
            numba = False
        else:
            numba = _numba
    return numba is not False


def applies(n_queries: int, n_reference: int, numeric: np.ndarray | None = None) -> bool:
    """Whether a search of this size goes to the compiled kernel (numba present, large, finite numbers)."""
    if n_queries * n_reference < MIN_PAIRS or not available():
        return False
    return numeric is None or bool(np.isfinite(numeric).all())


def kneighbors(reference: tuple, queries: tuple, penalty: float, k: int, exclude_self: bool = False):
    """Distances and indices of the ``k`` nearest ``reference`` rows of each query.

    Parameters
    ----------
    reference, queries : (numeric, codes) pairs
        ``numeric`` float (n, p), ``codes`` integer (n, c) category codes (c may be 0).
    penalty : float
        Added to the squared distance for each categorical column whose codes differ
        (SMOTE-NC: the square of the median standard deviation of the numbers).
    k : int
        Neighbours per query (at most the number of reference rows, less one with ``exclude_self``).
    exclude_self : bool, default False
        The queries are the reference rows, in order: row i is not its own neighbour (a
        duplicate of it still can be).

    Returns
    -------
    distances : ndarray (n_queries, k), Euclidean, ascending
    indices : ndarray (n_queries, k) of int64; ties: the lower index first
    """
    if not available():
        raise RuntimeError("the compiled neighbour search needs numba (pip install 'gensample[fast]')")
    r_num, r_cod = _parts(reference)
    q_num, q_cod = _parts(queries)
    n_ref, m = r_num.shape[0], q_num.shape[0]
    if not 1 <= k <= n_ref - (1 if exclude_self else 0):
        raise ValueError(f"k={k} neighbours asked of {n_ref} reference rows")
    finish = _kernel()
    d2 = np.empty((m, k), dtype=np.float64)
    idx = np.empty((m, k), dtype=np.int64)
    r_sq = np.einsum("ij,ij->i", r_num, r_num)
    q_sq = np.einsum("ij,ij->i", q_num, q_num)
    # The numbers' part as scikit-learn computes it, |q|^2 + |r|^2 - 2 q.r, the product by BLAS
    # in blocks of queries (a block's products are at most BLOCK_BYTES); the kernel adds the
    # categorical penalties and keeps the k smallest of each row.
    step = max(1, min(m, BLOCK_BYTES // (8 * max(n_ref, 1))))
    for start in range(0, m, step):
        stop = min(m, start + step)
        prod = q_num[start:stop] @ r_num.T
        finish(prod, q_sq[start:stop], r_sq, q_cod[start:stop], r_cod, float(penalty),
               start if exclude_self else -1, d2[start:stop], idx[start:stop])
    return np.sqrt(np.maximum(d2, 0.0)), idx


#: Memory of one block of query x reference products (the search's working memory).
BLOCK_BYTES = 64 << 20


def _parts(pair):
    num, cod = pair
    num = np.ascontiguousarray(num, dtype=np.float64)
    cod = np.ascontiguousarray(cod, dtype=np.int32).reshape(num.shape[0], -1)
    return num, cod


_COMPILED = None


def _kernel():
    """The kernel, compiled on first use (cached on disk by numba where it can write)."""
    global _COMPILED
    if _COMPILED is None:
        try:
            _COMPILED = numba.njit(parallel=True, cache=True, nogil=True)(_finish)
        except RuntimeError:  # no writable cache directory: compile in memory, once per process
            _COMPILED = numba.njit(parallel=True, cache=False, nogil=True)(_finish)
    return _COMPILED


def _finish(prod, q_sq, r_sq, q_cod, r_cod, penalty, self_offset, out_d2, out_idx):  # pragma: no cover - compiled
    m, n = prod.shape
    c = r_cod.shape[1]
    k = out_d2.shape[1]
    for i in numba.prange(m):
        best_d = np.full(k, np.inf)
        best_j = np.full(k, -1, dtype=np.int64)
        me = self_offset + i if self_offset >= 0 else -1
        qn = q_sq[i]
        for j in range(n):
            d = qn + r_sq[j] - 2.0 * prod[i, j]
            # The numbers alone bound the distance from below (penalties are >= 0): most rows
            # are out before their categories are looked at.
            if d >= best_d[k - 1] or j == me:
                continue
            for g in range(c):
                if r_cod[j, g] != q_cod[i, g]:
                    d += penalty
            if d >= best_d[k - 1]:
                continue
            # Insert, ascending; a later (higher) index never displaces an equal one.
            pos = k - 1
            while pos > 0 and best_d[pos - 1] > d:
                best_d[pos] = best_d[pos - 1]
                best_j[pos] = best_j[pos - 1]
                pos -= 1
            best_d[pos] = d
            best_j[pos] = j
        out_d2[i] = best_d
        out_idx[i] = best_j
