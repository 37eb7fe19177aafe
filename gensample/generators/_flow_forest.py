"""Forest-Flow: conditional flow matching with gradient-boosted trees (the algorithm).

Jolicoeur-Martineau, Fatras & Kachman (2024), "Generating and imputing tabular data via
diffusion and flow-based gradient-boosted trees", AISTATS. A straight path joins a noise row
``x0 ~ N(0, I)`` to a data row ``x1``: ``x(t) = t x1 + (1 - t) x0``, whose velocity is
``x1 - x0``. At each of ``n_t`` time levels a gradient-boosted regressor per column learns that
velocity from ``x(t)`` (every data row paired with ``duplicate_k`` noise rows); new rows start
from noise and follow the learnt velocities to ``t = 1``: with Euler steps (the authors'), or
with Heun's steps (``solver="heun"``), which average the velocity at the start of a step and
the next level's velocity at the Euler prediction. Heun uses the same regressors (no extra
training) and about twice the sampling's tree walks; it cuts the integration error of a coarse
time grid (see :class:`~gensample.generators.forest_flow.ForestFlow` for what it measured).

Written here rather than through the authors' ``ForestDiffusion`` package: that one trains
XGBoost models (a large extra dependency, with CUDA libraries in its wheels) and at its
defaults took 483 s on a 300-row class here. scikit-learn's histogram gradient boosting is
already a dependency. The trees are kept as plain arrays (:mod:`._boosted_trees`) and
evaluated in numpy, for freshly fitted and loaded models alike: a saved model is arrays in
safetensors, loading it executes nothing, and a loaded model gives the very rows the fitted
one gives.

Columns: continuous columns are scaled to [-1, 1] by the class's observed minimum and maximum
(and clipped back into that range after the last step, as the authors do); each discrete
column is one-hot coded in {-1, 1}. At the end it is decoded by the largest coordinate (the
authors' way, ``discrete="flow"``), or redrawn by the discrete head given the flow's numbers
(``discrete="classifier"``, :mod:`._discrete_head`); either way only values seen in the
training rows come out. With several classes in one model (``fit_on="all"``), the class
is one-hot input to every regressor (conditioning by input, so the classes share trees), and
rows of a class are generated with its indicator held fixed.
"""

from __future__ import annotations

import numpy as np

from ._boosted_trees import TreeTable, check_nodes, predict_leaves
from ._discrete_head import DiscreteHead, condition_rows, fit_head, wants_head

#: How new rows follow the learnt flow from noise to data.
SOLVERS = ("euler", "heun")

#: Rows whose trees are walked at once (bounds the (rows x trees) index matrix).
_PREDICT_ROWS = 512


