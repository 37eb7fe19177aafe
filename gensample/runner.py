"""The per-class runner: the one place where a generator meets a table's rows.

``sample_minority``, ``fit_generator`` and the gates of :mod:`gensample.selection.gate` all
run methods through it::

    runner = Runner(data, schema, rng, allow_fallback=True)
    outcome = runner.run(generator, {class code: rows}, decisions)   # {code: ClassOutcome}

For each call it

1. encodes the rows the generator needs (the planned classes', or every row when
   :meth:`~gensample.generators.base.Generator.needs_all_rows_for` says so) and fills their
   missing cells class by class, each from its nearest donor (:func:`gensample.missing.impute`);
2. runs the generator through :func:`invoke`, which tells a training failure (the model's
   library raising, NaN or infinite losses or rows, :class:`~gensample.errors.TrainingError`)
   from a bug in the method (any other exception: :class:`~gensample.errors.PluginError`
   naming the method, the original chained);
3. on a training failure, asks :func:`gensample.policy.after_failure` for the replacement and
   runs it for the failed classes;
4. gives each new row the missing-cell pattern of a random real row of its class and decodes
   the rows to the user's dtypes.

Every decision and note is collected on the runner (``runner.notes``, in the order taken) and
put on the result by the caller, who warns them once: no process-wide warning capture, so
calls running in threads side by side keep their own notes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import policy, registry
from .decisions import Decision, describe_error
from .errors import GensampleError, GenerationError, ParameterError, PluginError, TrainingError
from .generators.base import Generated, Generator
from .missing import impute
from .schema import EncodedTable, TableSchema


class LibraryFailure(TrainingError):
    """A training failure :func:`invoke` recognised in an exception the method did not wrap.

    ``original`` is that exception (also the ``__cause__``); decisions describe it, not this
    wrapper.
    """

    def __init__(self, original: BaseException):
        super().__init__(describe_error(original))
        self.original = original


def invoke(gen: Generator, fn, *args):
    """Call ``fn(*args)`` (a method of ``gen``) and sort what it raises.

    Returns what ``fn`` returns. A :class:`~gensample.errors.GensampleError` passes as it is
    (a :class:`~gensample.errors.TrainingError` included). Any other exception is a training
    failure (raised as :class:`LibraryFailure`) when it is a ``FloatingPointError`` (the loss
    checks of the deep methods), an exception type of another library (numpy's
    ``LinAlgError``, torch's out-of-memory error, sdv's errors), or raised from a frame
    outside gensample and outside the method's own package (inside sdv, ctgan, torch,
    scikit-learn). Everything else is a bug in the method: :class:`~gensample.errors.PluginError`.
    """
    try:
        return fn(*args)
    except GensampleError:
        raise
    except Exception as exc:
        if is_training_failure(exc, type(gen)):
            raise LibraryFailure(exc) from exc
        raise PluginError(
            f"method {gen.name!r} ({type(gen).__module__}.{type(gen).__qualname__}) raised "
            f"{describe_error(exc)}; this is a bug in the method, not a property of the data (a method "
            "whose training fails raises gensample.errors.TrainingError, which falls back to SMOTE)",
            method=gen.name,
        ) from exc


def is_training_failure(exc: BaseException, cls: type) -> bool:
    """Whether ``exc``, raised by a method of class ``cls``, is a failure of its training (see :func:`invoke`)."""
    if isinstance(exc, (TrainingError, FloatingPointError)):
        return True
    own = {"gensample", cls.__module__.partition(".")[0]}
    if type(exc).__module__.partition(".")[0] not in own | {"builtins"}:
        return True
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    origin = str(tb.tb_frame.f_globals.get("__name__", "")).partition(".")[0]
    return origin not in own


def needs_all_rows(gen: Generator, schema: TableSchema) -> bool:
    """Whether ``gen`` learns from every class's rows on a table of ``schema``."""
    return bool(gen.needs_all_rows or gen.needs_all_rows_for(schema))


def check_finite(made: Generated, name: str) -> None:
    """Non-finite new rows mean the training diverged: a training failure."""
    if made.numeric.size and not np.isfinite(made.numeric).all():
        raise LibraryFailure(FloatingPointError(f"{name} produced non-finite values (training diverged)"))


