"""Deep generators on KEEL: overhead against sdv, WGAN-GP against CTGAN, fit_on/min_rows, full sweep.

Four measurements, each a sub-command; each prints what it measured, on what data, and
writes a JSON file to ``benchmarks/out/`` (the numbers in ``benchmarks/README.md`` come from
those files).

``overhead``
    For ctgan, copulagan, tvae and gaussian-copula: fit time and peak memory (max RSS of a
    fresh process, imports included) of ``gensample.fit_generator(..., fit_on="all")`` against
    the same sdv synthesizer called directly (``XSynthesizer(metadata, epochs=E).fit(...)``),
    same table and epochs, one process each, torch limited to one thread in both.
``wgan``
    On the mixed-type KEEL sets (kddcup-*, abalone-*, flare-F): sdv ``CTGANSynthesizer`` with
    300 epochs fitted on the minority rows, against gensample's ``wgan-gp`` at its defaults on
    the same rows, for each seed of ``--seeds`` (0 1 2). Fidelity is a classifier two-sample
    test (C2ST): a random forest tells real minority rows from as many synthetic ones, 5-fold
    ROC AUC (0.5 = indistinguishable).
``ttf``
    WGAN-GP's *time to reach CTGAN's fidelity*: on the same sets as ``wgan`` (CTGAN's 300-epoch
    time and per-seed C2ST read from ``deep_wgan.json``), WGAN-GP is trained from scratch with
    a ladder of step budgets (1, 10, 25, 50, ..., 1600 generator steps, no early stopping), for
    each seed; the first budget whose mean C2ST AUC (each seed's clipped at 0.5) is no worse
    than CTGAN's gives the time (that budget's mean fit time).
``modes``
    Downstream PR-AUC (random forest on a stratified 70/30 split, one split and minority draw
    per seed of ``--splits``) after balancing the training split with each deep method
    (``fit_on="minority"`` and/or ``"all"``) and with SMOTE, with the training minority cut to
    ``--sizes`` rows. Decides each method's ``fit_on`` default and ``min_rows`` (the smallest
    class size from which the median PR-AUC gap to SMOTE stays within 0.02).
``sweep``
    Every deep method on every KEEL set (small training budget), checking counts and dtypes;
    fallbacks are allowed and recorded.

Reproduce (2 shared cores; times in the README)::

    nice python benchmarks/bench_deep.py modes  /work/shared/datasets/keel
    nice python benchmarks/bench_deep.py wgan   /work/shared/datasets/keel
    nice python benchmarks/bench_deep.py ttf    /work/shared/datasets/keel --full-ladder
    nice python benchmarks/bench_deep.py overhead /work/shared/datasets/keel --set abalone19 --epochs 5
    nice python benchmarks/bench_deep.py sweep  /work/shared/datasets/keel
    python benchmarks/bench_deep.py summary      # markdown tables from benchmarks/out/deep_*.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent / "out"
DEEP = ["ctgan", "copulagan", "tvae", "gaussian-copula", "wgan-gp"]
SDV_CLASSES = {
    "ctgan": "CTGANSynthesizer",
    "copulagan": "CopulaGANSynthesizer",
    "tvae": "TVAESynthesizer",
    "gaussian-copula": "GaussianCopulaSynthesizer",
}


def load(folder: Path, name: str) -> pd.DataFrame:
    df = pd.read_csv(folder / f"{name}.csv")
    df.columns = [c.strip() for c in df.columns]
    return df


def minority_label(df: pd.DataFrame, target: str = "Class"):
    return df[target].value_counts().idxmin()


# ====================================================================== metrics
def _design(frames: list[pd.DataFrame], target: str | None) -> list[np.ndarray]:
    """One-hot text columns over all frames together, so they share columns."""
    joined = pd.concat(frames, keys=range(len(frames)))
    if target is not None:
        joined = joined.drop(columns=[target])
    joined = pd.get_dummies(joined, dtype=float).astype(float).fillna(0.0)
    return [joined.xs(i).to_numpy() for i in range(len(frames))]


def c2st_auc(real: pd.DataFrame, fake: pd.DataFrame, seed: int = 0) -> float:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    Xr, Xf = _design([real.reset_index(drop=True), fake.reset_index(drop=True)], None)
    X = np.vstack([Xr, Xf])
    y = np.r_[np.zeros(len(Xr)), np.ones(len(Xf))]
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    clf = RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1)
    return float(np.mean(cross_val_score(clf, X, y, cv=folds, scoring="roc_auc")))


def pr_auc(train: pd.DataFrame, test: pd.DataFrame, positive, target: str = "Class", seed: int = 0) -> float:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import average_precision_score

    Xtr, Xte = _design([train.reset_index(drop=True), test.reset_index(drop=True)], target)
    clf = RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1)
    clf.fit(Xtr, (train[target] == positive).to_numpy())
    return float(average_precision_score((test[target] == positive).to_numpy(), clf.predict_proba(Xte)[:, 1]))


# ====================================================================== overhead
_CHILD = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
import torch
torch.set_num_threads(1)
import pandas as pd
mode, method, path, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
warm = sys.argv[6] == "1"  # fit once before the timed fit (first-call costs excluded on both sides)
df = pd.read_csv(path)
df.columns = [c.strip() for c in df.columns]
kw = {} if method == "gaussian-copula" else {"epochs": epochs}
if mode == "gensample":
    import gensample
    # Every library gensample's path uses is loaded before the clock, as sdv is on its side.
    import ctgan, rdt, sdv.single_table
    import gensample.fitted
    if warm:
        gensample.fit_generator(df, "Class", method, random_state=0, fit_on="all", verbose=False, min_rows=2, **kw)
    t = time.perf_counter()
    gen = gensample.fit_generator(df, "Class", method, random_state=0, fit_on="all", verbose=False, min_rows=2, **kw)
    assert set(gen.method_used.values()) == {method}, gen.fallback
    seconds = time.perf_counter() - t
else:
    import sdv.single_table as st
    from sdv.metadata import Metadata
    md = Metadata.detect_from_dataframes({"table": df}, infer_keys=None)
    synth = getattr(st, sys.argv[5])(md, **kw)
    if warm:
        getattr(st, sys.argv[5])(md, **kw).fit({"table": df})
    t = time.perf_counter()
    synth.fit({"table": df})
    seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def cmd_overhead(args) -> dict:
    path = Path(args.folder) / f"{args.set}.csv"
    rows = []
    for method in args.methods or ["ctgan", "copulagan", "tvae", "gaussian-copula"]:
        res = {}
        # Alternate the two sides and keep each side's fastest run: on a shared machine one
        # run of each is mostly a measurement of the neighbours' load.
        for _ in range(args.repeat):
            for mode in ("sdv", "gensample"):
                out = subprocess.run(
                    [sys.executable, "-c", _CHILD, mode, method, str(path), str(args.epochs), SDV_CLASSES[method],
                     "1" if args.warm else "0"],
                    capture_output=True, text=True, check=True,
                )
                run = json.loads(out.stdout.strip().splitlines()[-1])
                if mode not in res or run["seconds"] < res[mode]["seconds"]:
                    res[mode] = run
        row = {
            "method": method,
            "sdv_seconds": round(res["sdv"]["seconds"], 2),
            "gensample_seconds": round(res["gensample"]["seconds"], 2),
            "time_ratio": round(res["gensample"]["seconds"] / res["sdv"]["seconds"], 3),
            "sdv_peak_mb": round(res["sdv"]["max_rss_mb"]),
            "gensample_peak_mb": round(res["gensample"]["max_rss_mb"]),
            "memory_ratio": round(res["gensample"]["max_rss_mb"] / res["sdv"]["max_rss_mb"], 3),
        }
        print(row, flush=True)
        rows.append(row)
    return {"set": args.set, "epochs": args.epochs, "repeat": args.repeat, "warm": args.warm, "rows": rows}


# ====================================================================== wgan vs ctgan
WGAN_SETS = ["kddcup-buffer_overflow_vs_back", "kddcup-guess_passwd_vs_satan", "kddcup-land_vs_portsweep",
             "kddcup-land_vs_satan", "abalone-17_vs_7-8-9-10", "abalone-20_vs_8-9-10", "abalone-21_vs_8",
             "abalone-3_vs_11", "abalone19", "abalone9-18", "flare-F"]


def _ctgan_fit(real: pd.DataFrame, epochs: int, threads: int, seed: int) -> tuple[float, pd.DataFrame]:
    """sdv CTGAN fitted on ``real`` (seconds, as many synthetic rows), torch and numpy seeded."""
    import torch
    from sdv.metadata import Metadata
    from sdv.single_table import CTGANSynthesizer

    md = Metadata.detect_from_dataframes({"table": real}, infer_keys=None)
    synth = CTGANSynthesizer(md, epochs=epochs)
    old = torch.get_num_threads()
    if threads:  # same torch threads as gensample's (threads=1), for a fair clock
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    np.random.seed(seed)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        synth.fit({"table": real})
    seconds = time.perf_counter() - t
    torch.set_num_threads(old)
    out = synth.sample(len(real))
    return seconds, out["table"] if isinstance(out, dict) else out


def cmd_wgan(args) -> dict:
    import gensample

    rows = []
    # --reuse-ctgan: keep the CTGAN figures of the previous run (its 300 epochs take ~5 min a
    # seed) and measure WGAN-GP again, e.g. after changing its defaults.
    previous = {r["set"]: r for r in (_read("wgan") or {"rows": []})["rows"]} if args.reuse_ctgan else {}
    for name in args.sets or WGAN_SETS:
        df = load(Path(args.folder), name)
        pos = minority_label(df)
        real = df[df["Class"] == pos].reset_index(drop=True)
        n = len(real)
        ct_s, ct_a, wg_s, wg_a, steps = [], [], [], [], []
        for seed in args.seeds:
            if name not in previous:
                seconds, fake = _ctgan_fit(real, args.ctgan_epochs, args.ctgan_threads, seed)
                ct_s.append(seconds)
                ct_a.append(c2st_auc(real, fake, seed=seed))
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gen = gensample.fit_generator(df, "Class", "wgan-gp", random_state=seed, verbose=False, min_rows=2,
                                              fit_on="minority")  # as CTGAN: minority rows only
            wg_s.append(time.perf_counter() - t)
            wg_a.append(c2st_auc(real, gen.sample(n, random_state=seed), seed=seed))
            steps.append(gen.generator.models_[gen.schema.target.labels.index(pos)]["model"].info.get("steps_run"))
        if name in previous:
            ct_s, ct_a = previous[name]["ctgan_seconds_each"], previous[name]["ctgan_c2st_each"]
        row = {
            "set": name, "minority_rows": n, "columns": df.shape[1] - 1,
            "ctgan_seconds": round(float(np.mean(ct_s)), 1), "wgan_seconds": round(float(np.mean(wg_s)), 1),
            "time_ratio": round(float(np.mean(wg_s) / np.mean(ct_s)), 3),
            "ctgan_c2st": round(float(np.mean(ct_a)), 3), "wgan_c2st": round(float(np.mean(wg_a)), 3),
            "wgan_steps": steps,
            "ctgan_seconds_each": [round(x, 2) for x in ct_s], "ctgan_c2st_each": [round(x, 3) for x in ct_a],
            "wgan_c2st_each": [round(x, 3) for x in wg_a],
        }
        print(row, flush=True)
        rows.append(row)
    return {"ctgan_epochs": args.ctgan_epochs, "ctgan_threads": args.ctgan_threads or "torch default",
            "seeds": args.seeds, "rows": rows}


# ====================================================================== time to fidelity
TTF_LADDER = [1, 10, 25, 50, 100, 200, 400, 800, 1600]
#: How far below the independent-marginals baseline's C2ST AUC the target sits at least.
TTF_MARGIN = 0.05


def _clipped_mean(aucs) -> float:
    return float(np.mean(np.maximum(np.asarray(aucs, dtype=float), 0.5)))


def cmd_ttf(args) -> dict:
    """WGAN-GP trained for growing step budgets until its C2ST AUC (mean over seeds) reaches CTGAN's."""
    import gensample

    ctgan = {r["set"]: r for r in (_read("wgan") or {"rows": []})["rows"]}
    if not ctgan:
        raise SystemExit("run `bench_deep.py wgan` first: ttf reads CTGAN's figures from deep_wgan.json")
    rows = []
    # One fit before the clock: torch's import and first-call costs are not training time
    # (CTGAN's figures were taken after sdv, and torch with it, were imported).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gensample.fit_generator(load(Path(args.folder), WGAN_SETS[0]), "Class", "wgan-gp", verbose=False,
                                min_rows=2, steps=1, fit_on="minority")
    for name in args.sets or WGAN_SETS:
        df = load(Path(args.folder), name)
        pos = minority_label(df)
        real = df[df["Class"] == pos].reset_index(drop=True)
        n = len(real)
        ctgan_target = _clipped_mean(ctgan[name]["ctgan_c2st_each"])
        # Only fidelity the independent-marginals baseline does not reach on its own counts:
        # rows with every column resampled alone are as easy to make as one step of training
        # from a marginal prior, and say nothing about learning.
        from gensample.datasets import independent_marginals

        base = _clipped_mean([c2st_auc(real, independent_marginals(real, n, random_state=seed), seed=seed)
                              for seed in args.seeds])
        target = min(ctgan_target, base - TTF_MARGIN)
        row = {"set": name, "minority_rows": n, "ctgan_seconds": ctgan[name]["ctgan_seconds"],
               "ctgan_c2st": ctgan[name]["ctgan_c2st"], "ctgan_c2st_clipped": round(ctgan_target, 3),
               "marginals_c2st": round(base, 3), "target_c2st": round(target, 3), "ladder": []}
        for steps in TTF_LADDER:
            secs, aucs = [], []
            for seed in args.seeds:
                t = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    gen = gensample.fit_generator(df, "Class", "wgan-gp", random_state=seed, verbose=False,
                                                  min_rows=2, steps=steps, patience=0, fit_on="minority")
                secs.append(time.perf_counter() - t)
                aucs.append(c2st_auc(real, gen.sample(n, random_state=seed), seed=seed))
            # AUC below 0.5 is chance plus noise (or copies of real rows): counted as 0.5 per seed.
            seconds, auc = float(np.mean(secs)), _clipped_mean(aucs)
            row["ladder"].append({"steps": steps, "seconds": round(seconds, 3), "c2st": round(auc, 3),
                                  "c2st_each": [round(a, 3) for a in aucs]})
            if auc <= target and "wgan_steps" not in row:
                row.update(wgan_steps=steps, wgan_seconds=round(seconds, 3), wgan_c2st=round(auc, 3),
                           time_ratio=round(seconds / ctgan[name]["ctgan_seconds"], 4))
                if not args.full_ladder:
                    break
        if "wgan_steps" not in row:
            row.update(wgan_steps=None, wgan_seconds=None, wgan_c2st=None, time_ratio=None)
        print({k: v for k, v in row.items() if k != "ladder"}, [(r["steps"], r["c2st"]) for r in row["ladder"]],
              flush=True)
        rows.append(row)
    return {"ladder": TTF_LADDER, "seeds": args.seeds, "rows": rows}


