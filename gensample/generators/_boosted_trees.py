"""scikit-learn's histogram gradient-boosted trees as plain arrays, and a numpy walk over them.

Forest-Flow's regressors and its discrete head's classifiers are fitted with scikit-learn's
``HistGradientBoosting*`` and then kept as flat node arrays, so that a saved model is arrays in
safetensors (loading it executes nothing) and a loaded model predicts exactly what the fitted
one does. scikit-learn offers no public export of its fitted trees, so the arrays are copied
out of the private ``_predictors[i][k].nodes`` records; tests/test_forest_flow.py checks that
they predict what scikit-learn predicts, so a release that moves those fields fails there,
not silently.
"""

from __future__ import annotations

import numpy as np

#: Fields of a fitted scikit-learn tree node that the flat arrays keep.
NODE_FIELDS = ("feature_idx", "num_threshold", "left", "right", "is_leaf", "value")


class TreeTable:
    """Nodes of many trees appended into one table; each tree is known by its root's index."""

    def __init__(self):
        self._parts: list = []
        self.n_nodes = 0
        self.depth = 0

    def add(self, tree: np.ndarray) -> int:
        """Append one scikit-learn tree (its ``nodes`` record array); return its root's index."""
        root = self.n_nodes
        self._parts.append(flatten(tree, root))
        self.n_nodes += len(tree)
        self.depth = max(self.depth, int(tree["depth"].max()))
        return root

    def add_model(self, model, k: int, trees: int) -> list[int]:
        """Roots of output ``k``'s trees of a fitted model, padded with empty trees to ``trees``.

        A target the model cannot improve on stops boosting early; the missing trees are
        single leaves worth nothing, so every (output, model) has the same number of trees.
        """
        got = [predictors[k].nodes for predictors in model._predictors]
        return [self.add(tree) for tree in got + [zero_leaf()] * (trees - len(got))]

    def arrays(self) -> dict:
        """The node table: ``feature``, ``threshold``, ``left``, ``right``, ``is_leaf``, ``value``."""
        if not self._parts:
            self.add(zero_leaf())
        flat = {f: np.concatenate([p[f] for p in self._parts]) for f in NODE_FIELDS}
        return {"feature": flat["feature_idx"], "threshold": flat["num_threshold"], "left": flat["left"],
                "right": flat["right"], "is_leaf": flat["is_leaf"], "value": flat["value"]}


def zero_leaf() -> np.ndarray:
    """A tree of one leaf worth 0, in scikit-learn's node record layout."""
    leaf = np.zeros(1, dtype=[("feature_idx", np.int64), ("num_threshold", np.float64), ("left", np.int64),
                              ("right", np.int64), ("is_leaf", np.uint8), ("value", np.float64), ("depth", np.int64)])
    leaf["is_leaf"] = 1
    return leaf


def flatten(tree: np.ndarray, offset: int) -> dict:
    """One tree's nodes with child indices made absolute (``offset``: its first node's index)."""
    leaf = tree["is_leaf"].astype(bool)
    return {
        "feature_idx": np.where(leaf, 0, tree["feature_idx"]).astype(np.int64),
        "num_threshold": tree["num_threshold"].astype(np.float64),
        "left": np.where(leaf, 0, tree["left"].astype(np.int64) + offset),
        "right": np.where(leaf, 0, tree["right"].astype(np.int64) + offset),
        "is_leaf": leaf,
        "value": tree["value"].astype(np.float64),
    }


def predict_leaves(X, roots, feature, threshold, left, right, is_leaf, depth) -> np.ndarray:
    """Leaf index reached by every row of ``X`` in every tree (``roots``): (rows, trees).

    scikit-learn's rule for a numeric split: ``x <= threshold`` goes left (the inputs here are
    never missing, so its ``missing_go_to_left`` is not needed).
    """
    node = np.broadcast_to(roots, (len(X), len(roots))).copy()
    rows = np.arange(len(X))[:, None]
    for _ in range(depth):
        leaf = is_leaf[node]
        if leaf.all():
            break
        go_left = X[rows, feature[node]] <= threshold[node]
        node = np.where(leaf, node, np.where(go_left, left[node], right[node]))
    return node


def check_nodes(arrays: dict, n_inputs: int, roots: np.ndarray) -> bool:
    """True when every root and child index lies inside the node table and every split feature is an input."""
    n_nodes = len(arrays["value"])
    if not all(len(arrays[k]) == n_nodes for k in ("feature", "threshold", "left", "right", "is_leaf")):
        return False
    if n_nodes == 0:
        return roots.size == 0
    if (roots < 0).any() or (roots >= n_nodes).any():
        return False
    inner = ~np.asarray(arrays["is_leaf"], dtype=bool)
    if not inner.any():
        return True
    left, right, feature = arrays["left"][inner], arrays["right"][inner], arrays["feature"][inner]
    return not ((left < 0).any() or (left >= n_nodes).any() or (right < 0).any() or (right >= n_nodes).any()
                or (feature < 0).any() or (feature >= n_inputs).any())
