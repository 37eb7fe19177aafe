"""``gensample fit`` and ``gensample generate``: train a deep generator once, sample it later.

::

    gensample fit data.csv --target Class --method wgan-gp --out models/abalone
    gensample generate models/abalone --n 1000 --out rows.csv

``fit`` prints which method serves each class (and why, when the SMOTE family replaced the
deep method) and the model's SHA-256, which ``generate --sha256`` checks before reading the
folder; ``generate`` writes the rows and ``<out>.provenance.json`` beside them, which
records the model card's method, per-class method and fallback reasons.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path

from .errors import ExportError, ParameterError


def add_fit_commands(subparsers) -> None:
    """Add ``fit`` and ``generate`` to the ``gensample`` command's subparsers."""
    p = subparsers.add_parser("fit", help="train a deep generator and save it to a folder (default models/)")
    p.add_argument("input", help="input table (.csv, .tsv, .parquet)")
    p.add_argument("--target", required=True, help="name of the class column")
    p.add_argument("--method", default="wgan-gp", help="a method that fits a model: wgan-gp, ctgan, copulagan, tvae, gaussian-copula, arf")
    p.add_argument("--strategy", default="auto", help="which classes to fit and how many rows `generate` makes by default")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (a method parameter)")
    p.add_argument("--fit-on", choices=("minority", "all"), default=None,
                   help="train on the class's rows only, or on the whole table with the class as a condition")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a method parameter, e.g. --param batch_size=64 (repeatable)")
    p.add_argument("--categorical", default=None, help="comma-separated columns to treat as categorical")
    p.add_argument("--seed", type=int, default=None, help="random seed of the training")
    p.add_argument("--no-fallback", action="store_true", help="fail instead of falling back to SMOTE")
    p.add_argument("--out", default=None, help="folder to save into; default models/METHOD-INPUTNAME")
    p.add_argument("--force", action="store_true", help="replace a saved generator already in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--verbose", action="store_true", help="show tracebacks of errors")
    p.set_defaults(handler=cmd_fit)

    p = subparsers.add_parser("generate", help="sample rows from a generator saved by `gensample fit`")
    p.add_argument("model", help="folder written by `gensample fit` (e.g. models/NAME)")
    p.add_argument("--n", type=int, default=None, help="rows to make (default: the counts planned at fit time)")
    p.add_argument("--class", dest="label", default=None, help="make rows of this class only")
    p.add_argument("--seed", type=int, default=None, help="random seed (same seed, same rows)")
    p.add_argument("--out", required=True, help="output file (.csv or .parquet); provenance JSON is written beside it")
    p.add_argument("--trust", action="store_true",
                   help="allow loading a pickled model (ctgan, copulagan, tvae, gaussian-copula); "
                        "unpickling runs code from the file, so only for folders you trust")
    p.add_argument("--sha256", default=None, metavar="HEX",
                   help="the model's digest that `gensample fit` printed: the folder is refused, before anything "
                        "in it is read or unpickled, unless its model.json has exactly this SHA-256")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None,
                   help="where the networks run (default: where they were trained, or the CPU when no GPU is here)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("--verbose", action="store_true", help="show tracebacks of errors")
    p.set_defaults(handler=cmd_generate)


def cmd_fit(args) -> int:
    from .cliargs import parse_params, parse_strategy
    from .fitted import MODELS_DIR, fit_generator
    from .io import read_table

    data = read_table(args.input)
    params = parse_params(args.param)
    if args.epochs is not None:
        params["epochs"] = args.epochs
    if args.fit_on is not None:
        params["fit_on"] = args.fit_on
    if args.quiet:
        params["verbose"] = False
    categorical = [c.strip() for c in args.categorical.split(",")] if args.categorical else None
    strategy = parse_strategy(args.strategy, data[args.target] if args.target in data.columns else None)
    out = Path(args.out) if args.out else Path(MODELS_DIR) / f"{args.method}-{_stem(args.input)}"
    if out.exists() and any(out.iterdir()) and not args.force:  # fail before training, not after
        raise ExportError(f"{out} already holds files; pass --force to replace it or choose another --out")
    gen = fit_generator(
        data, args.target, args.method, sampling_strategy=strategy, random_state=args.seed,
        categorical=categorical, fallback=not args.no_fallback, **params,
    )
    folder = gen.save(out, overwrite=args.force)
    print(gen.summary())
    print(f"saved {folder} (model card: {folder / 'model.json'})")
    print(f"model SHA-256: {folder.sha256}")
    print("  keep it apart from the folder; `--sha256` refuses any folder that is not this model")
    trust = " --trust" if gen.generator.pickles else ""
    print(f"generate rows with: gensample generate {folder} --n 1000 --out rows.csv{trust} --sha256 {folder.sha256}")
    return 0


