"""K-Means SMOTE (Douzas, Bacao and Last 2018), via imbalanced-learn, on any table.

The whole table is clustered with k-means (``MiniBatchKMeans``); clusters where the class
makes up at least ``cluster_balance_threshold`` of the rows (and has more than
``k_neighbors`` rows) receive new rows, sparse clusters more than dense ones; inside a
cluster, rows are made by SMOTE between the class's rows of that cluster.

imbalanced-learn's ``KMeansSMOTE`` does the work in a :class:`~.space.MixedSpace`
(SMOTE-NC's distance on mixed tables, Hamming on all-categorical ones; categorical cells take
the nearer endpoint's category). It rounds each cluster's count up, so gensample keeps a
uniform random subset of exactly the rows planned.

Where imbalanced-learn raises "No clusters found" (common: for one class at a time its
``"auto"`` threshold is 0.5, i.e. clusters where the class is the majority), gensample tries,
in order: the threshold lowered to the class's share of the whole table (clusters where the
class is over-represented), then half as many clusters, halving down to one cluster (which
is plain SMOTE over the class), and finally gensample's SMOTE. The settings that worked are
in the result's ``params``; each step is warned and kept. ``k_neighbors`` above the class's
rows minus one and ``n_clusters`` above the table's rows are lowered.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from ..schema import EncodedTable
from ._family import PerClassGenerator, class_space, draw_exactly, label, lowered
from .space import class_rows
from .base import warn
from .params import Integer, Options, Real


class KMeansSMOTE(PerClassGenerator):
    """K-Means SMOTE: SMOTE inside the k-means clusters where the class is frequent.

    Parameters
    ----------
    k_neighbors : int, default 2
        Neighbours within a cluster's class rows to interpolate towards.
    n_clusters : int, default 8
        Clusters of ``MiniBatchKMeans`` (imbalanced-learn's ``kmeans_estimator`` as an int).
    cluster_balance_threshold : "auto" or float in [0, 1], default "auto"
        Smallest share of the class in a cluster that receives rows.
    density_exponent : "auto" or float > 0, default "auto"
        Exponent of the mean distance in the cluster sparsity.
    """

    name = "kmeans-smote"
    description = "K-Means SMOTE: SMOTE inside the k-means clusters where the class is frequent, sparse ones first"
    defaults = {"k_neighbors": 2, "n_clusters": 8, "cluster_balance_threshold": "auto", "density_exponent": "auto"}
    needs_all_rows = True

    parameter_constraints = {
        "k_neighbors": [Integer(1)],
        "n_clusters": [Integer(1)],
        "cluster_balance_threshold": [Options("auto"), Real(0.0, 1.0)],
        "density_exponent": [Options("auto"), Real(0, low_open=True)],
    }

    def _one_class(self, table: EncodedTable, code: int, n: int, rng: np.random.Generator, notes: list):
        from imblearn.over_sampling import KMeansSMOTE as Sampler

        rows = class_rows(table, code)
        lab = label(table, code)
        k = lowered(self.name, "k_neighbors", self.params["k_neighbors"], len(rows) - 1,
                    f"class {lab!r} has {len(rows)} rows", notes)
        clusters = lowered(self.name, "n_clusters", self.params["n_clusters"], table.n_rows,
                           f"the table has {table.n_rows} rows", notes)
        threshold = self.params["cluster_balance_threshold"]
        exponent = self.params["density_exponent"]
        space, X = class_space(table, code, self.name)

        def attempt(n_clusters: int, balance):
            def make(n_after: int, random_state: int):
                return Sampler(
                    sampling_strategy={code: n_after}, k_neighbors=k, kmeans_estimator=n_clusters,
                    cluster_balance_threshold=balance, density_exponent=exponent, random_state=random_state,
                )
            # MiniBatchKMeans's OpenMP threads mostly wait for each other on these short
            # batches: on the 82 KEEL sets (two busy cores) one thread took the whole run from
            # 78 s to 5 s, and a 300,000 x 12 fit from 0.34 s to 0.13 s.
            with threadpool_limits(limits=1, user_api="openmp"):
                return draw_exactly(make, X, table.y, code, n, rng)

        share = round(len(rows) / table.n_rows, 6)
        auto_value = 0.5  # imbalanced-learn's "auto" when one class is sampled at a time
        start = auto_value if threshold == "auto" else float(threshold)
        tries = [(clusters, threshold)]
        if share < start:
            tries.append((clusters, share))
        c = clusters // 2
        while c >= 1:
            tries.append((c, min(start, share)))
            c //= 2
        last_error = None
        for i, (n_clusters, balance) in enumerate(tries):
            try:
                new = attempt(n_clusters, balance)
            except (RuntimeError, ValueError) as exc:
                # "No clusters found ...", or all-zero cluster sparsities (duplicate rows) that
                # make imbalanced-learn's cluster weights NaN.
                last_error = exc
                continue
            if i:
                warn(
                    f"{self.name}: k-means found no cluster with enough rows of class {lab!r} with "
                    f"n_clusters={clusters}, cluster_balance_threshold={threshold!r}; used "
                    f"n_clusters={n_clusters}, cluster_balance_threshold={balance!r}",
                    notes,
                )
            used = {"k_neighbors": k, "n_clusters": n_clusters, "cluster_balance_threshold": balance,
                    "density_exponent": exponent}
            numeric, categorical = self._top_up(table, code, new, space, n, k, rng, notes)
            return numeric, categorical, used
        used = {"k_neighbors": k, "n_clusters": clusters, "cluster_balance_threshold": threshold,
                "density_exponent": exponent}
        numeric, categorical = self._smote_instead(
            table, code, n, k, rng, notes,
            f"k-means found no usable cluster of class {lab!r} down to one cluster ({last_error})",
        )
        return numeric, categorical, used
