"""The HTML report of a comparison: one self-contained file (figures embedded as PNG).

Sections: the data's imbalance profile; a plain-words verdict; metric bars with error bars
per classifier; the summary tables (classifier's own decision, tuned threshold) and mean
ranks; per method, real vs synthetic minority distributions of the columns that differ most,
a PCA projection of majority, real minority and synthetic rows and the correlation
difference; the fidelity and time table; notes and settings. No script, font or stylesheet
is fetched, so the file opens anywhere, offline.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..utils import atomic_write
from . import metrics as M
from .protocol import BASELINES

_BASE_COLOUR = "#9e9e9e"
_METHOD_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
_BAR_METRICS = ("pr_auc", "f1", "balanced_accuracy", "mcc")

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;
color:#222;line-height:1.45;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.3em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.1em}table{border-collapse:collapse;margin:.6em 0;font-size:.85em}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right;white-space:nowrap}td.l{white-space:normal;max-width:28em}th{background:#f4f4f4;white-space:normal}.wide{overflow-x:auto;max-width:100%}
td.l,th.l{text-align:left}td.best{font-weight:bold;background:#e8f5e9}
.verdict{background:#fff8e1;border-left:4px solid #ffb300;padding:.6em 1em;white-space:pre-wrap}
.profile{background:#f4f8fb;border-left:4px solid #1f77b4;padding:.6em 1em}
img{max-width:100%;height:auto;display:block;margin:.5em 0}.note{color:#555;font-size:.9em}
"""


