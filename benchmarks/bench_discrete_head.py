"""The discrete head, paired: the same fitted model sampled with its head and without it.

A method with a discrete head (forest-flow, wgan-gp: ``discrete="classifier"``) is fitted once
per split of ``bench_deep_structure`` (planted tables or a real class; held-out minority rows
as the only reference) through :func:`gensample.fit_generator`; its rows are then drawn twice
with the same seed: as fitted, and with the head removed, so the discrete columns come from the
model itself (the flow's largest coordinate, the generator's softmax). The numbers of the two
samples come from the same noise, so the difference is the head's alone. SMOTE and the
independent-marginals baseline are measured on the same splits.

    python benchmarks/bench_discrete_head.py --method wgan-gp --sizes 1000,5000 --seeds 0,1,2 --out benchmarks/out/head_wgan.jsonl
    python benchmarks/bench_discrete_head.py --table --out benchmarks/out/head_wgan.jsonl

Each line of ``--out`` is one (split, variant); reruns skip the lines already there.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_deep_structure as structure  # noqa: E402

VARIANTS = ("with head", "without head")
FIELDS = ("gap", "gap_spearman", "gap_eta", "band_rule", "auc", "coverage", "dcr")


def fitted_pair(split, method: str) -> list[dict]:
    """Records of one split: the method with and without its head, then the two references."""
    import gensample

    base = {"dataset": split.dataset, "size": split.size, "seed": split.seed, "n_train": split.n_train,
            "n_holdout": len(split.holdout)}
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = gensample.fit_generator(
            split.train_table, split.target, method, random_state=split.seed, verbose=False,
            sampling_strategy={split.minority: split.n_train + split.n_synthetic}, fallback=False,
        )
    fit_seconds = time.perf_counter() - started
    out = []
    for variant in VARIANTS:
        if variant == "without head":
            for entry in fitted.generator.models_.values():
                entry["model"].head = None
        rows = fitted.sample(split.n_synthetic, random_state=split.seed).drop(columns=[split.target])
        record = {**base, "method": f"{method} ({variant})", "fit_seconds": round(fit_seconds, 1)}
        record.update(structure.measure(split, rows.reset_index(drop=True)))
        out.append(record)
    for reference in ("smote", "independent-marginals"):
        out.append({**base, **structure.run_cell(split, reference)})
    return out


def _mean(values):
    values = [v for v in values if v is not None and v == v]
    return (float(np.mean(values)), float(np.std(values))) if values else (float("nan"), float("nan"))


def table(records: list[dict]) -> str:
    groups: dict = {}
    for r in records:
        groups.setdefault((r["dataset"], r["size"], r["method"]), []).append(r)
    lines = ["| set | rows | method | seeds | dep. gap | ÷ SMOTE | Spearman gap | eta gap | band rule | C2ST AUC | coverage | DCR ratio |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    smote = {(r["dataset"], r["size"], r["seed"]): r["gap"] for r in records if r["method"] == "smote"}
    for (dataset, size, method), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        ratio = _mean([r["gap"] / smote[(dataset, size, r["seed"])] for r in rs if (dataset, size, r["seed"]) in smote])
        cells = []
        for field in FIELDS:
            m, sd = _mean([r.get(field) for r in rs])
            cells.append("-" if m != m else (f"{m:.3f} ± {sd:.3f}" if field in ("gap", "auc") else f"{m:.3f}"))
        lines.append(f"| {dataset} | {size} | {method} | {len(rs)} | {cells[0]} | {ratio[0]:.2f} | "
                     + " | ".join(cells[1:]) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--method", default="forest-flow")
    ap.add_argument("--sizes", default="1000")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--real", default="", help="comma-separated real sets instead of the planted table (e.g. satimage)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--table", action="store_true", help="print the table of --out and exit")
    args = ap.parse_args(argv)
    done = [json.loads(line) for line in args.out.read_text().splitlines()] if args.out.exists() else []
    if args.table:
        print(table(done))
        return 0
    seen = {(r["dataset"], r["size"], r["seed"], r["method"]) for r in done}
    seeds = [int(s) for s in args.seeds.split(",")]
    splits = ([(name, seed) for name in args.real.split(",") for seed in seeds] if args.real
              else [(int(size), seed) for size in args.sizes.split(",") for seed in seeds])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # The code this process runs is the code at its start: stamp that, not the tree at each write.
    commit = structure._commit()
    for what, seed in splits:
        split = structure.real_split(what, seed) if args.real else structure.planted_split(what, seed)
        if (split.dataset, split.size, seed, f"{args.method} (with head)") in seen:
            continue
        for record in fitted_pair(split, args.method):
            record["commit"] = commit
            with args.out.open("a") as f:
                f.write(json.dumps(record, default=structure._json) + "\n")
            print(record["dataset"], record["size"], record["seed"], record["method"],
                  {k: record.get(k) for k in FIELDS}, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
