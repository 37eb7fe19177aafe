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

Where few rows share a code (codes of many values, :func:`few_shared_codes`), most pairs of
rows differ in every categorical column, and for those the distance is the numbers' distance
plus a constant. Then the k nearest are among two small sets (:func:`_by_candidates`): the
query's 2k nearest on the numbers alone (scikit-learn's brute force, which runs cache-sized
blocks and is faster than the scan's products) and the rows that share one of its codes
(compared block by block, per column and code). A query whose numbers tie past its 2k-th
candidate goes to the full scan instead, so the answer stays exact. On 30,000 rows of 19
numbers and 10 codes of 200 values: 4.0 CPU s against the scan's 10.2, the same neighbours.

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
    r_sq = np.einsum("ij,ij->i", r_num, r_num)
    q_sq = np.einsum("ij,ij->i", q_num, q_num)
    if r_cod.shape[1] and few_shared_codes(r_cod):
        d2, idx, unsure = _by_candidates(r_num, r_cod, q_num, q_cod, r_sq, q_sq, float(penalty), k, exclude_self)
        if unsure.any():  # numeric ties reach past the candidates: these queries by the full scan
            rows = np.flatnonzero(unsure)
            d2[rows], idx[rows] = _scan(r_num, r_cod, q_num[rows], q_cod[rows], r_sq, q_sq[rows], penalty, k,
                                        rows if exclude_self else None)
    else:
        d2, idx = _scan(r_num, r_cod, q_num, q_cod, r_sq, q_sq, penalty, k,
                        np.arange(m) if exclude_self else None)
    return np.sqrt(np.maximum(d2, 0.0)), idx


