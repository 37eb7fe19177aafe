"""Benchmark: ``gensample.compare`` over KEEL imbalanced datasets, with a Friedman test.

For every dataset, ``compare`` runs every method and the three baselines (``none``,
``class-weight``, ``threshold``) under the same repeated stratified k-fold. Per dataset,
classifier and metric the methods are ranked on their mean over folds (1 = best); the table
reports the mean rank over datasets. Following Demsar (2006), the Friedman test (with the
Iman-Davenport F correction) says whether the ranks differ more than chance would make them,
and two post-hoc comparisons say which differences to trust: the Nemenyi critical difference
(any two methods whose mean ranks differ by less are not distinguishable) and Holm's step-down
test of every method against the ``none`` baseline.

Usage (from the repository root)::

    nice python benchmarks/bench_compare.py --datasets all
    nice python benchmarks/bench_compare.py --datasets glass1,ecoli1,yeast4 --methods smote,random \\
        --folds 5 --repeats 2 --write-readme

Prints what it measured and on what data; with ``--write-readme`` it replaces the section
between ``<!-- bench_compare:start -->`` and ``<!-- bench_compare:end -->`` in
``benchmarks/README.md`` (and nothing else there). Per-dataset means go to
``benchmarks/out/bench_compare.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import platform
import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_KEEL = ROOT.parent / "shared" / "datasets" / "keel"
START, END = "<!-- bench_compare:start -->", "<!-- bench_compare:end -->"
#: Holm's test compares every method with these baselines (the table marks use ``none``).
CONTROLS = ("none", "threshold")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keel-dir", default=str(DEFAULT_KEEL), help="folder of KEEL CSVs (target column Class)")
    ap.add_argument("--datasets", default="all", help="'all' or comma-separated names (file stems)")
    ap.add_argument("--max-rows", type=int, default=None, help="skip datasets with more rows (keeps runs short)")
    ap.add_argument("--methods", default="smote,borderline-smote,adasyn,random")
    ap.add_argument("--classifiers", default="lr,rf,hgb")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tune", action="store_true", help="also tune every method's threshold (x4 cost)")
    ap.add_argument("--fidelity", action="store_true", help="also compute per-fold fidelity reports")
    ap.add_argument("--n-jobs", type=int, default=1)
    ap.add_argument("--write-readme", action="store_true", help="write the results section into benchmarks/README.md")
    ap.add_argument("--from-json", default=None, metavar="PATH",
                    help="re-analyse a saved benchmarks/out/bench_compare.json instead of running (same other options)")
    ap.add_argument("--jsonl", default=None, metavar="PATH",
                    help="resumable run: append every dataset's per-fold rows (one JSON line per dataset, method, "
                         "classifier, repeat and fold) to PATH and skip datasets already there")
    ap.add_argument("--from-jsonl", default=None, metavar="PATHS",
                    help="comma-separated --jsonl files to merge and analyse (shards of one run, or runs of other "
                         "methods; datasets missing a method drop out of the rank tables)")
    ap.add_argument("--order", default="name", choices=("name", "size"),
                    help="run datasets by name or smallest first (so a run stopped early covers the most sets)")
    ap.add_argument("--metric", default="pr_auc",
                    help="compare's metric: what `auto` judges its candidates by (unless --method-params gives it "
                         "one); the tables rank every metric regardless")
    ap.add_argument("--method-params", default=None, metavar="JSON", help='e.g. \'{"auto": {"metric": "mcc"}}\'')
    ap.add_argument("--also-skip", default=None, metavar="PATHS",
                    help="comma-separated --jsonl files of runs in parallel: before each dataset, skip it if one "
                         "of them already holds it")
    ap.add_argument("--section", default=None, metavar="NAME",
                    help="README section markers <!-- NAME:start --> / <!-- NAME:end --> (default bench_compare)")
    args = ap.parse_args(argv)

    from gensample import compare
    from gensample.evaluation.metrics import LOWER_IS_BETTER, METRICS

    keel = Path(args.keel_dir)
    if args.datasets == "all":
        names = sorted(p.stem for p in keel.glob("*.csv"))
    else:
        names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    classifiers = [c.strip() for c in args.classifiers.split(",") if c.strip()]
    command = "nice python benchmarks/bench_compare.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))

    if args.from_jsonl:
        table, timings, fallbacks = read_jsonl([p for p in args.from_jsonl.split(",") if p], names)
        args.auto_choices = auto_choices([p for p in args.from_jsonl.split(",") if p], set(table["dataset"]))
        present = set(table["method"])
        methods = [m for m in methods if m in present] + sorted(
            present - set(methods) - {"none", "class-weight", "threshold"})
        return analyse(table, {}, timings, fallbacks, args, command, methods, classifiers)
    if args.order == "size":
        sizes = {n: sum(1 for _ in open(keel / f"{n}.csv")) for n in names}
        names = sorted(names, key=lambda n: (sizes[n], n))
    done = set()
    if args.jsonl:
        jpath = Path(args.jsonl)
        if jpath.exists():
            done = {json.loads(line)["dataset"] for line in jpath.read_text().splitlines() if line.strip()}
    method_params = json.loads(args.method_params) if args.method_params else None

    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        table = pd.DataFrame(saved["means"])
        return analyse(table, saved["skipped"], saved["seconds"], saved["fallbacks"], args, saved["command"],
                       methods, classifiers)

    per_dataset, skipped, timings, fallbacks = [], {}, {}, {}
    for name in names:
        data = pd.read_csv(keel / f"{name}.csv")
        if args.max_rows and len(data) > args.max_rows:
            skipped[name] = f"{len(data)} rows > --max-rows"
            continue
        if name in done or name in _done_elsewhere(args.also_skip):
            continue
        started = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = compare(data, "Class", methods=methods, classifiers=classifiers, folds=args.folds,
                              repeats=args.repeats, seed=args.seed, tune_threshold=args.tune,
                              fidelity=args.fidelity, n_jobs=args.n_jobs, method_params=method_params,
                              metric=args.metric)
        except Exception as exc:  # a dataset that cannot be cross-validated is reported, not fatal
            skipped[name] = f"{type(exc).__name__}: {exc}"[:200]
            print(f"{name}: skipped ({skipped[name]})", flush=True)
            continue
        timings[name] = time.perf_counter() - started
        fallbacks[name] = int(res.generation["fallbacks"].sum())
        if args.jsonl:
            append_jsonl(Path(args.jsonl), name, res, timings[name], fallbacks[name])
        means = dataset_means(res.view("default").assign(dataset=name), list(METRICS))
        per_dataset.append(means)
        best = res.summary().groupby("classifier").head(1)
        print(f"{name}: {len(data)} rows, IR {res.profile.imbalance_ratio:.1f}, {timings[name]:.0f} s; best pr_auc: "
              + ", ".join(f"{r.classifier}={r.method}" for r in best.itertuples()), flush=True)
    if not per_dataset:
        print("no dataset ran", file=sys.stderr)
        return 1
    table = pd.concat(per_dataset, ignore_index=True)
    return analyse(table, skipped, timings, fallbacks, args, command, methods, classifiers)


def jsonl_lines(path) -> list:
    """The non-empty lines of a --jsonl file, plain or gzipped (the committed runs are ``.jsonl.gz``)."""
    path = Path(path)
    text = gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz" else path.read_text()
    return [line for line in text.splitlines() if line.strip()]


def _done_elsewhere(paths) -> set:
    out = set()
    for p in (paths or "").split(","):
        if p and Path(p).exists():
            out |= {json.loads(line)["dataset"] for line in jsonl_lines(p)}
    return out


def append_jsonl(path: Path, name: str, res, seconds: float, fallbacks: int) -> None:
    """One line per dataset, method, classifier, repeat and fold (the default view), flushed at once."""
    v = res.view("default")
    gen = res.generation
    lines = []
    for row in v.to_dict(orient="records"):
        rec = {"dataset": name, "dataset_seconds": seconds, "dataset_fallbacks": fallbacks, **row}
        if "auto_chosen" in gen.columns and row["method"] == "auto":
            g = gen[(gen["method"] == "auto") & (gen["repeat"] == row["repeat"]) & (gen["fold"] == row["fold"])]
            if "judge" in g.columns and g["judge"].notna().any():  # auto judged by each classifier
                g = g[g["judge"] == row["classifier"]]
                rec["auto_judge"] = row["classifier"]
            if len(g):
                rec["auto_chosen"] = g["auto_chosen"].iloc[0]
                if "auto_metric" in g.columns:
                    rec["auto_metric"] = g["auto_metric"].iloc[0]
        lines.append(json.dumps(rec, default=lambda o: o.item() if hasattr(o, "item") else str(o)))
    with path.open("a") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.flush()


def auto_choices(paths, datasets) -> dict:
    """How often auto chose each method, once per dataset, repeat, fold and classifier scored (the
    first file holding a key wins, as in :func:`read_jsonl`), and how it judged: ``{"counts": {...},
    "judged_by": {"rf judged by pr_auc": n, ...}}``. Rows of runs before auto was judged by each
    classifier (no ``auto_judge``) were judged by lr on f1, auto's defaults then."""
    seen, counts, judged_by = set(), {}, {}
    for p in paths:
        for line in jsonl_lines(p):
            r = json.loads(line)
            if r.get("method") != "auto" or r["dataset"] not in datasets or "auto_chosen" not in r:
                continue
            key = (r["dataset"], r["repeat"], r["fold"], r["classifier"])
            if key in seen:
                continue
            seen.add(key)
            counts[r["auto_chosen"]] = counts.get(r["auto_chosen"], 0) + 1
            how = f"{r.get('auto_judge') or 'lr'} judged by {r.get('auto_metric') or 'f1'}"
            if r.get("auto_judge") is None:
                how += " for every classifier"
            judged_by[f"{r['classifier']}: {how}"] = judged_by.get(f"{r['classifier']}: {how}", 0) + 1
    return {"counts": counts, "judged_by": judged_by}


