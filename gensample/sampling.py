"""``sample_minority``: the one path from a table to new minority rows.

load -> schema -> plan -> (policy) -> generator per class -> missing cells -> decode -> result.
Nothing here is method-specific: methods come from the registry and see encoded numbers only.
"""

from __future__ import annotations

import numbers
import time
import warnings
from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd

from . import policy, registry, strategy
from .errors import GensampleError, GenerationError, ParameterError
from .generators.base import Generated, Generator, GensampleWarning
from .result import SampleResult
from .schema import EncodedTable, TableSchema


def sample_minority(
    data: pd.DataFrame,
    target: Hashable,
    method: str = "smote",
    sampling_strategy="auto",
    random_state: int | None = None,
    *,
    categorical: Iterable[Hashable] | None = None,
    fallback: bool = True,
    check: bool | None = None,
    gate: str | None = "auto",
    **params,
) -> SampleResult:
    """Generate new rows for the under-represented classes of ``data``.

    Parameters
    ----------
    data : DataFrame
        Features and the target column. Never modified.
    target : column label
        The class column. Labels keep their values and dtype (strings, ints, bools...).
    method : str, default "smote"
        A name from :func:`gensample.methods` (``gensample methods`` on the command line).
    sampling_strategy : str, float or dict, default "auto"
        As in imbalanced-learn: ``"auto"``/``"not majority"`` (every class but the majority up
        to the majority's count), ``"minority"``, ``"not minority"``, ``"all"``, a float
        (binary only: minority/majority ratio after sampling) or ``{label: count after}``.
    random_state : int or None
        Seed of the only random generator used: the same seed gives the same rows.
    categorical : list of column labels, optional
        Columns to treat as categorical whatever their dtype (e.g. integer codes).
    fallback : bool, default True
        Let the policy (:mod:`gensample.policy`) replace the method for a class that is too
        small or where the method fails; with False those cases raise ``GenerationError``.
        With False the gates that run by default (``check=None``, ``gate="auto"``) report
        their verdict (warned, and in ``result.gate`` / ``result.extra``) but keep the
        method's own rows; a gate asked for explicitly (``check=True``,
        ``gate="vs-smote"``) raises when it rejects them.
    check : bool, optional
        Run the fidelity check (:mod:`gensample.fidelity`) on each generated class against
        its real rows and attach the report as ``result.fidelity``. Default: on for deep
        methods, off for the SMOTE family. When a deep method's rows show mode collapse or
        copies of real rows, that class is regenerated with ``smote`` (a recorded fallback).
    gate : {"auto", "vs-smote", None}, default "auto"
        ``"vs-smote"``: before a deep method makes a class's rows, judge it against SMOTE
        (:func:`gensample.fidelity.gate.vs_smote`): by inner cross-validation (3 folds, the
        same selection engine as ``auto``: PR-AUC of a logistic regression trained on each
        method's rows) and by resemblance to held-out real rows. The deep method is kept
        when its mean PR-AUC is at least SMOTE's (the user asked for it: it need not win,
        only not lose; the rule was measured on KEEL, see
        ``benchmarks/results_vs_smote_gate.md``). Costs 4 deep fits per class. The decision,
        with both tests' numbers and its reason, is ``result.gate[label]`` (a
        :class:`~gensample.fidelity.gate.GateDecision`). ``"auto"`` applies it to deep
        methods (the default); None turns it off.
    **params
        Parameters of the method, e.g. ``k_neighbors=3``. Unknown names are an error that
        lists the valid ones.

    Returns
    -------
    SampleResult
        ``synthetic`` (new rows only), ``augmented`` (original rows first, then new),
        ``method_used``, ``fallback``, ``counts``, ``params``, ``per_class``, ``seconds``...

    Notes
    -----
    Missing cells: generators learn from rows whose missing cells were filled with the class
    median (numeric) or most frequent value (categorical). Each new row then receives the
    missing-cell pattern of a real row of its class drawn at random, so every column's missing
    rate in the new rows matches the class's rate in expectation, and columns that tend to be
    missing together stay so. Rows copied by ``random`` keep their own missing cells.
    """
    # issue 13: Parquet paths, pyarrow datasets and Dask frames stream (gensample/scale)
    from .scale import handles, sample_scaled

    if handles(data):
        return sample_scaled(data, target, method, sampling_strategy, random_state, categorical=categorical,
                             fallback=fallback, check=check, gate=gate, **params)
    started = time.perf_counter()
    _check_random_state(random_state)
    if not isinstance(fallback, bool):
        raise ParameterError(f"fallback must be True or False, got {fallback!r}")
    from .scale.handoff import given_schema  # issue 13: the whole table's schema, for a streamed run

    schema = given_schema(data) or TableSchema.infer(data, target, categorical)
    cls = registry.get(method)
    generator = cls(**params)
    generator._validate_params()
    _check_handles(cls, schema)
    labels, counts = schema.target.labels, schema.target.counts
    todo = strategy.plan(sampling_strategy, labels, counts)
    deep = cls.family == "deep"
    check_explicit = check is True
    if check is None:
        check = deep
    if not isinstance(check, bool):
        raise ParameterError(f"check must be True, False or None, got {check!r}")
    if gate not in GATES:
        raise ParameterError(f"gate must be one of {', '.join(map(repr, GATES))}; got {gate!r}")
    if gate == "vs-smote" and not deep:
        raise ParameterError(
            f"gate='vs-smote' compares a deep method with SMOTE; {method!r} is a {cls.family} method: "
            "use gate=None (or check=True for a fidelity report)"
        )
    rng = np.random.default_rng(random_state)
    run = _Run(data, schema, rng, fallback)
    run.check = check
    run.gate = "vs-smote" if deep and gate in ("auto", "vs-smote") else None
    run.gate_explicit = gate == "vs-smote"
    run.check_explicit = check_explicit
    run.categorical = categorical
    run.params = params
    if not todo:
        run.notes.append(
            f"nothing to generate: sampling_strategy {sampling_strategy!r} asks for no new rows "
            f"(class counts: {dict(zip(labels, counts))})"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GensampleWarning)
        outcome = run.generate(generator, {labels.index(lbl): n for lbl, n in todo.items()})
    notes = list(dict.fromkeys([str(w.message) for w in caught if issubclass(w.category, GensampleWarning)] + run.notes))
    for note in notes:  # re-raise for the caller, now that they are collected
        warnings.warn(note, GensampleWarning, stacklevel=2)
    synthetic = run.assemble(outcome)
    removed = np.unique(np.concatenate([o.removed for o in outcome.values()] or [np.empty(0, np.int64)])).astype(np.int64)
    result = _result(data, schema, method, todo, outcome, synthetic, removed, notes, params, random_state,
                     sampling_strategy, time.perf_counter() - started, generator)
    if run.reports:
        from .fidelity.gate import combine

        result.fidelity = combine({labels[c]: r for c, r in run.reports.items()})
    result.extra.update(run.extra)
    result.gate = {labels[c]: d for c, d in run.gate_decisions.items()}
    return result


