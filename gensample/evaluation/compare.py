"""``compare``: which method, if any, helps a classifier on this data?

Protocol (see :mod:`.protocol`): repeated stratified k-fold; synthetic rows from the
training fold only; three baselines always present (``none``, ``class-weight``,
``threshold``); every method's rows go to the same classifiers; metrics per fold; ranks
within each fold; a verdict that says plainly when nothing beats the baselines.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .. import registry
from ..errors import EvaluationError, ExportError, ParameterError
from ..schema import TableSchema
from ..utils import atomic_write, check_seed, json_scalar
from . import metrics as M
from .backends import check_backend, run_grid
from .classifiers import check_classifiers
from .profile import ImbalanceProfile, imbalance_profile
from .protocol import BASELINES, CLASS_WEIGHT, NONE, THRESHOLD, Settings, make_cells, run_cell

VIEWS = ("default", "tuned")


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
    classifiers : list of str, default ("lr", "rf", "hgb")
        Logistic regression, random forest, histogram gradient boosting.
    folds, repeats : int, default 5, 2
        Repeated stratified k-fold.
    metric : str, default "pr_auc"
        The metric tables are sorted by and the verdict speaks of (one of
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
        costs=cost_matrix,
    )
    cells = make_cells(enc.y, [NONE, CLASS_WEIGHT, *method_list], folds, repeats, int(seed))
    outcomes = run_grid(run_cell, cells, (data, schema, settings), backend, n_jobs, scheduler, progress)

    order = {m: i for i, m in enumerate([*BASELINES, *method_list])}
    fold_rows = pd.DataFrame([r for o in outcomes for r in o.rows])
    fold_rows = fold_rows.sort_values(
        ["method", "classifier", "operating_point", "repeat", "fold"],
        key=lambda col: col.map(order) if col.name == "method" else col,
    ).reset_index(drop=True)
    generation = _generation_frame([o.generation for o in outcomes], order)
    notes = list(dict.fromkeys(n for o in outcomes for n in o.notes))
    notes += _failure_notes([o.generation for o in outcomes], [NONE, CLASS_WEIGHT, *method_list], folds * repeats)
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
        "method_params": _jsonable(method_params),
        "positive_class": json_scalar(labels[positive]) if n_classes == 2 else None,
        "backend": backend, "n_rows": int(len(data)), "n_features": len(schema.columns),
        "costs": cost_matrix,
    }
    return CompareResult(fold_rows, generation, profile, run_settings, notes, examples, data, schema)


@dataclass(eq=False)
class CompareResult:
    """Per-fold numbers of a comparison, with summaries, a verdict and reports.

    Attributes
    ----------
    folds : DataFrame
        One row per method, classifier, operating point (``default``: the classifier's own
        decision; ``tuned``: threshold tuned in the training fold), repeat and fold, with
        every metric of :data:`~gensample.evaluation.metrics.METRICS`. The ``threshold``
        baseline has ``tuned`` rows only.
    generation : DataFrame
        One row per method (not baselines), repeat and fold: fit+sample seconds, rows made,
        fallbacks, and the fidelity report's headline numbers (``fidelity_*`` columns).
    profile : ImbalanceProfile
    settings : dict
    notes : list of str
    """

    folds: pd.DataFrame
    generation: pd.DataFrame
    profile: ImbalanceProfile
    settings: dict
    notes: list = field(default_factory=list)
    examples: dict = field(default_factory=dict, repr=False)
    _data: pd.DataFrame | None = field(default=None, repr=False)
    _schema: TableSchema | None = field(default=None, repr=False)

    @property
    def metric(self) -> str:
        return self.settings["metric"]

    @property
    def methods(self) -> list:
        """Baselines then methods, in the order given."""
        present = set(self.folds["method"])
        return [m for m in [*BASELINES, *self.settings["methods"]] if m in present]

    def view(self, operating_point: str = "default") -> pd.DataFrame:
        """The per-fold rows one table compares.

        ``default``: every method at the classifier's own decision, and the ``threshold``
        baseline at its tuned threshold (that is what it is). ``tuned``: every method at its
        tuned threshold (``none`` is then the ``threshold`` baseline).
        """
        if operating_point not in VIEWS:
            raise ParameterError(f"operating_point must be one of {', '.join(VIEWS)}, got {operating_point!r}")
        f = self.folds
        if operating_point == "default":
            tuned_only = f["method"].map(_tuned_only)
            keep = ((f["operating_point"] == "default") & ~tuned_only) | tuned_only
        else:
            keep = f["operating_point"] == "tuned"
        return f[keep]

    def ranks(self, operating_point: str = "default") -> pd.DataFrame:
        """Per-fold ranks of the methods (1 = best) on every metric, within classifier, repeat and fold."""
        v = self.view(operating_point)
        out = v[["method", "classifier", "repeat", "fold"]].copy()
        groups = v.groupby(["classifier", "repeat", "fold"], sort=False)
        for m in self.ranked_metrics:
            out[m] = groups[m].rank(ascending=m in M.LOWER_IS_BETTER, method="average")
        return out

    @property
    def ranked_metrics(self) -> tuple:
        """:data:`~gensample.evaluation.metrics.METRICS`, plus ``expected_cost`` when costs were given."""
        return (*M.METRICS, "expected_cost") if "expected_cost" in self.folds.columns else tuple(M.METRICS)

    def kinds(self) -> dict:
        """``{method: kind}``: baseline, cost-sensitive, oversampling, undersampling, ensemble, combination."""
        from ..selection.remedies import remedy_kind

        return {m: remedy_kind(m) for m in self.methods}

    def summary(self, operating_point: str = "default") -> pd.DataFrame:
        """Mean, standard deviation over folds and mean rank of every metric, per classifier and method.

        Columns ``<metric>_mean``, ``<metric>_std``, ``<metric>_rank`` and ``seconds`` (mean
        fit+sample time per fold), ``fallbacks`` (sampling calls that fell back) and
        ``calls``. Rows are sorted by classifier, then by the chosen metric, best first.
        """
        v = self.view(operating_point)
        if v.empty:
            return pd.DataFrame()
        r = self.ranks(operating_point)
        g = v.groupby(["classifier", "method"], sort=False)
        gr = r.groupby(["classifier", "method"], sort=False)
        parts = {}
        for m in self.ranked_metrics:
            parts[f"{m}_mean"] = g[m].mean()
            parts[f"{m}_std"] = g[m].std(ddof=1)
            parts[f"{m}_rank"] = gr[m].mean()
        for m in M.REPORTED:
            if m in v.columns:
                parts[f"{m}_mean"] = g[m].mean()
                parts[f"{m}_std"] = g[m].std(ddof=1)
        parts["train_seconds"] = g["train_seconds"].mean()
        parts["failed_folds"] = g["error"].count() if "error" in v.columns else g["fold"].count() * 0
        out = pd.DataFrame(parts).reset_index()
        kinds = self.kinds()
        out.insert(2, "kind", out["method"].map(kinds))
        gen = self.generation.groupby("method").agg(
            seconds=("seconds", "mean"), fallbacks=("fallbacks", "sum"), calls=("calls", "sum")
        ) if len(self.generation) else pd.DataFrame(columns=["seconds", "fallbacks", "calls"])
        out = out.merge(gen, left_on="method", right_index=True, how="left")
        out["seconds"] = out["seconds"].fillna(0.0)
        out[["fallbacks", "calls"]] = out[["fallbacks", "calls"]].fillna(0).astype(int)
        asc = self.metric in M.LOWER_IS_BETTER
        clf_order = {c: i for i, c in enumerate(self.settings["classifiers"])}
        out["_c"] = out["classifier"].map(clf_order)
        out["_k"] = out[f"{self.metric}_mean"] if asc else -out[f"{self.metric}_mean"]
        return out.sort_values(["_c", "_k"]).drop(columns=["_c", "_k"]).reset_index(drop=True)

    def mean_ranks(self, operating_point: str = "default") -> pd.DataFrame:
        """Mean rank per method (rows) and metric (columns), over classifiers, repeats and folds."""
        return self.ranks(operating_point).groupby("method", sort=False)[list(self.ranked_metrics)].mean().reindex(
            [m for m in self.methods if m in set(self.view(operating_point)["method"])]
        )

    # ------------------------------------------------------------------ answer
    def answer(self, metric: str | None = None) -> list:
        """The first lines of the report: per classifier, the best remedy, how sure, and its cost in time.

        Best: the best mean ``metric`` over the folds of the default view (baselines
        included). How sure: its standard deviation over folds, and the corrected resampled
        t-test (Nadeau & Bengio) against ``none`` and against ``threshold``: it "beats" one only
        when ahead with p < 0.05. Time: generation plus training seconds per fold, and the same
        for ``none``.
        """
        metric = metric or self.metric
        M.check_metric(metric, self.ranked_metrics)
        v = self.view("default")
        lower = metric in M.LOWER_IS_BETTER
        gen_sec = self.generation.groupby("method")["seconds"].mean() if len(self.generation) else pd.Series(dtype=float)
        kinds = self.kinds()
        lines = []
        for clf in self.settings["classifiers"]:
            sub = v[v["classifier"] == clf]
            if sub.empty:
                continue
            means = sub.groupby("method")[metric].mean().dropna()
            if "error" in sub.columns:
                # A remedy that failed on some folds is scored on the others: never the answer.
                means = means.drop(sub.loc[sub["error"].notna(), "method"].unique(), errors="ignore")
            if means.empty:
                continue
            best = means.idxmin() if lower else means.idxmax()
            sd = sub[sub["method"] == best][metric].std(ddof=1)
            said = []
            for control in (NONE, THRESHOLD):
                if control == best or control not in means.index:
                    continue
                a = sub[sub["method"] == best].set_index(["repeat", "fold"])
                b = sub[sub["method"] == control].set_index(["repeat", "fold"])
                common = a.index.intersection(b.index)
                d = (a.loc[common, metric] - b.loc[common, metric]).to_numpy() * (-1 if lower else 1)
                ratio = float(a.loc[common, "n_test"].mean() / max(b.loc[common, "n_train"].mean(), 1))
                p = corrected_resampled_ttest(d, ratio)
                sig = bool(np.mean(d) > 0 and np.isfinite(p) and p < 0.05)
                said.append(f"{'beats' if sig else 'does not clearly beat'} '{control}' "
                            f"({np.mean(d):+.3f}, p = {_pfmt(p)})")
            sec = float(gen_sec.get(best, 0.0)) + float(sub[sub["method"] == best]["train_seconds"].mean())
            base_sec = float(sub[sub["method"] == NONE]["train_seconds"].mean()) if NONE in means.index else float("nan")
            lines.append(
                f"answer for {clf}, {metric}: '{best}' ({kinds.get(best, '?')}), {means[best]:.3f} ± "
                f"{(sd if np.isfinite(sd) else 0):.3f} over {len(sub[sub['method'] == best])} folds; "
                + ("; ".join(said) if said else "it is the baseline itself")
                + f"; {sec:.2f} s per fold (none: {base_sec:.2f} s)"
            )
        return lines

    # ------------------------------------------------------------------ verdict
    def verdicts(self, metric: str | None = None, operating_point: str = "default") -> pd.DataFrame:
        """Per classifier: best baseline, best method and the corrected resampled t-test between them.

        The test is Nadeau & Bengio's (2003) corrected resampled t-test: folds of repeated
        k-fold share training rows, so the plain paired t-test is far too eager; the variance
        is inflated by ``n_test / n_train``. Written here because scipy has no such test.
        """
        metric = metric or self.metric
        M.check_metric(metric, self.ranked_metrics)
        v = self.view(operating_point)
        lower = metric in M.LOWER_IS_BETTER
        rows = []
        for clf in self.settings["classifiers"]:
            sub = v[v["classifier"] == clf]
            means = sub.groupby("method")[metric].mean()
            stds = sub.groupby("method")[metric].std(ddof=1)
            base = means[[m for m in means.index if m in BASELINES]]
            gens = means[[m for m in means.index if m not in BASELINES]]
            if base.empty:
                continue
            best_base = base.idxmin() if lower else base.idxmax()
            row = {"classifier": clf, "metric": metric, "best_baseline": best_base,
                   "baseline_mean": base[best_base], "baseline_std": stds[best_base],
                   "best_method": None, "method_mean": np.nan, "method_std": np.nan,
                   "difference": np.nan, "p_value": np.nan, "beats_baseline": False, "significant": False}
            if not gens.empty:
                best = gens.idxmin() if lower else gens.idxmax()
                a = sub[sub["method"] == best].set_index(["repeat", "fold"])
                b = sub[sub["method"] == best_base].set_index(["repeat", "fold"])
                common = a.index.intersection(b.index)
                d = (a.loc[common, metric] - b.loc[common, metric]).to_numpy()
                if lower:
                    d = -d
                ratio = float(a.loc[common, "n_test"].mean() / b.loc[common, "n_train"].mean())
                p = corrected_resampled_ttest(d, ratio)
                row.update(best_method=best, method_mean=gens[best], method_std=stds[best],
                           difference=float(np.mean(d)), p_value=p,
                           beats_baseline=bool(np.mean(d) > 0), significant=bool(np.mean(d) > 0 and p < 0.05))
            rows.append(row)
        return pd.DataFrame(rows)

    def verdict(self, metric: str | None = None) -> str:
        """The answer in plain words: does any method beat the baselines, per classifier?"""
        metric = metric or self.metric
        table = self.verdicts(metric)
        lines = []
        for r in table.itertuples():
            base = f"the best baseline, '{r.best_baseline}' ({metric} {r.baseline_mean:.3f} ± {r.baseline_std:.3f})"
            if r.best_method is None:
                lines.append(f"{r.classifier}: only baselines were run; the best is '{r.best_baseline}' "
                             f"({metric} {r.baseline_mean:.3f} ± {r.baseline_std:.3f}).")
            elif not r.beats_baseline:
                lines.append(f"{r.classifier}: no method beats {base}; the best method, '{r.best_method}', "
                             f"scores {r.method_mean:.3f} ± {r.method_std:.3f}.")
            elif not r.significant:
                lines.append(f"{r.classifier}: '{r.best_method}' ({r.method_mean:.3f} ± {r.method_std:.3f}) is ahead of "
                             f"{base} by {abs(r.difference):.3f}, but that is within the noise of the folds "
                             f"(corrected resampled t-test p = {r.p_value:.2f}).")
            else:
                lines.append(f"{r.classifier}: '{r.best_method}' ({r.method_mean:.3f} ± {r.method_std:.3f}) beats "
                             f"{base} by {abs(r.difference):.3f} (corrected resampled t-test p = {r.p_value:.3f}).")
        helped = int(table["significant"].sum()) if len(table) else 0
        if len(table):
            if helped == 0:
                lines.append(
                    f"Verdict: on this data no method clearly improves {metric} over the baselines; keep the data "
                    "as it is (or use class weights / a tuned threshold)"
                    + (" - PR-AUC and ROC-AUC do not depend on the threshold, and oversampling rarely moves them."
                       if metric in ("pr_auc", "roc_auc") else ".")
                )
            else:
                names = sorted(set(table.loc[table["significant"], "best_method"]))
                lines.append(f"Verdict: {', '.join(repr(n) for n in names)} clearly improves {metric} for "
                             f"{helped} of {len(table)} classifiers; check the fidelity table before using its rows.")
        return "\n".join(lines)

    # ------------------------------------------------------------------ outputs
    def table(self, operating_point: str = "default", color: bool = False, profile: bool = True) -> str:
        """The terminal table (see :func:`gensample.evaluation.table.render`)."""
        from .table import render

        return render(self, operating_point, color=color, profile=profile)

    def to_dict(self) -> dict:
        """JSON-safe: settings, profile, every fold's numbers, generation records, summaries, verdict."""
        from .. import __version__

        return {
            "gensample_version": __version__,
            "settings": self.settings,
            "profile": self.profile.to_dict(),
            "metrics": list(M.METRICS),
            "folds": _records(self.folds),
            "generation": _records(self.generation),
            "summary": {op: _records(self.summary(op)) for op in VIEWS},
            "mean_ranks": {op: {m: {k: _num(v) for k, v in row.items()} for m, row in self.mean_ranks(op).iterrows()}
                           for op in VIEWS if not self.view(op).empty},
            "verdicts": _records(self.verdicts()),
            "verdict": self.verdict(),
            "answer": self.answer(),
            "kinds": self.kinds(),
            "notes": list(self.notes),
        }

    def to_json(self, path, overwrite: bool = True) -> Path:
        path = Path(path)
        if path.exists() and not overwrite:
            raise ExportError(f"{path} exists; pass overwrite=True to replace it")
        text = json.dumps(self.to_dict(), indent=1, allow_nan=False)
        # Through a temporary file, so a run killed mid-write leaves no partial JSON at ``path``.
        atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), overwrite=overwrite)
        return path

    def to_html(self, path, overwrite: bool = True) -> Path:
        """A self-contained HTML report (figures embedded; opens with no network)."""
        from .report_html import write_report

        path = Path(path)
        if path.exists() and not overwrite:
            raise ExportError(f"{path} exists; pass overwrite=True to replace it")
        return write_report(self, path, overwrite=overwrite)

    def __repr__(self) -> str:
        return (f"CompareResult(methods={self.methods}, classifiers={self.settings['classifiers']}, "
                f"folds={self.settings['folds']}x{self.settings['repeats']}, metric={self.metric!r})")


