"""A Euclidean space in which plain distances are SMOTE-NC distances, and its way back.

Numeric columns are used as they are (as imbalanced-learn's SMOTE and SMOTE-NC do: no
scaling), each categorical column is one-hot encoded and scaled by ``med / sqrt(2)``, where
``med`` is the median standard deviation of the numeric columns in the class being
generated. Two rows that differ in one category are then ``med`` apart on that column,
exactly SMOTE-NC's penalty (Chawla et al. 2002). On all-categorical tables ``med`` is 1 and
the distance is the Hamming distance.

Why by hand: imbalanced-learn's Borderline/ADASYN/SVM/K-Means SMOTE and its cleaning steps
only accept numbers. Running them in this space gives them SMOTE-NC's notion of nearness on
mixed tables, and every point they create is a convex (SVM-SMOTE: slightly extrapolated)
combination of two real rows, so the arg-max of each one-hot block is the category of the
nearer endpoint: an observed category, never an invented one, chosen without bias.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..schema import EncodedTable

#: The one-hot embedding is searched as a sparse (CSR) matrix when at most this share of its
#: cells is non-zero. Measured with scikit-learn's brute-force search, 10^4 rows of 19 numbers
#: and 10 categories (CPU s, sparse / dense): 4.7 / 3.4 at 50 levels each (519 columns, 5.6 %
#: non-zero), 3.3 / 6.0 at 100 (1,019, 2.8 %), 3.4 / 13.2 at 200 (2,019, 1.4 %); the same
#: neighbours. Sparse costs grow with the non-zeros, dense with the width.
SPARSE_DENSITY = 1 / 32
#: ... or whatever its density when the dense matrix would be larger than this: memory bounded
#: on wide tables (10^5 class rows x 2,019 columns are 1.6 GB dense, 23 MB sparse).
SPARSE_DENSE_BYTES = 256 << 20
#: scikit-learn's working memory (MiB) for a search on a sparse matrix. Its brute force on CSR
#: goes through chunked dense distance blocks sized by this (default 1,024): on 10^4 rows x 2,019
#: columns, 1,731 MiB peak and 5.8 CPU s at the default, 334 MiB and 2.7 s at 64.
SPARSE_WORKING_MEMORY = 64


def kneighbors(reference, queries, k: int, return_distance: bool = True):
    """scikit-learn's exact k nearest ``reference`` rows of each query row (dense or CSR inputs)."""
    from sklearn import config_context
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=k).fit(reference)
    with config_context(working_memory=SPARSE_WORKING_MEMORY if sp.issparse(reference) else None):
        return nn.kneighbors(queries, return_distance=return_distance)


class MixedSpace:
    """Embed encoded rows (numeric + category codes) into one float matrix and back."""

    def __init__(self, table: EncodedTable, reference_rows: np.ndarray | None = None):
        schema = table.schema
        self.n_numeric = table.numeric.shape[1]
        self.sizes = [max(len(c.categories), 1) for c in schema.categorical]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(np.int64)
        ref = table.numeric if reference_rows is None else table.numeric[reference_rows]
        self.med_std = median_std(ref)
        self.scale = self.med_std / np.sqrt(2.0)

    @property
    def width(self) -> int:
        return self.n_numeric + int(self.offsets[-1])

    def embed(self, numeric: np.ndarray, categorical: np.ndarray) -> np.ndarray:
        n = numeric.shape[0]
        out = np.zeros((n, self.width), dtype=np.float64)
        out[:, : self.n_numeric] = numeric
        rows = np.arange(n)
        for j in range(len(self.sizes)):
            out[rows, self.n_numeric + self.offsets[j] + categorical[:, j]] = self.scale
        return out

    def sparse_is_better(self, n_rows: int) -> bool:
        """Whether :meth:`embed_for_search` gives a CSR matrix for ``n_rows`` rows."""
        if not self.sizes:
            return False
        nonzero = self.n_numeric + len(self.sizes)
        return nonzero < SPARSE_DENSITY * self.width or n_rows * self.width * 8 > SPARSE_DENSE_BYTES

    def embed_for_search(self, numeric: np.ndarray, categorical: np.ndarray):
        """:meth:`embed`, as a CSR matrix with the same values when that is cheaper to search.

        Only for neighbour searches (scikit-learn's accept both): the distances are the same.
        """
        if not self.sparse_is_better(numeric.shape[0]):
            return self.embed(numeric, categorical)
        return self.embed_sparse(numeric, categorical)

    def embed_sparse(self, numeric: np.ndarray, categorical: np.ndarray) -> sp.csr_matrix:
        """:meth:`embed` as a CSR matrix (numbers stored even where zero), built without the dense one."""
        n, p, c = numeric.shape[0], self.n_numeric, len(self.sizes)
        data = np.empty((n, p + c), dtype=np.float64)
        data[:, :p] = numeric
        data[:, p:] = self.scale
        index = np.empty((n, p + c), dtype=np.int64)
        index[:, :p] = np.arange(p)
        index[:, p:] = p + self.offsets[:-1] + categorical  # increasing in each row: sorted CSR
        indptr = np.arange(0, n * (p + c) + 1, p + c, dtype=np.int64)
        return sp.csr_matrix((data.ravel(), index.ravel(), indptr), shape=(n, self.width))

    def split(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Numeric part as is; each categorical block back to the code of its largest entry."""
        numeric = np.ascontiguousarray(X[:, : self.n_numeric])
        categorical = np.empty((X.shape[0], len(self.sizes)), dtype=np.int64)
        for j in range(len(self.sizes)):
            block = X[:, self.n_numeric + self.offsets[j] : self.n_numeric + self.offsets[j + 1]]
            categorical[:, j] = np.argmax(block, axis=1)
        return numeric, categorical


def median_std(numeric: np.ndarray) -> float:
    """SMOTE-NC's categorical penalty: median of the numeric columns' standard deviations.

    Falls back to 1.0 when there is no numeric column or all are constant, so categories
    still count in the distance.
    """
    if numeric.shape[1] == 0 or numeric.shape[0] < 2:
        return 1.0
    med = float(np.median(np.std(numeric, axis=0)))
    return med if med > 0 and np.isfinite(med) else 1.0


def class_rows(table: EncodedTable, code: int) -> np.ndarray:
    return np.flatnonzero(table.y == code)


def effective_k(k: int, n_rows: int) -> int:
    """Largest usable neighbour count for a class of ``n_rows`` rows (at least 1)."""
    return max(1, min(k, n_rows - 1))
