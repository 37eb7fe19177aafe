"""``gensample compare``: the command-line face of :func:`gensample.evaluation.compare`.

The lead's :mod:`gensample.cli` calls :func:`add_compare_command` to register the command;
GensampleError raised here becomes one line on stderr and exit code 2 there.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import ExportError, ParameterError


def add_compare_command(subparsers) -> None:
    """Register ``compare`` on an ``argparse`` sub-parser collection."""
    from .backends import BACKENDS
    from .classifiers import CLASSIFIERS
    from .metrics import LABEL_METRICS, METRICS

    p = subparsers.add_parser(
        "compare",
        help="compare methods and baselines by downstream classifiers, fidelity and cost",
        description=(
            "Repeated stratified k-fold: each method oversamples the training fold only; classifiers trained on "
            "the result are scored on the untouched test fold. The baselines none (no resampling), class-weight "
            "and threshold (tuned decision threshold) are always included."
        ),
    )
    p.add_argument("input", help="input table (.csv, .tsv, .parquet)")
    p.add_argument("--target", required=True, help="name of the class column")
    p.add_argument("--methods", default="smote",
                   help="comma-separated remedies: gensample methods (see `gensample methods`), under-samplers "
                        "(random-under, tomek, enn, nearmiss-1/2/3, one-sided-selection, neighbourhood-cleaning), "
                        "ensembles (balanced-rf, easy-ensemble, rusboost, balanced-bagging, smote-bagging) and "
                        "combinations such as smote+class-weight, smote+threshold, random-under+prior; default smote")
    p.add_argument("--costs", default=None, metavar="fn=N,fp=M",
                   help="cost matrix of a two-class target, e.g. fn=10,fp=1: adds expected_cost (per row, at the "
                        "cost-minimising threshold) as a metric and a column")
    p.add_argument("--classifiers", default="lr,rf,hgb",
                   help="comma-separated: " + ", ".join(f"{k} ({v})" for k, v in CLASSIFIERS.items()) + "; default lr,rf,hgb")
    p.add_argument("--folds", type=int, default=5, help="folds of stratified k-fold; default 5")
    p.add_argument("--repeats", type=int, default=2, help="repeats of the k-fold; default 2")
    p.add_argument("--metric", default="pr_auc", choices=(*METRICS, "expected_cost"), metavar="METRIC",
                   help=f"metric to sort by and judge with: {', '.join(METRICS)}, expected_cost (with --costs); "
                        "auto judges its candidates by it unless --param auto:metric=... says otherwise; "
                        "default pr_auc")
    p.add_argument("--seed", type=int, default=0, help="run seed (every fold/model seed derives from it); default 0")
    p.add_argument("--beta", type=float, default=2.0, help="beta of the F-beta score; default 2")
    p.add_argument("--threshold-metric", default="f1", choices=LABEL_METRICS, metavar="METRIC",
                   help="label metric the decision threshold is tuned for; default f1")
    p.add_argument("--no-tune", action="store_true",
                   help="score methods at the classifier's own threshold only (the threshold baseline is still tuned)")
    p.add_argument("--inner-folds", type=int, default=3, help="inner folds of threshold tuning; default 3")
    p.add_argument("--strategy", default="auto", help="sampling strategy, as for `gensample sample`; default auto")
    p.add_argument("--categorical", default=None, help="comma-separated columns to treat as categorical")
    p.add_argument("--param", action="append", default=[], metavar="METHOD:NAME=VALUE",
                   help="a method parameter, e.g. --param smote:k_neighbors=3 (repeatable)")
    p.add_argument("--no-fidelity", action="store_true", help="skip the per-fold fidelity reports")
    p.add_argument("--backend", default="loky", choices=BACKENDS,
                   help="where the grid runs: loky (local processes, default), sequential, threading, dask")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address (tcp://host:8786) for --backend dask; default: a LocalCluster")
    p.add_argument("--n-jobs", type=int, default=None, help="parallel jobs / LocalCluster workers; default 1 (loky)")
    p.add_argument("--out", default=None, help="HTML report to write (self-contained)")
    p.add_argument("--json", default=None, help="JSON file with every fold's numbers and the settings")
    p.add_argument("--force", action="store_true", help="overwrite existing report files")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--verbose", action="store_true", help="show tracebacks of errors")
    p.set_defaults(handler=run_compare)


def run_compare(args) -> int:
    """Run ``gensample compare`` for parsed ``args``; returns the exit code (0)."""
    from ..cliargs import parse_strategy
    from ..io import read_table
    from .compare import compare
    from .profile import imbalance_profile

    outputs = [Path(p) for p in (args.out, args.json) if p]
    for path in outputs:
        if path.exists() and not args.force:
            raise ExportError(f"{path} exists; pass --force to overwrite it")
        if not path.parent.exists():
            raise ExportError(f"the folder of {path} does not exist")
    data = read_table(args.input)
    if args.target in data.columns:
        print(imbalance_profile(data[args.target], data.drop(columns=[args.target])).line(), flush=True)
    strategy = parse_strategy(args.strategy, data[args.target] if args.target in data.columns else None)
    categorical = [c.strip() for c in args.categorical.split(",")] if args.categorical else None
    result = compare(
        data, args.target, methods=args.methods, classifiers=args.classifiers, folds=args.folds,
        repeats=args.repeats, metric=args.metric, seed=args.seed, beta=args.beta,
        tune_threshold=not args.no_tune, threshold_metric=args.threshold_metric, inner_folds=args.inner_folds,
        sampling_strategy=strategy, categorical=categorical, method_params=parse_method_params(args.param),
        fidelity=not args.no_fidelity, backend=args.backend, n_jobs=args.n_jobs, scheduler=args.scheduler,
        progress=not args.no_progress, costs=args.costs,
    )
    # The profile line was printed before the run, so the user sees it while waiting.
    print(result.table(color=sys.stdout.isatty(), profile=args.target not in data.columns))
    if args.out:
        print(f"wrote {result.to_html(args.out)}")
    if args.json:
        print(f"wrote {result.to_json(args.json)}")
    return 0


def parse_method_params(items: list[str]) -> dict:
    """``["smote:k_neighbors=3"]`` -> ``{"smote": {"k_neighbors": 3}}``."""
    from ..cliargs import parse_params

    out: dict = {}
    for item in items:
        method, sep, rest = item.partition(":")
        if not sep or not method.strip() or "=" not in rest:
            raise ParameterError(f"--param expects METHOD:NAME=VALUE, e.g. smote:k_neighbors=3; got {item!r}")
        out.setdefault(method.strip(), {}).update(parse_params([rest]))
    return out