def _pfmt(p) -> str:
    if p is None or not np.isfinite(p):
        return "n/a"
    return f"{p:.3f}" if p >= 0.001 else "<0.001"


def corrected_resampled_ttest(differences: np.ndarray, test_train_ratio: float) -> float:
    """Two-sided p-value of Nadeau & Bengio's corrected resampled t-test on per-fold differences."""
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    n = len(d)
    if n < 2:
        return float("nan")
    var = np.var(d, ddof=1)
    mean = float(np.mean(d))
    if var == 0:
        return 1.0 if mean == 0 else 0.0
    t = mean / math.sqrt((1.0 / n + test_train_ratio) * var)
    return float(2 * stats.t.sf(abs(t), df=n - 1))


# ---------------------------------------------------------------------- helpers
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


def _tuned_only(name) -> bool:
    from .protocol import tuned_only

    return tuned_only(str(name))


def _failure_notes(records, methods, n_folds) -> list:
    """One line per remedy that raised in some folds; raises when every cell failed."""
    failed = {}
    for g in records:
        if g.get("error"):
            failed.setdefault(g["method"], []).append(g)
    if failed and sum(len(v) for v in failed.values()) == len(records):
        first = records[0]
        raise EvaluationError(
            f"every remedy failed on every fold, e.g. {first['method']!r} on fold {first['fold']} "
            f"(repeat {first['repeat']}): {first['error']}; check the data and the classifiers")
    return [
        f"{m!r} failed in {len(failed[m])} of {n_folds} folds (first: fold {failed[m][0]['fold']}, repeat "
        f"{failed[m][0]['repeat']}: {failed[m][0]['error']}); its means are over the other folds and it is "
        "not named the answer (per-fold errors in the 'error' column of folds)"
        for m in methods if m in failed
    ]