def cmd_generate(args) -> int:
    from .checks import check_size
    from .fitted import load_generator
    from .io import provenance_path, table_format, versions
    from .utils import atomic_write, file_sha256

    import warnings

    from .persistence import IntegrityWarning, check_digest

    digest = check_digest(args.sha256, "--sha256")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IntegrityWarning)
        gen = load_generator(args.model, trust=args.trust, device=args.device, sha256=digest)
    for w in caught:  # everything but the integrity note goes on as it came
        if not issubclass(w.category, IntegrityWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if any(issubclass(w.category, IntegrityWarning) for w in caught):
        print(f"note: {args.model} holds a pickle, loaded on --trust without --sha256: the digests inside the "
              "folder only detect accidental corruption, not tampering; pass the --sha256 that `gensample fit` "
              "printed to be sure it is the model you saved", file=sys.stderr)
    label = _match_label(args.label, gen.classes) if args.label is not None else None
    if args.n is not None and args.n < 0:
        raise ParameterError(f"--n must be a non-negative integer, got {args.n}")
    # Refuse before generating: a count that cannot fit would end in a MemoryError (or a
    # full disk) after minutes of work. Without --n the saved plan sets the count.
    if args.n is not None:
        n_total, what = args.n, f"--n {args.n}"
    else:
        n_total = gen.plan[label] if label is not None else sum(gen.plan.values())
        what = "the saved plan (no --n)"
    check_size(gen.schema, n_total, what=what, out=args.out,
               shrink="ask for fewer rows (--n) and run generate again with another --seed to append more")
    rows = gen.sample(args.n, random_state=args.seed, label=label)
    path = Path(args.out)
    fmt = table_format(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise ExportError(f"the folder {str(folder)!r} does not exist; create it first")
    if not args.force:
        for p in (path, provenance_path(path)):
            if p.exists():
                raise ExportError(f"{str(p)!r} already exists; pass --force to replace it")

    def write(tmp: Path) -> None:
        if fmt == "csv":
            rows.to_csv(tmp, index=False, sep="\t" if path.name.lower().endswith(".tsv") else ",")
        else:
            rows.to_parquet(tmp, index=False)

    atomic_write(path, write, args.force)
    model = Path(args.model)
    target = gen.schema.target.name
    counts = rows[target].value_counts(sort=False)
    record = {
        "format": "gensample-provenance/1",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "generator": {"folder": str(model.resolve()), "model_json_sha256": gen.sha256,
                      "created": gen.created, "trained_on": {str(k): v for k, v in gen.trained_on.items()}},
        "method": gen.method,
        "method_used": {str(k): v for k, v in gen.method_used.items()},
        "fallback": {str(k): v for k, v in gen.fallback.items()},
        "params": json.loads(json.dumps(gen.params, default=str)),
        "random_state": args.seed,
        "counts": {str(k): int(v) for k, v in counts.items()},
        "output": {"path": str(path.resolve()), "sha256": file_sha256(path), "rows": int(len(rows))},
        "versions": versions(),
    }
    payload = json.dumps(record, indent=2, default=str).encode("utf-8")
    atomic_write(provenance_path(path), lambda tmp: tmp.write_bytes(payload), overwrite=True)
    print(gen.summary())
    for k, v in counts.items():
        print(f"  generated {int(v)} row(s) of class {k!r}")
    print(f"wrote {path} ({len(rows)} synthetic rows)")
    print(f"provenance: {provenance_path(path)}")
    return 0


def _stem(path: str) -> str:
    name = Path(path).name
    for suffix in (".csv.gz", ".csv", ".tsv", ".parquet", ".pq"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(path).stem


def _match_label(text: str, labels: list):
    """The fitted label whose text is ``text`` (labels may be ints or bools in the data)."""
    for label in labels:
        if str(label) == text:
            return label
    raise ParameterError(f"--class {text!r} is not a fitted class; this generator makes: {', '.join(map(str, labels))}")