def write_report(result, path: Path, overwrite: bool = True) -> Path:
    """Write ``result``'s report to ``path`` (replacing an existing file unless ``overwrite`` is False)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    text = render(result)
    # Through a temporary file, so a run killed mid-write leaves no partial report at ``path``.
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), overwrite=overwrite)
    return path


def render(result) -> str:
    """The report as one HTML string."""
    import matplotlib.pyplot as plt

    s = result.settings
    out = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
           "<title>gensample compare report</title>", f"<style>{_CSS}</style></head><body>",
           "<h1>Which method, if any, helps a classifier on this data?</h1>",
           f"<p class='note'>{s['n_rows']} rows, {s['n_features']} features, target <b>{_e(s['target'])}</b>; "
           f"{s['folds']}-fold stratified cross-validation repeated {s['repeats']} times (seed {s['seed']}); "
           "synthetic rows made from each training fold only; the test folds are never resampled.</p>",
           "<h2>The answer</h2>", "<div class='verdict'>" + "<br>".join(_e(a) for a in result.answer()) + "</div>",
           "<h2>The data</h2>", "<p class='profile'>" + "<br>".join(_e(x) for x in result.profile.line().splitlines())
           + "</p>",
           "<h2>Verdict</h2>", f"<div class='verdict'>{_e(result.verdict())}</div>",
           "<p class='note'>Differences are judged with the corrected resampled t-test of Nadeau &amp; Bengio "
           "(2003), which allows for the overlap of training folds. Baselines: <b>none</b> (no resampling), "
           "<b>class-weight</b> (balanced class weights), <b>threshold</b> (no resampling, decision threshold "
           f"tuned inside the training fold for {_e(s['threshold_metric'])}).</p>"]
    try:
        out += ["<h2>Downstream metrics</h2>",
                "<p class='note'>Mean over folds; error bars are one standard deviation. Grey bars are baselines.</p>",
                _img(_metric_bars(result))]
        for op, title in (("default", "at the classifier's own decision"), ("tuned", "at a threshold tuned in the training fold")):
            summary = result.summary(op)
            if summary.empty:
                continue
            out.append(f"<h3>Table: labels {title}</h3>")
            out.append(_summary_table(result, summary))
        ranks = result.mean_ranks("default")
        out += ["<h3>Mean rank over classifiers, repeats and folds (1 = best)</h3>", _frame_table(ranks.round(2), best="min")]
        out += ["<h2>Fidelity and cost</h2>", _fidelity_table(result)]
        if result.examples:
            out.append("<h2>Real and synthetic rows, per method (first fold)</h2>")
            out.append("<p class='note'>Training rows of the first fold and the rows each method made from them.</p>")
            for method in [m for m in result.methods if m in result.examples]:
                out.append(f"<h3>{_e(method)}</h3>")
                out += _method_section(result, method)
    finally:
        plt.close("all")
    notes = list(result.notes)
    if notes:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
    out.append("<h2>Settings</h2><table>" + "".join(
        f"<tr><th class='l'>{_e(k)}</th><td class='l'>{_e(v)}</td></tr>" for k, v in s.items()) + "</table>")
    out.append("</body></html>")
    return "\n".join(out)


# ---------------------------------------------------------------------- tables
def _summary_table(result, summary: pd.DataFrame) -> str:
    cols = [result.metric, *[m for m in M.METRICS if m != result.metric]]
    rows = ["<table><tr><th class='l'>classifier</th><th class='l'>method</th>"
            + "".join(f"<th>{_e(c)}</th>" for c in cols) + f"<th>rank ({_e(result.metric)})</th></tr>"]
    for clf, block in summary.groupby("classifier", sort=False):
        best = {c: (block[f"{c}_mean"].min() if c in M.LOWER_IS_BETTER else block[f"{c}_mean"].max()) for c in cols}
        for r in block.to_dict(orient="records"):
            cells = []
            for c in cols:
                mean, sd = r[f"{c}_mean"], r[f"{c}_std"]
                cls = " class='best'" if np.isfinite(mean) and np.isclose(mean, best[c]) else ""
                cells.append(f"<td{cls}>{mean:.3f} ± {(sd if np.isfinite(sd) else 0):.3f}</td>")
            rows.append(f"<tr><td class='l'>{_e(clf)}</td><td class='l'>{_e(r['method'])}</td>" + "".join(cells)
                        + f"<td>{r[f'{result.metric}_rank']:.2f}</td></tr>")
    return "<div class='wide'>" + "".join(rows) + "</table></div>"


def _frame_table(frame: pd.DataFrame, best: str | None = None) -> str:
    head = "<div class='wide'><table><tr><th class='l'></th>" + "".join(f"<th>{_e(c)}</th>" for c in frame.columns) + "</tr>"
    body = []
    for idx, row in frame.iterrows():
        cells = []
        for c in frame.columns:
            v = row[c]
            mark = ""
            if best and pd.api.types.is_number(v) and np.isfinite(v):
                target = frame[c].min() if best == "min" else frame[c].max()
                mark = " class='best'" if np.isclose(v, target) else ""
            cells.append(f"<td{mark}>{_e(v)}</td>")
        body.append(f"<tr><td class='l'>{_e(idx)}</td>" + "".join(cells) + "</tr>")
    return head + "".join(body) + "</table></div>"


def _fidelity_table(result) -> str:
    g = result.generation
    if g.empty:
        return "<p>No method was run besides the baselines.</p>"
    agg = {"fit+sample s/fold": g.groupby("method", sort=False)["seconds"].mean().round(3),
           "rows made/fold": g.groupby("method", sort=False)["n_synthetic"].mean().round(1),
           "fallbacks": _fallback_counts(g)}
    labels = {"fidelity_passed": "fidelity passed (share of folds)", "fidelity_column_score": "column score",
              "fidelity_detection_auc": "detection AUC", "fidelity_coverage": "coverage",
              "fidelity_precision": "precision", "fidelity_recall": "recall",
              "fidelity_exact_copies": "exact copies", "fidelity_dcr_ratio": "DCR ratio"}
    for col, name in labels.items():
        if col in g:
            agg[name] = g.groupby("method", sort=False)[col].mean().round(3)
    table = pd.DataFrame(agg)
    if "fidelity_verdict" in g:
        table["typical verdict"] = g.groupby("method", sort=False)["fidelity_verdict"].agg(
            lambda v: v.dropna().mode().iloc[0] if v.notna().any() else "")
    if "auto_chosen" in g:
        table["auto chose"] = g.groupby("method", sort=False)["auto_chosen"].agg(
            lambda v: ", ".join(f"{k} ({n})" for k, n in v.value_counts().items()))
    if "auto_metric" in g:
        judges = g["judge"] if "judge" in g else pd.Series(None, index=g.index)
        how = pd.Series([f"{j or 'its classifier'} on {m}" if isinstance(m, str) else None
                         for j, m in zip(judges, g["auto_metric"])], index=g.index)
        table["auto judged by"] = how.groupby(g["method"], sort=False).agg(
            lambda v: ", ".join(f"{k} ({n})" for k, n in v.value_counts().items()) if v.notna().any() else "")
    text = _frame_table(table)
    if not any(c.startswith("fidelity_") for c in g.columns):
        text += "<p class='note'>No fidelity report (gensample.fidelity unavailable or fidelity=False).</p>"
    else:
        text += ("<p class='note'>Fidelity of each fold's synthetic rows against that training fold's real rows "
                 "of the same class (gensample.fidelity): column score = mean of 1 - KS / total variation; "
                 "detection AUC near 0.5 = a classifier cannot tell real from synthetic; coverage = share of real "
                 "rows with a synthetic neighbour; DCR ratio = synthetic-to-real over real-to-real distance "
                 "(small = near copies).</p>")
    reasons = sorted({r for v in g["fallback_reasons"] if v for r in v.split("; ")})
    if reasons:
        text += "<p class='note'>Fallbacks:</p><ul>" + "".join(f"<li>{_e(r)}</li>" for r in reasons) + "</ul>"
    return text


def _fallback_counts(g: pd.DataFrame) -> pd.Series:
    sums = g.groupby("method", sort=False)[["fallbacks", "calls"]].sum()
    return pd.Series([f"{int(a)}/{int(b)}" for a, b in zip(sums["fallbacks"], sums["calls"])], index=sums.index)


# ---------------------------------------------------------------------- figures
def _colour(method: str, methods: list) -> str:
    if method in BASELINES:
        return _BASE_COLOUR
    gens = [m for m in methods if m not in BASELINES]
    return _METHOD_COLOURS[gens.index(method) % len(_METHOD_COLOURS)]


def _metric_bars(result):
    import matplotlib.pyplot as plt

    summary = result.summary("default")
    shown = list(dict.fromkeys([result.metric, *_BAR_METRICS]))[:4]
    clfs = result.settings["classifiers"]
    methods = result.methods
    fig, axes = plt.subplots(len(shown), len(clfs), figsize=(3.6 * len(clfs) + 1, 0.32 * len(methods) * len(shown) + 1.2 * len(shown)),
                             squeeze=False, sharey=True)
    for j, clf in enumerate(clfs):
        block = summary[summary["classifier"] == clf].set_index("method").reindex(methods)
        for i, m in enumerate(shown):
            ax = axes[i, j]
            y = np.arange(len(methods))
            ax.barh(y, block[f"{m}_mean"], xerr=block[f"{m}_std"].fillna(0), color=[_colour(x, methods) for x in methods],
                    capsize=2, error_kw={"lw": 0.8})
            ax.set_yticks(y, methods)
            ax.invert_yaxis()
            ax.set_xlabel(m)
            ax.grid(axis="x", alpha=0.3)
            if i == 0:
                ax.set_title(clf)
    fig.tight_layout()
    return fig


def _method_section(result, method: str) -> list:
    ex = result.examples[method]
    data, schema = result._data, result._schema
    target = schema.target.name
    train = data.iloc[ex["train"]]
    synthetic = ex["synthetic"]
    parts = []
    if len(synthetic) == 0:
        return ["<p>This method made no rows in the first fold.</p>"]
    classes = list(pd.unique(synthetic[target]))
    real_min = train[train[target].isin(classes)]
    majority = train[~train[target].isin(classes)]
    cols = _most_different(real_min, synthetic, schema, 4)
    if cols:
        parts.append("<p class='note'>Columns where the synthetic rows differ most from the real minority "
                     "rows (Kolmogorov-Smirnov statistic for numbers, total variation for categories):</p>")
        parts.append(_img(_distributions(real_min, synthetic, schema, cols)))
    fig, note = _projection_and_correlation(majority, real_min, synthetic, schema)
    parts.append("<p class='note'>Left: PCA projection (fitted on the real training rows) of the majority, the real "
                 "minority and the synthetic rows. Right: correlation difference, synthetic minus real minority "
                 "(Pearson, numeric columns); white = same correlation.</p>")
    parts.append(_img(fig))
    if note:
        parts.append(f"<p class='note'>{_e(note)}</p>")
    return parts


def _most_different(real: pd.DataFrame, synthetic: pd.DataFrame, schema, n: int) -> list:
    from scipy.stats import ks_2samp

    num_a, num_b = schema.encode(real).numeric, schema.encode(synthetic).numeric
    scores = []
    for j, spec in enumerate(schema.numeric):
        a, b = num_a[:, j], num_b[:, j]
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        if len(a) and len(b):
            scores.append((float(ks_2samp(a, b).statistic), spec.name))
    for spec in schema.categorical:
        pa = real[spec.name].dropna().astype(object).value_counts(normalize=True)
        pb = synthetic[spec.name].dropna().astype(object).value_counts(normalize=True)
        if len(pa) and len(pb):
            scores.append((float(0.5 * pa.subtract(pb, fill_value=0).abs().sum()), spec.name))
    scores.sort(key=lambda t: -t[0])
    return [(name, stat) for stat, name in scores[:n]]


def _distributions(real, synthetic, schema, cols):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(cols), figsize=(3.3 * len(cols), 2.6), squeeze=False)
    for ax, (name, stat) in zip(axes[0], cols):
        spec = schema.column(name)
        if spec.is_numeric:
            j = schema.numeric.index(spec)
            a = schema.encode(real).numeric[:, j]
            b = schema.encode(synthetic).numeric[:, j]
            a, b = a[np.isfinite(a)], b[np.isfinite(b)]
            lo, hi = np.nanmin(np.r_[a, b]), np.nanmax(np.r_[a, b])
            bins = np.linspace(lo, hi if hi > lo else lo + 1, 25)
            ax.hist(a, bins=bins, density=True, alpha=0.55, label="real minority", color="#1f77b4")
            ax.hist(b, bins=bins, density=True, alpha=0.55, label="synthetic", color="#ff7f0e")
            unit = ", days since 1970" if spec.kind == "datetime" else ""
            ax.set_title(f"{name} (KS {stat:.2f}{unit})", fontsize=9)
            ax.locator_params(axis="x", nbins=4)
        else:
            pa = real[name].astype(object).value_counts(normalize=True)
            pb = synthetic[name].astype(object).value_counts(normalize=True)
            cats = list(pa.add(pb, fill_value=0).sort_values(ascending=False).index[:12])
            x = np.arange(len(cats))
            ax.bar(x - 0.2, pa.reindex(cats).fillna(0), 0.4, label="real minority", color="#1f77b4")
            ax.bar(x + 0.2, pb.reindex(cats).fillna(0), 0.4, label="synthetic", color="#ff7f0e")
            ax.set_xticks(x, [str(c)[:10] for c in cats], rotation=45, ha="right", fontsize=7)
            ax.set_title(f"{name} (TV {stat:.2f})", fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def _matrix(frame: pd.DataFrame, schema, medians=None, categories=None):
    enc = schema.encode(frame)
    num = enc.numeric.copy()
    if medians is None:
        medians = np.nan_to_num(np.nanmedian(num, axis=0)) if len(num) else np.zeros(num.shape[1])
    idx = np.where(np.isnan(num))
    num[idx] = np.take(medians, idx[1])
    blocks = [num]
    for j, spec in enumerate(schema.categorical):
        codes = enc.categorical[:, j]
        blocks.append((codes[:, None] == np.arange(len(spec.categories))[None, :]).astype(float))
    return np.hstack(blocks) if blocks else num, medians


def _projection_and_correlation(majority, real_min, synthetic, schema):
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    cap = 1500
    maj = majority.iloc[np.sort(rng.choice(len(majority), cap, replace=False))] if len(majority) > cap else majority
    syn = synthetic.iloc[np.sort(rng.choice(len(synthetic), cap, replace=False))] if len(synthetic) > cap else synthetic
    X_train, med = _matrix(pd.concat([majority, real_min]), schema)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
    ax = axes[0]
    note = None
    if X_train.shape[1] >= 2:
        scaler = StandardScaler().fit(X_train)
        pca = PCA(n_components=2, random_state=0).fit(scaler.transform(X_train))

        def proj(frame):
            return pca.transform(scaler.transform(_matrix(frame, schema, med)[0]))

        for frame, colour, label, size in ((maj, "#bdbdbd", "majority (real)", 6), (syn, "#ff7f0e", "synthetic minority", 8),
                                           (real_min, "#1f77b4", "real minority", 14)):
            if len(frame):
                p = proj(frame)
                ax.scatter(p[:, 0], p[:, 1], s=size, c=colour, label=f"{label} ({len(frame)})", alpha=0.7, linewidths=0)
        ev = pca.explained_variance_ratio_
        ax.set_xlabel(f"PC1 ({100 * ev[0]:.0f}% of variance)")
        ax.set_ylabel(f"PC2 ({100 * ev[1]:.0f}%)")
        ax.legend(fontsize=7, loc="best")
        ax.set_title("PCA of the training fold (fitted on real rows)", fontsize=9)
    else:
        ax.set_axis_off()
        note = "A single feature: no 2-D projection."
    ax = axes[1]
    names = [c.name for c in schema.numeric][:20]
    if len(names) >= 2:
        j = [schema.numeric.index(schema.column(n)) for n in names]
        a = pd.DataFrame(schema.encode(real_min).numeric[:, j]).corr().to_numpy()
        b = pd.DataFrame(schema.encode(synthetic).numeric[:, j]).corr().to_numpy()
        diff = np.nan_to_num(b - a)
        im = ax.imshow(diff, cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_xticks(range(len(names)), [str(n)[:12] for n in names], rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(names)), [str(n)[:12] for n in names], fontsize=7)
        fig.colorbar(im, ax=ax, fraction=0.046)
        ax.set_title(f"Correlation difference, synthetic - real minority (max |d| {np.abs(diff).max():.2f})", fontsize=9)
    else:
        ax.set_axis_off()
        note = ((note + " ") if note else "") + "Fewer than two numeric columns: no correlation heatmap."
    fig.tight_layout()
    return fig, note


# ---------------------------------------------------------------------- helpers
def _img(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f"<img alt='figure' src='data:image/png;base64,{data}'>"


def _e(value) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if not np.isfinite(value) else f"{value:.4g}"
    return html.escape(str(value))