def read_jsonl(paths, names):
    """Per-dataset means of every method from one or more --jsonl files (datasets in all files)."""
    from gensample.evaluation.metrics import METRICS

    frames = []
    for p in paths:
        rows = [json.loads(line) for line in jsonl_lines(p)]
        frames.append(pd.DataFrame(rows))
    # Shards of one run hold different datasets, runs of other methods the same ones: take every
    # dataset; the rank tables keep, per classifier and metric, the datasets where all methods ran.
    common = set.union(*(set(f["dataset"]) for f in frames)) & set(names)
    parts, timings, fallbacks = [], {}, {}
    for f in frames:
        f = f[f["dataset"].isin(common)]
        for d, g in f.groupby("dataset"):
            timings[d] = timings.get(d, 0.0) + float(g["dataset_seconds"].iloc[0])
            fallbacks[d] = fallbacks.get(d, 0) + int(g["dataset_fallbacks"].iloc[0])
        parts.append(f)
    allrows = pd.concat(parts, ignore_index=True)
    # A baseline present in several files is the same computation (same folds and seeds): keep one.
    allrows = allrows.drop_duplicates(subset=["dataset", "method", "classifier", "repeat", "fold"])
    metrics = [m for m in METRICS if m in allrows.columns]
    return dataset_means(allrows, metrics), timings, fallbacks


