"""The gates ``sample_minority`` applies to generative methods, as part of the selection layer.

Two gates, both per class, both running candidates through the per-class runner
(:mod:`gensample.runner`) on the table the call already encoded, with the schema the call
already inferred; neither calls the public API again:

* the **check** (``check=True``; on by default for generative methods): the class's new rows
  are scored against its real rows by :func:`gensample.fidelity.per_class.check_rows` (a pure
  scorer). :func:`gate_verdict` says whether the report rejects them: mode collapse or copies
  (the failures a fallback to the SMOTE family cures). A report that merely fails on fidelity
  is attached, not acted on: SMOTE's rows are not better on every fidelity measure, so
  replacing them would not be a safe default. :func:`check_classes` applies it.
* the **vs-smote gate** (:func:`vs_smote`; ``gate="auto"`` applies it to generative methods):
  should the method make the class's rows, or SMOTE? Two tests, both recorded:

  - **utility** (what oversampling is for): inner cross-validation of the same selection
    engine ``auto`` uses (:func:`gensample.selection.engine.evaluate_candidates`): in each
    of ``n_splits`` stratified folds the method and SMOTE oversample the training part only
    (:class:`~gensample.selection.methods.EncodedMethodSampler`, on the encoded rows), a
    classifier (``"lr"``) is fitted on each and scored by PR-AUC on the untouched held-out
    part; the per-fold differences are paired (same folds, same classifier seed);
  - **resemblance**: hold out part of the class's real rows, run the method and SMOTE on the
    rest, and score how well each one's rows match the held-out rows,
    ``min(coverage, perfect coverage) - 2 |AUC - 0.5|`` (coverage and detection AUC; a
    perfect generator scores about 0.97; an AUC below 0.5, the mark of copied rows, costs as
    much as one above).

  The ``rule`` decides (:data:`RULES`). The default, ``"not-worse"`` with no allowance, keeps
  the method when its mean inner PR-AUC is at least SMOTE's: the user asked for that method,
  so a tie goes to it, and it need not beat SMOTE by any margin. Allowing it to lose by its
  fold noise (``n_se=1``: one corrected standard error of the paired differences) was
  measured and rejected: with 3 inner folds on KEEL classes of 11-54 rows that error was
  0.05 PR-AUC at the median and up to 0.23, so the gate kept nearly every deep method, losses
  included (``benchmarks/results_vs_smote_gate.md`` has the KEEL measurement). ``"better"``
  asks the method to beat SMOTE by ``n_se`` standard errors; ``"resemblance"`` is the rule of
  earlier versions (resemblance score higher by ``margin``).

  Cost, per class: ``n_splits x n_repeats`` fits of the method and as many SMOTE fits for
  utility (3 by default, on 2/3 of the rows each), 2 classifier fits per fold, and one fit of
  each on 70 % of the class for resemblance: 4 fits of the method in all, before the real one.

The outcome is a :class:`GateDecision` (asked, used, why, evidence): a record, from which
every sentence (warning, fallback reason, error, summary) is written when it is shown.
:func:`gensample.policy.after_vs_smote` settles it against ``fallback``; :func:`vs_smote_class`
does both for ``sample_minority``. The record, the rules and :func:`judge` live in
:mod:`gensample.selection.gate_rules` (re-exported here), apart from the tests that gather the
evidence.

Why one module: the check and the vs-smote gate run at the same point of the per-class runner,
on the same encoded table; the gate's two tests (:func:`utility`, :func:`resemblance`) share
its helpers (``one_vs_rest``, ``_gate_params``). The rules and the record are already apart in
:mod:`gensample.selection.gate_rules`; what is left is the evidence gathering, one function
per test, and most of the length is the account of the tests above.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from .. import policy, registry
from ..errors import GensampleError, ParameterError, PluginError
from ..fidelity.per_class import CHECK_SEED, check_rows
from ..runner import Runner
from ..schema import TableSchema, TargetSpec
from .gate_rules import (  # noqa: F401 - re-exported: callers and tests import them from here
    DEFAULT_N_SE,
    DEFAULT_RULE,
    DEFAULT_TOLERANCE,
    FAILED,
    PASSED,
    RULES,
    UNDECIDED,
    GateDecision,
    gate_verdict,
    judge,
)

#: Fewest held-out rows for the resemblance test (coverage and AUC on fewer say little).
MIN_HOLDOUT = 10

#: Share of a class's real rows the resemblance test holds out in ``sample_minority``.
HOLDOUT = 0.3

#: Inner folds of the utility test: cheap by default (3 deep fits per class).
UTILITY_SPLITS = 3
UTILITY_REPEATS = 1
UTILITY_ESTIMATOR = "lr"
UTILITY_METRIC = "pr_auc"


def vs_smote(
    data: pd.DataFrame,
    target: Hashable,
    label,
    method: str,
    n_rows: int | None = None,
    *,
    params: dict | None = None,
    categorical=None,
    random_state: int | None = None,
    rule: str = DEFAULT_RULE,
    n_se: float = DEFAULT_N_SE,
    tolerance: float = DEFAULT_TOLERANCE,
    n_splits: int = UTILITY_SPLITS,
    n_repeats: int = UTILITY_REPEATS,
    estimator=UTILITY_ESTIMATOR,
    holdout: float = HOLDOUT,
    margin: float = 0.05,
    tests: tuple = ("utility", "resemblance"),
    thresholds=None,
    schema: TableSchema | None = None,
    runner: Runner | None = None,
) -> GateDecision:
    """Should ``method`` make class ``label``'s rows, or SMOTE? (The two tests: module docstring.)

    Parameters
    ----------
    data : DataFrame
        The whole table (features and ``target``). Never modified.
    target : column label
    label : the class to test
    method : str
        The generative method asked for.
    n_rows : int, optional
        Rows the class is to receive; the utility test grows the class in each inner training
        fold by the same proportion. Default: up to the largest class.
    params : dict, optional
        Parameters of ``method`` (its gate fits run silently, and with ``min_rows=2`` unless
        given, so that a class near ``min_rows`` can still be judged on 2/3 of its rows).
    categorical : list, optional
        As in ``sample_minority`` (used when ``schema`` is not given).
    random_state : int or None
        Seed of the folds, the held-out split and every fit.
    rule : {"not-worse", "better", "resemblance"}, default "not-worse"
        See :func:`judge`.
    n_se : float, default 0.0
        Standard errors of the paired PR-AUC differences the rule allows (``"not-worse"``) or
        asks for (``"better"``). The standard error is Nadeau and Bengio's, corrected for
        folds that share training rows.
    tolerance : float, default 0.0
        A fixed PR-AUC allowance added to ``n_se`` standard errors (see :func:`judge`).
    n_splits, n_repeats : int, default 3 and 1
        Inner folds of the utility test (``n_splits x n_repeats`` fits of the method).
    estimator : {"lr", "rf", "hgb"} or scikit-learn classifier, default "lr"
        The classifier of the utility test (gensample's, on the schema's encoding).
    holdout : float, default 0.3
        Share of the class's real rows the resemblance test holds out (at least ``MIN_HOLDOUT``).
    margin : float, default 0.05
        How much higher the method's resemblance score must be under ``rule="resemblance"``.
    tests : tuple, default ("utility", "resemblance")
        Which tests to run (the rule's own test must be among them).
    thresholds : Thresholds or dict, optional
        Thresholds of the fidelity report behind the resemblance score.
    schema : TableSchema, optional
        The table's schema when the caller has inferred it (``sample_minority`` does).
    runner : Runner, optional
        The caller's runner on ``data`` (its encoded table is reused; its random generator is
        not touched: the gate draws from ``random_state`` alone).

    Returns
    -------
    GateDecision
        ``used`` is the gate's own choice (``method`` when it passed, else ``"smote"``);
        :func:`gensample.policy.after_vs_smote` settles it against ``fallback``.
    """
    if rule not in RULES:
        raise ParameterError(f"rule must be one of {', '.join(map(repr, RULES))}; got {rule!r}")
    if not 0 < holdout < 1:
        raise ParameterError(f"holdout must be in (0, 1), got {holdout!r}")
    for name, value in (("margin", margin), ("n_se", n_se), ("tolerance", tolerance)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise ParameterError(f"{name} must be a number, got {value!r}")
    tests = tuple(tests)
    unknown = [t for t in tests if t not in ("utility", "resemblance")]
    needed = "resemblance" if rule == "resemblance" else "utility"
    if unknown or needed not in tests:
        raise ParameterError(f"tests must hold 'utility' and/or 'resemblance', including {needed!r} for "
                             f"rule={rule!r}; got {tests!r}")
    if runner is None:
        schema = schema if schema is not None else TableSchema.infer(data, target, categorical)
        runner = Runner(data, schema, np.random.default_rng(random_state), allow_fallback=False)
    code = _code_of(runner.schema, label)
    rng = np.random.default_rng(random_state)
    utility_seed, resemblance_seed = (int(s) for s in rng.integers(2**31 - 1, size=2))
    evidence: dict = {"rule": rule, "n_se": float(n_se), "tolerance": float(tolerance), "margin": float(margin)}
    if "utility" in tests:
        evidence["utility"] = utility(runner, code, method, n_rows, params=params, random_state=utility_seed,
                                      n_splits=n_splits, n_repeats=n_repeats, estimator=estimator)
    if "resemblance" in tests:
        evidence["resemblance"] = resemblance(runner, code, method, params=params, random_state=resemblance_seed,
                                              holdout=holdout, thresholds=thresholds)
    why = judge(evidence, rule, n_se=n_se, tolerance=tolerance, margin=margin)
    return GateDecision(label=runner.schema.target.labels[code], asked=method,
                        used=method if why in PASSED else "smote", why=why, evidence=evidence, rule=rule)


def utility(
    runner: Runner,
    code: int,
    method: str,
    n_rows: int | None = None,
    *,
    params: dict | None = None,
    random_state: int | None = None,
    n_splits: int = UTILITY_SPLITS,
    n_repeats: int = UTILITY_REPEATS,
    estimator=UTILITY_ESTIMATOR,
) -> dict:
    """The utility test: paired inner-CV PR-AUC of ``method``'s rows against SMOTE's for class ``code``.

    The class is scored against the rest of the table (one class against the others: PR-AUC
    needs a positive class); ``method`` therefore sees two classes in the inner fits even
    when the table has more, which matters only for methods fitted on all rows
    (``fit_on="all"``). Candidates run on ``runner``'s encoded rows. Parameters as in
    :func:`vs_smote`.

    Returns
    -------
    dict
        ``metric``, ``estimator``, ``n_splits``, ``n_repeats``, ``folds``, per-fold ``deep``
        and ``smote`` scores (None where a fit failed), ``deep_mean``, ``smote_mean``,
        ``difference`` (mean of deep - smote over the folds), ``se`` (its corrected standard
        error), ``error`` (the method's first failure, if any), ``seconds``; or
        ``{"skipped": why}`` when the class is too small to be split.
    """
    from ..evaluation.classifiers import features, make_classifier
    from .engine import evaluate_candidates
    from .methods import EncodedMethodSampler

    schema = runner.schema
    label = schema.target.labels[code]
    table = runner.encoded()
    is_class = table.y == code
    n_class = int(is_class.sum())
    if n_rows is None:
        n_rows = max(0, max(schema.target.counts) - n_class)
    min_train = int(np.floor(n_class * (1 - 1 / n_splits)))
    if n_class < n_splits or min_train < 2:
        return {"skipped": f"class {label!r} has {n_class} rows, too few for {n_splits} inner folds "
                           f"with 2 or more in each training part"}
    y = is_class.astype(np.int64)
    pair = one_vs_rest(schema, code)
    counts = np.bincount(y, minlength=2)
    plan = {1: int(n_rows)}
    candidates = {
        "deep": EncodedMethodSampler(method, pair, plan, counts, params=_gate_params(method, params)),
        "smote": EncodedMethodSampler("smote", pair, plan, counts),
    }
    if isinstance(estimator, str):
        model = make_classifier(estimator, len(schema.numeric), [len(c.categories) for c in schema.categorical])
    else:
        model = estimator
    scores = evaluate_candidates(features(table.numeric, table.categorical), y, candidates, estimator=model,
                                 metric=UTILITY_METRIC, n_splits=n_splits, n_repeats=n_repeats,
                                 random_state=random_state)
    deep, smote = scores.scores[:, 0], scores.scores[:, 1]
    both = np.isfinite(deep) & np.isfinite(smote)
    diff = deep[both] - smote[both]
    out = {
        "metric": UTILITY_METRIC, "estimator": estimator if isinstance(estimator, str) else type(estimator).__name__,
        "n_splits": int(scores.n_splits), "n_repeats": int(scores.n_repeats), "folds": int(len(deep)),
        "deep": [float(v) if np.isfinite(v) else None for v in deep],
        "smote": [float(v) if np.isfinite(v) else None for v in smote],
        "deep_mean": float(np.mean(deep[both])) if both.any() else None,
        "smote_mean": float(np.mean(smote[both])) if both.any() else None,
        "difference": None, "se": None,
        "error": scores.errors.get("deep") if not np.isfinite(deep).all() else None,
        "smote_error": scores.errors.get("smote"),
        "seconds": {method: float(np.nansum(scores.seconds[:, 0])), "smote": float(np.nansum(scores.seconds[:, 1]))},
        "rows": n_class,
    }
    if len(diff) >= 2:
        # Nadeau and Bengio's correction: inner folds share training rows, so the plain
        # standard error would call fold noise a difference.
        out["difference"] = float(diff.mean())
        out["se"] = float(np.sqrt((1 / len(diff) + scores.test_train_ratio) * diff.var(ddof=1)))
    return out


def resemblance(
    runner: Runner,
    code: int,
    method: str,
    *,
    params: dict | None = None,
    random_state: int | None = None,
    holdout: float = HOLDOUT,
    thresholds=None,
) -> dict:
    """The resemblance test: how well ``method``'s and SMOTE's rows match held-out real rows.

    Each method runs (through a :class:`~gensample.runner.Runner` restricted to the other
    rows) on the table less ``holdout`` of the class's rows and makes as many rows as were
    held out; both are scored against the held-out rows (module docstring).

    Returns
    -------
    dict
        ``holdout_rows``, ``train_rows``, ``generated_rows``, ``deep`` and ``smote`` (each
        ``score``, ``coverage``, ``expected_coverage``, ``auc``, ``passed``,
        ``mode_collapse``, ``copies_detected``, ``summary``; or ``error`` when the fit
        failed), or ``{"skipped": why}`` for a class too small to hold rows out.
    """
    schema = runner.schema
    label = schema.target.labels[code]
    table = runner.encoded()
    class_pos = np.flatnonzero(table.y == code)
    n_class = len(class_pos)
    n_hold = max(MIN_HOLDOUT, int(round(holdout * n_class)))
    if n_class - n_hold < 2:
        return {"skipped": f"class {label!r} has {n_class} rows, too few to hold out {MIN_HOLDOUT} and fit on the rest"}
    rng = np.random.default_rng(random_state)
    held = np.sort(rng.choice(class_pos, size=n_hold, replace=False))
    keep = np.ones(table.n_rows, dtype=bool)
    keep[held] = False
    train_rows = np.flatnonzero(keep)
    held_rows = runner.data.iloc[held]
    n_train_class = n_class - n_hold
    seed = int(rng.integers(2**31 - 1))
    out = {"holdout_rows": int(n_hold), "train_rows": int(n_train_class), "generated_rows": int(n_hold)}
    for key, name, kwargs in (("deep", method, _gate_params(method, params)), ("smote", "smote", {})):
        sub = Runner(runner.data, schema, np.random.default_rng(seed), allow_fallback=False, rows=train_rows,
                     encoded=table)
        try:
            gen = registry.get(name)(**kwargs)
            policy.before_fit(name, gen.min_rows, label, n_train_class, allow=False)
            synthetic = sub.run(gen, {code: n_hold})[code].frame_parts[0]
            report = check_rows(held_rows, synthetic, schema, label=label, random_state=seed, thresholds=thresholds)
        except PluginError:
            raise
        except GensampleError as exc:
            if name == "smote":
                raise
            out[key] = {"score": None, "error": f"{type(exc).__name__}: {exc}"}
            continue
        prdc = report.diversity["prdc"]
        cov, expected = prdc.get("coverage"), prdc.get("expected_coverage")
        auc = report.detection.get("auc")
        score = None
        if cov is not None and auc is not None:
            # Coverage above a perfect generator's is not better (SMOTE's evenly spread rows
            # get there), so it counts up to that value.
            score = float(min(cov, expected if expected is not None and np.isfinite(expected) else 1.0)
                          - 2.0 * abs(auc - 0.5))
        out[key] = {"score": score, "coverage": cov, "expected_coverage": expected, "auc": auc,
                    "passed": report.passed, "mode_collapse": report.mode_collapse,
                    "copies_detected": report.copies_detected, "summary": report.summary()}
    return out


# ============================================================================ in sample_minority
def vs_smote_class(runner: Runner, method: str, code: int, n_rows: int, *, params: dict, explicit: bool,
                   random_state: int):
    """The vs-smote gate for one class of a ``sample_minority`` call, settled by the policy.

    Returns
    -------
    (Decision, GateDecision)
        Who makes the rows, and the gate's record (``used`` and ``binding`` settled). A verdict
        against the method that is reported only (kept rows) is noted on ``runner``.
    """
    decision = vs_smote(runner.data, runner.schema.target.name, runner.schema.target.labels[code], method, n_rows,
                        params=params, random_state=random_state, holdout=HOLDOUT, runner=runner)
    step, final = policy.after_vs_smote(decision, runner.allow, explicit)
    if final.kept and not final.passed:  # reported, not acted on: say so
        runner.note(final.message())
    return step, final


def check_classes(runner: Runner, outcome: dict, plan: dict, *, explicit: bool) -> tuple[dict, dict]:
    """The check for every generated class of a ``sample_minority`` call.

    Each class's rows get a fidelity report against its real rows; a generative method's rows
    that collapse or copy are replaced by SMOTE's (policy rule 3; ``outcome`` is updated) or,
    under the default check with ``fallback=False``, kept and reported.

    Returns
    -------
    (dict, dict)
        ``{code: FidelityReport}`` of the rows kept, and ``{label: record}`` of the rows the
        check rejected (method, verdict, summary, kept).
    """
    labels = runner.schema.target.labels
    reports, rejected = {}, {}
    for code in plan:
        o = outcome[code]
        if o.generated == 0:
            continue
        real = runner.data[runner.y_codes == code]
        # CHECK_SEED, not a draw from the call's generator: the verdict must be the one
        # `gensample check` (and fidelity.evaluate) gives the same rows by default; a seed drawn
        # here made the permutation floors differ, so the two disagreed on the same rows.
        seed = CHECK_SEED
        report = check_rows(real, o.frame_parts[0], runner.schema, label=labels[code], random_state=seed)
        verdict = gate_verdict(report)
        if verdict and registry.get(o.generator).generative:
            decision = policy.after_gate(o.method, labels[code], verdict, runner.allow, explicit)
            runner.note(decision.message())
            rejected[str(labels[code])] = {"method": o.method, "verdict": verdict, "summary": report.summary(),
                                           "kept": decision.used == o.method}
            if decision.used == o.method:  # fallback=False under the default check: reported only
                reports[code] = report
                continue
            redo = runner.run(registry.get(decision.used)(), {code: plan[code]}, {code: decision})
            outcome[code] = redo[code]
            report = check_rows(real, redo[code].frame_parts[0], runner.schema, label=labels[code], random_state=seed)
        reports[code] = report
    return reports, rejected


# ============================================================================ helpers
def one_vs_rest(schema: TableSchema, code: int) -> TableSchema:
    """``schema`` with a two-class target: code 1 is class ``code``, code 0 every other class."""
    label = schema.target.labels[code]
    n_class = schema.target.counts[code]
    target = TargetSpec(schema.target.name, object, ["the other classes", label],
                        [int(sum(schema.target.counts) - n_class), int(n_class)])
    return TableSchema(schema.columns, target, schema.order)


def _code_of(schema: TableSchema, label) -> int:
    labels = schema.target.labels
    for code, known in enumerate(labels):
        if known == label:
            return code
    raise ParameterError(f"class {label!r} is not a label of target {schema.target.name!r}; its labels are: "
                         + ", ".join(map(repr, labels)))


def _gate_params(method: str, params: dict | None) -> dict:
    """``params`` for the gate's own fits of ``method``: silent, and judged down to 2 rows."""
    out = dict(params or {})
    defaults = registry.get(method).defaults
    if "verbose" in defaults:
        out["verbose"] = False
    if "min_rows" in defaults and out.get("min_rows") is None:
        out["min_rows"] = 2
    return out
