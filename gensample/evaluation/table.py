"""The terminal table of a comparison: one block per classifier, sorted by the chosen metric."""

from __future__ import annotations

import numpy as np

from . import metrics as M

#: Columns shown besides the chosen metric (all metrics are in the JSON).
SHOWN = ("pr_auc", "roc_auc", "f1", "f_beta", "balanced_accuracy", "mcc", "g_mean", "brier", "log_loss", "ece",
         "calibration_slope", "expected_cost")
_SHORT = {"balanced_accuracy": "bal_acc", "f_beta": "f_beta", "calibration_slope": "cal_slope",
          "expected_cost": "exp_cost"}


def render(result, operating_point: str = "default", color: bool = False, profile: bool = True) -> str:
    """Text table of ``result.summary(operating_point)``; the best value of each column is marked ``*``.

    ``profile=False`` leaves out the first line (the imbalance profile), for callers that
    printed it before the run.
    """
    summary = result.summary(operating_point)
    metric = result.metric
    cols = [metric, *[m for m in SHOWN if m != metric and f"{m}_mean" in summary.columns]]
    beta = result.settings["beta"]
    # The answer comes first: the best remedy per classifier, how sure, what it costs.
    lines = result.answer()
    if profile:
        lines += result.profile.line().splitlines()
    point = ("classifier's own decision (0.5); 'threshold' = no resampling at a threshold tuned in the training fold"
             if operating_point == "default" else
             f"every method at a threshold tuned in the training fold for {result.settings['threshold_metric']}")
    lines.append(f"{result.settings['folds']}-fold x {result.settings['repeats']} repeats, seed {result.settings['seed']}; "
                 f"mean ± sd over folds; * = best in column; rank = mean rank on {metric} (1 = best); "
                 f"f_beta: beta={beta:g}; labels at the {point}")
    if summary.empty:
        return "\n".join(lines + ["(no rows)"])
    width = max(12, max(len(m) for m in summary["method"]) + 2)
    header = f"  {'method':<{width}}{'kind':<16}" + "".join(f"{_SHORT.get(c, c):>15}" for c in cols) + f"{'rank':>7}{'sec/fold':>10}{'fallbacks':>11}"
    for clf in result.settings["classifiers"]:
        block = summary[summary["classifier"] == clf]
        if block.empty:
            continue
        best = {}
        for c in cols:
            vals = block[f"{c}_mean"].to_numpy(dtype=float)
            if c in M.REPORTED:
                continue  # calibration slope: 1 is best, neither end
            if np.isfinite(vals).any():
                best[c] = np.nanmin(vals) if c in M.LOWER_IS_BETTER else np.nanmax(vals)
        lines += ["", f"{clf}", header]
        for r in block.to_dict(orient="records"):
            cells = []
            for c in cols:
                mean, sd = r[f"{c}_mean"], r[f"{c}_std"]
                mark = "*" if c in best and np.isclose(mean, best[c]) else " "
                text = "n/a" if not np.isfinite(mean) else f"{mean:.3f}±{(sd if np.isfinite(sd) else 0):.3f}{mark}"
                if color and mark == "*":
                    text = f"\033[1m{text}\033[0m"
                    cells.append(" " * max(0, 15 - len(text) + 8) + text)
                else:
                    cells.append(f"{text:>15}")
            fb = f"{r['fallbacks']}/{r['calls']}" if r["calls"] else "-"
            sec = f"{r['seconds']:.2f}" if r["calls"] else "-"
            lines.append(f"  {r['method']:<{width}}{str(r.get('kind', '')):<16}" + "".join(cells) + f"{r[f'{metric}_rank']:>7.2f}{sec:>10}{fb:>11}")
    lines.append("")
    lines.append(result.verdict())
    for note in result.notes[:10]:
        lines.append(f"note: {note}")
    if len(result.notes) > 10:
        lines.append(f"... {len(result.notes) - 10} more notes (CompareResult.notes, the JSON and the HTML report)")
    return "\n".join(lines)
