"""``CompareResult``: a comparison's per-fold numbers, its views, ranks, summaries and outputs.

Made by :func:`gensample.evaluation.compare.compare`. The answer and the verdict are worded in
:mod:`.verdict`, frames become JSON through :mod:`.records`, the terminal table and the HTML
report are drawn by :mod:`.table` and :mod:`.report_html`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import ExportError, ParameterError
from ..schema import TableSchema
from ..utils import atomic_write
from . import metrics as M
from .profile import ImbalanceProfile
from .protocol import BASELINES, tuned_only
from .records import json_number, records
from .verdict import answer_lines, verdict_table, verdict_text

VIEWS = ("default", "tuned")


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
            only_tuned = f["method"].map(lambda name: tuned_only(str(name)))
            keep = ((f["operating_point"] == "default") & ~only_tuned) | only_tuned
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

    # ------------------------------------------------------------------ answer and verdict
    def answer(self, metric: str | None = None) -> list:
        """The first lines of the report: per classifier, the best remedy, how sure, and its cost in time.

        Best: the best mean ``metric`` over the folds of the default view (baselines
        included). How sure: its standard deviation over folds, and the corrected resampled
        t-test (Nadeau & Bengio) against ``none`` and against ``threshold``: it "beats" one only
        when ahead with p < 0.05. Time: generation plus training seconds per fold, and the same
        for ``none``. See :func:`gensample.evaluation.verdict.answer_lines`.
        """
        return answer_lines(self, metric)

    def verdicts(self, metric: str | None = None, operating_point: str = "default") -> pd.DataFrame:
        """Per classifier: best baseline, best method and the corrected resampled t-test between them.

        The test is Nadeau & Bengio's (2003) corrected resampled t-test
        (:func:`~gensample.evaluation.significance.corrected_resampled_ttest`): folds of
        repeated k-fold share training rows, so the plain paired t-test is far too eager.
        """
        return verdict_table(self, metric, operating_point)

    def verdict(self, metric: str | None = None) -> str:
        """The answer in plain words: does any method beat the baselines, per classifier?"""
        return verdict_text(self, metric)

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
            "folds": records(self.folds),
            "generation": records(self.generation),
            "summary": {op: records(self.summary(op)) for op in VIEWS},
            "mean_ranks": {op: {m: {k: json_number(v) for k, v in row.items()} for m, row in self.mean_ranks(op).iterrows()}
                           for op in VIEWS if not self.view(op).empty},
            "verdicts": records(self.verdicts()),
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
