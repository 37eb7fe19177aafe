"""The discrete head of forest-flow and wgan-gp: each discrete column drawn given the numbers.

Forest-Flow's flow moves every coordinate of a discrete column's {-1, 1} one-hot along with the
numbers and decodes the largest one. A category that a number's value fixes exactly (a band
of a measurement, a flag set above a threshold) then comes out wrong whenever the flow puts
the number a little on the other side of the cut: on the planted table 7-9 % of forest-flow's
rows broke the ``band`` rule, where SMOTE breaks it in 0-1 %, and the number-category pairs
were most of its dependency gap (benchmarks/README). The head keeps the flow's numbers and
redraws the discrete columns one after another from ``p(column k | numbers, columns < k)``
(and the class, in a model of several classes), each a gradient-boosted classifier fitted on
the training rows. That is a valid factorisation of the joint law (the numbers' marginal from
the flow, the rest by the chain rule) and the trees find a cut on a number exactly; it is the
sequential-trees idea of CART synthesisers (synthpop) applied to the discrete part only.
Only values seen in the training rows come out, as before. wgan-gp uses the same head after
its network (where it fixes the band rule and, measured, changes little else).

The classifiers are scikit-learn's ``HistGradientBoostingClassifier``, kept as plain arrays
(:mod:`._boosted_trees`) like the flow's regressors, so saving and loading stay arrays only.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._boosted_trees import TreeTable, check_nodes, predict_leaves

#: Where a model keeps its head: the key in its config, the prefix of its arrays.
CONFIG_KEY = "discrete_head"
ARRAY_PREFIX = "discrete_head."

#: Rows whose trees are walked at once (bounds the (rows x trees) index matrix).
_PREDICT_ROWS = 2048
#: Trees, depth and leaf size of each classifier (forest-flow's defaults for its regressors). Choosing the trees on held-out rows instead was tried and dropped: with a value
#: seen a handful of times the held-out log-loss rises after a few trees, and the head then
#: underfits the common values.
TREES, DEPTH, LEAF = 50, 6, 20
#: Leaf size of the classifiers: scikit-learn's 20 on large classes, smaller on small ones
#: (a 40-row class could not split at all), never under this.
MIN_LEAF = 3


def leaf_size(n_rows: int, min_samples_leaf: int) -> int:
    """Fewest training rows in a classifier's leaf for a fit on ``n_rows`` rows."""
    return int(max(MIN_LEAF, min(int(min_samples_leaf), n_rows // 20)))


def wants_head(cont: np.ndarray, sizes: list) -> bool:
    """Whether a head has something to draw (discrete columns) and a number to condition on."""
    return cont.shape[1] > 0 and len(sizes) > 0


def _outputs(size: int) -> int:
    # scikit-learn fits one tree per iteration for two classes (the log-odds of the second)
    # and one per class above that.
    return 1 if size == 2 else size


class DiscreteHead:
    """Fitted classifiers of the discrete columns, drawn in order given the continuous ones."""

    @classmethod
    def from_model_state(cls, config: dict, arrays: dict) -> DiscreteHead | None:
        """The head kept in a model's (config, arrays), or None when it has none."""
        if config.get(CONFIG_KEY) is None:
            return None
        return cls(config[CONFIG_KEY], {k[len(ARRAY_PREFIX):]: v for k, v in arrays.items() if k.startswith(ARRAY_PREFIX)})

    def add_to_state(self, config: dict, arrays: dict) -> None:
        """Put the head into a model's (config, arrays), as :meth:`from_model_state` reads it."""
        config[CONFIG_KEY] = self.config()
        arrays.update({ARRAY_PREFIX + k: v for k, v in self.arrays().items()})

    def problems_against(self, n_cont: int, sizes: list, n_cond: int) -> list[str]:
        """:meth:`problems`, and whether the head serves these columns and conditions."""
        bad = self.problems()
        if (self.n_cont, self.sizes, self.n_cond) != (int(n_cont), [int(s) for s in sizes], int(n_cond)):
            bad.append("head shape")
        return bad

    def __init__(self, config: dict, arrays: dict):
        self.n_cont = int(config["n_cont"])
        self.sizes = [int(s) for s in config["sizes"]]
        self.n_cond = int(config["n_cond"])
        self.depth = int(config["max_depth_seen"])
        self.nodes = {k: np.asarray(arrays[k]) for k in ("feature", "threshold", "left", "right", "value")}
        self.nodes["is_leaf"] = np.asarray(arrays["is_leaf"], dtype=bool)
        self.roots = np.asarray(arrays["roots"], dtype=np.int64)  # (sum of outputs, trees)
        self.baseline = np.asarray(arrays["baseline"], dtype=np.float64)  # (sum of outputs,)

    def problems(self) -> list[str]:
        """What does not fit together in the arrays (empty when a model can be sampled)."""
        n_out = sum(_outputs(s) for s in self.sizes)
        bad = []
        if self.roots.ndim != 2 or self.roots.shape[0] != n_out:
            bad.append("head roots")
        if self.baseline.shape != (n_out,):
            bad.append("head baseline")
        if any(s < 2 for s in self.sizes) or self.n_cont < 1:
            bad.append("head sizes")
        n_inputs = self.n_cont + sum(self.sizes) + self.n_cond
        if not bad and not check_nodes(self.nodes, n_inputs, self.roots):
            bad.append("head nodes")
        return bad

    def config(self) -> dict:
        return {"n_cont": self.n_cont, "sizes": list(self.sizes), "n_cond": self.n_cond, "max_depth_seen": self.depth}

    def arrays(self) -> dict:
        out = {k: v for k, v in self.nodes.items() if k != "is_leaf"}
        out["is_leaf"] = self.nodes["is_leaf"].astype(np.uint8)
        out["roots"], out["baseline"] = self.roots, self.baseline
        return out

    def draw(self, cont: np.ndarray, cond: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
        """Codes of every discrete column for rows whose continuous values are ``cont``.

        ``cont``: the model's continuous values, in the scale the head was fitted in.
        """
        n = len(cont)
        codes = np.empty((n, len(self.sizes)), dtype=np.int64)
        inputs = [np.asarray(cont, dtype=np.float64)]
        at = 0
        for k, size in enumerate(self.sizes):
            out = _outputs(size)
            X = np.hstack(inputs + ([cond] if cond is not None else []))
            codes[:, k] = _pick(self._raw(X, slice(at, at + out)), rng.random(n))
            inputs.append(one_hot(codes[:, k], size))
            at += out
        return codes

    def _raw(self, X: np.ndarray, outputs: slice) -> np.ndarray:
        roots = self.roots[outputs]  # (outputs, trees)
        raw = np.empty((len(X), roots.shape[0]))
        nd = self.nodes
        for start in range(0, len(X), _PREDICT_ROWS):
            block = X[start:start + _PREDICT_ROWS]
            leaves = predict_leaves(block, roots.reshape(-1), nd["feature"], nd["threshold"], nd["left"], nd["right"],
                                    nd["is_leaf"], self.depth)
            raw[start:start + len(block)] = nd["value"][leaves].reshape(len(block), *roots.shape).sum(axis=2)
        return raw + self.baseline[outputs]


def _pick(raw: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A code per row from the classifier's raw scores (log-odds, or one score a class) and uniforms ``u``."""
    if raw.shape[1] == 1:
        return (u < 1.0 / (1.0 + np.exp(-raw[:, 0]))).astype(np.int64)
    p = np.exp(raw - raw.max(axis=1, keepdims=True))
    cum = np.cumsum(p, axis=1)
    return np.minimum((cum < (u * cum[:, -1])[:, None]).sum(axis=1), raw.shape[1] - 1).astype(np.int64)


def condition_rows(n: int, n_cond: int, condition: int | None) -> np.ndarray | None:
    """The class condition of ``n`` rows of class ``condition`` as the head's input (None: one class)."""
    if n_cond == 0:
        return None
    cond = -np.ones((int(n), int(n_cond)))
    cond[:, int(condition or 0)] = 1.0
    return cond


def one_hot(codes: np.ndarray, size: int) -> np.ndarray:
    """A code column as {-1, 1} one-hot, the flow's own coding of a discrete column."""
    return np.where(np.arange(size)[None, :] == np.asarray(codes)[:, None], 1.0, -1.0)


def fit_head(
    cont: np.ndarray,
    codes: np.ndarray,
    sizes: list,
    cond: np.ndarray | None,
    *,
    learning_rate: float,
    rng: np.random.Generator,
    max_iter: int = TREES,
    max_depth: int = DEPTH,
    min_samples_leaf: int = LEAF,
) -> DiscreteHead:
    """Fit the chain of classifiers on the training rows.

    ``cont`` may be in any monotone scale of the columns (trees split on order only), but the
    rows given to :meth:`DiscreteHead.draw` must be in the same one. ``cond``: the class as
    {-1, 1} one-hot per row (a model of several classes), or None.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    inputs = [np.asarray(cont, dtype=np.float64)]
    leaf = leaf_size(len(cont), min_samples_leaf)
    models = []
    for k, size in enumerate(sizes):
        X = np.hstack(inputs + ([cond] if cond is not None else []))
        with warnings.catch_warnings():
            # scikit-learn suspects a regression target when a small class has many values; here
            # the values are categories by construction, and the warning would reach the user.
            warnings.filterwarnings("ignore", message="The number of unique classes", category=UserWarning)
            model = HistGradientBoostingClassifier(
                max_iter=max_iter, max_depth=max_depth, learning_rate=learning_rate, min_samples_leaf=leaf,
                early_stopping=False, random_state=int(rng.integers(0, 2**31 - 1)),
            ).fit(X, codes[:, k])
        if list(model.classes_) != list(range(size)):
            # The layout's codes are every value seen in these rows; anything else is a bug here.
            raise RuntimeError(f"discrete column {k}: classifier saw classes {list(model.classes_)}, expected 0..{size - 1}")
        models.append((model, size))
        inputs.append(one_hot(codes[:, k], size))
    return head_from_models(models, cont.shape[1], sizes, 0 if cond is None else cond.shape[1])


def head_from_models(models: list, n_cont: int, sizes: list, n_cond: int) -> DiscreteHead:
    """A :class:`DiscreteHead` holding fitted classifiers ``[(model, levels), ...]`` as arrays, in drawing order."""
    # Every output keeps as many trees as the longest classifier (empty trees pad the others).
    width = max(m.n_iter_ for m, _ in models)
    table = TreeTable()
    roots, baseline = [], []
    for model, size in models:
        for out in range(_outputs(size)):
            roots.append(table.add_model(model, out, width))
        baseline.extend(np.ravel(model._baseline_prediction).tolist())
    config = {"n_cont": int(n_cont), "sizes": list(sizes), "n_cond": int(n_cond), "max_depth_seen": table.depth}
    arrays = {**table.arrays(), "roots": np.asarray(roots, dtype=np.int64).reshape(len(roots), width),
              "baseline": np.asarray(baseline, dtype=np.float64)}
    return DiscreteHead(config, arrays)
