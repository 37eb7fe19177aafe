"""``sample_minority``: the one path from a table to new minority rows.

load -> schema -> plan -> policy and gates (:mod:`gensample.selection.gate`) -> per-class
runner (:mod:`gensample.runner`: generator, fallback on training failures, missing cells,
decode) -> check -> result. Nothing here is method-specific: methods come from the registry
and see encoded numbers only; notes are collected on the runner and warned here, once.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd

from . import policy, registry, strategy
from .checks import check_bool, check_categorical, check_frame, check_size, check_target
from .errors import ParameterError
from .generators.base import FidelityWarning, Generator, GensampleWarning
from .result import SampleResult
from .runner import Runner
from .schema import TableSchema
from .utils import check_seed


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
        its real rows and attach the report as ``result.fidelity``. Default: on for
        generative methods (families deep, forest, copula: ``Generator.generative``), off for
        the SMOTE family. When a generative method's rows show mode collapse or copies of
        real rows, that class is regenerated with ``smote`` (a recorded fallback). Rows
        kept although their final check failed (other fidelity failures, or SMOTE's rows
        after that fallback) are warned, once per class, as a
        :class:`~gensample.generators.base.FidelityWarning` and listed in
        ``result.extra["fidelity_failed"]``. The check's seed is fixed (0, as
        :func:`gensample.fidelity.evaluate` and ``gensample check`` use by default), so
        checking the same rows there gives the same verdict.
    gate : {"auto", "vs-smote", None}, default "auto"
        ``"vs-smote"``: before a generative method makes a class's rows, judge it against
        SMOTE (:func:`gensample.selection.gate.vs_smote`): by inner cross-validation (3 folds, the
        same selection engine as ``auto``: PR-AUC of a logistic regression trained on each
        method's rows) and by resemblance to held-out real rows. The deep method is kept
        when its mean PR-AUC is at least SMOTE's (the user asked for it: it need not win,
        only not lose; the rule was measured on KEEL, see
        ``benchmarks/results_vs_smote_gate.md``). Costs 4 deep fits per class. The decision,
        with both tests' numbers and its reason, is ``result.gate[label]`` (a
        :class:`~gensample.selection.gate.GateDecision`). ``"auto"`` applies it to
        generative methods (the default); None turns it off.
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
    check_target(target)
    check_frame(data)
    check_categorical(categorical)
    check_seed(random_state)
    check_bool(fallback, "fallback")
    fallback = bool(fallback)  # numpy's bool too
    from .scale.handoff import given_schema  # issue 13: the whole table's schema, for a streamed run

    schema = given_schema(data) or TableSchema.infer(data, target, categorical)
    cls = registry.get(method)
    generator = cls(**params)
    generator.validate_params()
    cls.check_handles(schema)
    labels, counts = schema.target.labels, schema.target.counts
    todo = strategy.plan(sampling_strategy, labels, counts)
    # before any allocation: a plan of 10^10 rows must be a clear error, not a MemoryError
    # from inside a method (or a machine swapping until killed)
    check_size(schema, sum(todo.values()), what=f"sampling_strategy={sampling_strategy!r}",
               shrink="ask for fewer rows (a smaller ratio or {label: count}), or make them in parts with "
                      "different random_state values and append them")
    check_explicit = check is True
    if check is None:
        check = cls.generative
    if not isinstance(check, bool):
        raise ParameterError(f"check must be True, False or None, got {check!r}")
    if gate not in GATES:
        raise ParameterError(f"gate must be one of {', '.join(map(repr, GATES))}; got {gate!r}")
    if gate == "vs-smote" and not cls.generative:
        raise ParameterError(
            f"gate='vs-smote' compares a generative method with SMOTE; {method!r} is a {cls.family} method: "
            "use gate=None (or check=True for a fidelity report)"
        )
    runner = Runner(data, schema, np.random.default_rng(random_state), fallback)
    if not todo:
        runner.note(
            f"nothing to generate: sampling_strategy {sampling_strategy!r} asks for no new rows "
            f"(class counts: {dict(zip(labels, counts))})"
        )
    plan = {labels.index(lbl): n for lbl, n in todo.items()}
    gated = cls.generative and gate in ("auto", "vs-smote")
    outcome, gates = _run_plan(runner, generator, plan, params, gate=gated, gate_explicit=gate == "vs-smote")
    reports, rejected = {}, {}
    if check:
        from .selection.gate import check_classes

        reports, rejected = check_classes(runner, outcome, plan, explicit=check_explicit)
    outcome = {code: outcome[code] for code in plan}
    notes = list(dict.fromkeys(runner.notes))
    for note in notes:  # the edge: the user hears each decision once
        warnings.warn(note, GensampleWarning, stacklevel=2)
    synthetic = _assemble(data, schema, outcome)
    removed = np.unique(np.concatenate([o.removed for o in outcome.values()] or [np.empty(0, np.int64)])).astype(np.int64)
    result = _result(data, schema, method, todo, outcome, synthetic, removed, notes, params, random_state,
                     sampling_strategy, time.perf_counter() - started, generator)
    if reports:
        from .fidelity.per_class import combine

        result.fidelity = combine({labels[c]: r for c, r in reports.items()})
        _say_failed_checks(result, reports, outcome, labels)
    if gates:
        result.extra["vs_smote"] = {str(labels[c]): d.to_dict() for c, d in gates.items()}
    if rejected:
        result.extra["rejected"] = rejected
    result.gate = {labels[c]: d for c, d in gates.items()}
    return result


def _run_plan(runner: Runner, generator: Generator, plan: dict, params: dict, *, gate: bool,
              gate_explicit: bool) -> tuple[dict, dict]:
    """Decide who makes each class's rows (policy rule 1, the vs-smote gate), then run them.

    Returns ``{code: ClassOutcome}`` and ``{code: GateDecision}`` of the classes the gate judged.
    """
    labels, counts = runner.schema.target.labels, runner.schema.target.counts
    by_method: dict[str, dict] = {}
    decisions: dict = {}
    gates: dict = {}
    for code, n in plan.items():
        decision = policy.before_fit(generator.name, generator.min_rows, labels[code], counts[code], runner.allow)
        if decision.used == generator.name and gate:
            from .selection.gate import vs_smote_class

            decision, gates[code] = vs_smote_class(runner, generator.name, code, n, params=params,
                                                   explicit=gate_explicit,
                                                   random_state=int(runner.rng.integers(2**31 - 1)))
        if decision.reason:
            runner.note(decision.reason)
        by_method.setdefault(decision.used, {})[code] = n
        decisions[code] = decision
    outcome: dict = {}
    for name, subplan in by_method.items():
        gen = generator if name == generator.name else registry.get(name)()
        outcome.update(runner.run(gen, subplan, decisions))
    return outcome, gates


def _assemble(data: pd.DataFrame, schema: TableSchema, outcome: dict) -> pd.DataFrame:
    """The new rows of every class in one frame, in the input's column order and dtypes."""
    parts = [p if _has_default_index(p) else p.reset_index(drop=True) for o in outcome.values() for p in o.frame_parts]
    if not parts:
        return schema.decode(
            np.empty((0, len(schema.numeric))), np.empty((0, len(schema.categorical))), np.empty(0, int)
        ).astype(data.dtypes.to_dict())
    synthetic = pd.concat(parts, axis=0, ignore_index=True) if len(parts) > 1 else parts[0]
    for name in synthetic.columns:  # concat of an empty part can widen a dtype
        if synthetic[name].dtype != data[name].dtype:
            synthetic[name] = synthetic[name].astype(data[name].dtype)
    if not _has_default_index(synthetic):
        synthetic.index = pd.RangeIndex(len(synthetic))
    if not synthetic.columns.equals(data.columns) or type(synthetic.columns) is not type(data.columns):
        synthetic.columns = data.columns  # MultiIndex columns: concat flattened them to tuples
    return synthetic


