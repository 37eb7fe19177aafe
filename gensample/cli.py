"""The ``gensample`` command: a thin shell over the Python API.

It parses, calls, prints. A :class:`~gensample.errors.GensampleError` becomes one line on
stderr and exit code 2 (``--verbose`` shows the traceback); anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
import traceback
import warnings
from pathlib import Path

from . import __version__
from .cliargs import parse_params, parse_strategy, profile_line
from .errors import GensampleError

EXIT_USER_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(only=_command_of(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        with warnings.catch_warnings():
            # Decisions are printed by the commands themselves; don't repeat them as warnings.
            # (`methods` takes no decision, and importing the generators would load numpy.)
            if args.handler is not cmd_methods:
                from .generators.base import GensampleWarning

                warnings.simplefilter("ignore", GensampleWarning)
            return int(args.handler(args) or 0)
    except GensampleError as exc:
        if getattr(args, "verbose", False):
            traceback.print_exc()
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OSError as exc:
        # The file system refused something the user named (a read-only --out folder, a full
        # disk, a file without read permission): the user's to fix, so one line, not a bug.
        if getattr(args, "verbose", False):
            traceback.print_exc()
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        print(f"error: cannot use{where}: {exc.strerror or exc}; check the path and its permissions", file=sys.stderr)
        return EXIT_USER_ERROR
    except MemoryError:
        # The size guards (gensample.checks.check_size) estimate before allocating; this is
        # the backstop when an estimate fell short.
        print(f"error: gensample {args.command} ran out of memory; ask for fewer rows (--strategy, --n) "
              "or use a smaller table", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _one_line(exc: BaseException) -> str:
    """The error's message on one line (a multi-line message would read as several errors)."""
    return " ".join(str(exc).split())


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors are one line on stderr and exit code 2.

    argparse prints the whole usage block before its message; the promise of the command is
    one line per user error, so the line names the command's ``--help`` instead.
    """

    def error(self, message: str):  # noqa: D102  (argparse's hook)
        print(f"error: {self.prog}: {' '.join(message.split())}; see `{self.prog} --help`", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``gensample`` argument parser.

    Parameters
    ----------
    only : str, optional
        The command about to run. The commands in :data:`LAZY_COMMANDS` import their
        package (the fidelity measures, scikit-learn's classifiers) to build their options;
        with ``only`` given, those other than ``only`` get a placeholder that shows their
        one-line help in ``gensample --help`` and nothing else, so that ``gensample --help``
        and ``gensample methods`` answer without importing them. None builds every command.
    """
    parser = _Parser(
        prog="gensample",
        description="Synthetic minority rows for imbalanced tables: generate, check, compare, export.",
    )
    parser.add_argument("--version", action="version", version=f"gensample {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("methods", help="list the registered methods")
    p.add_argument("--verbose", action="store_true", help="show tracebacks of errors")
    p.set_defaults(handler=cmd_methods)

    p = sub.add_parser("sample", help="generate minority rows and write the augmented table")
    p.add_argument("input", help="input table (.csv, .tsv, .parquet)")
    p.add_argument("--target", required=True, help="name of the class column")
    p.add_argument("--method", default="smote", help="method name (see `gensample methods`); default smote")
    p.add_argument("--strategy", default="auto",
                   help="auto | minority | not minority | all | a ratio such as 0.5 | LABEL:COUNT,LABEL:COUNT")
    p.add_argument("--seed", type=int, default=None, help="random seed (same seed, same rows)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a method parameter, e.g. --param k_neighbors=3 (repeatable)")
    p.add_argument("--categorical", default=None, help="comma-separated columns to treat as categorical")
    p.add_argument("--no-fallback", action="store_true",
                   help="fail instead of falling back to SMOTE when the method cannot make the rows; the default "
                        "gate and check then only report their verdict (--gate vs-smote / --check make it binding)")
    p.add_argument("--check", dest="check", action="store_true", default=None,
                   help="fidelity-check the new rows (default for deep methods)")
    p.add_argument("--no-check", dest="check", action="store_false", help="skip the fidelity check")
    p.add_argument("--gate", default="auto", choices=["auto", "vs-smote", "none"],
                   help="vs-smote gate for deep methods: keep the method unless its rows train a worse classifier "
                        "than SMOTE's in inner cross-validation (auto: on for deep methods; the verdict is printed)")
    p.add_argument("--out", required=True, help="output file (.csv or .parquet); provenance JSON is written beside it")
    p.add_argument("--flag-synthetic", action="store_true", help="add a boolean column is_synthetic")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when the final fidelity check of a class fails (the rows are still written, "
                        "as `gensample check` writes its report); without it the failure is a warning on stderr")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("--verbose", action="store_true", help="show tracebacks of errors")
    from .scale.cli import add_arguments as _scale_arguments  # issue 13: --backend, --scheduler, --batch-rows

    _scale_arguments(p)
    p.set_defaults(handler=cmd_sample)

    p = sub.add_parser("demo", help="run the main job on a bundled dataset (no network)")
    p.add_argument("--dataset", default="abalone9-18", help="bundled dataset (see gensample.datasets.names())")
    p.add_argument("--method", default="smote", help="method name; default smote")
    p.add_argument("--out", default=None, help="output file; default ./gensample-demo-DATASET.csv")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--verbose", action="store_true", help="show tracebacks of errors")
    p.set_defaults(handler=cmd_demo)

    _add_optional_commands(sub, only)
    return parser


#: Commands whose parser lives beside the feature it drives, in a package that is slow to
#: import: command -> (module, function adding the sub-parser, the sub-parser's help). The
#: help is repeated here for ``gensample --help``; tests/test_imports.py checks it is the same.
LAZY_COMMANDS = {
    "check": ("gensample.fidelity.cli", "add_check_command",
              "check synthetic rows against the real rows of their class (fidelity, mode collapse, copies)"),
    "compare": ("gensample.evaluation.cli", "add_compare_command",
                "compare methods and baselines by downstream classifiers, fidelity and cost"),
}


def _add_optional_commands(sub, only: str | None) -> None:
    """Commands whose code lives beside the feature it drives (fidelity, fitted models, compare)."""
    from .fitted_cli import add_fit_commands  # light: its command functions import what they use

    for name, (module, function, help_text) in LAZY_COMMANDS.items():
        if name == "compare":  # keep the listing's order: check, fit, generate, compare
            add_fit_commands(sub)
        if only is None or only == name:
            getattr(importlib.import_module(module), function)(sub)
        else:
            sub.add_parser(name, help=help_text, add_help=False)


def _command_of(argv: list[str]) -> str:
    """The command word of ``argv`` (the first argument not starting with "-"), or ""."""
    # Top-level options (--help, --version) take no value, so the first other word is the command.
    return next((a for a in argv if not a.startswith("-")), "")


# ============================================================================ commands
def cmd_methods(args) -> int:
    kinds = ["numeric", "categorical", "mixed", "missing"]
    rows = []
    for r in _method_rows():
        handles = "/".join(k for k in kinds if r[k])
        rows.append((r["name"], r["family"], handles, "yes" if r["multiclass"] else "no", str(r["min_rows"]), r["description"]))
    header = ("method", "family", "handles", "multi-class", "min rows", "description")
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(5)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells[:5], widths)) + "  " + cells[5]  # noqa: E731
    print(line(header))
    print(line(tuple("-" * w for w in widths) + ("-" * 11,)))
    for row in rows:
        print(line(row))
    return 0


