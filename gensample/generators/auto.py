"""``auto``: pick the method by inner cross-validation on the data it is given.

Each candidate method oversamples the training part of every inner fold exactly as it would
the whole table (same plan, scaled to the fold); a classifier trained on the result scores
the held-out part, and so does the same classifier trained without resampling (the
baseline). The candidate with the best mean score makes the rows. When no candidate beats
the baseline the rows still come from the best one, with a warning: the user asked for rows,
and needs to know they probably will not help.

The choice is recorded in the result's ``params["auto"]``::

    {"chosen": "smote", "metric": "f1", "classifier": "lr", "folds": 3,
     "scores": {"random": 0.41, "smote": 0.44}, "baseline": 0.38,
     "beats_baseline": True, "skipped": {"adasyn": "..."}}
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from .. import registry
from ..errors import ParameterError
from ..schema import EncodedTable
from .base import Generated, Generator, warn

#: Cheap, strong default candidates (interpolation and copying: no deep model is trained
#: once per inner fold unless asked for).
DEFAULT_CANDIDATES = ("random", "smote", "borderline-smote", "adasyn")


class AutoGenerator(Generator):
    """Choose among ``candidates`` by ``folds``-fold cross-validation of ``classifier`` on ``metric``.

    Parameters
    ----------
    candidates : sequence of str, default ("random", "smote", "borderline-smote", "adasyn")
        Registered method names. Defaults that are not installed are skipped (noted).
    metric : str, default "f1"
        One of :data:`gensample.evaluation.metrics.METRICS`. F1 of the minority (macro F1 for
        more classes) at the classifier's own threshold is the decision oversampling is meant
        to move; threshold-free metrics such as ``pr_auc`` are available and are seldom
        improved by any candidate.
    classifier : {"lr", "rf", "hgb"}, default "lr"
        The model the candidates are judged by (logistic regression: cheap and sensitive to
        the class balance).
    folds : int, default 3
        Inner folds (lowered to the smallest class's size, at least 2).

    Notes
    -----
    Cost: ``folds x (len(candidates) + 1)`` classifier fits and ``folds x len(candidates)``
    generator runs on the whole table, then one run of the chosen method. All randomness
    comes from the ``rng`` handed in, so the same ``random_state`` gives the same choice.
    """

    name = "auto"
    description = "Picks the method by inner cross-validation of a classifier on the data given (candidates, metric configurable)"
    family = "interpolation"
    min_rows = 2
    needs_all_rows = True
    defaults = {"candidates": DEFAULT_CANDIDATES, "metric": "f1", "classifier": "lr", "folds": 3}

    def _validate_params(self) -> None:
        from ..evaluation import metrics
        from ..evaluation.classifiers import check_classifiers

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
        self._check_int("folds", 2)

    def _candidates(self, notes: list) -> list:
        cands = self.params["candidates"]
        if isinstance(cands, str):
            cands = [c.strip() for c in cands.split(",") if c.strip()]
        known = set(registry.names())
        missing = [c for c in cands if c not in known]
        if missing:
            notes.append(f"auto: candidate(s) {', '.join(map(repr, missing))} not installed, skipped")
        return list(dict.fromkeys(c for c in cands if c in known))

    def _generate(self, table: EncodedTable, plan: dict, rng: np.random.Generator) -> Generated:
        with threadpool_limits(limits=1):
            return self._pick_and_generate(table, plan, rng)

    def _pick_and_generate(self, table: EncodedTable, plan: dict, rng) -> Generated:
        from ..evaluation import metrics
        from ..evaluation.classifiers import features, make_classifier, predict_proba

        notes: list[str] = []
        schema = table.schema
        metric, clf_name = self.params["metric"], self.params["classifier"]
        n_classes = len(schema.target.labels)
        counts = np.bincount(table.y, minlength=n_classes)
        k = min(self.params["folds"], int(counts[counts > 0].min()))
        skipped: dict[str, str] = {}
        runnable = []
        for c in self._candidates(notes):
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
        seeds = rng.integers(0, 2**32, size=3)
        record = {"metric": metric, "classifier": clf_name, "folds": int(k), "scores": {}, "baseline": None,
                  "beats_baseline": None, "skipped": skipped}
        if k < 2:
            chosen = runnable[0]
            record["chosen"] = chosen
            warn(f"auto: a class has a single row, so candidates could not be cross-validated; used {chosen!r}", notes)
        else:
            from sklearn.model_selection import StratifiedKFold

            positive = int(np.argmin(np.where(counts > 0, counts, np.iinfo(np.int64).max))) if n_classes == 2 else -1
            n_cat = [len(c.categories) for c in schema.categorical]
            scores = {c: [] for c in runnable}
            baseline = []
            skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=int(seeds[0]))
            for fold, (tr, te) in enumerate(skf.split(np.zeros(table.n_rows), table.y)):
                train, test = table.take(tr), table.take(te)
                X_test = features(test.numeric, test.categorical)

                def score(numeric, categorical, y):
                    model = make_classifier(clf_name, len(schema.numeric), n_cat, None, int(seeds[1]))
                    model.fit(features(numeric, categorical), y)
                    proba = predict_proba(model, X_test, n_classes)
                    if metric in metrics.LABEL_METRICS:
                        pred = metrics.predict_default(proba)
                        return metrics.label_metrics(test.y, pred, n_classes, positive, 2.0)[metric]
                    return metrics.score_metrics(test.y, proba, positive)[metric]

                baseline.append(score(train.numeric, train.categorical, train.y))
                fold_plan = _scaled_plan(plan, counts, train.y)
                for i, c in enumerate(runnable):
                    if c in skipped:
                        continue
                    try:
                        made = _run(registry.get(c)(), train, fold_plan, np.random.default_rng([int(seeds[2]), fold, i]))
                    except Exception as exc:  # a candidate failing is a result, not an error
                        skipped[c] = f"failed in inner fold {fold}: {type(exc).__name__}: {exc}"[:300]
                        continue
                    keep = np.setdiff1d(np.arange(train.n_rows), made.removed)
                    scores[c].append(score(
                        np.vstack([train.numeric[keep], made.numeric]),
                        np.vstack([train.categorical[keep], made.categorical]),
                        np.r_[train.y[keep], made.y],
                    ))
            means = {c: float(np.mean(v)) for c, v in scores.items() if c not in skipped and v}
            if not means:
                raise ParameterError(
                    "auto: every candidate failed in the inner folds ("
                    + "; ".join(f"{c}: {why}" for c, why in skipped.items()) + ")"
                )
            lower = metric in metrics.LOWER_IS_BETTER
            chosen = (min if lower else max)(means, key=means.get)
            base = float(np.mean(baseline))
            beats = means[chosen] < base if lower else means[chosen] > base
            record.update(chosen=chosen, scores=means, baseline=base, beats_baseline=bool(beats))
            if not beats:
                warn(
                    f"auto: no candidate beats no resampling on {metric} with {clf_name} "
                    f"({k}-fold: no resampling {base:.3f}, best candidate {chosen!r} {means[chosen]:.3f}); "
                    f"the rows come from {chosen!r}, but they will probably not help this classifier",
                    notes,
                )
        made = _run(registry.get(record["chosen"])(), table, plan, rng)
        made.params = {**made.params, "auto": record}
        made.notes = notes + list(made.notes)
        made.made_by = record["chosen"]
        return made


def _scaled_plan(plan: dict, counts: np.ndarray, y_train: np.ndarray) -> dict:
    """The plan for a fold: each class's new rows in proportion to its rows in the fold."""
    in_fold = np.bincount(y_train, minlength=len(counts))
    return {c: int(round(n * in_fold[c] / counts[c])) for c, n in plan.items() if counts[c] and in_fold[c]}


def _run(gen: Generator, table: EncodedTable, plan: dict, rng) -> Generated:
    """Run ``gen`` on the rows it expects; positions in the result refer to ``table``."""
    plan = {c: n for c, n in plan.items() if n > 0}
    needs_all = gen.needs_all_rows or bool(getattr(gen, "needs_all_rows_for", lambda s: False)(table.schema))
    rows = np.arange(table.n_rows) if needs_all else np.flatnonzero(np.isin(table.y, list(plan)))
    sub = table if needs_all else table.take(rows)
    small = [c for c in plan if (sub.y == c).sum() < gen.min_rows]
    if small:
        raise ParameterError(
            f"{gen.name!r} needs {gen.min_rows} rows per class; class "
            f"{table.schema.target.labels[small[0]]!r} has {(sub.y == small[0]).sum()}"
        )
    made = gen.generate(sub, plan, rng)
    if made.copied_from is not None:
        made.copied_from = rows[made.copied_from]
    if len(made.removed):
        made.removed = rows[made.removed]
    return made
