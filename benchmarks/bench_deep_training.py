"""Deep methods trained to their potential: dependency gap and detection AUC on a planted table.

For each minority size n and seed: a planted table (``benchmarks/_planted_local.py``: n
minority rows with linear, U-shaped, category-band and integer dependencies, 10 % missing
cells in one column; 3n majority rows under another law) is given to ``sample_minority`` at
the method's defaults (``check=False, gate=None``), which generates 1,000 minority rows. The
rows are compared with 1,000 *fresh* minority rows of the same law (never seen by any method):

* dependency gap: mean over the 10 column pairs of |statistic(synthetic) - statistic(fresh)|,
  Spearman's rho for the 6 numeric pairs, the correlation ratio (eta, on ranks) for the 4
  category-numeric pairs (pairwise-complete rows);
* detection AUC: ``gensample.fidelity.evaluate(fresh, synthetic).detection["auc"]`` (C2ST);
* fit time (wall, torch threads=1) and the deep model's steps run / planned, best step.

Baselines: ``smote`` (gensample's), and ``independent`` (each column of the training minority
rows resampled alone: right marginals, no dependencies).

Run (results: one JSON line per cell in benchmarks/out/deep_training.jsonl)::

    OMP_NUM_THREADS=1 python benchmarks/bench_deep_training.py --sizes 200 1000 --seeds 0 \\
        --methods smote independent ctgan tvae copulagan
    # a variant: --param ctgan:pac=1 --tag pac1
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _planted_local import planted_table  # noqa: E402

NUMERIC = ["x1", "x2", "x3", "count"]
CATEGORY = "band"
N_GENERATED = 1000
N_FRESH = 1000


def _ranks(x: pd.Series) -> np.ndarray:
    return x.rank().to_numpy(dtype=float)


def _eta(cat: pd.Series, num: pd.Series) -> float:
    """Correlation ratio of ranks of ``num`` on ``cat``: share of rank variance between categories."""
    ok = num.notna() & cat.notna()
    r = _ranks(num[ok])
    groups = cat[ok].to_numpy()
    total = ((r - r.mean()) ** 2).sum()
    if total <= 0:
        return 0.0
    between = sum(len(r[groups == g]) * (r[groups == g].mean() - r.mean()) ** 2 for g in np.unique(groups))
    return float(np.sqrt(between / total))


def dependencies(df: pd.DataFrame) -> dict:
    out = {}
    for a, b in combinations(NUMERIC, 2):
        ok = df[a].notna() & df[b].notna()
        out[f"{a}~{b}"] = float(pd.Series(_ranks(df.loc[ok, a])).corr(pd.Series(_ranks(df.loc[ok, b]))))
    for a in NUMERIC:
        out[f"{CATEGORY}~{a}"] = _eta(df[CATEGORY], df[a])
    return out


def gap(synth: pd.DataFrame, fresh: pd.DataFrame) -> tuple[float, float, float]:
    ds, df_ = dependencies(synth), dependencies(fresh)
    diffs = {k: abs(np.nan_to_num(ds[k]) - df_[k]) for k in df_}
    spear = [v for k, v in diffs.items() if not k.startswith(CATEGORY)]
    cat = [v for k, v in diffs.items() if k.startswith(CATEGORY)]
    return float(np.mean(list(diffs.values()))), float(np.mean(spear)), float(np.mean(cat))


def independent(minority: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: minority[c].to_numpy()[rng.integers(0, len(minority), n)] for c in minority.columns})


_CAPTURED: list = []


def _capture_model_info() -> None:
    """Record each deep model's ``gs_info`` after fit (sample_minority does not return the model)."""
    from gensample.generators import _deep

    if getattr(_deep.DeepGenerator.fit, "_bench", False):
        return
    original = _deep.DeepGenerator.fit

    def fit(self, table, codes, rng):
        out = original(self, table, codes, rng)
        for entry in self.models_.values():
            info = getattr(entry["model"], "gs_info", None) or getattr(entry["model"], "info", None)
            if info:
                _CAPTURED.append(dict(info))
        return out

    fit._bench = True
    _deep.DeepGenerator.fit = fit


def run_cell(method: str, n: int, seed: int, params: dict) -> dict:
    import torch

    import gensample
    import gensample.fidelity

    torch.set_num_threads(1)
    _capture_model_info()
    _CAPTURED.clear()
    table = planted_table(n, random_state=seed)
    fresh = planted_table(N_FRESH, n_majority=0, random_state=10_000 + seed).drop(columns="Class")
    minority = table[table["Class"] == "positive"].drop(columns="Class")
    info, t0 = {}, time.perf_counter()
    if method == "independent":
        synth = independent(minority, N_GENERATED, seed)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = gensample.sample_minority(
                table, "Class", method, sampling_strategy={"positive": n + N_GENERATED}, random_state=seed,
                check=False, gate=None, **({"verbose": False} if method != "smote" else {}), **params,
            )
        synth = res.synthetic.drop(columns="Class")
        assert res.method_used == method, (res.method_used, res.fallback)
    seconds = time.perf_counter() - t0
    if _CAPTURED:
        model_info = _CAPTURED.pop()
        info = {k: model_info.get(k) for k in ("steps_run", "steps_planned", "best_step", "best_score",
                                                "stopped_early", "holdout_rows", "batch_size", "pac")}
    total, spear, cat = gap(synth, fresh)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = gensample.fidelity.evaluate(fresh, synth, categorical=[CATEGORY], random_state=seed)
    return {"method": method, "n_minority": n, "seed": seed, "params": params, "dependency_gap": round(total, 4),
            "spearman_gap": round(spear, 4), "category_gap": round(cat, 4),
            "detection_auc": None if report.detection.get("auc") is None else round(float(report.detection["auc"]), 4),
            "seconds": round(seconds, 1), **info}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--methods", nargs="+", default=["smote", "independent", "ctgan", "tvae", "copulagan"])
    parser.add_argument("--param", action="append", default=[], help="method:key=value (value read as JSON)")
    parser.add_argument("--tag", default="")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "out" / "deep_training.jsonl"))
    args = parser.parse_args()
    extra: dict = {}
    for item in args.param:
        method, kv = item.split(":", 1)
        key, value = kv.split("=", 1)
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass
        extra.setdefault(method, {})[key] = value
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    for n in args.sizes:
        for seed in args.seeds:
            for method in args.methods:
                row = {"tag": args.tag, **run_cell(method, n, seed, extra.get(method, {}))}
                print(json.dumps(row), flush=True)
                with open(args.out, "a") as fh:
                    fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