# ====================================================================== modes / min_rows
MODE_SETS = ["pima", "yeast3", "vehicle0", "haberman", "car-good", "kr-vs-k-zero-one_vs_draw"]
# Training budgets of this measurement (stated in the README): the deep methods' defaults,
# except ctgan's fit_on="all" on whole tables, capped at 300 steps to fit the time budget.
MODE_PARAMS = {
    "wgan-gp": {},
    "gaussian-copula": {},
    "tvae": {},
    "ctgan": {"steps": 300},
    "copulagan": {"steps": 300},
}


def cmd_modes(args) -> dict:
    import gensample
    from sklearn.model_selection import train_test_split

    rows = []
    for split, name in itertools.product(args.splits, args.sets or MODE_SETS):
        df = load(Path(args.folder), name)
        pos = minority_label(df)
        # One stratified 70/30 split and one draw of the training minority per seed.
        train, test = train_test_split(df, test_size=0.3, stratify=df["Class"], random_state=split)
        for size in args.sizes:
            tr_pos = train[train["Class"] == pos]
            if size > len(tr_pos):
                continue
            tr = pd.concat([train[train["Class"] != pos], tr_pos.sample(size, random_state=split)])
            base = {"set": name, "size": size, "split": split}
            for method in ["smote"] + (args.methods or list(MODE_PARAMS)):
                for fit_on in (["-"] if method == "smote" else args.fit_on):
                    # The method itself, without the fidelity check and vs-smote gate (which would
                    # hand weak classes to SMOTE): these numbers decide min_rows.
                    params = {} if method == "smote" else {**MODE_PARAMS[method], "fit_on": fit_on, "verbose": False,
                                                           "min_rows": 2, "check": False, "gate": None}
                    t = time.perf_counter()
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            res = gensample.sample_minority(tr, "Class", method, random_state=split, **params)
                        score = pr_auc(res.augmented, test, pos, seed=split)
                        used = res.method_used
                    except Exception as exc:  # recorded, not hidden
                        score, used = float("nan"), f"error: {type(exc).__name__}: {exc}"
                    row = {**base, "method": method, "fit_on": fit_on, "pr_auc": round(score, 4),
                           "seconds": round(time.perf_counter() - t, 1), "method_used": used}
                    print(row, flush=True)
                    rows.append(row)
    return {"sizes": args.sizes, "splits": args.splits, "params": MODE_PARAMS, "rows": rows}


