"""Choosing a gensample method for a table (what ``auto`` asks), through the selection engine.

:func:`select_method` scores "no new rows" and every runnable candidate method with
:func:`~gensample.selection.engine.evaluate_candidates` on the encoded table and lets
:func:`~gensample.selection.engine.choose` keep the default (SMOTE) unless another method wins
by more than the fold-to-fold noise. :class:`EncodedMethodSampler` makes a registered
generator look like an imbalanced-learn sampler on the engine's feature matrix, running on
the encoded rows exactly as :func:`gensample.sample_minority` runs it (same plan scaled to the
fold, same rows handed in), so no second path through the generators exists.
"""

from __future__ import annotations

import copy

import numpy as np

from .. import registry
from ..errors import ParameterError
from ..missing import impute
from ..runner import run_generator
from ..schema import EncodedTable
from .engine import choose

__all__ = ["NO_ROWS", "EncodedMethodSampler", "run_generator", "scaled_plan", "select_method"]

NO_ROWS = "none"


class EncodedMethodSampler:
    """A registered method as a sampler of :func:`~gensample.evaluation.classifiers.features` matrices.

    Parameters
    ----------
    method : str
    schema : TableSchema
        The schema of the encoded table (numeric columns first, then category codes).
    plan : dict
        ``{class code: rows to make}`` for the whole table; each fit scales it to the rows of
        each class it is given.
    counts : ndarray
        Rows per class code in the whole table.
    params : dict, optional
    random_state : int, optional
    """

    #: imbalanced-learn's ensembles read this (BalancedBaggingClassifier sets ``sampling_strategy``).
    _sampling_type = "over-sampling"

    def __init__(self, method, schema=None, plan=None, counts=None, params=None, random_state=None):
        self.sampling_strategy = None
        self.method = method
        self.schema = schema
        self.plan = plan
        self.counts = counts
        self.params = params
        self.random_state = random_state

    def get_params(self, deep=True):
        return {"random_state": self.random_state}

    def set_params(self, **params):
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def __sklearn_clone__(self):
        # A shallow copy: the schema and plan are read-only here, and deep-copying a schema for
        # every inner fold of every candidate costs more than the fit.
        return copy.copy(self)

    def fit_resample(self, X, y):
        n_num = len(self.schema.numeric)
        X = np.asarray(X, dtype=np.float64)
        cat = X[:, n_num:]
        codes = np.where(np.isnan(cat), -1, cat).astype(np.int64)
        y = np.asarray(y).astype(np.int64)
        table = EncodedTable(X[:, :n_num], codes, y, self.schema, np.arange(len(y)))
        if np.isnan(X[:, :n_num]).any() or (codes < 0).any():
            table = impute(table)  # generators learn from class-wise imputed rows, as in sample_minority
        if isinstance(self.sampling_strategy, dict):  # set by an imbalanced-learn ensemble for each bag
            fold_plan = {int(c): int(n) for c, n in self.sampling_strategy.items() if int(n) > 0}
        elif self.plan is None:  # inside a bag: grow every class to the largest (imbalanced-learn's "auto")
            in_bag = np.bincount(y)
            fold_plan = {int(c): int(in_bag.max() - n) for c, n in enumerate(in_bag) if 0 < n < in_bag.max()}
        else:
            fold_plan = scaled_plan(self.plan, self.counts, y)
        gen = registry.get(self.method)(**(self.params or {}))
        made = run_generator(gen, table, fold_plan, np.random.default_rng(self.random_state))
        keep = np.setdiff1d(np.arange(len(y)), made.removed)
        if made.copied_from is not None:
            new = X[made.copied_from]
        else:
            new = np.column_stack([made.numeric, made.categorical.astype(np.float64)]) if codes.shape[1] else made.numeric
        return np.vstack([X[keep], new]), np.r_[y[keep], made.y]