def dataset_means(rows: pd.DataFrame, metrics) -> pd.DataFrame:
    """Per dataset, classifier and method: the mean over folds, NaN where the remedy failed on a fold.

    A mean over the folds a remedy survived would flatter it (the folds it fails on are the
    hard ones), so such a (dataset, classifier, method) drops out of the rank tables; the
    report lists the failures. ``failed_folds`` counts them.
    """
    keys = ["dataset", "classifier", "method"]
    g = rows.groupby(keys)
    table = g[metrics].mean()
    failed = g["error"].count() if "error" in rows.columns else g[metrics[0]].count() * 0
    table.loc[failed > 0, :] = np.nan
    table["failed_folds"] = failed
    return table.reset_index()


def analyse(table, skipped, timings, fallbacks, args, command, methods, classifiers) -> int:
    """Ranks, Friedman tests, the JSON record and the README section, from per-dataset means."""
    from gensample.evaluation.metrics import LOWER_IS_BETTER, METRICS

    all_methods = ["none", "class-weight", "threshold", *methods]
    all_methods = [m for m in all_methods if m in set(table["method"])]
    n_data = table["dataset"].nunique()

    rank_tables, tests = {}, []
    for clf in classifiers:
        sub = table[table["classifier"] == clf]
        ranks = {}
        for metric in METRICS:
            wide = sub.pivot(index="dataset", columns="method", values=metric).reindex(columns=all_methods).dropna()
            r = wide.rank(axis=1, ascending=metric in LOWER_IS_BETTER, method="average")
            ranks[metric] = r.mean()
            tests.append({"classifier": clf, "metric": metric, **friedman(wide, r)})
        rank_tables[clf] = pd.DataFrame(ranks).reindex(all_methods)
    tests = pd.DataFrame(tests)

    out_dir = HERE / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "bench_compare.json").write_text(json.dumps({
        "command": command, "datasets": sorted(table["dataset"].unique()), "skipped": skipped,
        "seconds": timings, "fallbacks": fallbacks, "means": table.to_dict(orient="records"),
        "tests": tests.to_dict(orient="records"),
    }, indent=1, default=float))

    text = report(rank_tables, tests, table, skipped, timings, fallbacks, args, command, n_data, all_methods)
    print()
    print(text)
    if args.write_readme:
        write_section(HERE / "README.md", text, args)
        print(f"\nwrote the section into {HERE / 'README.md'}")
    return 0


