"""Adversarial random forest (ARF) and its forest density estimate (FORDE) on plain arrays.

Watson, Blesch, Kapar & Wright (2023), "Adversarial random forests for density estimation and
generative modelling", AISTATS. The method, as implemented here:

1. **ARF.** Real rows (label 1) are set against synthetic rows (label 0) drawn from the product
   of the columns' marginals (each column permuted on its own), and a random forest learns to
   tell them apart. While its out-of-bag accuracy is above ``0.5 + delta``, new synthetic rows
   are drawn from the forest itself: pick a tree and the leaf of a random real row in it, then
   take each column's value from a random real row of that leaf, independently per column;
   a new forest is fitted on real against these rows. The loop ends when the accuracy is at
   most ``0.5 + delta``, after ``max_iters`` rounds, or (``early_stop``) when the accuracy
   rises from one round to the next. The forest kept is the generator whose synthetic rows
   were hardest to tell apart (lowest accuracy), so an early stop on a rise keeps the forest
   before it rather than the worse one (arfpy keeps the last).
2. **FORDE.** Each leaf of the kept forest is a box in which the columns are taken to be
   independent. Per leaf: its coverage (share of the real rows that fall in it), and for each
   column a univariate law fitted to the leaf's real rows: continuous columns a normal with
   the rows' mean and standard deviation truncated to the leaf's box (the box is clipped to
   the column's observed range, so no value leaves it; R arf's ``finite_bounds="global"``);
   discrete columns the frequencies of the leaf's values, optionally smoothed by ``alpha``
   over the observed values the box allows (never over values outside it, nor unseen ones).
3. **FORGE.** A new row picks a tree uniformly and a leaf of it by coverage, then each column
   from its leaf law.

Class-conditional sampling: the class can be one more discrete column of the forest. Under
the model, ``p(x | class c)`` is the mixture of the leaves weighted by coverage times the
class's frequency in the leaf, with the other columns' leaf laws unchanged (they are
independent of the class inside a leaf). Sampling a class therefore only reweights the
leaves: exact counts, no rejection.

Written here, from the paper, rather than taken from ``arfpy`` (the authors' Python package)
because arfpy pins ``numpy<2`` and gensample runs on numpy 2; the trees are scikit-learn's.
Leaves with fewer than :data:`MIN_LEAF_ROWS` real rows get no coverage (R arf's
pruning rule): one row gives no spread, and a one-row leaf would copy its row.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import truncnorm

#: Real rows a leaf needs to be sampled from (one row has no standard deviation, and its
#: leaf would reproduce that row's values).
MIN_LEAF_ROWS = 2


class ForestDensity:
    """The FORDE parameters of a fitted ARF: everything sampling needs, as arrays.

    Attributes
    ----------
    tree : ndarray of int, shape (G,)
        Tree of each leaf.
    counts : ndarray of float, shape (G, C)
        Real rows of each class in each leaf (C = 1 without a class column).
    lo, hi : ndarray, shape (G, n_cont)
        Box of each leaf on the continuous columns, inside their observed range.
    mean, sd : ndarray, shape (G, n_cont)
        Moments of the leaf's real rows on the continuous columns (sd 0: one value).
    probs : list of ndarray, shape (G, size_k)
        Law of each discrete column in each leaf.
    accuracy : list of float
        Out-of-bag accuracy of each round's forest (real against synthetic rows).
    """

    def __init__(self, tree, counts, lo, hi, mean, sd, probs, accuracy, kept_round):
        self.tree = np.asarray(tree, dtype=np.int64)
        self.counts = np.asarray(counts, dtype=np.float64)
        self.lo = np.asarray(lo, dtype=np.float64)
        self.hi = np.asarray(hi, dtype=np.float64)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.sd = np.asarray(sd, dtype=np.float64)
        self.probs = [np.asarray(p, dtype=np.float64) for p in probs]
        self.accuracy = [float(a) for a in accuracy]
        self.kept_round = int(kept_round)

    @property
    def info(self) -> dict:
        """Training summary kept in a saved generator's card."""
        return {"oob_accuracy": self.accuracy, "kept_round": self.kept_round, "leaves": int(len(self.tree))}

    def weights(self, condition: int | None = None) -> np.ndarray:
        """Probability of each leaf for an unconditional draw or a draw of class ``condition``.

        A leaf's weight is its share of its tree's real rows (of class ``condition`` when
        given), each tree weighing ``1 / trees``. Leaves under :data:`MIN_LEAF_ROWS` rows get
        no weight (their share goes to all other leaves in proportion), except when no larger
        leaf holds the class at all (a class of a handful of rows in one model of the whole
        table): then its small leaves are used, and may repeat its rows' values.
        """
        total = self.counts.sum(axis=1)
        # Every real row falls in one leaf of every tree, so a leaf's share of its tree is its
        # count over the same total for all trees: the counts themselves are the weights.
        w = total if condition is None else self.counts[:, int(condition)]
        big = np.where(total >= MIN_LEAF_ROWS, w, 0.0)
        if big.sum() > 0:
            w = big
        if not w.sum() > 0:
            raise ValueError(f"class {condition} has no rows in any leaf of the forest")
        return w / w.sum()

    def sample(self, n: int, rng: np.random.Generator, condition: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``n`` rows: (continuous matrix, discrete code matrix)."""
        leaf = rng.choice(len(self.tree), size=n, p=self.weights(condition))
        mu, sd = self.mean[leaf], self.sd[leaf]
        lo, hi = self.lo[leaf], self.hi[leaf]
        cont = mu.copy()
        spread = (sd > 0) & (hi > lo)
        if spread.any():
            m, s = mu[spread], sd[spread]
            cont[spread] = truncnorm.rvs((lo[spread] - m) / s, (hi[spread] - m) / s, loc=m, scale=s, random_state=rng)
        # truncnorm can land a hair outside the box in far tails; the box is the contract.
        cont = np.clip(cont, lo, hi)
        codes = np.empty((n, len(self.probs)), dtype=np.int64)
        for k, probs in enumerate(self.probs):
            cum = np.cumsum(probs[leaf], axis=1)
            u = rng.random(n) * cum[:, -1]
            codes[:, k] = np.minimum((cum <= u[:, None]).sum(axis=1), probs.shape[1] - 1)
        return cont, codes

    # ------------------------------------------------------------------ state
    def config(self) -> dict:
        return {"n_probs": len(self.probs), "accuracy": self.accuracy, "kept_round": self.kept_round}

    def arrays(self) -> dict:
        out = {"tree": self.tree, "counts": self.counts, "lo": self.lo, "hi": self.hi, "mean": self.mean, "sd": self.sd}
        out.update({f"probs/{k}": p for k, p in enumerate(self.probs)})
        return out

    @classmethod
    def from_state(cls, config: dict, arrays: dict) -> ForestDensity:
        probs = [arrays[f"probs/{k}"] for k in range(int(config["n_probs"]))]
        n_leaves = len(arrays["tree"])
        box = arrays["lo"].shape
        if (arrays["counts"].ndim != 2 or any(len(arrays[k]) != n_leaves for k in ("counts", "lo"))
                or any(arrays[k].shape != box for k in ("hi", "mean", "sd"))
                or any(p.ndim != 2 or len(p) != n_leaves for p in probs)):
            raise ValueError("the saved leaf arrays do not have matching shapes")
        return cls(arrays["tree"], arrays["counts"], arrays["lo"], arrays["hi"], arrays["mean"], arrays["sd"],
                   probs, config["accuracy"], config["kept_round"])


def fit_arf(
    cont: np.ndarray,
    codes: np.ndarray,
    sizes: list[int],
    y: np.ndarray | None,
    n_classes: int,
    *,
    n_trees: int,
    min_samples_leaf: int,
    delta: float,
    max_iters: int,
    early_stop: bool,
    alpha: float,
    n_jobs: int | None,
    rng: np.random.Generator,
    progress=None,
) -> ForestDensity:
    """Fit an ARF to the real rows and return its FORDE parameters.

    Parameters
    ----------
    cont : ndarray, shape (n, n_cont)
        Continuous columns.
    codes : ndarray of int, shape (n, n_disc)
        Discrete columns as indices into their ``sizes`` observed values.
    y : ndarray of int or None
        Class index of each row when the class is a column of the forest (``n_classes > 1``).
    progress : object with ``update(step, **losses)``, optional
    """
    n = cont.shape[0]
    conditional = y is not None and n_classes > 1
    parts = [cont, codes.astype(np.float64)]
    if conditional:
        parts.append(np.asarray(y, dtype=np.float64)[:, None])
    X = np.hstack(parts)
    n_cont = cont.shape[1]
    disc_sizes = list(sizes) + ([n_classes] if conditional else [])

    synth = np.column_stack([rng.permutation(X[:, j]) for j in range(X.shape[1])])
    forest = _discriminator(X, synth, n_trees, min_samples_leaf, n_jobs, rng)
    accuracy = [float(forest.oob_score_)]
    if progress is not None:
        progress.update(1, every=1, oob_accuracy=accuracy[-1])
    # The forest kept is the generator whose rows the next forest told apart least well.
    kept, kept_round, kept_score = forest, 0, None
    rounds = 0
    while accuracy[-1] > 0.5 + delta and rounds < max_iters:
        synth = _draw_from_leaves(forest, X, n, rng)
        nxt = _discriminator(X, synth, n_trees, min_samples_leaf, n_jobs, rng)
        accuracy.append(float(nxt.oob_score_))
        rounds += 1
        if progress is not None:
            progress.update(rounds + 1, every=1, oob_accuracy=accuracy[-1])
        if kept_score is None or accuracy[-1] < kept_score:
            kept, kept_round, kept_score = forest, rounds - 1, accuracy[-1]
        if early_stop and accuracy[-1] > accuracy[-2]:
            break
        forest = nxt
    return _forde(kept, X, n_cont, disc_sizes, y if conditional else None, n_classes if conditional else 1,
                  alpha, accuracy, kept_round)


def _discriminator(real, synth, n_trees, min_samples_leaf, n_jobs, rng):
    from sklearn.ensemble import RandomForestClassifier

    forest = RandomForestClassifier(
        n_estimators=n_trees, min_samples_leaf=min_samples_leaf, oob_score=True, n_jobs=n_jobs,
        random_state=int(rng.integers(0, 2**31 - 1)),
    )
    with warnings.catch_warnings():
        # Tiny classes: a few rows are in every bootstrap sample and have no OOB vote;
        # scikit-learn says so and scores the others, which is what the loop needs.
        warnings.simplefilter("ignore", UserWarning)
        forest.fit(np.vstack([real, synth]), np.r_[np.ones(len(real)), np.zeros(len(synth))])
    return forest


def _draw_from_leaves(forest, X, n, rng):
    """``n`` rows from the forest's leaves: a (row, tree) pair at random, then each column from
    a random real row of that leaf (the leaf's product of empirical marginals)."""
    leaves = forest.apply(X)  # (rows, trees)
    n_rows, n_trees = leaves.shape
    span = int(leaves.max()) + 1
    keys = (np.arange(n_trees)[None, :] * span + leaves).ravel()
    rows = np.repeat(np.arange(n_rows), n_trees)
    order = np.argsort(keys, kind="stable")
    skeys, srows = keys[order], rows[order]
    picked = skeys[rng.integers(0, len(skeys), size=n)]
    start = np.searchsorted(skeys, picked, side="left")
    size = np.searchsorted(skeys, picked, side="right") - start
    out = np.empty((n, X.shape[1]))
    for j in range(X.shape[1]):
        src = srows[start + (rng.random(n) * size).astype(np.int64)]
        out[:, j] = X[src, j]
    return out


def _node_boxes(tree, n_features):
    """Lower and upper bound of every node's box (scikit-learn sends ``x <= threshold`` left)."""
    t = tree.tree_
    lo = np.full((t.node_count, n_features), -np.inf)
    hi = np.full((t.node_count, n_features), np.inf)
    left, right, feature, threshold = t.children_left, t.children_right, t.feature, t.threshold
    # Node ids are assigned depth first, parents before children, so one pass suffices.
    for i in range(t.node_count):
        a, b = left[i], right[i]
        if a == -1:
            continue
        f, th = feature[i], threshold[i]
        lo[a], hi[a], lo[b], hi[b] = lo[i], hi[i], lo[i], hi[i]
        hi[a, f] = min(hi[i, f], th)
        lo[b, f] = max(lo[i, f], th)
    return lo, hi


def _forde(forest, X, n_cont, disc_sizes, y, n_classes, alpha, accuracy, kept_round) -> ForestDensity:
    leaves = forest.apply(X)
    n_rows, n_trees = leaves.shape
    span = int(leaves.max()) + 1
    keys = (np.arange(n_trees)[None, :] * span + leaves).ravel()
    rows = np.repeat(np.arange(n_rows), n_trees)
    uniq, group = np.unique(keys, return_inverse=True)
    n_groups = len(uniq)
    tree_of, node_of = uniq // span, uniq % span
    cnt = np.bincount(group, minlength=n_groups).astype(np.float64)
    if y is None:
        counts = cnt[:, None]
    else:
        cls = np.asarray(y, dtype=np.int64)[rows]
        counts = np.bincount(group * n_classes + cls, minlength=n_groups * n_classes).reshape(n_groups, n_classes)

    boxes = [_node_boxes(est, X.shape[1]) for est in forest.estimators_]
    lo_all = np.empty((n_groups, X.shape[1]))
    hi_all = np.empty((n_groups, X.shape[1]))
    for t in range(n_trees):
        sel = np.flatnonzero(tree_of == t)
        lo_all[sel], hi_all[sel] = boxes[t][0][node_of[sel]], boxes[t][1][node_of[sel]]

    Xc = X[rows, :n_cont]
    mean = np.empty((n_groups, n_cont))
    sd = np.empty((n_groups, n_cont))
    for j in range(n_cont):
        mean[:, j] = np.bincount(group, weights=Xc[:, j], minlength=n_groups) / cnt
        dev = np.bincount(group, weights=(Xc[:, j] - mean[group, j]) ** 2, minlength=n_groups)
        sd[:, j] = np.sqrt(dev / np.maximum(cnt - 1, 1))  # sample sd, as R arf and arfpy
    col_lo, col_hi = X[:, :n_cont].min(axis=0), X[:, :n_cont].max(axis=0)
    lo = np.maximum(lo_all[:, :n_cont], col_lo)
    hi = np.minimum(hi_all[:, :n_cont], col_hi)

    probs = []
    n_disc = len(disc_sizes) - (0 if y is None else 1)
    for k in range(n_disc):
        size = disc_sizes[k]
        col = n_cont + k
        code = X[rows, col].astype(np.int64)
        freq = np.bincount(group * size + code, minlength=n_groups * size).reshape(n_groups, size).astype(np.float64)
        if alpha > 0:
            values = np.arange(size)[None, :]
            allowed = (values > lo_all[:, [col]]) & (values <= hi_all[:, [col]])
            freq = freq + alpha * allowed
        probs.append(freq / freq.sum(axis=1, keepdims=True))
    # Leaves too small to be sampled are not kept (on a wide table they would be most of
    # the saved arrays), unless some class lives only in them (see ForestDensity.weights).
    keep = cnt >= MIN_LEAF_ROWS
    if keep.any() and (counts[keep].sum(axis=0) > 0).all():
        tree_of, counts, lo, hi, mean, sd = (a[keep] for a in (tree_of, counts, lo, hi, mean, sd))
        probs = [p[keep] for p in probs]
    return ForestDensity(tree_of, counts, lo, hi, mean, sd, probs, accuracy, kept_round)
