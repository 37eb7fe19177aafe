"""``compare``: which method, if any, helps a classifier on this data?

Protocol (see :mod:`.protocol`): repeated stratified k-fold; synthetic rows from the
training fold only; three baselines always present (``none``, ``class-weight``,
``threshold``); every method's rows go to the same classifiers; metrics per fold; ranks
within each fold; a verdict that says plainly when nothing beats the baselines.

This module checks the arguments and runs the grid. What the run returns and how it is read
live beside it: :class:`~gensample.evaluation.compare_result.CompareResult` (views, ranks,
summaries, outputs), :mod:`.verdict` (the answer and the verdict in words), :mod:`.records`
(cell records to frames, frames to JSON) and :mod:`.significance` (the corrected resampled
t-test). ``CompareResult``, ``VIEWS`` and ``corrected_resampled_ttest`` are re-exported here,
so the import paths of earlier versions (and pickles of a ``CompareResult``) keep working.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd

from .. import registry
from ..errors import ParameterError
from ..schema import TableSchema
from ..utils import check_seed, json_scalar
from . import metrics as M
from .backends import check_backend, run_grid
from .classifiers import check_classifiers
from .compare_result import VIEWS, CompareResult
from .profile import imbalance_profile
from .protocol import BASELINES, CLASS_WEIGHT, NONE, Settings, is_auto, judged_methods, make_cells, run_cell
from .records import failure_notes, fold_frame, generation_frame, jsonable
from .significance import corrected_resampled_ttest

__all__ = ["VIEWS", "CompareResult", "compare", "corrected_resampled_ttest"]


def compare(
    data: pd.DataFrame,
    target: Hashable,
    methods: Iterable[str] | str = ("smote",),
    classifiers: Iterable[str] | str = ("lr", "rf", "hgb"),
    *,
    folds: int = 5,
    repeats: int = 2,
    metric: str = "pr_auc",
    seed: int = 0,
    beta: float = 2.0,
    tune_threshold: bool = True,
    threshold_metric: str = "f1",
    inner_folds: int = 3,
    sampling_strategy="auto",
    categorical: Iterable[Hashable] | None = None,
    method_params: dict | None = None,
    fidelity: bool = True,
    backend: str = "loky",
    n_jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    costs: dict | str | None = None,
) -> CompareResult:
    """Compare generators and baselines by what they do to downstream classifiers.

    Parameters
    ----------
    data : DataFrame
        Features and target; never modified.
    target : column label
    methods : list of str or comma-separated str, default ("smote",)
        Remedies, each labelled by its kind in the tables: registered gensample methods
        (``gensample methods``); under-samplers ``random-under``, ``tomek``, ``enn``,
        ``nearmiss-1``/``-2``/``-3``, ``one-sided-selection``, ``neighbourhood-cleaning``;
        balanced ensembles ``balanced-rf``, ``easy-ensemble``, ``rusboost``,
        ``balanced-bagging``, ``smote-bagging`` (all imbalanced-learn's; SMOTEBagging is
        BalancedBagging with gensample's SMOTE inside); and combinations with ``+``:
        ``smote+class-weight``, ``smote+threshold``, ``random-under+prior`` (``+prior``: the
        probabilities shifted back to the training fold's real class prior). The baselines
        ``none``, ``class-weight`` and ``threshold`` (scikit-learn's
        ``TunedThresholdClassifierCV``) are always added.

        ``auto`` (and ``auto+...``) is judged by the classifier it is scored with: each
        classifier gets its own ``auto`` run per fold (``classifier=`` that classifier), unless
        ``method_params`` fixes ``classifier`` or ``estimator``; the ``generation`` frame has
        one row per judge (column ``judge``). It judges by ``metric`` (the one the comparison
        ranks by) unless ``method_params`` gives it a ``metric``; ``expected_cost`` it cannot
        judge by, and keeps its own default, F1 (noted).
    classifiers : list of str, default ("lr", "rf", "hgb")
        Logistic regression, random forest, histogram gradient boosting.
    folds, repeats : int, default 5, 2
        Repeated stratified k-fold.
    metric : str, default "pr_auc"
        The metric tables are sorted by, the verdict speaks of and ``auto`` judges by (one of
        :data:`gensample.evaluation.metrics.METRICS`).
    seed : int, default 0
        Run seed; every fold, generator and classifier seed is derived from it.
    beta : float, default 2.0
        Beta of the F-beta score.
    tune_threshold : bool, default True
        Also score every method at a decision threshold tuned inside the training fold
        (inner ``inner_folds``-fold CV with resampling inside each inner fold). Costs
        ``inner_folds`` more fits per cell. The ``threshold`` baseline is tuned regardless.
    threshold_metric : str, default "f1"
        The label metric thresholds are tuned for.
    inner_folds : int, default 3
    sampling_strategy : as in :func:`gensample.sample_minority`
    categorical : list of column labels, optional
    method_params : dict, optional
        ``{method: {param: value}}``.
    fidelity : bool, default True
        Compute each fold's fidelity report (when :mod:`gensample.fidelity` is installed).
    backend : {"loky", "sequential", "threading", "dask"}, default "loky"
    n_jobs : int, optional
        Parallel jobs (joblib) or LocalCluster workers (dask); default 1 for joblib backends.
    scheduler : str, optional
        Address of a Dask scheduler (``backend="dask"``); without it a LocalCluster is started.
    progress : bool, default False
        Show a progress bar.
    costs : dict or str, optional
        A cost matrix for two-class targets, ``{"fn": 10, "fp": 1}`` or ``"fn=10,fp=1"``:
        adds ``expected_cost`` (mean cost per row at the cost-minimising threshold
        ``fp / (fp + fn)``), which can then be the ``metric``.

    Returns
    -------
    CompareResult
    """
    from ..checks import check_bool, check_categorical, check_frame, check_target

    check_target(target)
    check_frame(data)
    check_categorical(categorical)
    for name, value in (("tune_threshold", tune_threshold), ("fidelity", fidelity), ("progress", progress)):
        check_bool(value, name)
    schema = TableSchema.infer(data, target, categorical)
    method_list = _check_methods(methods, schema)
    classifiers = check_classifiers(classifiers)
    folds, repeats, inner_folds = (_check_int(v, n, low) for v, n, low in
                                   ((folds, "folds", 2), (repeats, "repeats", 1), (inner_folds, "inner_folds", 2)))
    cost_matrix = None if costs is None else M.parse_costs(costs)
    if cost_matrix is not None and len(schema.target.labels) != 2:
        raise ParameterError("costs (fn/fp) apply to two-class targets; this target has "
                             f"{len(schema.target.labels)} classes")
    M.check_metric(metric, (*M.METRICS, "expected_cost") if cost_matrix else M.METRICS)
    M.check_metric(threshold_metric, M.LABEL_METRICS, "threshold_metric")
    check_seed(seed, "seed", allow_none=False)
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not beta > 0:
        raise ParameterError(f"beta must be a positive number, got {beta!r}")
    check_backend(backend, n_jobs, scheduler)
    method_params = _check_method_params(method_params, method_list)

    labels, counts = schema.target.labels, schema.target.counts
    small = int(np.argmin(counts))
    if counts[small] < folds:
        raise ParameterError(
            f"class {labels[small]!r} has {counts[small]} rows, fewer than folds={folds}; "
            f"lower folds (--folds) to at most {counts[small]}"
            if counts[small] >= 2 else
            f"class {labels[small]!r} has a single row; cross-validation needs at least 2 rows per class"
        )
    profile = imbalance_profile(data[target], data.drop(columns=[target]))
    enc = schema.encode(data)
    n_classes = len(labels)
    positive = small if n_classes == 2 else -1
    settings = Settings(
        target=target, classifiers=classifiers, seed=int(seed), beta=float(beta), tune_threshold=bool(tune_threshold),
        threshold_metric=threshold_metric, inner_folds=inner_folds, sampling_strategy=sampling_strategy,
        categorical=None if categorical is None else list(categorical), method_params=method_params,
        fidelity=bool(fidelity), n_classes=n_classes, positive=positive,
        n_numeric=len(schema.numeric), n_categories=[len(c.categories) for c in schema.categorical],
        costs=cost_matrix, metric=metric,
    )
    judged = judged_methods(method_list, classifiers, method_params)
    cells = make_cells(enc.y, [NONE, CLASS_WEIGHT, *method_list], folds, repeats, int(seed), judged)
    outcomes = run_grid(run_cell, cells, (data, schema, settings), backend, n_jobs, scheduler, progress)

    order = {m: i for i, m in enumerate([*BASELINES, *method_list])}
    fold_rows = fold_frame([r for o in outcomes for r in o.rows], order)
    generation = generation_frame([o.generation for o in outcomes], order)
    notes = list(dict.fromkeys(n for o in outcomes for n in o.notes))
    if metric == "expected_cost" and any(is_auto(m) and "metric" not in method_params.get(m, {}) for m in method_list):
        from ..selection.auto import AutoGenerator

        notes.append("auto cannot judge by expected_cost (its inner folds have no tuned threshold): it judged by "
                     f"its default, {AutoGenerator.defaults['metric']}; give it another with "
                     "method_params={'auto': {'metric': ...}}")
    notes += failure_notes([o.generation for o in outcomes], [NONE, CLASS_WEIGHT, *method_list], folds * repeats)
    if n_classes > 2:
        notes.append("threshold tuning applies to two-class targets: the 'threshold' baseline and tuned "
                     "operating points are left out for this multi-class target")
    examples = {o.example["method"]: o.example for o in outcomes if o.example is not None}
    run_settings = {
        "target": json_scalar(target), "methods": method_list, "baselines": list(BASELINES), "classifiers": classifiers,
        "folds": folds, "repeats": repeats, "metric": metric, "seed": int(seed), "beta": float(beta),
        "tune_threshold": bool(tune_threshold), "threshold_metric": threshold_metric, "inner_folds": inner_folds,
        "sampling_strategy": sampling_strategy if isinstance(sampling_strategy, (str, int, float)) else
        {str(json_scalar(k)): v for k, v in dict(sampling_strategy).items()},
        "categorical": settings.categorical and [json_scalar(c) for c in settings.categorical],
        "method_params": jsonable(method_params),
        "positive_class": json_scalar(labels[positive]) if n_classes == 2 else None,
        "backend": backend, "n_rows": int(len(data)), "n_features": len(schema.columns),
        "costs": cost_matrix,
    }
    return CompareResult(fold_rows, generation, profile, run_settings, notes, examples, data, schema)



# ---------------------------------------------------------------------- argument checks
def _check_int(value, name, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ParameterError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)



def _check_methods(methods, schema) -> list:
    from ..selection.remedies import MODIFIERS, make_remedy
    from .protocol import is_generator, split_method

    if isinstance(methods, str):
        methods = [m.strip() for m in methods.split(",") if m.strip()]
    out = []
    for m in methods or []:
        if not isinstance(m, str):
            raise ParameterError(f"methods must be names, got {m!r}")
        if m in BASELINES or m in out:
            continue  # baselines are always run
        head, mods = split_method(m)
        bad = [x for x in mods if x not in MODIFIERS]
        if bad:
            raise ParameterError(f"method {m!r}: {bad[0]!r} cannot follow '+'; use one of {', '.join(MODIFIERS)} "
                                 "(e.g. smote+threshold, smote+class-weight, random-under+prior)")
        if "threshold" in mods and len(schema.target.labels) != 2:
            raise ParameterError(f"method {m!r}: threshold tuning applies to two-class targets")
        if head == NONE:
            pass
        elif is_generator(head):
            registry.get(head).check_handles(schema)
        else:
            make_remedy(head)  # unknown names -> ParameterError with the closest names
        out.append(m)
    return out



def _check_method_params(method_params, methods) -> dict:
    from .protocol import is_generator, split_method

    if method_params is None:
        return {}
    if not isinstance(method_params, dict):
        raise ParameterError("method_params must be a dict {method: {parameter: value}}")
    for m, params in method_params.items():
        if m not in methods:
            raise ParameterError(f"method_params names {m!r}, which is not among methods ({', '.join(methods)})")
        if not isinstance(params, dict):
            raise ParameterError(f"method_params[{m!r}] must be a dict of parameters")
        head = split_method(m)[0]
        if is_generator(head):
            registry.get(head)(**params).validate_params()
        elif head == "smote-bagging":
            registry.get("smote")(**params).validate_params()
        elif params:
            raise ParameterError(f"method_params[{m!r}]: {head!r} takes no parameters here")
    return {m: dict(p) for m, p in method_params.items()}