class _ClassOutcome:
    """Rows made for one class, by which method, and why that method."""

    def __init__(self, method: str, reason: str | None, frame_parts, generated: int, removed, params, generator=None):
        self.method = method
        self.generator = generator or method  # the registry entry that ran (e.g. "auto")
        self.reason = reason
        self.frame_parts = frame_parts
        self.generated = generated
        self.removed = removed
        self.params = params


class _Run:
    """State of one sampling call: data, schema, one random generator, collected notes."""

    def __init__(self, data: pd.DataFrame, schema: TableSchema, rng: np.random.Generator, allow_fallback: bool):
        self.data = data
        self.schema = schema
        self.rng = rng
        self.allow = allow_fallback
        self.notes: list[str] = []
        self._y = None
        self.check = False
        self.gate: str | None = None
        self.gate_explicit = False  # gate="vs-smote" passed (binding even with fallback=False)
        self.check_explicit = False  # check=True passed (binding even with fallback=False)
        self.gate_decisions: dict = {}  # class code -> GateDecision
        self.categorical = None
        self.params: dict = {}
        self.reports: dict = {}  # class code -> FidelityReport of the rows kept
        self.extra: dict = {}  # vs-smote scores, rejected rows' summaries

    @property
    def y_codes(self) -> np.ndarray:
        if self._y is None:
            self._y = pd.Index(self.schema.target.labels, dtype=object).get_indexer(
                self.data[self.schema.target.name].astype(object).to_numpy()
            )
        return self._y

    def generate(self, generator: Generator, plan: dict) -> dict:
        """Run the plan with ``generator``, applying the fallback policy class by class."""
        labels, counts = self.schema.target.labels, self.schema.target.counts
        by_method: dict[str, dict] = {}
        reasons: dict[int, str | None] = {}
        for code, n in plan.items():
            decision = policy.before_fit(generator.name, generator.min_rows, labels[code], counts[code], self.allow)
            if decision.method == generator.name and self.gate == "vs-smote":
                decision = self._vs_smote(generator, code, n) or decision
            if decision.reason:
                warnings.warn(decision.reason, GensampleWarning, stacklevel=2)
            by_method.setdefault(decision.method, {})[code] = n
            reasons[code] = decision.reason
        outcome: dict[int, _ClassOutcome] = {}
        for name, subplan in by_method.items():
            gen = generator if name == generator.name else registry.get(name)()
            outcome.update(self._run_one(gen, subplan, reasons))
        if self.check:
            self._check(outcome, plan)
        return {code: outcome[code] for code in plan}

    def _vs_smote(self, generator: Generator, code: int, n: int) -> policy.Decision:
        """Gate "vs-smote": who makes class ``code``'s rows (the deep method or SMOTE), and why."""
        from .fidelity.gate import vs_smote

        label = self.schema.target.labels[code]
        decision = vs_smote(
            self.data, self.schema.target.name, label, generator.name, n, params=self.params,
            categorical=self.categorical, random_state=int(self.rng.integers(2**31 - 1)), sampler=sample_minority,
            holdout=HOLDOUT,
        )
        step, final = policy.after_vs_smote(decision, self.allow, self.gate_explicit)
        self.gate_decisions[code] = final
        self.extra.setdefault("vs_smote", {})[str(label)] = final.to_dict()
        if final.kept and not final.passed:  # reported, not acted on: say so
            warnings.warn(final.message(), GensampleWarning, stacklevel=3)
        return step

    def _check(self, outcome: dict, plan: dict) -> None:
        """Fidelity report per generated class; deep rows that collapse or copy are replaced."""
        from .fidelity.gate import check_rows, gate_verdict

        labels = self.schema.target.labels
        for code in plan:
            o = outcome[code]
            if o.generated == 0:
                continue
            real = self.data[self.y_codes == code]
            seed = int(self.rng.integers(2**31 - 1))
            report = check_rows(real, o.frame_parts[0], self.schema, label=labels[code], random_state=seed)
            verdict = gate_verdict(report)
            if verdict and registry.get(o.generator).family == "deep":
                decision = policy.after_gate(o.method, labels[code], verdict, self.allow, self.check_explicit)
                warnings.warn(decision.reason, GensampleWarning, stacklevel=3)
                self.extra.setdefault("rejected", {})[str(labels[code])] = {
                    "method": o.method, "verdict": verdict, "summary": report.summary(),
                    "kept": decision.method == o.method,
                }
                if decision.method == o.method:  # fallback=False under the default check: reported only
                    self.reports[code] = report
                    continue
                redo = self._run_one(registry.get(decision.method)(), {code: plan[code]}, {code: decision.reason})
                outcome[code] = redo[code]
                report = check_rows(real, redo[code].frame_parts[0], self.schema, label=labels[code], random_state=seed)
            self.reports[code] = report

    def _run_one(self, gen: Generator, plan: dict, reasons: dict) -> dict:
        table, missing = self._encoded_for(gen, plan)
        try:
            made = gen.generate(table, plan, self.rng)
            _check_finite(made, gen.name)
        except GensampleError:
            raise
        except Exception as exc:  # a failure inside sdv/ctgan/torch/sklearn: policy rule 2
            if gen.name in (policy.FALLBACK_METHOD, policy.LAST_RESORT):
                raise GenerationError(f"{gen.name!r} failed: {type(exc).__name__}: {exc}") from exc
            out = {}
            for code, n in plan.items():
                n_rows = self.schema.target.counts[code]
                decision = policy.after_failure(gen.name, [self.schema.target.labels[code]], n_rows, exc, self.allow)
                warnings.warn(decision.reason, GensampleWarning, stacklevel=2)
                sub = self._run_one(registry.get(decision.method)(), {code: n}, {code: decision.reason})
                out.update(sub)
            return out
        return self._split(made, table, missing, plan, reasons, gen)

    def _encoded_for(self, gen: Generator, plan: dict) -> tuple[EncodedTable, np.ndarray | None]:
        needs_all = gen.needs_all_rows or bool(getattr(gen, "needs_all_rows_for", lambda s: False)(self.schema))
        if needs_all:
            rows = None
        else:
            rows = np.flatnonzero(np.isin(self.y_codes, list(plan)))
        table = self.schema.encode(self.data, rows)
        missing = self.schema.missing_mask(self.data, rows) if self.schema.has_missing else None
        return impute(table), missing

    def _split(self, made: Generated, table: EncodedTable, missing, plan: dict, reasons: dict, gen: Generator) -> dict:
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
            out[code] = _ClassOutcome(made.made_by or gen.name, reasons.get(code), [frame], len(made.y[sel]),
                                      removed_pos, made.params, generator=gen.name)
        self.notes.extend(made.notes)
        return out

    def assemble(self, outcome: dict) -> pd.DataFrame:
        parts = [p if _has_default_index(p) else p.reset_index(drop=True) for o in outcome.values() for p in o.frame_parts]
        if not parts:
            return self.schema.decode(
                np.empty((0, len(self.schema.numeric))), np.empty((0, len(self.schema.categorical))), np.empty(0, int)
            ).astype(self.data.dtypes.to_dict())
        synthetic = pd.concat(parts, axis=0, ignore_index=True) if len(parts) > 1 else parts[0]
        for name in synthetic.columns:  # concat of an empty part can widen a dtype
            if synthetic[name].dtype != self.data[name].dtype:
                synthetic[name] = synthetic[name].astype(self.data[name].dtype)
        if not _has_default_index(synthetic):
            synthetic.index = pd.RangeIndex(len(synthetic))
        return synthetic


