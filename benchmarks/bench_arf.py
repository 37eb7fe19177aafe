"""ARF (adversarial random forest) against SMOTE and independent marginals: structure, time, KEEL.

Three measurements, each a sub-command; each prints what it measured, on what data, and writes
a JSON file to ``benchmarks/out/``.

``planted``
    On :func:`gensample.datasets.planted.planted_table` (minority rows with a known dependency
    structure: two x1 modes, x2 linear in x1, x3 U-shaped in x1, a skewed x4, noise x5, a band
    category fixed by x1, a bounded count rising with x2), for each minority size of
    ``--sizes`` and seed of ``--seeds``: ``sample_minority(..., sampling_strategy={1: 2n})``
    makes n new minority rows with arf (``fit_on`` minority and all), smote, and
    :func:`~gensample.datasets.independent_marginals` resamples each column of the
    training minority alone. Each is scored against *held-out* real minority rows (another
    draw of ``planted_table`` with seed ``1000 + seed``) by
    :func:`~gensample.fidelity.structure.dependency_gap`: the Spearman-only gap over the numeric
    pairs, and the default mix (Spearman, Cramer's V, eta). ``real`` is the training minority
    itself against the held-out rows: the noise floor at that size. Time is the whole
    ``sample_minority`` call (fit and sample), one thread. ``dcr ratio``: median distance of
    each new row to its nearest training-minority row over the same for held-out real rows
    (:func:`~gensample.fidelity.structure.holdout_dcr_ratio`; below 1: closer to the training
    rows than new real rows are, i.e. interpolation or memorisation). ``--held N`` scores against N
    held-out rows instead (a steadier reference for small sizes); ``--arms`` replaces the
    compared arms (``label=method:param=value,...``), e.g. to compare ARF settings.
``time``
    Fit time of ``gensample.fit_generator(..., "arf")`` on one class of 5000 rows x 10 numeric
    columns (the first 10 features of ``/work/shared/datasets/larger/satimage.csv``), default
    parameters, one thread, per seed: wall-clock and CPU seconds of this process (the two
    differ when other jobs share the cores).
``modes``
    Downstream PR-AUC with ``bench_deep.py modes``'s protocol (its six KEEL sets, one
    stratified 70/30 split and one draw of the training minority per seed of ``--splits``,
    the minority cut to ``--sizes`` rows, a 100-tree random forest scored on the test split),
    arf (``fit_on`` minority and all, ``min_rows=2``) against SMOTE. Decides ``min_rows`` and
    ``fit_on`` the way the deep methods' were decided.
``check``
    Every KEEL set, arf (``min_rows=2``) and smote with ``check=True``: how many sets'
    fidelity reports pass, show mode collapse, show copies of real rows (for arf, family
    "forest", ``sample_minority`` only reports; it replaces rows only for deep methods).
``keel``
    Every KEEL set: ``sample_minority(df, "Class", "arf", random_state=0)`` at the defaults
    (fallback on), checked with ``bench_keel_family.check`` (dtypes, whole in-range integers,
    only observed categories, originals untouched, exact counts). On each set the minority is
    also split in halves (seeded; sets whose half has at least 10 rows): arf (``min_rows=2``,
    so its own rows) and smote are fitted with one half (and all majority rows) and their new
    rows, with the independent-marginals baseline, are scored against the other half by the
    Spearman/V/eta dependency gap and the distance-to-closest-record ratio.

Reproduce (one core; times in the README)::

    nice -n 10 python benchmarks/bench_arf.py planted --sizes 200 1000 --seeds 0 1 2
    nice -n 10 python benchmarks/bench_arf.py planted --sizes 10 25 50 100 --seeds 0 1 2 3 4 \
        --held 2000 --arms arf=arf smote=smote --out-name planted_small
    nice -n 10 python benchmarks/bench_arf.py time /work/shared/datasets/larger/satimage.csv --seeds 0 1 2
    nice -n 10 python benchmarks/bench_arf.py keel /work/shared/datasets/keel
    nice -n 10 python benchmarks/bench_arf.py keel /work/shared/datasets/keel --fit-on all --skip-gaps --out-name keel_all
    nice -n 10 python benchmarks/bench_arf.py modes /work/shared/datasets/keel --sizes 10 25 50 100
    nice -n 10 python benchmarks/bench_arf.py check /work/shared/datasets/keel
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
import warnings
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
import pandas as pd

import gensample

OUT = Path(__file__).resolve().parent / "out"


def _quiet_sample(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gensample.sample_minority(*args, **kwargs)


def _gaps(real, synth, categorical=None):
    from gensample.fidelity.structure import dependency_gap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "spearman": dependency_gap(real, synth, categorical, measures=("spearman",)),
            "mixed": dependency_gap(real, synth, categorical),
        }


def _dcr(train, synth, held):
    """Median distance of new rows to their nearest training row over that of held-out real rows."""
    from gensample.fidelity.structure import holdout_dcr_ratio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return holdout_dcr_ratio(train, synth, held, random_state=0)["ratio"]


# ====================================================================== planted
ARMS = {
    "arf": ("arf", {"verbose": False}),
    "arf-all": ("arf", {"verbose": False, "fit_on": "all"}),
    "smote": ("smote", {}),
}


def _arms(specs) -> dict:
    """``label=method:k=v,k=v`` strings (values parsed as JSON, else kept as text) -> arms."""
    if not specs:
        return ARMS
    arms = {}
    for spec in specs:
        label, _, rest = spec.partition("=")
        method, _, kv = rest.partition(":")
        params = {"verbose": False} if method == "arf" else {}
        for item in filter(None, kv.split(",")):
            k, _, v = item.partition("=")
            try:
                params[k] = json.loads(v)
            except json.JSONDecodeError:
                params[k] = v
        arms[label] = (method, params)
    return arms


def planted(args) -> dict:
    from gensample.datasets.planted import planted_table
    from gensample.datasets import independent_marginals

    arms = _arms(args.arms)
    rows = []
    for n in args.sizes:
        for seed in args.seeds:
            train = planted_table(n, random_state=seed)
            held = planted_table(args.held or n, n_majority=10, random_state=1000 + seed)
            held_min = held[held["y"] == 1].drop(columns="y").reset_index(drop=True)
            train_min = train[train["y"] == 1].drop(columns="y").reset_index(drop=True)
            entry = {"n_minority": n, "seed": seed, "real": _gaps(held_min, train_min)}
            marg = independent_marginals(train_min, n, random_state=seed)
            entry["marginals"] = {**_gaps(held_min, marg), "dcr_ratio": _dcr(train_min, marg, held_min)}
            for arm, (method, params) in arms.items():
                started = time.perf_counter()
                result = _quiet_sample(train, "y", method, sampling_strategy={1: 2 * n}, random_state=seed, **params)
                seconds = time.perf_counter() - started
                synth = result.synthetic.drop(columns="y").reset_index(drop=True)
                entry[arm] = {**_gaps(held_min, synth), "seconds": seconds, "rows": len(synth),
                              "dcr_ratio": _dcr(train_min, synth, held_min)}
            rows.append(entry)
            print(json.dumps(entry), flush=True)
    summary = {}
    for n in args.sizes:
        sel = [r for r in rows if r["n_minority"] == n]
        summary[n] = {
            arm: {k: float(np.mean([r[arm][k] for r in sel])) for k in sel[0][arm]}
            for arm in ("real", "marginals", *arms)
        }
    print("\nmean over seeds", args.seeds, "(dependency gap to held-out real minority rows; lower is better)")
    print(f"{'n':>6s} {'arm':10s} {'spearman':>9s} {'mixed':>7s} {'seconds':>8s} {'dcr ratio':>9s}")
    for n, arms in summary.items():
        for arm, v in arms.items():
            print(f"{n:6d} {arm:10s} {v['spearman']:9.3f} {v['mixed']:7.3f} {v.get('seconds', float('nan')):8.2f} "
                  f"{v.get('dcr_ratio', float('nan')):9.3f}")
    return {"rows": rows, "summary": summary}


# ====================================================================== time
def timing(args) -> dict:
    data = pd.read_csv(args.csv)
    feats = [c for c in data.columns if c != "Class"][:10]
    out = []
    for seed in args.seeds:
        rng = np.random.default_rng(seed)
        rows = rng.choice(len(data), size=args.rows, replace=False)
        cls = data.iloc[rows][feats].reset_index(drop=True)
        # A second, smaller class so the table has a target; only class "a" is fitted.
        other = data.drop(index=data.index[rows])[feats].reset_index(drop=True)
        frame = pd.concat([cls.assign(target="a"), other.assign(target="b")], ignore_index=True)
        started, cpu = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = gensample.fit_generator(frame, "target", "arf", sampling_strategy={"a": 2 * args.rows},
                                             random_state=seed, verbose=False)
        fit_s, fit_cpu = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        made = fitted.sample(args.rows, random_state=seed)
        sample_s = time.perf_counter() - started
        info = fitted.generator.models_[0]["model"].info if 0 in fitted.generator.models_ else {}
        entry = {"seed": seed, "rows": args.rows, "columns": len(feats), "fit_seconds": fit_s, "fit_cpu_seconds": fit_cpu,
                 "sample_seconds": sample_s, "sampled": len(made), **info}
        out.append(entry)
        print(json.dumps(entry), flush=True)
    return {"csv": str(args.csv), "runs": out}


# ====================================================================== keel
class _Skip(Exception):
    """--skip-gaps: leave the held-out comparison out."""


def keel(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_keel_family import check

    from gensample.datasets import independent_marginals

    files = sorted(Path(args.folder).glob("*.csv"))
    if args.limit:
        files = files[: args.limit]
    out = []
    for path in files:
        data = pd.read_csv(path)
        entry = {"set": path.stem, "rows": len(data)}
        started = time.perf_counter()
        try:
            result = _quiet_sample(data, "Class", "arf", random_state=0, verbose=False, fit_on=args.fit_on)
            entry["problems"] = check(data, result, "arf")
            used = result.method_used
            entry["method_used"] = {str(k): v for k, v in used.items()} if isinstance(used, dict) else str(used)
        except Exception as exc:  # a crash is a failure to report, not a reason to stop
            entry["problems"] = [f"raised {type(exc).__name__}: {exc}"]
            traceback.print_exc(limit=3)
        entry["seconds"] = time.perf_counter() - started
        # Structure against held-out minority rows.
        try:
            if args.skip_gaps:
                raise _Skip
            counts = data["Class"].value_counts()
            minority = counts.idxmin()
            idx = np.flatnonzero((data["Class"] == minority).to_numpy())
            rng = np.random.default_rng(0)
            rng.shuffle(idx)
            half = len(idx) // 2
            if half >= 10:
                held = data.iloc[idx[:half]].drop(columns="Class").reset_index(drop=True)
                train = data.drop(index=data.index[idx[:half]]).reset_index(drop=True)
                train_min = train[train["Class"] == minority].drop(columns="Class").reset_index(drop=True)
                n = len(held)
                target = {minority: len(train_min) + n}
                marg = independent_marginals(train_min, n, random_state=0)
                gaps = {"marginals": {**_gaps(held, marg), "dcr_ratio": _dcr(train_min, marg, held)},
                        "real": _gaps(held, train_min)}
                for arm, method in (("arf", "arf"), ("smote", "smote")):
                    # min_rows=2: the method's own rows on every set, not SMOTE's through the policy.
                    params = {"verbose": False, "min_rows": 2} if method == "arf" else {}
                    t0 = time.perf_counter()
                    res = _quiet_sample(train, "Class", method, sampling_strategy=target, random_state=0, **params)
                    synth = res.synthetic.drop(columns="Class").reset_index(drop=True)
                    gaps[arm] = {**_gaps(held, synth), "seconds": time.perf_counter() - t0,
                                 "dcr_ratio": _dcr(train_min, synth, held)}
                entry["gaps"] = gaps
        except _Skip:
            pass
        except Exception as exc:
            entry["gap_error"] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc(limit=3)
        out.append(entry)
        status = "FAIL " + "; ".join(entry["problems"]) if entry["problems"] else "ok"
        g = entry.get("gaps")
        extra = (f" gap arf {g['arf']['mixed']:.3f} smote {g['smote']['mixed']:.3f} marg {g['marginals']['mixed']:.3f}"
                 if g else "")
        print(f"{path.stem:40s} {entry['seconds']:6.2f}s {status}{extra}", flush=True)
    fails = [e for e in out if e["problems"]]
    with_gaps = [e for e in out if "gaps" in e]
    summary = {"sets": len(out), "failures": len(fails), "failed": [e["set"] for e in fails]}
    if with_gaps:
        for measure in ("spearman", "mixed"):
            vals = {arm: np.array([e["gaps"][arm][measure] for e in with_gaps], dtype=float)
                    for arm in ("real", "marginals", "arf", "smote")}
            ok = np.isfinite(vals["arf"]) & np.isfinite(vals["smote"])
            summary[measure] = {
                "sets_scored": int(ok.sum()),
                **{f"median_{arm}": float(np.nanmedian(v[ok])) for arm, v in vals.items()},
                "arf_below_smote": int((vals["arf"][ok] < vals["smote"][ok]).sum()),
                "arf_below_marginals": int((vals["arf"][ok] < vals["marginals"][ok]).sum()),
            }
    if with_gaps:
        dcr = {arm: np.array([e["gaps"][arm].get("dcr_ratio") or np.nan for e in with_gaps], dtype=float)
               for arm in ("marginals", "arf", "smote")}
        summary["dcr_ratio_median"] = {arm: float(np.nanmedian(v)) for arm, v in dcr.items()}
    print(json.dumps(summary, indent=1))
    return {"runs": out, "summary": summary}


# ====================================================================== check
def fidelity_check(args) -> dict:
    """How often ``check=True``'s fidelity report flags arf's rows, and SMOTE's, on KEEL."""
    files = sorted(Path(args.folder).glob("*.csv"))
    if args.limit:
        files = files[: args.limit]
    out = []
    for path in files:
        data = pd.read_csv(path)
        for method in ("arf", "smote"):
            params = {"verbose": False, "min_rows": 2} if method == "arf" else {}
            entry = {"set": path.stem, "method": method}
            try:
                res = _quiet_sample(data, "Class", method, random_state=0, check=True, **params)
                f = res.fidelity
                entry.update(passed=bool(f.passed), mode_collapse=bool(f.mode_collapse),
                             copies=bool(f.copies_detected))
            except Exception as exc:  # recorded, not hidden
                entry["error"] = f"{type(exc).__name__}: {exc}"
            out.append(entry)
            print(json.dumps(entry), flush=True)
    frame = pd.DataFrame(out)
    summary = {}
    for method, g in frame.groupby("method"):
        ok = g[g.get("error").isna()] if "error" in g else g
        summary[method] = {"sets": len(g), "errors": len(g) - len(ok), "passed": int(ok["passed"].sum()),
                           "mode_collapse": int(ok["mode_collapse"].sum()), "copies": int(ok["copies"].sum())}
    print(json.dumps(summary, indent=1))
    return {"runs": out, "summary": summary}