def _generation_frame(records, order) -> pd.DataFrame:
    rows = []
    for g in records:
        if g["method"] in BASELINES:
            continue
        row = {k: g[k] for k in ("method", "repeat", "fold", "seconds", "n_synthetic", "n_removed",
                                 "method_used", "fallbacks", "calls")}
        row["fallback_reasons"] = "; ".join(g["fallback_reasons"])
        if g.get("error"):
            row["error"] = g["error"]
        for k, v in (g.get("fidelity") or {}).items():
            row[f"fidelity_{k}"] = v
        if "auto" in g:
            row["auto_chosen"] = g["auto"].get("chosen")
            row["auto_beats_baseline"] = g["auto"].get("beats_baseline")
            row["auto_scores"] = json.dumps(_jsonable(g["auto"].get("scores", {})))
        rows.append(row)
    if not rows:
        return pd.DataFrame(columns=["method", "repeat", "fold", "seconds", "n_synthetic", "n_removed",
                                     "method_used", "fallbacks", "calls", "fallback_reasons"])
    frame = pd.DataFrame(rows)
    return frame.sort_values(["method", "repeat", "fold"], key=lambda c: c.map(order) if c.name == "method" else c
                             ).reset_index(drop=True)


def _jsonable(v):
    if isinstance(v, dict):
        return {str(json_scalar(k)): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return _num(v)


def _num(v):
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    return json_scalar(v)


def _records(frame: pd.DataFrame) -> list:
    return [{str(k): _num(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