def select_method(table: EncodedTable, plan: dict, rng: np.random.Generator, *, candidates, metric: str,
                  estimator, folds: int, repeats: int, rule: str, default: str, alpha: float,
                  allow_none: bool) -> dict:
    """Score ``candidates`` and "no new rows" on ``table``; the record ``auto`` keeps.

    Returns
    -------
    dict
        ``chosen`` (a method, or ``"none"`` with ``allow_none``), ``reason``, ``scores`` /
        ``std`` / ``sem`` / ``seconds`` per candidate method, ``baseline`` (no new rows) with its
        spread, ``beats_baseline``, ``skipped`` (method: why), ``folds``, ``repeats``, ``rule``,
        ``default``, ``evidence`` (the engine's, JSON-safe) and ``no_rows`` (True when nothing
        was made). ``rng`` is not advanced: the chosen method then draws from it as it would
        when called by name, so ``auto`` choosing SMOTE gives SMOTE's own rows.
    """
    from ..evaluation.classifiers import features, make_classifier

    schema = table.schema
    n_classes = len(schema.target.labels)
    counts = np.bincount(table.y, minlength=n_classes)
    k = min(folds, int(counts[counts > 0].min()))
    skipped: dict[str, str] = {}
    runnable = []
    for c in candidates:
        cls = registry.get(c)
        if schema.data_kind not in cls.handles:
            skipped[c] = f"does not handle {schema.data_kind} tables"
        elif n_classes > 2 and not cls.multiclass:
            skipped[c] = "two-class targets only"
        elif any(counts[code] * (k - 1) // max(k, 1) < cls.min_rows for code in plan):
            skipped[c] = f"needs {cls.min_rows} rows per class, more than a class has in the inner folds"
        else:
            runnable.append(c)
    if not runnable:
        raise ParameterError(
            "auto: no candidate can run on this table ("
            + "; ".join(f"{c}: {why}" for c, why in skipped.items()) + "); pass candidates=[...]"
        )
    clf_name = estimator if isinstance(estimator, str) else type(estimator).__name__
    record = {"metric": metric, "classifier": clf_name, "folds": int(k), "repeats": int(repeats), "rule": rule,
              "default": default, "allow_none": bool(allow_none), "scores": {}, "std": {}, "sem": {}, "seconds": {},
              "baseline": None, "baseline_std": None, "beats_baseline": None, "skipped": skipped, "no_rows": False}
    if k < 2:
        chosen = default if default in runnable else runnable[0]
        record.update(chosen=chosen, reason="a class has a single row, so candidates could not be cross-validated")
        return record
    # A copy: selection must not move the generator the chosen method will draw from.
    probe = copy.deepcopy(rng)
    seed = int(probe.integers(0, 2**31 - 1))
    n_cat = [len(c.categories) for c in schema.categorical]
    if isinstance(estimator, str):
        est = make_classifier(estimator, len(schema.numeric), n_cat, None, seed)
    else:
        est = estimator
    samplers = {c: EncodedMethodSampler(c, schema, plan, counts) for c in runnable}
    if NO_ROWS in samplers:
        raise ParameterError(f"auto: a candidate may not be called {NO_ROWS!r} (that name is 'no new rows')")
    from ..balanced import BalancedClassifier

    # The same engine as BalancedClassifier's: it scores "no new rows" and every method; the
    # method is then chosen among the methods alone, since auto's answer is which rows to make.
    selector = BalancedClassifier(est, remedies={NO_ROWS: None, **samplers}, metric=metric,
                                  default=default if default in samplers else NO_ROWS, tune_threshold=False,
                                  cv=k, n_repeats=repeats, rule=rule, alpha=alpha, refit=False, random_state=seed)
    selector.fit(features(table.numeric, table.categorical), table.y)
    scores = selector.scores_
    for c, why in scores.errors.items():
        if c != NO_ROWS:
            skipped[c] = f"failed in an inner fold: {why}"
    ran = [c for c in runnable if np.isfinite(scores.mean[c]) and c not in scores.errors]
    if not ran:
        raise ParameterError("auto: every candidate failed in the inner folds ("
                             + "; ".join(f"{c}: {why}" for c, why in skipped.items()) + ")")
    the_default = default if default in ran else None
    if the_default is None:
        the_default = max(ran, key=lambda c: (-1 if scores.lower_is_better else 1) * scores.mean[c])
        record["default_unavailable"] = f"{default!r} could not run ({skipped.get(default, 'not a candidate')}); " \
                                        f"{the_default!r}, the best mean, stood in as the default"
    choice = choose(scores, the_default, rule=rule, alpha=alpha, among=ran)
    mean, std, sem, sec = scores.mean, scores.std, scores.sem, scores.total_seconds
    chosen = choice.chosen
    base = mean[NO_ROWS]
    beats = bool(scores.better(mean[chosen], base))
    record.update(
        scores={c: mean[c] for c in ran}, std={c: std[c] for c in ran}, sem={c: sem[c] for c in ran},
        seconds={c: sec[c] for c in ran}, baseline=base, baseline_std=std[NO_ROWS], baseline_sem=sem[NO_ROWS],
        beats_baseline=beats, any_beats_baseline=bool(any(scores.better(mean[c], base) for c in ran)),
        chosen=chosen, reason=choice.reason, evidence=choice.evidence,
    )
    if not beats and allow_none:
        record.update(chosen=NO_ROWS, no_rows=True,
                      reason=f"no new rows: {chosen!r}, the method the rule picked ({choice.reason}), scores "
                             f"{mean[chosen]:.4f} {metric}, not better than training without new rows "
                             f"({base:.4f} ± {std[NO_ROWS]:.4f}); allow_none=True")
    return record


def scaled_plan(plan: dict, counts: np.ndarray, y_train: np.ndarray) -> dict:
    """The plan for a fold: each class's new rows in proportion to its rows in the fold."""
    in_fold = np.bincount(y_train, minlength=len(counts))
    return {c: int(round(n * in_fold[c] / counts[c])) for c, n in plan.items() if counts[c] and in_fold[c]}