def _method_rows() -> list[dict]:
    """The rows of ``registry.methods()``, from the catalog when no plugin is installed.

    The catalog lists the built-ins without importing them (numpy, scikit-learn,
    imbalanced-learn); a third-party method's attributes are only known by loading it, so
    with plugins installed the registry lists everything.
    """
    from importlib.metadata import entry_points

    from .generators.catalog import BUILTIN_INFO

    if any(ep.name not in BUILTIN_INFO for ep in entry_points(group="gensample.generators")):
        from .registry import methods

        return methods().to_dict(orient="records")
    rows = []
    for name, info in BUILTIN_INFO.items():
        rows.append({"name": name, "family": info.family, "description": info.description,
                     **{k: k in info.handles for k in ("numeric", "categorical", "mixed", "missing")},
                     "multiclass": info.multiclass, "min_rows": info.min_rows, "source": "builtin"})
    return rows


#: Exit code of ``gensample sample --strict`` when a final fidelity check failed (as ``gensample check``).
EXIT_CHECK_FAILED = 1


def cmd_sample(args) -> int:
    from .generators.base import FidelityWarning

    # sample_minority warns a failed final check (FidelityWarning); main() silences gensample's
    # warnings because commands print their decisions, so catch these here and say them below,
    # on both paths (in memory and streamed).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FidelityWarning)
        code, path = _sample(args)
    failed = []
    for w in caught:
        if issubclass(w.category, FidelityWarning):
            failed.append(w.message)
        else:  # not ours to hold back: warned again, through the filters as they would have been
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return _say_failed_checks(args, path, failed) or code