def _scan(r_num, r_cod, q_num, q_cod, r_sq, q_sq, penalty, k, self_rows):
    """Squared distances and indices of the k nearest, every reference row scanned per query.

    ``self_rows``: the reference row each query is (excluded), or None.
    """
    finish = _kernel()
    m, n_ref = q_num.shape[0], r_num.shape[0]
    d2 = np.empty((m, k), dtype=np.float64)
    idx = np.empty((m, k), dtype=np.int64)
    me = np.full(m, -1, dtype=np.int64) if self_rows is None else np.asarray(self_rows, dtype=np.int64)
    # The numbers' part as scikit-learn computes it, |q|^2 + |r|^2 - 2 q.r, the product by BLAS
    # in blocks of queries (a block's products are at most BLOCK_BYTES); the kernel adds the
    # categorical penalties and keeps the k smallest of each row.
    step = max(1, min(m, BLOCK_BYTES // (8 * max(n_ref, 1))))
    for start in range(0, m, step):
        stop = min(m, start + step)
        prod = q_num[start:stop] @ r_num.T
        finish(prod, q_sq[start:stop], r_sq, q_cod[start:stop], r_cod, float(penalty), me[start:stop],
               d2[start:stop], idx[start:stop])
    return d2, idx


def few_shared_codes(codes: np.ndarray) -> bool:
    """Whether a random row shares a code with few rows (at most 1/:data:`SHARED_SHARE` of them).

    Then the k nearest are among the rows nearest on the numbers and the rows that share a
    code with the query (:func:`_by_candidates`), and those are few enough to be worth it.
    """
    n = codes.shape[0]
    expected = 0.0
    for g in range(codes.shape[1]):
        counts = np.bincount(codes[:, g] - codes[:, g].min()).astype(np.float64)
        expected += float((counts * counts).sum()) / n
    return expected * SHARED_SHARE <= n


#: See :func:`few_shared_codes`.
SHARED_SHARE = 8


def _by_candidates(r_num, r_cod, q_num, q_cod, r_sq, q_sq, penalty, k, exclude_self):
    """The k nearest among two candidate sets, for codes that few rows share.

    Every reference row that shares no code with a query is ``c`` penalties away plus its
    numbers' distance, so among those the order is the numbers' order: the k best of them are
    among the query's ``2k`` nearest on the numbers alone (scikit-learn's exact search). The
    rows that share a code are compared with the query block by block: for each column and
    code, the queries and reference rows that have it (contiguous copies, so the block stays
    in the cache). The k best of the two sets, by the kernel's distance, are the k best of all,
    unless the numbers' distance of the query's 2k-th candidate ties its k-th, which the caller
    settles by the full scan (``unsure``).
    """
    import sklearn
    from sklearn.neighbors import NearestNeighbors

    n_ref, m = r_num.shape[0], q_num.shape[0]
    wide = int(min(n_ref, 2 * k + (1 if exclude_self else 0)))
    with sklearn.config_context(working_memory=BLOCK_BYTES >> 20):  # the scan's bound on working memory
        near = NearestNeighbors(n_neighbors=wide, algorithm="brute").fit(r_num).kneighbors(q_num, return_distance=False)
    d2 = np.full((m, k), np.inf)
    idx = np.full((m, k), -1, dtype=np.int64)
    unsure = np.zeros(m, dtype=np.bool_)
    on_numbers, on_codes = _candidates_kernels()
    on_numbers(r_num, r_cod, q_num, q_cod, r_sq, q_sq, float(penalty), near, bool(exclude_self), d2, idx, unsure)
    lo = r_cod.min(axis=0).astype(np.int64)
    for g in range(r_cod.shape[1]):
        levels = int(r_cod[:, g].max() - lo[g]) + 1
        r_key = r_cod[:, g].astype(np.int64) - lo[g]
        q_key = q_cod[:, g].astype(np.int64) - lo[g]
        q_key[(q_key < 0) | (q_key >= levels)] = levels  # a code the reference lacks: no block
        r_order, r_starts = _groups(r_key, levels)
        q_order, q_starts = _groups(q_key, levels)
        on_codes(r_num, r_cod, q_num, q_cod, r_sq, q_sq, float(penalty), r_order, r_starts, q_order, q_starts,
                 bool(exclude_self), d2, idx)
    return d2, idx, unsure


def _groups(keys: np.ndarray, levels: int):
    """Rows ordered by key (stable) and where each key's rows start (``levels + 1`` bounds)."""
    order = np.argsort(keys, kind="stable").astype(np.int64)
    starts = np.zeros(levels + 1, dtype=np.int64)
    starts[1:] = np.cumsum(np.bincount(keys, minlength=levels + 1)[:levels])
    return order, starts


#: Memory of one block of query x reference products (the search's working memory).
BLOCK_BYTES = 64 << 20


def _parts(pair):
    num, cod = pair
    num = np.ascontiguousarray(num, dtype=np.float64)
    cod = np.ascontiguousarray(cod, dtype=np.int32).reshape(num.shape[0], -1)
    return num, cod


_COMPILED = None


def _compile(func):
    """``func`` compiled for numba's threads (cached on disk by numba where it can write)."""
    try:
        return numba.njit(parallel=True, cache=True, nogil=True)(func)
    except RuntimeError:  # no writable cache directory: compile in memory, once per process
        return numba.njit(parallel=True, cache=False, nogil=True)(func)


def _kernel():
    """The scan's kernel, compiled on first use."""
    global _COMPILED
    if _COMPILED is None:
        _COMPILED = _compile(_finish)
    return _COMPILED


def _finish(prod, q_sq, r_sq, q_cod, r_cod, penalty, self_rows, out_d2, out_idx):  # pragma: no cover - compiled
    m, n = prod.shape
    c = r_cod.shape[1]
    k = out_d2.shape[1]
    for i in numba.prange(m):
        best_d = np.full(k, np.inf)
        best_j = np.full(k, -1, dtype=np.int64)
        me = self_rows[i]
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


_CANDIDATES = None
_keep = None  # _keep_list compiled, set by _candidates_kernels


def _candidates_kernels():
    """:func:`_on_numbers` and :func:`_on_codes`, compiled on first use."""
    global _CANDIDATES, _keep
    if _CANDIDATES is None:
        # The kernels call _keep: numba must find it compiled when it compiles them.
        _keep = numba.njit(nogil=True)(_keep_list)
        _CANDIDATES = (_compile(_on_numbers), _compile(_on_codes))
    return _CANDIDATES


def _keep_list(best_d, best_j, d, j):  # pragma: no cover - compiled
    """Insert (d, j) into one query's ascending (distance, row) list, unless j is in it already."""
    k = best_d.shape[0]
    if d > best_d[k - 1] or (d == best_d[k - 1] and best_j[k - 1] >= 0 and j >= best_j[k - 1]):
        return
    for q in range(k):
        if best_j[q] == j:
            return
    pos = k - 1
    while pos > 0 and (best_d[pos - 1] > d or (best_d[pos - 1] == d and best_j[pos - 1] > j)):
        best_d[pos] = best_d[pos - 1]
        best_j[pos] = best_j[pos - 1]
        pos -= 1
    best_d[pos] = d
    best_j[pos] = j


def _on_numbers(r_num, r_cod, q_num, q_cod, r_sq, q_sq, penalty, near, exclude_self, best_d, best_j,
                unsure):  # pragma: no cover - compiled
    m, p = q_num.shape
    c = r_cod.shape[1]
    k = best_d.shape[1]
    wide = near.shape[1]
    everyone = r_num.shape[0] - (1 if exclude_self else 0)
    r_sq_max = r_sq.max()
    for i in numba.prange(m):
        num_d = np.empty(wide)
        used = 0
        for s in range(wide):
            j = near[i, s]
            if exclude_self and j == i:
                continue
            dot = 0.0
            for a in range(p):
                dot += q_num[i, a] * r_num[j, a]
            d = q_sq[i] + r_sq[j] - 2.0 * dot
            num_d[used] = d
            used += 1
            for g in range(c):
                if r_cod[j, g] != q_cod[i, g]:
                    d += penalty
            _keep(best_d[i], best_j[i], d, j)
        if used < everyone:
            # Safe when the last candidate's numbers are beyond the k-th's by more than the
            # rounding between this arithmetic and scikit-learn's (which grows with the squared
            # norms, |q|^2 + |r|^2 - 2 q.r cancelling): then k candidates beat every row outside both sets.
            nums = np.sort(num_d[:used])
            margin = 1e-12 * (1.0 + q_sq[i] + r_sq_max)
            if used < k or not nums[used - 1] - nums[k - 1] > margin:
                unsure[i] = True


def _on_codes(r_num, r_cod, q_num, q_cod, r_sq, q_sq, penalty, r_order, r_starts, q_order, q_starts, exclude_self,
              best_d, best_j):  # pragma: no cover - compiled
    p = q_num.shape[1]
    c = r_cod.shape[1]
    k = best_d.shape[1]
    levels = r_starts.shape[0] - 1
    # One block per code; a query has one code per column, so no two threads touch one query.
    for v in numba.prange(levels):
        r0, r1 = r_starts[v], r_starts[v + 1]
        q0, q1 = q_starts[v], q_starts[v + 1]
        nr = r1 - r0
        if nr == 0 or q1 == q0:
            continue
        rows = r_order[r0:r1]
        num_t = np.empty((p, nr))  # the block's numbers, column-major, for a vectorised product
        cod = np.empty((nr, c), dtype=r_cod.dtype)
        sq = np.empty(nr)
        for b in range(nr):
            j = rows[b]
            sq[b] = r_sq[j]
            for a in range(p):
                num_t[a, b] = r_num[j, a]
            for g in range(c):
                cod[b, g] = r_cod[j, g]
        dot = np.empty(nr)
        for t in range(q0, q1):
            i = q_order[t]
            dot[:] = 0.0
            for a in range(p):
                x = q_num[i, a]
                for b in range(nr):
                    dot[b] += x * num_t[a, b]
            for b in range(nr):
                j = rows[b]
                d = q_sq[i] + sq[b] - 2.0 * dot[b]
                if d > best_d[i, k - 1] or (exclude_self and j == i):
                    continue  # the numbers alone are already too far (penalties only add)
                for g in range(c):
                    if cod[b, g] != q_cod[i, g]:
                        d += penalty
                _keep(best_d[i], best_j[i], d, j)