# ====================================================================== sweep
SWEEP_PARAMS = {
    "ctgan": {"epochs": 5},
    "copulagan": {"epochs": 5},
    "tvae": {"epochs": 5},
    "gaussian-copula": {},
    "wgan-gp": {"steps": 100},
    "arf": {},
    "forest-flow": {"n_t": 4, "max_iter": 10, "duplicate_k": 5},
}


def cmd_sweep(args) -> dict:
    import gensample

    rows = []
    files = sorted(p for p in Path(args.folder).glob("*.csv"))
    for path in files:
        df = load(path.parent, path.stem)
        for method in args.methods or [*DEEP, "arf", "forest-flow"]:
            t = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    extra = {"min_rows": args.min_rows} if args.min_rows else {}
                    if args.raw:  # the method's own rows: no fidelity check, no vs-smote gate
                        extra.update(check=False, gate=None)
                    res = gensample.sample_minority(df, "Class", method, random_state=0, verbose=False,
                                                    **SWEEP_PARAMS[method], **extra)
                syn = res.synthetic
                ok = bool((syn.dtypes == df.dtypes).all()) and all(
                    c["after"] == max(cc["before"] for cc in res.counts.values()) for c in res.counts.values()
                )
                row = {"set": path.stem, "method": method, "ok": ok, "method_used": res.method_used,
                       "fallback": res.fallback, "error": None}
            except Exception as exc:
                row = {"set": path.stem, "method": method, "ok": False, "method_used": None, "fallback": None,
                       "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=3)}
            row["seconds"] = round(time.perf_counter() - t, 2)
            print({k: v for k, v in row.items() if k != "trace"}, flush=True)
            rows.append(row)
    return {"params": SWEEP_PARAMS, "min_rows": args.min_rows, "raw": args.raw, "rows": rows}


# ====================================================================== summary
def cmd_summary(args) -> None:
    """Print markdown tables from the JSON files (what benchmarks/README.md quotes)."""
    # Later runs (e.g. after a default changed) replace earlier rows of the same cell.
    parts = [json.loads(p.read_text()) for p in sorted(OUT.glob("deep_modes*.json"), key=lambda p: p.stat().st_mtime)]
    if parts:
        df = pd.DataFrame([{"split": 0, **r} for part in parts for r in part["rows"]])
        df = df.drop_duplicates(subset=["set", "size", "split", "method", "fit_on"], keep="last")
        smote = df[df["method"] == "smote"].set_index(["set", "size", "split"])["pr_auc"]
        deep = df[df["method"] != "smote"].copy()
        deep["smote"] = [smote.get((r.set, r.size, r.split), np.nan) for r in deep.itertuples()]
        deep["win"] = deep["pr_auc"] >= deep["smote"]
        print("### fit_on and min_rows: downstream PR-AUC (mean over set x split), deep >= SMOTE on how many\n")
        sizes = sorted(deep["size"].unique())
        print("| method | fit_on | " + " | ".join(f"size {s}" for s in sizes) + " |")
        print("|---|---|" + "---|" * len(sizes))
        for (m, f), g in deep.groupby(["method", "fit_on"]):
            cells = []
            for s in sizes:
                h = g[g["size"] == s]
                cells.append(f"{h['pr_auc'].mean():.3f} ({int(h['win'].sum())}/{len(h)})" if len(h) else "-")
            print(f"| {m} | {f} | " + " | ".join(cells) + " |")
        sm = df[df["method"] == "smote"]
        print("| smote | - | " + " | ".join(f"{sm[sm['size'] == s]['pr_auc'].mean():.3f}" for s in sizes) + " |\n")
        deep["gap"] = deep["pr_auc"] - deep["smote"]
        print("Median PR-AUC gap to SMOTE (deep - SMOTE) over set x split, fit_on='minority', "
              "and the min_rows it gives (smallest size from which the median gap stays >= -0.02):\n")
        print("| method | " + " | ".join(f"{s} rows" for s in sizes) + " | min_rows rule |")
        print("|---|" + "---|" * len(sizes) + "---|")
        for m, g in deep[deep["fit_on"] == "minority"].groupby("method"):
            gaps = [g[g["size"] == s]["gap"].median() for s in sizes]
            ok = [not np.isnan(x) and x >= -0.02 for x in gaps]
            rule = next((f"{s}" for i, s in enumerate(sizes) if all(ok[i:])), f"> {sizes[-1]}")
            print(f"| {m} | " + " | ".join(f"{x:+.3f} (n={len(g[g['size'] == s])})" for x, s in zip(gaps, sizes))
                  + f" | {rule} |")
        print()
    wgan = _read("wgan")
    if wgan:
        df = pd.DataFrame(wgan["rows"])
        print(f"### WGAN-GP (defaults) against sdv CTGAN ({wgan['ctgan_epochs']} epochs, torch threads: "
              f"{wgan.get('ctgan_threads', 'torch default')}), minority rows only, seeds {wgan.get('seeds', [0])}\n")
        cols = ["set", "minority_rows", "columns", "ctgan_seconds", "wgan_seconds", "time_ratio", "ctgan_c2st_each",
                "wgan_c2st_each", "wgan_steps"]
        print(_markdown(df[[c for c in cols if c in df]]))
        if "ctgan_c2st_each" in df:
            ct = df["ctgan_c2st_each"].map(_clipped_mean)
            wg = df["wgan_c2st_each"].map(_clipped_mean)
            print(f"\ntotal: CTGAN {df['ctgan_seconds'].sum():.0f} s, WGAN-GP {df['wgan_seconds'].sum():.0f} s "
                  f"(ratio {df['wgan_seconds'].sum() / df['ctgan_seconds'].sum():.3f}); median time ratio "
                  f"{df['time_ratio'].median():.3f}; C2ST AUC (each seed clipped at 0.5) mean CTGAN {ct.mean():.3f}, "
                  f"WGAN-GP {wg.mean():.3f}; WGAN-GP as good or better on {int((wg <= ct).sum())}/{len(df)} sets\n")
    ttf = _read("ttf")
    if ttf and wgan:
        ct = {r["set"]: r for r in wgan["rows"]}
        print(f"### Time to reach CTGAN's fidelity, beyond the independent-marginals baseline (seeds "
              f"{ttf.get('seeds', [0])}, C2ST AUC per seed clipped at 0.5, then averaged)\n")
        print("target = min(CTGAN's C2ST, baseline's C2ST - " f"{TTF_MARGIN}" "): fidelity the baseline does not reach alone\n")
        print("| set | minority rows | CTGAN s | CTGAN C2ST | marginals C2ST | target | WGAN-GP steps | WGAN-GP s | "
              "WGAN-GP C2ST | time ratio | C2ST by steps |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        ratios, totals = [], [0.0, 0.0]
        for r in ttf["rows"]:
            if "target_c2st" not in r:
                continue  # a run from before the baseline was part of the target: not comparable
            target = r["target_c2st"]
            head = f"| {r['set']} | {r['minority_rows']} | {ct[r['set']]['ctgan_seconds']} | {r['ctgan_c2st_clipped']:.3f} | " \
                   f"{r['marginals_c2st']:.3f} | {target:.3f} |"
            hit = next((x for x in r["ladder"] if _clipped_mean(x["c2st_each"]) <= target), None)
            ladder = ", ".join(f"{x['steps']}: {_clipped_mean(x['c2st_each']):.2f}" for x in r["ladder"])
            if hit is None:
                print(f"{head} not reached | - | - | - | {ladder} |")
                continue
            ratio = hit["seconds"] / ct[r["set"]]["ctgan_seconds"]
            ratios.append(ratio)
            totals[0] += hit["seconds"]
            totals[1] += ct[r["set"]]["ctgan_seconds"]
            print(f"{head} {hit['steps']} | {hit['seconds']:.2f} | {_clipped_mean(hit['c2st_each']):.3f} | {ratio:.3f} | "
                  f"{ladder} |")
        if ratios:
            print(f"\nreached on {len(ratios)}/{len(ttf['rows'])} sets; median time ratio {np.median(ratios):.3f}, "
                  f"total {totals[0] / totals[1]:.3f}; ratio <= 0.1 on {sum(x <= 0.1 for x in ratios)} sets\n")
    over = _read("overhead")
    if over:
        print(f"### gensample against sdv called directly ({over['set']}, {over['epochs']} epochs, fit_on='all', "
              f"fastest of {over.get('repeat', 1)} runs each)\n")
        print(_markdown(pd.DataFrame(over["rows"])) + "\n")
    for name in ("sweep", "sweep_forced"):
        sweep = _read(name)
        if not sweep:
            continue
        df = pd.DataFrame(sweep["rows"])
        how = f"min_rows={sweep['min_rows']}" if sweep.get("min_rows") else "default min_rows"
        how += ", check=False, gate=None" if sweep.get("raw") else ", default check and gate"
        print(f"### Every KEEL set, every deep method ({how}, training budget {sweep['params']})\n")
        print("| method | sets | ran without error | checks passed | deep method used | fell back | total s |")
        print("|---|---|---|---|---|---|---|")
        for m, g in df.groupby("method", sort=False):
            print(f"| {m} | {len(g)} | {int(g['error'].isna().sum())} | {int(g['ok'].sum())} | "
                  f"{int((g['method_used'] == m).sum())} | {int(g['fallback'].notna().sum())} | {g['seconds'].sum():.0f} |")
        errors = df[df["error"].notna()]
        for r in errors.itertuples():
            print(f"- error: {r.method} on {r.set}: {r.error}")


def _markdown(df: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * df.shape[1]]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def _read(name: str):
    path = OUT / f"deep_{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("overhead")
    p.add_argument("folder")
    p.add_argument("--set", default="abalone19")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--repeat", type=int, default=3, help="runs per side; the fastest is kept")
    p.add_argument("--methods", nargs="*")
    p.add_argument("--warm", action="store_true", help="time a second fit in the same process")
    p = sub.add_parser("wgan")
    p.add_argument("folder")
    p.add_argument("--sets", nargs="*")
    p.add_argument("--ctgan-epochs", type=int, default=300)
    p.add_argument("--reuse-ctgan", action="store_true", help="reuse CTGAN's figures from the last run")
    p.add_argument("--ctgan-threads", type=int, default=1,
                   help="torch threads for sdv CTGAN (0: torch's default); gensample uses 1")
    p.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    p = sub.add_parser("ttf")
    p.add_argument("folder")
    p.add_argument("--sets", nargs="*")
    p.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--full-ladder", action="store_true", help="go on up the ladder after reaching CTGAN")
    p = sub.add_parser("modes")
    p.add_argument("folder")
    p.add_argument("--sets", nargs="*")
    p.add_argument("--methods", nargs="*")
    p.add_argument("--sizes", nargs="*", type=int, default=[10, 25, 50])
    p.add_argument("--splits", nargs="*", type=int, default=[0],
                   help="seeds of the train/test split and of the minority subsample")
    p.add_argument("--fit-on", nargs="*", default=["minority", "all"], choices=["minority", "all"])
    p = sub.add_parser("sweep")
    p.add_argument("folder")
    p.add_argument("--methods", nargs="*")
    p.add_argument("--min-rows", type=int, default=None,
                   help="override min_rows (2: run the deep method on every class it can take)")
    p.add_argument("--raw", action="store_true", help="check=False, gate=None: keep the deep method's own rows")
    sub.add_parser("summary")
    for p in sub.choices.values():
        p.add_argument("--name", default="", help="suffix of the JSON file name (keeps earlier runs)")
    args = parser.parse_args()
    if args.cmd == "summary":
        cmd_summary(args)
        return
    started = time.perf_counter()
    result = {"overhead": cmd_overhead, "wgan": cmd_wgan, "ttf": cmd_ttf, "modes": cmd_modes, "sweep": cmd_sweep}[args.cmd](args)
    result["command"] = "python benchmarks/bench_deep.py " + " ".join(sys.argv[1:])
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    OUT.mkdir(exist_ok=True)
    path = OUT / f"deep_{args.cmd}{args.name}.json"
    path.write_text(json.dumps(result, indent=1, default=str))
    print(f"wrote {path} in {result['seconds']} s")


if __name__ == "__main__":
    main()
