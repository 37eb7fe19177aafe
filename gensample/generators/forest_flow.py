"""Forest-Flow: flow matching with gradient-boosted trees, class-conditional.

Jolicoeur-Martineau, Fatras & Kachman (2024), "Generating and imputing tabular data via
diffusion and flow-based gradient-boosted trees", AISTATS: reported ahead of the deep tabular
generators on 27 data sets. The algorithm is in :mod:`._flow_forest`; this module is the plugin
glue: parameters, the training budget, one model per class or one for the table, saving as
plain arrays.

No network and no gradient steps: at each of ``n_t`` time levels one boosted regressor per
encoded column learns how noise moves towards the data, on scikit-learn's histogram gradient
boosting. Fitting takes tens of seconds on one CPU core for a class of a thousand rows; the
model is a set of arrays, saved as safetensors, so loading it executes nothing.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from .deep import DeepGenerator, Progress
from .params import Integer, Options, Real

#: Training rows (class rows x noise duplicates) that ``duplicate_k=None`` aims at.
DUPLICATE_ROWS = 20_000
DUPLICATE_RANGE = (5, 100)
#: Time levels that ``n_t=None`` gives below and from :data:`FINE_FROM_ROWS` rows.
COARSE_LEVELS, FINE_LEVELS, FINE_FROM_ROWS = 20, 40, 2_000


class ForestFlow(DeepGenerator):
    """Forest-Flow: conditional flow matching with gradient-boosted trees.

    Parameters
    ----------
    n_t : int or None, default None
        Time levels of the flow, each with its own regressors (the authors use 50). None: 20
        for a fit on fewer than 2,000 rows, 40 from 2,000 (:meth:`levels_for`). Measured on
        the planted table at 1,000 minority rows (one seed and split: a tuning run, not the
        benchmark table, so differences of 0.005 are noise), Euler steps, 50 trees at rate
        0.3: 10 levels gave dependency gap 0.049 and detection AUC 0.76, 20 levels 0.041 /
        0.68 (33 s), 40 levels 0.041 / 0.64 (65 s); SMOTE on that split 0.032 / 0.64. At
        5,000 rows with Heun's steps (seeds 0 and 1): 20 levels 0.625 / 0.652, 40 levels
        0.571 / 0.579 (72-79 CPU s), SMOTE 0.58. With few rows the velocity the trees learn
        is the larger error and finer levels buy little; with many it is learnt well and the
        integration's step is what the detector sees, so the levels grow with the class
        (2,000 lies between the sizes measured; 20 levels with Heun already keep detection
        within 0.05 of SMOTE's at 1,000).
    duplicate_k : int or None, default None
        Noise rows paired with each training row. None: enough for about 20,000 training rows
        (``ceil(20000 / rows)``, between 5 and 100), so small classes get many noise draws and
        large ones a bounded fit time. 50 at 1,000 rows (50,000 training rows) gave 0.040 /
        0.67 for 1.5x the time.
    max_iter : int, default 50
        Boosting iterations of each regressor (the authors' XGBoost: 100 trees at rate 0.3).
        100 trees at rate 0.1 gave 0.045 / 0.67 in 61 s, against 0.041 / 0.68 in 33 s.
    max_depth : int, default 6
        Depth of each tree (the authors': 7; 8 gave 0.040 / 0.65, the same within noise).
    learning_rate : float, default 0.3
        Shrinkage of each tree (the authors' XGBoost: 0.3).
    min_samples_leaf : int, default 20
        Fewest training rows in a leaf (scikit-learn's default; 5 gave 0.041 / 0.66).
    solver : {"heun", "euler"}, default "heun"
        How new rows follow the learnt flow: Euler steps (the authors') or Heun's, which use
        the same trees (no extra training) for about twice the sampling's tree walks.
        Measured on the planted table (``bench_deep_structure.planted_split``, seeds 0-2, one
        fitted model per seed sampled both ways; SMOTE's detection AUC there is 0.64 at 1,000
        rows and 0.58 at 5,000): detection AUC against held-out rows 0.657 -> 0.626 at 1,000
        rows and 0.676 -> 0.641 at 5,000 (lower in 6 of 6 seeds), 0.73 -> 0.70 at 200 (2
        seeds); dependency gap unchanged within noise (0.037 -> 0.036, 0.023 -> 0.026).
    discrete : {"classifier", "flow"}, default "classifier"
        How discrete columns (categories, booleans, integers with few values) come out. "flow":
        the flow's largest one-hot coordinate (the authors'). "classifier": the flow's numbers
        are kept and each discrete column is drawn in turn from a boosted classifier of it
        given the numbers and the columns drawn before it, fitted on the training rows
        (:mod:`._discrete_head`; 50 trees at ``head_learning_rate``). It finds a cut on a
        number exactly, where the flow puts a value near a cut on either side. Measured on
        the planted table with the same flow sampled both ways (``benchmarks/
        bench_discrete_head.py``, seeds 0-2): dependency gap 0.160 -> 0.156 at 50 rows and
        0.133 -> 0.103 at 100 (detection AUC 0.662 -> 0.671, 0.661 -> 0.669: the same within
        noise); one or two seeds at 200 and 1,000 rows (separate fits of the same flow):
        0.063 -> 0.049, 0.042 -> 0.038 and 0.038 -> 0.037. Rows whose ``band`` matches
        ``x1``'s: 0.88-0.95 -> 0.99-1.00 at every size.
    head_learning_rate : float, default 0.1
        Shrinkage of the discrete head's trees.
    fit_on : {"minority", "all"}, default "minority"
        ``"minority"``: one model per class, on its rows. ``"all"``: one model on the whole
        table with the class as an input of every regressor; a class is sampled with its
        indicator fixed (exact counts, no rejection). Continuous values are kept within the
        range of the rows the model saw (the class's own with "minority", the table's with
        "all").
    verbose : bool, default True
        Show a progress bar (one step per regressor).
    min_rows : int or None
        Classes with fewer rows use the SMOTE family (None: the method's default, 25).
    threads : int or None, default 1
        OpenMP threads of the boosting (None: scikit-learn's default, every core).
    time_limit : float or None
        Seconds the fit may take; past it the class falls back to SMOTE, recorded.
    """

    name = "forest-flow"
    description = (
        "Forest-Flow (Jolicoeur-Martineau et al. 2024): flow matching with gradient-boosted trees "
        "(scikit-learn), tens of seconds on CPU"
    )
    family = "forest"
    # Measured (benchmarks/README, "forest-flow's min_rows"): from 25 training rows its dependency
    # gap on the planted tables is under half the independent-marginals baseline's (0.47 of it)
    # and 1.21x SMOTE's, with a detection AUC no worse than SMOTE's; smaller sizes were not run.
    min_rows = 25
    pickles = False
    defaults = {
        "n_t": None,
        "duplicate_k": None,
        "max_iter": 50,
        "max_depth": 6,
        "learning_rate": 0.3,
        "min_samples_leaf": 20,
        "solver": "heun",
        "discrete": "classifier",
        "head_learning_rate": 0.1,
        **{k: v for k, v in DeepGenerator.common_defaults.items() if k != "device"},
    }

    parameter_constraints = {
        "n_t": [None, Integer(1)],
        "duplicate_k": [None, Integer(1)],
        "max_iter": [Integer(1)],
        "max_depth": [Integer(1)],
        "learning_rate": [Real(0.0, low_open=True)],
        "min_samples_leaf": [Integer(1)],
        "solver": [Options("heun", "euler")],
        "discrete": [Options("classifier", "flow")],
        "head_learning_rate": [Real(0.0, low_open=True)],
        # As DeepGenerator's, without ``device``: the trees train on the CPU.
        **{k: v for k, v in DeepGenerator.common_constraints.items() if k != "device"},
    }

    def levels_for(self, n_rows: int) -> int:
        """Time levels for a fit on ``n_rows`` rows (``n_t``, or 20 / 40 either side of 2,000 rows)."""
        n_t = self.params["n_t"]
        if n_t is not None:
            return int(n_t)
        return FINE_LEVELS if n_rows >= FINE_FROM_ROWS else COARSE_LEVELS

    def duplicates_for(self, n_rows: int) -> int:
        """Noise rows per training row for a fit on ``n_rows`` rows."""
        k = self.params["duplicate_k"]
        if k is not None:
            return int(k)
        low, high = DUPLICATE_RANGE
        return int(min(high, max(low, math.ceil(DUPLICATE_ROWS / max(1, n_rows)))))

    def _fit_model(self, layout, numeric, categorical, y, n_classes, seed, what):
        from threadpoolctl import threadpool_limits

        from ._flow_forest import fit_flow

        p = self.params
        cont, codes = layout.split(numeric, categorical)
        width = cont.shape[1] + sum(layout.sizes)
        n_t = self.levels_for(len(cont))
        progress = Progress(n_t * width, f"forest-flow {what}", p["verbose"])
        limits = threadpool_limits(p["threads"], user_api="openmp") if p["threads"] is not None else contextlib.nullcontext()
        try:
            with limits:
                return fit_flow(
                    cont, codes, layout.sizes, y, n_classes,
                    n_t=n_t, duplicate_k=self.duplicates_for(len(cont)), max_iter=p["max_iter"],
                    max_depth=p["max_depth"], learning_rate=p["learning_rate"],
                    min_samples_leaf=p["min_samples_leaf"], rng=np.random.default_rng(seed), progress=progress,
                    solver=p["solver"], discrete=p["discrete"], head_learning_rate=p["head_learning_rate"],
                )
        finally:
            progress.close()

    def _sample_model(self, model, layout, n, condition, seed):
        return model.sample(n, np.random.default_rng(seed), condition)

    def _model_state(self, model):
        return model.state()

    def _model_from_state(self, config, arrays):
        from ._flow_forest import FlowForest

        return FlowForest.from_state(config, arrays)