def _say_failed_checks(args, path, failed: list) -> int:
    """One line on stderr per class whose final check failed; EXIT_CHECK_FAILED under --strict."""
    if not failed:
        return 0
    words = ["gensample", "check", str(args.input), str(path), "--target", str(args.target)]
    words += ["--categorical", args.categorical] if args.categorical else []
    check = "`" + " ".join(map(shlex.quote, words)) + "`"
    for w in failed:
        if args.strict:
            print(f"error: {w.line}. The rows were written to {path}; --strict: exit code 1 "
                  f"(full report: {check})", file=sys.stderr)
        else:
            print(f"warning: {w.line}. The rows were written to {path} all the same: full report: {check}; "
                  "try another --method or fewer rows (--strategy); --strict makes a failed check exit 1",
                  file=sys.stderr)
    return EXIT_CHECK_FAILED if args.strict else 0


def _sample(args) -> tuple[int, Path | None]:
    from .io import export, read_table
    from .sampling import sample_minority

    from .scale import cli as scale_cli  # issue 13: Parquet inputs stream, --backend dask

    if scale_cli.applies(args):
        return scale_cli.cmd_sample(args), Path(args.out)
    data = read_table(args.input)
    params = parse_params(args.param)
    categorical = [c.strip() for c in args.categorical.split(",")] if args.categorical else None
    if args.target in data.columns:
        print(profile_line(data[args.target], data.drop(columns=[args.target])))
    strategy = parse_strategy(args.strategy, data[args.target] if args.target in data.columns else None)
    result = sample_minority(
        data, args.target, method=args.method, sampling_strategy=strategy, random_state=args.seed,
        categorical=categorical, fallback=not args.no_fallback, check=args.check,
        gate=None if args.gate == "none" else args.gate, **params,
    )
    path = export(result, args.out, flag_synthetic=args.flag_synthetic, overwrite=args.force)
    print(result.summary())
    print(f"wrote {path} ({len(result.kept_original)} original + {len(result.synthetic)} synthetic rows)")
    print(f"provenance: {path}.provenance.json")
    return 0, path


def cmd_demo(args) -> int:
    from . import datasets
    from .io import export
    from .sampling import sample_minority

    info = datasets.info(args.dataset)
    data = datasets.load(args.dataset)
    out = Path(args.out or f"gensample-demo-{args.dataset}.csv")
    print(f"dataset: {info.name} ({info.kind}, bundled) - {info.description}")
    print(profile_line(data[info.target], data.drop(columns=[info.target])))
    result = sample_minority(data, info.target, method=args.method, random_state=args.seed)
    existed = out.exists()
    path = export(result, out, flag_synthetic=True, overwrite=True)
    print(result.summary())
    print(f"{'overwrote' if existed else 'wrote'} {path} ({len(result.kept_original)} original + "
          f"{len(result.synthetic)} synthetic rows, column is_synthetic marks the new ones)")
    print(f"provenance: {path}.provenance.json")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
