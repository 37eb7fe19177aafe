"""What a comparison says: the answer lines, the verdict table and the verdict in words.

Each function reads a :class:`~gensample.evaluation.compare_result.CompareResult` (its default
or tuned view, summaries and generation records) and the corrected resampled t-test of
:mod:`.significance`; the result's ``answer``, ``verdicts`` and ``verdict`` methods call them.
Kept apart from the result so that the wording and the tests behind it live in one place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import metrics as M
from .protocol import BASELINES, NONE, THRESHOLD
from .significance import corrected_resampled_ttest, format_p


def answer_lines(result, metric: str | None = None) -> list:
    """The first lines of the report: per classifier, the best remedy, how sure, and its cost in time.

    Best: the best mean ``metric`` over the folds of the default view (baselines
    included). How sure: its standard deviation over folds, and the corrected resampled
    t-test (Nadeau & Bengio) against ``none`` and against ``threshold``: it "beats" one only
    when ahead with p < 0.05. Time: generation plus training seconds per fold, and the same
    for ``none``.
    """
    metric = metric or result.metric
    M.check_metric(metric, result.ranked_metrics)
    v = result.view("default")
    lower = metric in M.LOWER_IS_BETTER
    gen_sec = result.generation.groupby("method")["seconds"].mean() if len(result.generation) else pd.Series(dtype=float)
    kinds = result.kinds()
    lines = []
    for clf in result.settings["classifiers"]:
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
                        f"({np.mean(d):+.3f}, p = {format_p(p)})")
        sec = float(gen_sec.get(best, 0.0)) + float(sub[sub["method"] == best]["train_seconds"].mean())
        base_sec = float(sub[sub["method"] == NONE]["train_seconds"].mean()) if NONE in means.index else float("nan")
        lines.append(
            f"answer for {clf}, {metric}: '{best}' ({kinds.get(best, '?')}), {means[best]:.3f} ± "
            f"{(sd if np.isfinite(sd) else 0):.3f} over {len(sub[sub['method'] == best])} folds; "
            + ("; ".join(said) if said else "it is the baseline itself")
            + f"; {sec:.2f} s per fold (none: {base_sec:.2f} s)"
        )
    return lines


def verdict_table(result, metric: str | None = None, operating_point: str = "default") -> pd.DataFrame:
    """Per classifier: best baseline, best method and the corrected resampled t-test between them.

    The test is Nadeau & Bengio's (2003) corrected resampled t-test: folds of repeated
    k-fold share training rows, so the plain paired t-test is far too eager; the variance
    is inflated by ``n_test / n_train``. Written here because scipy has no such test.
    """
    metric = metric or result.metric
    M.check_metric(metric, result.ranked_metrics)
    v = result.view(operating_point)
    lower = metric in M.LOWER_IS_BETTER
    rows = []
    for clf in result.settings["classifiers"]:
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


def verdict_text(result, metric: str | None = None) -> str:
    """The answer in plain words: does any method beat the baselines, per classifier?"""
    metric = metric or result.metric
    table = result.verdicts(metric)
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