def friedman(wide: pd.DataFrame, ranks: pd.DataFrame, alpha: float = 0.05) -> dict:
    """Friedman + Iman-Davenport, Nemenyi CD and Holm against ``none`` (Demsar 2006).

    scipy has the Friedman statistic but neither the Iman-Davenport correction nor the
    Nemenyi/Holm post-hoc procedures on mean ranks, hence the formulas here.
    """
    n, k = wide.shape
    out = {"datasets": n, "methods": k}
    if n < 2 or k < 3:
        return {**out, "chi2": np.nan, "p_friedman": np.nan, "p_iman_davenport": np.nan, "cd": np.nan,
                "holm": {c: {} for c in CONTROLS}}
    R = ranks.mean().to_numpy()
    chi2 = 12 * n / (k * (k + 1)) * (np.sum(R ** 2) - k * (k + 1) ** 2 / 4)
    p_chi = float(stats.chi2.sf(chi2, k - 1))
    ff = (n - 1) * chi2 / (n * (k - 1) - chi2) if n * (k - 1) - chi2 > 0 else np.inf
    p_id = float(stats.f.sf(ff, k - 1, (k - 1) * (n - 1))) if np.isfinite(ff) else 0.0
    se = math.sqrt(k * (k + 1) / (6 * n))
    q = stats.studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2)
    holm = {control: _holm(ranks, control, se, alpha) for control in CONTROLS if control in ranks.columns}
    return {**out, "chi2": float(chi2), "p_friedman": p_chi, "p_iman_davenport": p_id, "cd": float(q * se), "holm": holm}


def _holm(ranks: pd.DataFrame, control: str, se: float, alpha: float) -> dict:
    """Holm's step-down test of every method's mean rank against ``control`` (Demsar 2006, sec. 3.2.2)."""
    r0 = ranks[control].mean()
    others = [m for m in ranks.columns if m != control]
    z = {m: (ranks[m].mean() - r0) / se for m in others}
    p = {m: float(2 * stats.norm.sf(abs(v))) for m, v in z.items()}
    out, running = {}, 0.0
    for i, m in enumerate(sorted(others, key=lambda m: p[m])):
        running = max(running, min(1.0, (len(others) - i) * p[m]))  # adjusted p, kept monotone
        out[m] = {"z": float(z[m]), "p_adj": running, "better": bool(z[m] < 0 and running < alpha)}
    return out


def _markers(args):
    name = getattr(args, "section", None) or "bench_compare"
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def paired_vs(table, a: str, b: str, classifiers, metrics) -> list:
    """Per classifier and metric: datasets where ``a`` beats, ties and loses to ``b`` (dataset means), Wilcoxon p.

    The Wilcoxon signed-rank test over datasets (Demsar 2006) is scipy's; ties (identical
    dataset means, e.g. auto keeping SMOTE in every fold) are dropped by its default
    ``zero_method="wilcox"``.
    """
    from gensample.evaluation.metrics import LOWER_IS_BETTER

    out = []
    for clf in classifiers:
        sub = table[table["classifier"] == clf]
        for metric in metrics:
            wide = sub.pivot(index="dataset", columns="method", values=metric)
            if a not in wide or b not in wide:
                continue
            d = (wide[a] - wide[b]).dropna()
            if metric in LOWER_IS_BETTER:
                d = -d
            wins, ties, losses = int((d > 1e-12).sum()), int((d.abs() <= 1e-12).sum()), int((d < -1e-12).sum())
            nz = d[d.abs() > 1e-12]
            p = float(stats.wilcoxon(nz).pvalue) if len(nz) >= 2 else float("nan")
            out.append({"classifier": clf, "metric": metric, "a": a, "b": b, "datasets": int(len(d)), "wins": wins,
                        "ties": ties, "losses": losses, "mean_difference": float(d.mean()) if len(d) else float("nan"),
                        "p_wilcoxon": p})
    return out