class FlowForest:
    """A fitted Forest-Flow model: scaling, the trees of every (level, column), and sampling."""

    def __init__(self, config: dict, arrays: dict):
        self.n_t = int(config["n_t"])
        self.n_cont = int(config["n_cont"])
        self.sizes = [int(s) for s in config["sizes"]]
        self.n_classes = int(config["n_classes"])
        self.lo = np.asarray(arrays["lo"], dtype=np.float64)
        self.hi = np.asarray(arrays["hi"], dtype=np.float64)
        self.nodes = {k: np.asarray(arrays[k], dtype=np.int64) for k in ("feature", "left", "right")}
        self.nodes["threshold"] = np.asarray(arrays["threshold"], dtype=np.float64)
        self.nodes["value"] = np.asarray(arrays["value"], dtype=np.float64)
        self.nodes["is_leaf"] = np.asarray(arrays["is_leaf"], dtype=bool)
        self.roots = np.asarray(arrays["roots"], dtype=np.int64)  # (n_t, width, trees)
        self.baseline = np.asarray(arrays["baseline"], dtype=np.float64)  # (n_t, width)
        self.depth = int(config["max_depth_seen"])
        # Models saved before the solver was a choice were sampled with Euler steps, and
        # before the discrete head their discrete columns were the flow's largest coordinate.
        self.solver = config.get("solver", "euler")
        self.head = DiscreteHead.from_model_state(config, arrays)
        self._check()

    @property
    def width(self) -> int:
        return self.n_cont + sum(self.sizes)

    def _check(self) -> None:
        # A loaded model's arrays must fit together before any row is drawn from them: every
        # child index inside the node table, every split feature an input column.
        n_inputs = self.width + (self.n_classes if self.n_classes > 1 else 0)
        shapes = {
            "lo": self.lo.shape == (self.n_cont,), "hi": self.hi.shape == (self.n_cont,),
            "roots": self.roots.ndim == 3 and self.roots.shape[:2] == (self.n_t, self.width),
            "baseline": self.baseline.shape == (self.n_t, self.width),
        }
        shapes["solver"] = self.solver in SOLVERS
        bad = [k for k, ok in shapes.items() if not ok]
        if not bad and not check_nodes(self.nodes, n_inputs, self.roots):
            bad.append("nodes")
        if self.head is not None:
            bad += self.head.problems_against(self.n_cont, self.sizes, self.n_classes if self.n_classes > 1 else 0)
        if bad:
            raise ValueError(f"forest-flow model arrays do not fit together: {', '.join(bad)}")

    # ------------------------------------------------------------------ state
    def state(self) -> tuple[dict, dict]:
        """(JSON config, {name: ndarray}): everything :meth:`from_state` needs, head included."""
        config, arrays = self.config(), self.arrays()
        if self.head is not None:
            self.head.add_to_state(config, arrays)
        return config, arrays

    def config(self) -> dict:
        return {"n_t": self.n_t, "n_cont": self.n_cont, "sizes": list(self.sizes), "n_classes": self.n_classes,
                "max_depth_seen": self.depth, "solver": self.solver}

    def arrays(self) -> dict:
        out = {k: v for k, v in self.nodes.items() if k != "is_leaf"}
        out.update({"lo": self.lo, "hi": self.hi, "is_leaf": self.nodes["is_leaf"].astype(np.uint8),
                    "roots": self.roots, "baseline": self.baseline})
        return out

    @classmethod
    def from_state(cls, config: dict, arrays: dict) -> FlowForest:
        return cls(config, arrays)

    # ------------------------------------------------------------------ sampling
    def sample(self, n: int, rng: np.random.Generator, condition: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``n`` rows as (continuous values, discrete codes), from noise along the learnt flow."""
        x = rng.standard_normal((int(n), self.width))
        cond = self._condition(int(n), condition)
        h = 1.0 / self.n_t

        def inputs(z):
            return z if cond is None else np.hstack([z, cond])

        for level in range(self.n_t):
            v = self.velocity(level, inputs(x))
            if self.solver == "heun" and level + 1 < self.n_t:
                # Level l + 1's regressors were trained at t = (l + 1) / n_t: the end of this step.
                v = 0.5 * (v + self.velocity(level + 1, inputs(x + h * v)))
            x = x + h * v
        cont, codes = self.decode(x)
        if self.head is not None:
            codes = self.head.draw(cont, cond, rng)
        return cont, codes

    def velocity(self, level: int, inputs: np.ndarray) -> np.ndarray:
        """The learnt velocity at time level ``level`` for rows ``inputs`` (state, then class)."""
        roots = self.roots[level]  # (width, trees)
        out = np.empty((len(inputs), self.width))
        for start in range(0, len(inputs), _PREDICT_ROWS):
            block = inputs[start:start + _PREDICT_ROWS]
            nd = self.nodes
            leaves = predict_leaves(block, roots.reshape(-1), nd["feature"], nd["threshold"], nd["left"], nd["right"],
                                    nd["is_leaf"], self.depth)
            sums = nd["value"][leaves].reshape(len(block), self.width, roots.shape[1]).sum(axis=2)
            out[start:start + len(block)] = sums + self.baseline[level]
        return out

    def _condition(self, n: int, condition: int | None):
        return condition_rows(n, self.n_classes if self.n_classes > 1 else 0, condition)

    def decode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cont = (np.clip(x[:, :self.n_cont], -1.0, 1.0) + 1.0) / 2.0 * (self.hi - self.lo) + self.lo
        codes = np.empty((len(x), len(self.sizes)), dtype=np.int64)
        at = self.n_cont
        for k, size in enumerate(self.sizes):
            codes[:, k] = np.argmax(x[:, at:at + size], axis=1)
            at += size
        return cont, codes


def encode(cont: np.ndarray, codes: np.ndarray, sizes: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(flow state in [-1, 1], lo, hi): scaled continuous columns then one-hot discrete ones."""
    lo = cont.min(axis=0) if len(cont) else np.zeros(cont.shape[1])
    hi = cont.max(axis=0) if len(cont) else np.ones(cont.shape[1])
    span = np.where(hi > lo, hi - lo, 1.0)
    parts = [(cont - lo) / span * 2.0 - 1.0]
    for k, size in enumerate(sizes):
        parts.append(np.where(np.arange(size)[None, :] == codes[:, [k]], 1.0, -1.0))
    return np.hstack(parts), lo, hi


def fit_flow(
    cont: np.ndarray,
    codes: np.ndarray,
    sizes: list,
    y: np.ndarray | None,
    n_classes: int,
    *,
    n_t: int,
    duplicate_k: int,
    max_iter: int,
    max_depth: int,
    learning_rate: float,
    min_samples_leaf: int,
    rng: np.random.Generator,
    progress=None,
    solver: str = "euler",
    discrete: str = "flow",
    head_learning_rate: float = 0.1,
) -> FlowForest:
    """Fit one Forest-Flow model to the rows (class ``y`` as input when ``n_classes > 1``).

    ``discrete="classifier"`` also fits the discrete head on the rows (when it has something to
    draw, :func:`._discrete_head.wants_head`), with ``head_learning_rate``.
    """
    from sklearn.ensemble import HistGradientBoostingRegressor

    data, lo, hi = encode(cont, codes, sizes)
    width = data.shape[1]
    x1 = np.repeat(data, duplicate_k, axis=0)
    x0 = rng.standard_normal(x1.shape)
    target = x1 - x0
    labels = None
    if n_classes > 1:
        labels = -np.ones((len(y), n_classes))
        labels[np.arange(len(y)), np.asarray(y, dtype=np.int64)] = 1.0
    cond = None if labels is None else np.repeat(labels, duplicate_k, axis=0)
    table = TreeTable()
    roots = np.zeros((n_t, width, max_iter), dtype=np.int64)
    baseline = np.zeros((n_t, width))
    step = 0
    for level in range(n_t):
        t = level / n_t
        xt = t * x1 + (1.0 - t) * x0
        inputs = xt if cond is None else np.hstack([xt, cond])
        for j in range(width):
            model = HistGradientBoostingRegressor(
                max_iter=max_iter, max_depth=max_depth, learning_rate=learning_rate,
                min_samples_leaf=min_samples_leaf, early_stopping=False,
                random_state=int(rng.integers(0, 2**31 - 1)),
            ).fit(inputs, target[:, j])
            roots[level, j] = table.add_model(model, 0, max_iter)
            baseline[level, j] = float(np.ravel(model._baseline_prediction)[0])
            step += 1
            if progress is not None:
                progress.update(step)
    arrays = {"lo": lo, "hi": hi, **table.arrays(), "roots": roots, "baseline": baseline}
    config = {"n_t": n_t, "n_cont": cont.shape[1], "sizes": list(sizes), "n_classes": n_classes if n_classes > 1 else 1,
              "max_depth_seen": table.depth, "solver": solver}
    if discrete == "classifier" and wants_head(cont, sizes):
        head = fit_head(cont, codes, sizes, labels, learning_rate=head_learning_rate, rng=rng)
        head.add_to_state(config, arrays)
    return FlowForest(config, arrays)