# ====================================================================== modes / min_rows
def modes(args) -> dict:
    """bench_deep's ``modes`` protocol (same sets, split, minority draw, classifier) for arf."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_deep import MODE_SETS, load, minority_label, pr_auc
    from sklearn.model_selection import train_test_split

    rows = []
    for split in args.splits:
        for name in args.sets or MODE_SETS:
            df = load(Path(args.folder), name)
            pos = minority_label(df)
            train, test = train_test_split(df, test_size=0.3, stratify=df["Class"], random_state=split)
            for size in args.sizes:
                tr_pos = train[train["Class"] == pos]
                if size > len(tr_pos):
                    continue
                tr = pd.concat([train[train["Class"] != pos], tr_pos.sample(size, random_state=split)])
                for arm, fit_on in (("smote", None), *(("arf", f) for f in args.fit_on)):
                    params = {} if arm == "smote" else {"fit_on": fit_on, "verbose": False, "min_rows": 2}
                    started = time.perf_counter()
                    try:
                        res = _quiet_sample(tr, "Class", arm, random_state=split, **params)
                        score, used = pr_auc(res.augmented, test, pos, seed=split), res.method_used
                    except Exception as exc:  # recorded, not hidden
                        score, used = float("nan"), f"error: {type(exc).__name__}: {exc}"
                    row = {"set": name, "size": size, "split": split, "method": arm, "fit_on": fit_on or "-",
                           "pr_auc": round(score, 4), "seconds": round(time.perf_counter() - started, 2),
                           "method_used": used}
                    print(json.dumps(row, default=str), flush=True)
                    rows.append(row)
    frame = pd.DataFrame(rows)
    smote = frame[frame["method"] == "smote"].set_index(["set", "size", "split"])["pr_auc"]
    arf = frame[frame["method"] == "arf"].copy()
    arf["gap"] = [r.pr_auc - smote.get((r.set, r.size, r.split), np.nan) for r in arf.itertuples()]
    summary = {}
    print("\nPR-AUC gap to SMOTE (arf - smote), median over set x split; mean PR-AUC; arf >= smote count")
    for (fit_on, size), g in arf.groupby(["fit_on", "size"]):
        sm = frame[(frame["method"] == "smote") & (frame["size"] == size)]["pr_auc"]
        summary[f"{fit_on}/{size}"] = {
            "median_gap": float(g["gap"].median()), "mean_arf": float(g["pr_auc"].mean()),
            "mean_smote": float(sm.mean()), "arf_at_least_smote": int((g["gap"] >= 0).sum()), "cells": len(g),
            "median_seconds": float(g["seconds"].median()),
        }
        v = summary[f"{fit_on}/{size}"]
        print(f"fit_on={fit_on:8s} size={size:4d} gap {v['median_gap']:+.3f}  arf {v['mean_arf']:.3f} "
              f"smote {v['mean_smote']:.3f}  arf>=smote {v['arf_at_least_smote']}/{v['cells']}  "
              f"{v['median_seconds']:.1f}s")
    return {"rows": rows, "summary": summary}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("planted")
    p.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--held", type=int, default=0,
                   help="held-out real minority rows (default: as many as the training minority)")
    p.add_argument("--arms", nargs="+", default=None,
                   help="label=method:k=v,... (default: arf, arf fit_on=all, smote)")
    p.add_argument("--out-name", default="planted", help="JSON file name under benchmarks/out (arf_NAME.json)")
    p = sub.add_parser("time")
    p.add_argument("csv", type=Path)
    p.add_argument("--rows", type=int, default=5000)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p = sub.add_parser("keel")
    p.add_argument("folder", type=Path)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--fit-on", default="minority", choices=["minority", "all"], help="fit_on of the checked run")
    p.add_argument("--skip-gaps", action="store_true", help="only the guarantees, no held-out comparison")
    p.add_argument("--out-name", default="keel", help="JSON file name under benchmarks/out (arf_NAME.json)")
    p = sub.add_parser("check")
    p.add_argument("folder", type=Path)
    p.add_argument("--limit", type=int, default=0)
    p = sub.add_parser("modes")
    p.add_argument("folder", type=Path)
    p.add_argument("--sets", nargs="*")
    p.add_argument("--sizes", type=int, nargs="+", default=[10, 25, 50, 100])
    p.add_argument("--splits", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--fit-on", nargs="+", default=["minority", "all"], choices=["minority", "all"])
    args = parser.parse_args(argv)
    print(f"gensample {gensample.__version__}; command: python {' '.join(sys.argv)}", flush=True)
    result = {"planted": planted, "time": timing, "keel": keel, "modes": modes, "check": fidelity_check}[args.cmd](args)
    OUT.mkdir(exist_ok=True)
    path = OUT / f"arf_{getattr(args, 'out_name', args.cmd)}.json"
    path.write_text(json.dumps({"command": " ".join(sys.argv), **result}, indent=1, default=str))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