def report(rank_tables, tests, table, skipped, timings, fallbacks, args, command, n_data, all_methods) -> str:
    from gensample.evaluation.metrics import METRICS

    START, END = _markers(args)
    title = ("## compare: mean ranks over KEEL datasets (`bench_compare.py`)" if not getattr(args, "section", None)
             else f"## {args.section}: mean ranks over KEEL datasets (`bench_compare.py`)")
    lines = [START, title, ""]
    lines.append(f"Command: `{command}`")
    if args.from_json:
        lines.append(f"(tables re-computed from the saved per-dataset means with `--from-json {args.from_json}`)")
    lines.append("")
    lines.append(
        f"Machine: {platform.machine()}, {platform.python_version()}, 2 shared CPU cores (other jobs running), "
        f"n_jobs={args.n_jobs}. Protocol: {args.folds}-fold stratified CV x {args.repeats} repeats, seed {args.seed}; "
        f"labels at the classifier's own decision (`threshold` = no resampling at a threshold tuned for F1 inside "
        f"the training fold); {'every method also tuned' if args.tune else 'methods not threshold-tuned'}; "
        f"{'with' if args.fidelity else 'without'} fidelity reports."
    )
    lines.append("")
    lines.append(f"Datasets ({n_data}): " + ", ".join(f"{d} ({timings[d]:.0f} s)" for d in sorted(timings))
                 + f". Total {sum(timings.values()) / 60:.1f} min.")
    if skipped:
        lines.append("Skipped: " + "; ".join(f"{k}: {v}" for k, v in skipped.items()))
    if "failed_folds" in table.columns and (table["failed_folds"] > 0).any():
        f = table[table["failed_folds"] > 0].groupby("method")["dataset"].nunique().sort_values(ascending=False)
        lines.append("Remedies that raised on some folds (imbalanced-learn's RUSBoost when its first weak learner is "
                     "no better than chance; SMOTE inside a bagging bootstrap holding one minority row): "
                     + ", ".join(f"{m} on {n} datasets" for m, n in f.items())
                     + ". Where a remedy failed, that dataset leaves that classifier's rank tables (a mean over the "
                     "folds it survived would flatter it); the auto-vs-smote comparison keeps every dataset where "
                     "both ran.")
    fb = {k: v for k, v in fallbacks.items() if v}
    lines.append("Fallbacks inside folds: " + (", ".join(f"{k} {v}" for k, v in fb.items()) if fb else "none") + ".")
    lines.append("")
    lines.append("`threshold` and `none` are the same model (only the decision threshold differs), so they tie on "
                 "the threshold-free metrics pr_auc, roc_auc and brier.")
    lines.append("")
    lines.append("Mean rank over datasets (1 = best; per dataset, methods are ranked on their mean over folds). "
                 "Bold: best in column. Below each table: Friedman / Iman-Davenport p-value and the Nemenyi "
                 "critical difference (CD, alpha 0.05); a `+` marks a method whose rank is significantly better "
                 "than `none` by Holm's step-down test against that control, a `-` significantly worse.")
    for clf, ranks in rank_tables.items():
        lines += ["", f"### {clf}", ""]
        header = "| method | " + " | ".join(METRICS) + " |"
        lines += [header, "|" + "---|" * (len(METRICS) + 1)]
        sub = tests[tests["classifier"] == clf].set_index("metric")
        for m in all_methods:
            cells = []
            for metric in METRICS:
                v = ranks.loc[m, metric]
                best = ranks[metric].min()
                h = sub.loc[metric, "holm"].get("none", {}).get(m)
                mark = ""
                if h and h["p_adj"] < 0.05:
                    mark = "+" if h["z"] < 0 else "-"
                text = f"{v:.2f}{mark}"
                cells.append(f"**{text}**" if np.isclose(v, best) else text)
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
        lines.append("| Friedman p | " + " | ".join(_p(sub.loc[x, "p_friedman"]) for x in METRICS) + " |")
        lines.append("| Iman-Davenport p | " + " | ".join(_p(sub.loc[x, "p_iman_davenport"]) for x in METRICS) + " |")
        lines.append("| Nemenyi CD | " + " | ".join(f"{sub.loc[x, 'cd']:.2f}" for x in METRICS) + " |")
        # A set where any remedy failed on a fold leaves the table, so say how many were ranked.
        lines.append("| datasets ranked | " + " | ".join(f"{int(sub.loc[x, 'datasets'])}" for x in METRICS) + " |")
    if "auto" in all_methods and "smote" in all_methods:
        classifiers = list(rank_tables)
        focus = ("pr_auc", "mcc", "g_mean")
        lines += ["", "### auto against smote (issue 11, target 1)", "",
                  "Mean rank of `auto` and `smote` in the tables above (over the datasets ranked there) on the "
                  "three target metrics; per dataset (every set where both ran), "
                  "`auto` is better / equal / worse than `smote` on its mean over folds; Wilcoxon signed-rank "
                  "p over the datasets where they differ (two-sided).", "",
                  "| classifier | metric | rank auto | rank smote | datasets | auto better / equal / worse | mean diff | Wilcoxon p |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in paired_vs(table, "auto", "smote", classifiers, focus):
            ranks = rank_tables[r["classifier"]]
            lines.append(f"| {r['classifier']} | {r['metric']} | {ranks.loc['auto', r['metric']]:.2f} | "
                         f"{ranks.loc['smote', r['metric']]:.2f} | {r['datasets']} | {r['wins']} / {r['ties']} / {r['losses']} | "
                         f"{r['mean_difference']:+.4f} | {_p(r['p_wilcoxon'])} |")
        choices = getattr(args, "auto_choices", None)
        if choices and choices["counts"]:
            counts = choices["counts"]
            total = sum(counts.values())
            how = "; ".join(f"{k}: {v}" for k, v in sorted(choices["judged_by"].items()))
            lines += ["", f"`auto`'s choice in the {total} outer training folds (dataset x repeat x fold x classifier "
                      f"scored; inner selection 3 folds x 2 repeats, rule `paired`): "
                      + ", ".join(f"{k} {v} ({100 * v / total:.0f}%)" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
                      + f". Its judge, in folds: {how}. Where it kept `smote` its rows are SMOTE's own (same seed), "
                        "so both score the same."]
    lines += ["", "### Reading", ""]
    lines += _reading(rank_tables, tests, all_methods)
    lines.append(END)
    return "\n".join(lines)


def _reading(rank_tables, tests, methods) -> list:
    """A few sentences computed from the numbers (nothing here is typed by hand)."""
    out = []
    for clf, ranks in rank_tables.items():
        sub = tests[tests["classifier"] == clf].set_index("metric")
        for metric in ("pr_auc", "f1", "balanced_accuracy"):
            order = ranks[metric].sort_values()
            holm = sub.loc[metric, "holm"]
            said = []
            for control in CONTROLS:
                better = [m for m, h in holm.get(control, {}).items() if h["better"]]
                said.append(f"significantly better than `{control}` (Holm): {', '.join(better)}" if better
                            else f"nothing significantly better than `{control}` (Holm)")
            out.append(
                f"- {clf}, {metric}: best mean rank {order.index[0]} ({order.iloc[0]:.2f}), `none` {ranks.loc['none', metric]:.2f}, "
                f"`threshold` {ranks.loc['threshold', metric]:.2f}; Friedman p = {_p(sub.loc[metric, 'p_friedman'])}; "
                f"CD {sub.loc[metric, 'cd']:.2f}; " + "; ".join(said) + "."
            )
    return out


def _p(v) -> str:
    if v is None or not np.isfinite(v):
        return "n/a"
    return f"{v:.3f}" if v >= 0.001 else "<0.001"


def write_section(path: Path, text: str, args=None) -> None:
    START, END = _markers(args)
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    if START in old and END in old:
        new = old[: old.index(START)] + text + old[old.index(END) + len(END):]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new)


if __name__ == "__main__":
    sys.exit(main())