def check_codes(made: Generated, gen: Generator, schema: TableSchema) -> None:
    """Category codes outside a column's categories are a bug in the method: PluginError naming it.

    The schema would refuse them too when decoding (never clipping them into a category);
    checking here names the method at fault.
    """
    if not made.categorical.size:
        return
    sizes = np.array([len(c.categories) for c in schema.categorical])
    low, high = made.categorical.min(axis=0), made.categorical.max(axis=0)
    bad = np.flatnonzero((low < 0) | (high >= sizes))
    if len(bad):
        spec = schema.categorical[int(bad[0])]
        code = int(low[bad[0]]) if low[bad[0]] < 0 else int(high[bad[0]])
        raise PluginError(
            f"method {gen.name!r} ({type(gen).__module__}.{type(gen).__qualname__}) returned category code {code} "
            f"for column {spec.name!r}, which has {len(spec.categories)} categories (codes 0..{len(spec.categories) - 1}); "
            "this is a bug in the method: new rows must use the codes of observed categories",
            method=gen.name,
        )


def run_generator(gen: Generator, table: EncodedTable, plan: dict, rng: np.random.Generator) -> Generated:
    """Run ``gen`` on the rows of ``table`` it expects; positions in the result refer to ``table``.

    For callers that already hold an encoded, imputed table (the selection layer's inner
    folds). Raises ParameterError when a planned class has fewer rows than ``gen.min_rows``.
    """
    plan = {c: n for c, n in plan.items() if n > 0}
    everything = needs_all_rows(gen, table.schema)
    rows = np.arange(table.n_rows) if everything else np.flatnonzero(np.isin(table.y, list(plan)))
    sub = table if everything else table.take(rows)
    small = [c for c in plan if (sub.y == c).sum() < gen.min_rows]
    if small:
        raise ParameterError(
            f"{gen.name!r} needs {gen.min_rows} rows per class; class "
            f"{table.schema.target.labels[small[0]]!r} has {(sub.y == small[0]).sum()}"
        )
    made = invoke(gen, gen.generate, sub, plan, rng)
    check_finite(made, gen.name)
    check_codes(made, gen, table.schema)
    if made.copied_from is not None:
        made.copied_from = rows[made.copied_from]
    if len(made.removed):
        made.removed = rows[made.removed]
    return made


class ClassOutcome:
    """Rows made for one class, by which method, and the decision that chose that method."""

    def __init__(self, method: str, decision: Decision | None, frame_parts, generated: int, removed, params,
                 generator: str | None = None):
        self.method = method
        self.generator = generator or method  # the registry entry that ran (e.g. "auto")
        self.decision = decision
        self.frame_parts = frame_parts
        self.generated = generated
        self.removed = removed
        self.params = params

    @property
    def reason(self) -> str | None:
        """Why another method than the one asked made the rows, in words (None if none)."""
        return None if self.decision is None else self.decision.reason


