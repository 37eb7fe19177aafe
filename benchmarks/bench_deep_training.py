"""Deep methods trained to their potential: dependency gap and detection AUC on a planted table.

For each minority size n and seed: ``gensample.datasets.planted.planted_table(n)`` (n minority
rows with linear, U-shaped, skewed, category-band and integer dependencies, 10 % missing cells
in ``x4``; 9n majority rows, at most 20,000, under another law) is given to
``sample_minority`` at the method's defaults (``check=False, gate=None``), which generates
1,000 minority rows. They are compared with 1,000 *fresh* minority rows of the same law
(another seed: never seen by any method):

* dependency gap: ``gensample.fidelity.structure.dependency_gap(fresh, synthetic)`` (mean
  |association difference| over the 28 pairs: Spearman, bias-corrected Cramer's V, eta);
* detection AUC: ``gensample.fidelity.evaluate(fresh, synthetic).detection["auc"]`` (C2ST);
* fit time (wall, torch threads=1) and the deep model's steps run / planned, best step.

Baselines: ``smote`` (gensample's) and ``independent``
(``datasets.independent_marginals`` of the training minority rows: right marginals, no
dependencies).

Run (results: one JSON line per cell appended to benchmarks/out/deep_training.jsonl)::

    OMP_NUM_THREADS=1 python benchmarks/bench_deep_training.py --sizes 200 1000 --seeds 0 \\
        --methods smote independent ctgan tvae copulagan
    # a variant: --param ctgan:pac=2 --tag pac2
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

N_GENERATED = 1000
N_FRESH = 1000


_CAPTURED: list = []


def _capture_model_info() -> None:
    """Record each deep model's ``gs_info`` after fit (sample_minority does not return the model)."""
    from gensample.generators import deep as deep_module

    if getattr(deep_module.DeepGenerator.fit, "_bench", False):
        return
    original = deep_module.DeepGenerator.fit

    def fit(self, table, codes, rng):
        out = original(self, table, codes, rng)
        for entry in self.models_.values():
            info = getattr(entry["model"], "gs_info", None) or getattr(entry["model"], "info", None)
            if info:
                _CAPTURED.append(dict(info))
        return out

    fit._bench = True
    deep_module.DeepGenerator.fit = fit


def run_cell(method: str, n: int, seed: int, params: dict) -> dict:
    import torch

    import gensample
    import gensample.fidelity

    torch.set_num_threads(1)
    _capture_model_info()
    _CAPTURED.clear()
    from gensample.datasets.planted import planted_table
    from gensample.datasets import independent_marginals
    from gensample.fidelity import structure

    table = planted_table(n, random_state=seed)
    fresh = planted_table(N_FRESH, n_majority=1, random_state=10_000 + seed)
    fresh = fresh[fresh["y"] == 1].drop(columns="y").reset_index(drop=True)
    minority = table[table["y"] == 1].drop(columns="y").reset_index(drop=True)
    info, t0 = {}, time.perf_counter()
    if method == "independent":
        synth = independent_marginals(minority, N_GENERATED, random_state=seed)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = gensample.sample_minority(
                table, "y", method, sampling_strategy={1: n + N_GENERATED}, random_state=seed,
                check=False, gate=None, **({"verbose": False} if method != "smote" else {}), **params,
            )
        synth = res.synthetic.drop(columns="y").reset_index(drop=True)
        assert res.method_used == method, (res.method_used, res.fallback)
    seconds = time.perf_counter() - t0
    if _CAPTURED:
        model_info = _CAPTURED.pop()
        info = {k: model_info.get(k) for k in ("steps_run", "steps_planned", "best_step", "best_score",
                                                "stopped_early", "holdout_rows", "batch_size", "pac")}
    gap = structure.dependency_gap(fresh, synth)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = gensample.fidelity.evaluate(fresh, synth, random_state=seed)
    auc = report.detection.get("auc")
    return {"method": method, "n_minority": n, "seed": seed, "params": params, "dependency_gap": round(gap, 4),
            "detection_auc": None if auc is None else round(float(auc), 4), "seconds": round(seconds, 1), **info}


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
