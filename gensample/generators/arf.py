"""ARF: adversarial random forest with forest density estimation (FORDE), class-conditional.

Watson, Blesch, Kapar & Wright (2023), "Adversarial random forests for density estimation and
generative modelling", AISTATS. The algorithm is in :mod:`._arf_forest`; this module is the
plugin glue: parameters, one model per class or one for the table, saving as plain arrays.

A forest of scikit-learn trees learns to tell real rows from rows drawn from its own leaves
until it can no longer do so; each leaf is then a box in which the columns are independent,
with a truncated normal per continuous column and observed frequencies per discrete column.
New rows pick a leaf by its share of the real rows and draw each column from the leaf's law.
Fitting takes seconds on CPU (no network, no gradient steps), and the model is a set of
arrays, saved as safetensors: loading it executes nothing.
"""

from __future__ import annotations

import numpy as np

from .deep import DeepGenerator, Progress
from .params import Boolean, Integer, Real


class ARF(DeepGenerator):
    """Adversarial random forest (ARF) with FORDE/FORGE sampling.

    Parameters
    ----------
    n_trees : int, default 30
        Trees of each forest (arfpy's default). 100 trees were no better on the planted
        table (dependency gap 0.128 / 0.082 / 0.044 against 0.119 / 0.079 / 0.042 at 50 / 200 /
        1000 minority rows, 5 seeds; ``bench_arf.py planted --arms``) for 3x the time.
    min_samples_leaf : int, default 5
        Fewest rows (real and synthetic together) in a leaf while the forests grow (arfpy
        and R arf: 5; 10 was worse at 50 rows, 0.180, and no better above). Leaves holding
        fewer than two real rows get no coverage.
    delta : float, default 0.0
        The loop stops once the forest's out-of-bag accuracy is at most ``0.5 + delta``.
    max_iters : int, default 10
        Most adversarial rounds after the first forest.
    early_stop : bool, default True
        Stop when the accuracy rises from one round to the next.
    alpha : float, default 0.0
        Pseudo-count added, inside each leaf, to every observed value of a discrete column
        that the leaf's box allows (0: the leaf's own frequencies).
    fit_on : {"minority", "all"}, default "minority"
        ``"minority"``: one forest per class, on its rows. ``"all"``: one forest on the whole
        table with the class as a column; a class is sampled by weighting each leaf by its
        rows of that class (exact counts, no rejection), and each column is drawn from the
        leaf's law fitted to all its rows, so values may lie outside the class's own range
        (inside the table's). Measured: downstream PR-AUC alike (median gap to SMOTE +0.013 /
        +0.010 / -0.017 / +0.002 at 10 / 25 / 50 / 100 rows for "all", -0.022 / +0.008 /
        -0.005 / +0.000 for "minority"), dependency gap on the planted table 0.084 / 0.044
        ("all") against 0.086 / 0.038 at 200 / 1000 rows, for 10x the fit time.
    verbose : bool, default True
        Show a progress bar (round, out-of-bag accuracy).
    min_rows : int or None
        Classes with fewer rows use the SMOTE family (None: the method's default).
    threads : int or None, default 1
        ``n_jobs`` of the forests (None: scikit-learn's default, one).
    """

    name = "arf"
    description = "ARF (Watson et al. 2023): adversarial random forest + FORDE leaf densities (scikit-learn trees), seconds on CPU"
    family = "forest"
    # Measured (bench_arf.py modes: bench_deep's 6 KEEL sets x 3 splits, fit_on="minority"):
    # median downstream PR-AUC gap to SMOTE -0.022 / +0.008 / -0.005 / +0.000 at 10 / 25 / 50 /
    # 100 minority rows; 25 is the first size from which it stays within 0.02, the rule the
    # deep methods' min_rows follow.
    min_rows = 25
    pickles = False
    defaults = {
        "n_trees": 30,
        "min_samples_leaf": 5,
        "delta": 0.0,
        "max_iters": 10,
        "early_stop": True,
        "alpha": 0.0,
        **{k: v for k, v in DeepGenerator.common_defaults.items() if k != "device"},
    }

    parameter_constraints = {
        "n_trees": [Integer(1)],
        "min_samples_leaf": [Integer(1)],
        "delta": [Real(0.0, 0.5)],
        "max_iters": [Integer(0)],
        "early_stop": [Boolean()],
        "alpha": [Real(0.0)],
        # As DeepGenerator's, without ``device``: the forests train on the CPU.
        **{k: v for k, v in DeepGenerator.common_constraints.items() if k != "device"},
    }

    def _fit_model(self, layout, numeric, categorical, y, n_classes, seed, what):
        from ._arf_forest import fit_arf

        p = self.params
        cont, codes = layout.split(numeric, categorical)
        progress = Progress(p["max_iters"] + 1, f"arf {what}", p["verbose"])
        try:
            return fit_arf(
                cont, codes, layout.sizes, y, n_classes,
                n_trees=p["n_trees"], min_samples_leaf=p["min_samples_leaf"], delta=p["delta"],
                max_iters=p["max_iters"], early_stop=p["early_stop"], alpha=p["alpha"],
                n_jobs=p["threads"], rng=np.random.default_rng(seed), progress=progress,
            )
        finally:
            progress.close()

    def _sample_model(self, model, layout, n, condition, seed):
        return model.sample(n, np.random.default_rng(seed), condition)

    def _model_state(self, model):
        return model.config(), model.arrays()

    def _model_from_state(self, config, arrays):
        from ._arf_forest import ForestDensity

        return ForestDensity.from_state(config, arrays)