GATES = ("auto", "vs-smote", None)
HOLDOUT = 0.3  # share of a class's real rows the vs-smote gate holds out


def _has_default_index(frame: pd.DataFrame) -> bool:
    return isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1


def impute(table: EncodedTable) -> EncodedTable:
    """Fill missing cells with the class median / most frequent value (table-wide if the class has none)."""
    num, cat = table.numeric, table.categorical
    has_num = np.isnan(num).any()
    has_cat = (cat < 0).any()
    if not (has_num or has_cat):
        return table
    num, cat = num.copy(), cat.copy()
    for code in np.unique(table.y):
        rows = table.y == code
        if has_num:
            block = num[rows]
            for j in np.flatnonzero(np.isnan(block).any(axis=0)):
                col = block[:, j]
                seen = col[~np.isnan(col)]
                if len(seen) == 0:
                    allc = num[:, j][~np.isnan(num[:, j])]
                    fill = float(np.median(allc)) if len(allc) else 0.0
                else:
                    fill = float(np.median(seen))
                col[np.isnan(col)] = fill
                block[:, j] = col
            num[rows] = block
        if has_cat:
            block = cat[rows]
            for j in np.flatnonzero((block < 0).any(axis=0)):
                col = block[:, j]
                seen = col[col >= 0]
                if len(seen) == 0:
                    seen = cat[:, j][cat[:, j] >= 0]
                fill = int(np.bincount(seen).argmax()) if len(seen) else 0
                col[col < 0] = fill
                block[:, j] = col
            cat[rows] = block
    return EncodedTable(num, cat, table.y, table.schema, table.positions)