class Runner:
    """Runs generators class by class on one table (see the module docstring).

    Parameters
    ----------
    data : DataFrame
        The user's table (never modified).
    schema : TableSchema
        Its schema, inferred once by the caller.
    rng : numpy.random.Generator
        The only source of randomness of the call.
    allow_fallback : bool
        ``fallback`` as given: whether training failures are replaced (else GenerationError).
    rows : array of int, optional
        Row positions of ``data`` the generators may learn from (default: all); the gates
        hold real rows out this way.
    encoded : EncodedTable, optional
        ``schema.encode(data)`` when the caller has it (not imputed); rows are then taken from
        it instead of encoded again.
    """

    def __init__(self, data: pd.DataFrame, schema: TableSchema, rng: np.random.Generator, allow_fallback: bool, *,
                 rows: np.ndarray | None = None, encoded: EncodedTable | None = None):
        self.data = data
        self.schema = schema
        self.rng = rng
        self.allow = allow_fallback
        self.rows = rows
        self._encoded = encoded
        self._missing = None
        self._y = None if encoded is None else encoded.y
        #: Decisions and notes in words, in the order taken (the result's ``warnings``).
        self.notes: list[str] = []

    # ------------------------------------------------------------------ the table
    @property
    def y_codes(self) -> np.ndarray:
        """Class code of every row of ``data``."""
        if self._y is None:
            self._y = pd.Index(self.schema.target.labels, dtype=object).get_indexer(
                self.data[self.schema.target.name].astype(object).to_numpy()
            )
        return self._y

    def encoded(self) -> EncodedTable:
        """Every row of ``data`` encoded (not imputed), once."""
        if self._encoded is None:
            self._encoded = self.schema.encode(self.data)
            self._y = self._encoded.y
        return self._encoded

    def missing(self, rows: np.ndarray | None) -> np.ndarray | None:
        """Missing-cell mask of the rows at ``rows`` (None when the table has no missing cell)."""
        if not self.schema.has_missing:
            return None
        if self._encoded is None:
            return self.schema.missing_mask(self.data, rows)
        if self._missing is None:
            self._missing = self.schema.missing_mask(self.data)
        return self._missing if rows is None else self._missing[rows]

    def encoded_for(self, gen: Generator, codes) -> tuple[EncodedTable, np.ndarray | None]:
        """The imputed rows ``gen`` learns from for the classes ``codes``, and their missing mask."""
        if needs_all_rows(gen, self.schema):
            rows = self.rows
        else:
            pool = np.arange(len(self.data)) if self.rows is None else np.asarray(self.rows)
            rows = pool[np.isin(self.y_codes[pool], list(codes))]
        if self._encoded is None:
            table = self.schema.encode(self.data, rows)
        else:
            table = self._encoded if rows is None else self._encoded.take(rows)
        return impute(table), self.missing(rows)

    def note(self, text: str) -> None:
        """Keep a decision or note, in words, for the result."""
        self.notes.append(text)

    # ------------------------------------------------------------------ running
    def run(self, gen: Generator, plan: dict, decisions: dict | None = None) -> dict:
        """Make ``plan[c]`` rows of each class code ``c`` with ``gen``; ``{code: ClassOutcome}``.

        ``decisions`` holds, per class, the decision that chose ``gen`` (kept in the outcome).
        A training failure is replaced class by class (policy rule 2), or raises
        GenerationError without the fallback.
        """
        decisions = decisions or {}
        if gen.family != "copy":  # copies keep every value exact; anything else must decode exactly
            self.schema.check_exact(gen.name)
        table, missing = self.encoded_for(gen, plan)
        try:
            made = invoke(gen, gen.generate, table, plan, self.rng)
            check_finite(made, gen.name)
        except TrainingError as exc:
            error = exc.original if isinstance(exc, LibraryFailure) else exc
            if gen.name in (policy.FALLBACK_METHOD, policy.LAST_RESORT):
                raise GenerationError(f"{gen.name!r} failed: {describe_error(error, 10**6)}") from error
            out = {}
            for code, n in plan.items():
                n_rows = self.schema.target.counts[code]
                decision = policy.after_failure(gen.name, [self.schema.target.labels[code]], n_rows, error, self.allow)
                self.note(decision.message())
                out.update(self.run(registry.get(decision.used)(), {code: n}, {code: decision}))
            return out
        check_codes(made, gen, self.schema)
        return self._split(made, table, missing, plan, decisions, gen)

    def _split(self, made: Generated, table: EncodedTable, missing, plan: dict, decisions: dict, gen: Generator) -> dict:
        """Per class: put real missing-cell patterns back and decode (copied rows come from ``data``)."""
        self.notes.extend(made.notes)
        out = {}
        removed_pos = table.positions[made.removed] if len(made.removed) else np.empty(0, np.int64)
        for code in plan:
            sel = np.flatnonzero(made.y == code)
            if len(plan) == 1:  # a slice, not a copy of what may be millions of rows
                sel = slice(None)
            if made.copied_from is not None:
                frame = self.data.iloc[table.positions[made.copied_from[sel]]]
            else:
                mask = None
                if missing is not None:
                    real = np.flatnonzero(table.y == code)
                    patterns = missing[real]
                    if patterns.any():
                        mask = patterns[self.rng.integers(0, len(real), size=len(made.y[sel]))]
                frame = self.schema.decode(made.numeric[sel], made.categorical[sel], made.y[sel], mask)
            out[code] = ClassOutcome(made.made_by or gen.name, decisions.get(code), [frame], len(made.y[sel]),
                                     removed_pos, made.params, generator=gen.name)
        return out

    def fit(self, gen, codes: list) -> BaseException | None:
        """Train ``gen`` (a fit/sample method) for the classes ``codes``; the training failure, if any.

        A bug in the method raises (PluginError); a training failure is returned, for the
        caller to replace the classes (policy rule 2).
        """
        if gen.family != "copy":
            self.schema.check_exact(gen.name)
        table, _ = self.encoded_for(gen, codes)
        try:
            invoke(gen, gen.fit, table, codes, self.rng)
        except TrainingError as exc:
            return exc.original if isinstance(exc, LibraryFailure) else exc
        return None
