"""``auto``: pick the method by repeated inner cross-validation, in the selection layer.

The ``auto`` entry of the registry: a :class:`~gensample.generators.base.Generator` whose
``_generate`` asks the selection engine which method to run and then runs it, so model
selection (which scores classifiers, :mod:`gensample.evaluation`) stays out of
:mod:`gensample.generators`. The selection itself (folds, scoring, the rule that keeps SMOTE unless
another method wins by more than the fold-to-fold noise) lives in
:func:`gensample.selection.methods.select_method`, the same engine
:class:`gensample.BalancedClassifier` uses.

Each candidate method oversamples the training part of every inner fold exactly as it would
the whole table (same plan, scaled to the fold); the classifier the user will train is fitted
on the result and scores the held-out part, and so is the same classifier trained without new
rows (``none``). ``rule="paired"`` keeps ``default`` (SMOTE) unless a candidate beats it in a
one-sided corrected resampled t-test over the ``folds x repeats`` folds (Holm-adjusted): on
classes of 10 to 60 rows the raw best mean is mostly noise. When the chosen method does not
beat ``none`` the rows still come from it, with a warning; with ``allow_none=True`` no rows are
made and the result says so.

The choice is recorded in the result's ``params["auto"]`` (``result.auto``)::

    {"chosen": "smote", "reason": "kept the default 'smote' ...", "metric": "f1",
     "classifier": "lr", "folds": 3, "repeats": 2, "rule": "paired", "default": "smote",
     "scores": {"random": 0.41, "smote": 0.44}, "std": {...}, "sem": {...}, "seconds": {...},
     "baseline": 0.38, "baseline_std": 0.05, "beats_baseline": True, "no_rows": False,
     "skipped": {"adasyn": "..."}, "evidence": {...per-fold scores, p-values...}}
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from .. import registry
from ..errors import ParameterError
from ..generators.base import Generated, Generator, warn
from ..generators.params import Boolean, Integer, Real, Satisfies
from ..runner import run_generator
from ..schema import EncodedTable

#: Cheap, strong default candidates (interpolation and copying: no deep model is trained
#: once per inner fold unless asked for).
DEFAULT_CANDIDATES = ("random", "smote", "borderline-smote", "adasyn")


class AutoGenerator(Generator):
    """Choose among ``candidates`` by repeated inner cross-validation of the user's classifier on ``metric``.

    Parameters
    ----------
    candidates : sequence of str, default ("random", "smote", "borderline-smote", "adasyn")
        Registered method names. Defaults that are not installed are skipped (noted).
    metric : str, default "f1"
        One of :data:`gensample.evaluation.metrics.METRICS`: the metric the user cares about.
        F1 of the minority (macro F1 for more classes) at the classifier's own threshold is the
        decision oversampling is meant to move; threshold-free metrics such as ``pr_auc`` are
        seldom improved by any candidate, so with them the default is nearly always kept.
    classifier : {"lr", "rf", "hgb"}, default "lr"
        The model the candidates are judged by, when ``estimator`` is not given.
    estimator : scikit-learn classifier, optional
        The classifier the user will train (cloned for every inner fit); it takes the
        feature matrix of :func:`gensample.evaluation.classifiers.features` (numbers, then
        category codes, NaN where missing).
    folds : int, default 3
        Inner folds per repeat (lowered to the smallest class's size, at least 2).
    repeats : int, default 2
        Repeats of the inner folds, each with its own shuffle.
    rule : {"paired", "1se", "best"}, default "paired"
        How the winner is chosen (:func:`gensample.selection.choose`): ``paired`` keeps
        ``default`` unless a candidate beats it in a Holm-adjusted one-sided corrected
        resampled t-test at ``alpha``; ``1se`` keeps it when within one standard error of the
        best mean; ``best`` takes the best mean.
    default : str, default "smote"
        The candidate kept unless another is clearly better.
    alpha : float, default 0.05
    allow_none : bool, default False
        When the chosen method does not beat training without new rows, make no rows (the
        result records why) instead of making them with a warning.
    deep : bool or int, default False
        The budget for deep candidates (each is trained ``folds x repeats`` times): False
        admits none; True every installed deep method (family ``deep``) whose ``min_rows`` the
        inner folds can give; an integer N admits them only when every class to grow has at
        least N rows (a class large enough for a deep model to have a chance against SMOTE).

    Notes
    -----
    Cost: ``folds x repeats x (len(candidates) + 1)`` classifier fits and ``folds x repeats x
    len(candidates)`` generator runs on the whole table, then one run of the chosen method.
    Selection draws from a copy of the random generator, so with the same ``random_state``
    ``auto`` choosing SMOTE makes exactly the rows ``method="smote"`` makes.
    """

    name = "auto"
    description = ("Picks the method by repeated inner cross-validation of the user's classifier; keeps SMOTE "
                   "unless another method wins beyond the noise; allow_none=True may make no rows")
    family = "interpolation"
    min_rows = 2
    needs_all_rows = True
    defaults = {"candidates": DEFAULT_CANDIDATES, "metric": "f1", "classifier": "lr", "estimator": None,
                "folds": 3, "repeats": 2, "rule": "paired", "default": "smote", "alpha": 0.05,
                "allow_none": False, "deep": False}

    parameter_constraints = {
        "estimator": [None, Satisfies(lambda e: hasattr(e, "fit") and hasattr(e, "get_params"),
                                      "a scikit-learn classifier")],
        "folds": [Integer(2)],
        "repeats": [Integer(1)],
        "default": [Satisfies(lambda v: isinstance(v, str), "a method name")],
        "alpha": [Real(0.0, 1.0)],
        "allow_none": [Boolean()],
        "deep": [Boolean(), Integer(1)],
    }

    def _validate_relations(self) -> None:
        # What needs the registry, the metric table or the engine (imported here, not at the
        # top, so that listing the methods stays light).
        from ..evaluation import metrics
        from ..evaluation.classifiers import check_classifiers
        from .engine import RULES

        cands = self.params["candidates"]
        if isinstance(cands, str):
            cands = [c.strip() for c in cands.split(",") if c.strip()]
        if not isinstance(cands, (list, tuple)) or not cands or not all(isinstance(c, str) for c in cands):
            raise ParameterError(f"auto: candidates must be a non-empty list of method names, got {cands!r}")
        if "auto" in cands:
            raise ParameterError("auto: 'auto' cannot be one of its own candidates")
        if cands is not DEFAULT_CANDIDATES and tuple(cands) != DEFAULT_CANDIDATES:
            for c in cands:
                registry.get(c)  # unknown name -> UnknownMethodError with the closest names
        metrics.check_metric(self.params["metric"], metrics.METRICS, "auto: metric")
        check_classifiers([self.params["classifier"]])
        if self.params["rule"] not in RULES:
            raise ParameterError(f"auto: rule must be one of {', '.join(RULES)}, got {self.params['rule']!r}")

    def _candidates(self, notes: list) -> list:
        cands = self.params["candidates"]
        if isinstance(cands, str):
            cands = [c.strip() for c in cands.split(",") if c.strip()]
        known = set(registry.names())
        missing = [c for c in cands if c not in known]
        if missing:
            notes.append(f"auto: candidate(s) {', '.join(map(repr, missing))} not installed, skipped")
        return list(dict.fromkeys(c for c in cands if c in known))

    def _with_deep(self, cands: list, table: EncodedTable, plan: dict, notes: list) -> list:
        deep = self.params["deep"]
        if deep is False:
            return cands
        counts = np.bincount(table.y, minlength=len(table.schema.target.labels))
        smallest = int(min(counts[c] for c in plan)) if plan else 0
        if deep is not True and smallest < int(deep):
            notes.append(f"auto: deep candidates not admitted: the smallest class to grow has {smallest} rows, "
                         f"below deep={int(deep)}")
            return cands
        extra = [n for n in registry.names() if n not in cands and n != "auto" and registry.get(n).family == "deep"]
        if extra:
            notes.append(f"auto: deep candidates admitted: {', '.join(extra)}")
        return [*cands, *extra]

    def _generate(self, table: EncodedTable, plan: dict, rng: np.random.Generator) -> Generated:
        with threadpool_limits(limits=1):
            return self._pick_and_generate(table, plan, rng)

    def _pick_and_generate(self, table: EncodedTable, plan: dict, rng) -> Generated:
        from .methods import NO_ROWS, select_method

        notes: list[str] = []
        p = self.params
        record = select_method(
            table, plan, rng, candidates=self._with_deep(self._candidates(notes), table, plan, notes), metric=p["metric"],
            estimator=p["estimator"] if p["estimator"] is not None else p["classifier"], folds=p["folds"],
            repeats=p["repeats"], rule=p["rule"], default=p["default"], alpha=p["alpha"], allow_none=p["allow_none"],
        )
        if "default_unavailable" in record:
            notes.append(f"auto: {record['default_unavailable']}")
        if record["baseline"] is None:
            warn(f"auto: {record['reason']}; used {record['chosen']!r}", notes)
        elif record["no_rows"]:
            warn(f"auto: no candidate beats no resampling on {record['metric']} with {record['classifier']} "
                 f"({record['folds']}-fold x {record['repeats']}: no resampling {record['baseline']:.3f}, best "
                 f"candidate {max(record['scores'], key=lambda c: record['scores'][c])!r}); made no rows "
                 f"(allow_none=True)", notes)
        elif not record["beats_baseline"]:
            c = record["chosen"]
            warn(
                f"auto: no candidate beats no resampling on {record['metric']} with {record['classifier']} "
                f"({record['folds']}-fold x {record['repeats']}: no resampling {record['baseline']:.3f}, chosen "
                f"{c!r} {record['scores'][c]:.3f}); the rows come from {c!r}, but they will probably not help this "
                "classifier (allow_none=True makes no rows instead)",
                notes,
            )
        record["estimator"] = None if p["estimator"] is None else repr(p["estimator"])
        if record["chosen"] == NO_ROWS:
            made = Generated.empty(table)
        else:
            made = run_generator(registry.get(record["chosen"])(), table, plan, rng)
        made.params = {**made.params, "auto": record}
        made.notes = notes + list(made.notes)
        made.made_by = record["chosen"]
        return made