def _check_finite(made: Generated, name: str) -> None:
    if made.numeric.size and not np.isfinite(made.numeric).all():
        raise FloatingPointError(f"{name} produced non-finite values (training diverged)")


def _check_random_state(random_state) -> None:
    if random_state is None:
        return
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral) or random_state < 0:
        raise ParameterError(
            f"random_state must be None or a non-negative integer, got {random_state!r}"
        )


def _check_handles(cls: type[Generator], schema: TableSchema) -> None:
    kind = schema.data_kind
    if kind not in cls.handles:
        cols = [str(c.name) for c in (schema.categorical if kind != "numeric" else schema.numeric)][:5]
        raise ParameterError(
            f"method {cls.name!r} handles {', '.join(sorted(k for k in cls.handles if k != 'missing'))} tables, "
            f"and this table is {kind} (columns {', '.join(cols)}); choose another method (`gensample methods`) "
            "or drop/convert those columns"
        )
    if schema.has_missing and "missing" not in cls.handles:
        cols = [str(c.name) for c in schema.columns if c.missing_rate > 0][:5]
        raise ParameterError(
            f"method {cls.name!r} does not accept missing cells, found in columns {', '.join(cols)}; "
            "fill them first or choose another method"
        )
    if len(schema.target.labels) > 2 and not cls.multiclass:
        raise ParameterError(
            f"method {cls.name!r} handles two classes only, and target {schema.target.name!r} has "
            f"{len(schema.target.labels)}; choose another method or a two-class target"
        )