GATES = ("auto", "vs-smote", None)


def _say_failed_checks(result: SampleResult, reports: dict, outcome: dict, labels: list) -> None:
    """A failed final check, said where the user looks: a FidelityWarning per class, in the result.

    The check replaces rows only for collapse or copies by a generative method; rows that fail
    otherwise (or SMOTE's rows after a fallback, e.g. copies on an all-categorical table) are
    kept, and the report alone would let that pass unseen. Recorded in ``result.warnings``
    (the sentence) and ``result.extra["fidelity_failed"]`` (``{label: {"method", "checks",
    "line"}}``, which ``gensample sample`` prints and ``--strict`` acts on).
    """
    failed = {}
    for code, report in reports.items():
        if report.passed:
            continue
        line = report.failure_line(made_by=outcome[code].method)
        message = (f"{line}. The rows are kept: see result.fidelity.summary(), then try another method "
                   "(gensample.compare ranks them) or fewer new rows (sampling_strategy); check=False skips the check")
        warnings.warn(FidelityWarning(message, line, labels[code]), stacklevel=3)
        result.warnings.append(message)
        failed[str(labels[code])] = {"method": outcome[code].method,
                                     "checks": [s.name for s in report.failed_checks()], "line": line}
    if failed:
        result.extra["fidelity_failed"] = failed



def _has_default_index(frame: pd.DataFrame) -> bool:
    return isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1


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
        decisions={labels[c]: o.decision for c, o in outcome.items() if o.decision is not None},
        source=dict(data.attrs.get("gensample_source", {})),
        _original=data,
        _removed_positions=removed,
    )