def _result(data, schema, method, todo, outcome, synthetic, removed, notes, params, random_state,
            sampling_strategy, seconds, generator) -> SampleResult:
    labels, counts = schema.target.labels, schema.target.counts
    removed_codes = pd.Index(labels, dtype=object).get_indexer(
        data[schema.target.name].iloc[removed].astype(object).to_numpy()
    ) if len(removed) else np.empty(0, int)
    rows, count_map = [], {}
    for code, label in enumerate(labels):
        o = outcome.get(code)
        gen_n = o.generated if o else 0
        rem_n = int((removed_codes == code).sum())
        count_map[label] = {"before": counts[code], "generated": gen_n, "after": counts[code] - rem_n + gen_n}
        rows.append({
            "label": label, "before": counts[code], "generated": gen_n, "removed": rem_n,
            "after": counts[code] - rem_n + gen_n,
            "method_used": o.method if o else None, "fallback": o.reason if o else None,
        })
    used = list(dict.fromkeys(o.method for o in outcome.values())) or [method]
    reasons = [o.reason for o in outcome.values() if o.reason]
    effective = dict(generator.params)
    for o in outcome.values():
        if o.generator == method:
            effective.update(o.params)
    return SampleResult(
        synthetic=synthetic,
        method=method,
        method_used="+".join(used),
        fallback="; ".join(dict.fromkeys(reasons)) if reasons else None,
        counts=count_map,
        params=effective,
        per_class=pd.DataFrame(rows),
        removed_index=data.index[removed],
        seconds=seconds,
        random_state=random_state,
        sampling_strategy=sampling_strategy,
        schema=schema,
        warnings=notes,
        source=dict(data.attrs.get("gensample_source", {})),
        _original=data,
        _removed_positions=removed,
    )
