"""The leakage-free protocol: folds, resampling inside the training fold, one grid cell.

One *cell* of the grid is (method, repeat, fold). Its synthetic rows are made from the
training fold only, then every classifier is trained on the same augmented training fold, so
classifiers are compared on identical rows and an expensive generator is trained once per
fold. The test fold is only ever predicted.

Seeds: every random choice of a cell comes from seeds derived from the run seed and the
cell's coordinates (``numpy.random.SeedSequence``), never from shared state, so a cell gives
the same numbers whichever process, machine or order runs it. The classifiers' seeds, the
inner folds of threshold tuning and the generators' seeds do not depend on the method, so
methods are compared with common random numbers and their differences are not classifier or
sampling noise (``auto`` choosing SMOTE makes exactly SMOTE's rows of that fold).

Why one module: the leakage rule (rows made from the training fold only) and the seed
derivation are what every cell relies on, and they are enforced in the three pieces here
(cell, trainer, resampler) which pass the same seeds and folds to each other; a split would
put the rule's halves in different files.
"""

from __future__ import annotations

import time
import warnings
import zlib
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from ..errors import GensampleError
from . import metrics as M
from .classifiers import features, make_classifier, predict_proba

#: Baselines, always run: no resampling, balanced class weights, tuned threshold.
NONE, CLASS_WEIGHT, THRESHOLD = "none", "class-weight", "threshold"
BASELINES = (NONE, CLASS_WEIGHT, THRESHOLD)

#: Rows kept of a cell's synthetic table for the report's pictures (first fold only).
EXAMPLE_ROWS = 2000


def derive_seed(*parts) -> int:
    """A 32-bit seed from integers and strings (strings by CRC-32, stable across processes)."""
    words = [zlib.crc32(p.encode()) if isinstance(p, str) else int(p) for p in parts]
    return int(np.random.SeedSequence(words).generate_state(1)[0])


@dataclass
class Settings:
    """Everything a cell needs besides the data (sent to every worker)."""

    target: object
    classifiers: list
    seed: int
    beta: float
    tune_threshold: bool
    threshold_metric: str
    inner_folds: int
    sampling_strategy: object
    categorical: list | None
    method_params: dict
    fidelity: bool
    n_classes: int
    positive: int
    n_numeric: int
    n_categories: list
    costs: dict | None = None
    #: The metric the comparison ranks by; ``auto`` judges its candidates by it unless the
    #: user gave ``auto`` a ``metric`` (None: ``auto`` keeps its own default).
    metric: str | None = None


def split_method(name: str) -> tuple[str, tuple]:
    """``"smote+threshold"`` -> ``("smote", ("threshold",))``; ``"class-weight"`` -> ``("none", ("class-weight",))``."""
    parts = [p.strip() for p in name.split("+")]
    if name == CLASS_WEIGHT:
        return NONE, (CLASS_WEIGHT,)
    return parts[0], tuple(parts[1:])


def is_generator(head: str) -> bool:
    """Whether a remedy's head is a gensample method (rows made through sample_minority)."""
    from ..selection.remedies import ENSEMBLES, UNDERSAMPLERS

    return head not in (NONE, CLASS_WEIGHT, THRESHOLD) and head not in UNDERSAMPLERS and head not in ENSEMBLES


def tuned_only(name: str) -> bool:
    """Remedies whose decision *is* a tuned threshold: they have tuned rows only."""
    return name == THRESHOLD or name.endswith("+threshold")


@dataclass
class Cell:
    method: str
    repeat: int
    fold: int
    train: np.ndarray
    test: np.ndarray
    #: For a method that judges by a classifier (``auto``): the one classifier this cell trains
    #: and the method judges with; None: the cell trains every classifier on the same rows.
    judge: str | None = None


@dataclass
class CellOutcome:
    """What one cell measured."""

    rows: list
    generation: dict
    example: dict | None = None
    notes: list = field(default_factory=list)


def make_cells(y_codes: np.ndarray, methods: list, folds: int, repeats: int, seed: int,
               judged: dict | None = None) -> list:
    """Repeated stratified k-fold: each repeat shuffles with its own derived seed.

    ``judged`` maps a method to the classifiers it is judged by: that method gets one cell per
    classifier (see :func:`judged_methods`), the others one cell for all classifiers.
    """
    judged = judged or {}
    cells = []
    for r in range(repeats):
        skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=derive_seed(seed, "split", r))
        for f, (train, test) in enumerate(skf.split(np.zeros(len(y_codes)), y_codes)):
            for m in methods:
                for judge in judged.get(m) or [None]:
                    cells.append(Cell(m, r, f, train, test, judge))
    return cells


def judged_methods(methods: list, classifiers: list, method_params: dict) -> dict:
    """``{method: classifiers}`` for the ``auto`` remedies whose judge the user did not fix.

    ``auto`` chooses its method by inner cross-validation of a classifier (``classifier=``,
    logistic regression by default). Compared under a random forest, the choice lr's folds made
    is not the one the forest's user would get: on the 4 KEEL sets where lr-judged ``auto``
    switched away from SMOTE, rf-judged ``auto`` kept SMOTE in 40 of 40 folds, and the rf
    losses of the switches (down to -0.05 G-mean) were gone. So each classifier is its own
    judge, at one ``auto`` run per classifier and fold (with one classifier too: a comparison
    of random forests alone must not judge by logistic regression).
    """
    out = {}
    for m in methods:
        if is_auto(m) and not {"classifier", "estimator"} & set(method_params.get(m, {})):
            out[m] = list(classifiers)
    return out


def is_auto(method: str) -> bool:
    """Whether a remedy is ``auto`` (alone or combined, e.g. ``auto+threshold``)."""
    return split_method(method)[0] == "auto"


def auto_metric(metric: str | None) -> str | None:
    """The metric ``auto`` can judge by for a comparison ranked by ``metric`` (None: its own default).

    ``expected_cost`` needs the cost matrix and a tuned threshold, which ``auto``'s inner folds
    do not have: there ``auto`` keeps its default (the comparison notes it).
    """
    from . import metrics as M

    return metric if metric in M.METRICS else None


def for_cell(settings: Settings, cell: Cell) -> Settings:
    """The settings a cell runs with: for a judged cell, its one classifier, also as the method's
    judge; for ``auto``, the comparison's metric as its judging metric unless the user set one."""
    if not is_auto(cell.method):
        return settings
    own = settings.method_params.get(cell.method, {})
    extra = {}
    if cell.judge is not None:
        extra["classifier"] = cell.judge
    if "metric" not in own and auto_metric(settings.metric) is not None:
        extra["metric"] = auto_metric(settings.metric)
    if not extra:
        return settings
    params = {**settings.method_params, cell.method: {**own, **extra}}
    classifiers = [cell.judge] if cell.judge is not None else settings.classifiers
    return replace(settings, classifiers=classifiers, method_params=params)


def run_cell(cell: Cell, data: pd.DataFrame, schema, settings: Settings) -> CellOutcome:
    """Resample the training fold with ``cell.method``, train each classifier, score the test fold."""
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        # Decisions (lowered k, fallbacks) are recorded in the outcome; a grid of many cells
        # would otherwise print the same warning dozens of times. One thread per cell: the
        # grid is the parallel part, and OpenMP threads of many cells (gradient boosting)
        # fighting for the same cores made a fit ~20x slower.
        warnings.simplefilter("ignore")
        settings = for_cell(settings, cell)
        try:
            return _run_cell(cell, data, schema, settings)
        except (KeyboardInterrupt, MemoryError):
            raise
        except Exception as exc:  # noqa: BLE001 - one remedy failing on one fold must not end the comparison
            return failed_cell(cell, settings, exc)


def failed_cell(cell: Cell, settings: Settings, exc: BaseException) -> CellOutcome:
    """The rows of a cell whose remedy raised: every metric NaN and the error in ``error``.

    A remedy of another library can fail on one fold and not the next (imbalanced-learn's
    RUSBoost raises when its first weak learner is no better than chance; SMOTE inside a
    bagging bootstrap can draw a single minority row), so the comparison records the failure
    per fold and goes on; ``compare`` reports the count per method.
    """
    s = settings
    error = f"{type(exc).__name__}: {exc}"[:500]
    metrics = {m: float("nan") for m in (*M.METRICS, *M.REPORTED)}
    if s.costs is not None and s.n_classes == 2:
        metrics["expected_cost"] = float("nan")
    head, mods = split_method(cell.method)
    tuned = s.n_classes == 2 and (cell.method == NONE or s.tune_threshold or "threshold" in mods)
    rows = []
    for clf_name in s.classifiers:
        base = {"classifier": clf_name, "repeat": cell.repeat, "fold": cell.fold, "train_seconds": float("nan"),
                "n_train": int(len(cell.train)), "n_test": int(len(cell.test))}
        if not tuned_only(cell.method):
            rows.append({"method": cell.method, **base, "operating_point": "default",
                         "threshold": 0.5 if s.n_classes == 2 else None, **_ordered(metrics), "error": error})
        if tuned:
            name = THRESHOLD if cell.method == NONE else cell.method
            rows.append({"method": name, **base, "operating_point": "tuned", "threshold": float("nan"),
                         **_ordered(metrics), "error": error})
    gen = {"method": cell.method, "repeat": cell.repeat, "fold": cell.fold, "seconds": float("nan"),
           "n_synthetic": 0, "n_removed": 0, "method_used": None, "fidelity": None, "fallbacks": 0, "calls": 0,
           "fallback_reasons": [], "error": error, "judge": cell.judge}
    return CellOutcome(rows, gen, None, [])


def _run_cell(cell: Cell, data: pd.DataFrame, schema, settings: Settings) -> CellOutcome:
    s = settings
    head, mods = split_method(cell.method)
    train_df = data.iloc[cell.train]
    test_enc = schema.encode(data, cell.test)
    X_test, y_test = features(test_enc.numeric, test_enc.categorical), test_enc.y
    notes: list[str] = []
    resampler = _Resampler(cell, s)

    started = time.perf_counter()
    fitted, gen = resampler.outer(train_df)
    X_train, y_train = _xy(schema, fitted)
    real_prior = _prior(schema.encode(train_df).y if resampler.resamples else y_train, s.n_classes)
    trainer = _Trainer(head, mods, s, schema, cell)
    X_fit, y_fit = trainer.select_rows(X_train, y_train)
    if trainer.sampler is not None:
        gen.update(seconds=time.perf_counter() - started, n_removed=int(len(y_train) - len(y_fit)),
                   method_used=head)
    # The no-resampling cell is always tuned: at its tuned threshold it is the threshold baseline.
    tuned_needed = s.n_classes == 2 and (cell.method == NONE or s.tune_threshold or "threshold" in mods)
    thresholds = {}
    if tuned_needed:
        if resampler.resamples:
            thresholds = _tune(cell, train_df, schema, s, resampler, trainer, notes)
        else:
            thresholds = trainer.tuned_thresholds(X_train, y_train, notes)

    rows = []
    for clf_name in s.classifiers:
        started = time.perf_counter()
        seed = derive_seed(s.seed, "clf", cell.repeat, cell.fold, clf_name)
        model = trainer.fitted.get(clf_name)
        if model is None:
            model = trainer.build(clf_name, seed)
            model.fit(X_fit, y_fit)
        proba = predict_proba(model, X_test, s.n_classes)
        if "prior" in mods:
            trained = np.full(s.n_classes, 1.0 / s.n_classes) if trainer.balanced else _prior(y_fit, s.n_classes)
            proba = prior_shift(proba, real_prior, trained)
        train_seconds = time.perf_counter() - started
        base = {"classifier": clf_name, "repeat": cell.repeat, "fold": cell.fold, "train_seconds": train_seconds,
                "n_train": int(len(y_fit)), "n_test": int(len(y_test))}
        scores = M.score_metrics(y_test, proba, s.positive)
        if s.costs is not None and s.n_classes == 2:
            scores["expected_cost"] = M.expected_cost(y_test, proba[:, s.positive], s.positive, s.costs)
        if not tuned_only(cell.method):
            default = M.label_metrics(y_test, M.predict_default(proba), s.n_classes, s.positive, s.beta)
            rows.append({"method": cell.method, **base, "operating_point": "default",
                         "threshold": 0.5 if s.n_classes == 2 else None, **_ordered({**default, **scores})})
        if clf_name in thresholds:
            t = thresholds[clf_name]
            tuned = M.label_metrics(y_test, M.predict_at(proba, s.positive, t), 2, s.positive, s.beta)
            # The no-resampling model at its tuned threshold *is* the threshold baseline.
            name = THRESHOLD if cell.method == NONE else cell.method
            rows.append({"method": name, **base, "operating_point": "tuned", "threshold": t, **_ordered({**tuned, **scores})})
    gen["fallbacks"] = resampler.fallbacks
    gen["calls"] = resampler.calls
    gen["fallback_reasons"] = sorted(set(resampler.reasons))
    example = None
    if cell.repeat == 0 and cell.fold == 0 and resampler.synthetic is not None:
        example = {"method": cell.method, "train": cell.train, "synthetic": resampler.synthetic.iloc[:EXAMPLE_ROWS]}
    return CellOutcome(rows, gen, example, notes + resampler.notes)


def prior_shift(proba: np.ndarray, real: np.ndarray, trained: np.ndarray) -> np.ndarray:
    """Move probabilities from the class prior a model was trained on to the real one.

    Saerens, Latinne & Decaestecker (2002): ``p'(c|x) ∝ p(c|x) * real(c) / trained(c)``.
    Written here because neither scikit-learn nor imbalanced-learn has it.
    """
    w = np.divide(real, trained, out=np.ones_like(real, dtype=float), where=trained > 0)
    q = proba * w
    tot = q.sum(axis=1, keepdims=True)
    return np.divide(q, tot, out=np.full_like(q, 1.0 / q.shape[1]), where=tot > 0)


def _prior(y: np.ndarray, n_classes: int) -> np.ndarray:
    return np.bincount(np.asarray(y, dtype=np.int64), minlength=n_classes) / max(len(y), 1)


def _ordered(values: dict) -> dict:
    out = {m: values.get(m, float("nan")) for m in (*M.METRICS, *M.REPORTED)}
    if "expected_cost" in values:
        out["expected_cost"] = values["expected_cost"]
    return out


def _xy(schema, frame: pd.DataFrame):
    enc = schema.encode(frame)
    return features(enc.numeric, enc.categorical), enc.y


class _Trainer:
    """Builds a cell's model: class weights, an under-sampler choosing rows, or a balanced ensemble.

    Under-samplers are imbalanced-learn's; they choose rows in a standardised, imputed,
    one-hot view of the features (their neighbours need numbers without gaps) and the chosen
    rows are then taken as they are, so no row is altered.
    """

    def __init__(self, head, mods, s: Settings, schema, cell: Cell):
        from ..selection.remedies import ENSEMBLES, UNDERSAMPLERS

        self.head, self.mods, self.s, self.schema, self.cell = head, mods, s, schema, cell
        self.weight = "balanced" if CLASS_WEIGHT in mods else None
        self.sampler = head if head in UNDERSAMPLERS else None
        self.ensemble = head if head in ENSEMBLES else None
        self.balanced = self.weight is not None or self.ensemble is not None
        self.fitted: dict = {}

    def _row_sampler(self):
        from ..selection.remedies import RowSelector, make_remedy

        return RowSelector(make_remedy(self.head).sampler, self.s.n_numeric, len(self.s.n_categories),
                           random_state=derive_seed(self.s.seed, "under", self.cell.repeat, self.cell.fold))

    def select_rows(self, X, y):
        if self.sampler is None:
            return X, y
        sel = self._row_sampler()
        return sel.fit_resample(X, y)

    def build(self, clf_name: str, seed: int, with_sampler: bool = False):
        s = self.s
        model = make_classifier(clf_name, s.n_numeric, s.n_categories, self.weight, seed)
        if self.ensemble is not None:
            from ..selection.remedies import ensemble_for_features

            sampler = None
            if self.ensemble == "smote-bagging":
                from ..selection.methods import EncodedMethodSampler

                sampler = EncodedMethodSampler("smote", self.schema, None, None,
                                               params=s.method_params.get(self.cell.method) or None)
            model = ensemble_for_features(self.ensemble, model, seed, sampler)
        if with_sampler and self.sampler is not None:
            from imblearn.pipeline import Pipeline

            model = Pipeline([("sampler", self._row_sampler()), ("clf", model)])
        return model

    def tuned_thresholds(self, X, y, notes) -> dict:
        """scikit-learn's TunedThresholdClassifierCV per classifier (resampling inside its inner folds)."""
        from sklearn.model_selection import TunedThresholdClassifierCV

        s, cell = self.s, self.cell
        k = min(s.inner_folds, int(np.bincount(y, minlength=s.n_classes).min()))
        if k < 2:
            notes.append(f"fold {cell.fold} (repeat {cell.repeat}): a class has fewer than 2 training rows, "
                         "so the threshold was not tuned (0.5 kept)")
            return {c: 0.5 for c in s.classifiers}
        out = {}
        for c in s.classifiers:
            model = self.build(c, derive_seed(s.seed, "clf", cell.repeat, cell.fold, c), with_sampler=True)
            tuner = TunedThresholdClassifierCV(
                model, scoring=M.scorer(s.threshold_metric, s.positive, s.beta), refit=True,
                cv=StratifiedKFold(n_splits=k, shuffle=True, random_state=derive_seed(s.seed, "inner", cell.repeat, cell.fold)),
            )
            tuner.fit(X, y)
            out[c] = float(tuner.best_threshold_)
            # refit=True fitted the very model the cell trains (same rows, same seed): reuse it.
            self.fitted[c] = tuner.estimator_
        return out


def _tune(cell, train_df, schema, s: Settings, resampler, trainer, notes) -> dict:
    """Out-of-fold probabilities on the training fold (resampling inside each inner fold) -> thresholds.

    Hand-written rather than TunedThresholdClassifierCV because a gensample method resamples
    the inner training folds through sample_minority on the user's DataFrame (schema, dtypes,
    fallbacks), which a scikit-learn meta-estimator on a feature matrix cannot call.
    """
    y_train = schema.encode(train_df).y
    k = min(s.inner_folds, int(np.bincount(y_train, minlength=s.n_classes).min()))
    if k < 2:
        notes.append(
            f"fold {cell.fold} (repeat {cell.repeat}): a class has fewer than 2 training rows, "
            "so the threshold was not tuned (0.5 kept)"
        )
        return {c: 0.5 for c in s.classifiers}
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=derive_seed(s.seed, "inner", cell.repeat, cell.fold))
    oof = {c: np.empty(len(y_train)) for c in s.classifiers}
    for i, (inner_train, inner_test) in enumerate(skf.split(np.zeros(len(y_train)), y_train)):
        part = resampler.inner(train_df.iloc[inner_train], i)
        X_fit, y_fit = _xy(schema, part)
        X_val = _xy(schema, train_df.iloc[inner_test])[0]
        for c in s.classifiers:
            model = trainer.build(c, derive_seed(s.seed, "clf", cell.repeat, cell.fold, c, i))
            model.fit(X_fit, y_fit)
            oof[c][inner_test] = predict_proba(model, X_val, 2)[:, s.positive]
    return {c: M.tune_threshold(y_train, oof[c], s.positive, s.threshold_metric, s.beta) for c in s.classifiers}


class _Resampler:
    """Makes a cell's training data: the fold itself (baselines) or the fold plus synthetic rows."""

    def __init__(self, cell: Cell, settings: Settings):
        self.cell = cell
        self.s = settings
        self.fallbacks = 0
        self.calls = 0
        self.reasons: list[str] = []
        self.notes: list[str] = []
        self.synthetic = None

    @property
    def resamples(self) -> bool:
        return is_generator(split_method(self.cell.method)[0])

    def outer(self, train_df: pd.DataFrame):
        info = {"method": self.cell.method, "repeat": self.cell.repeat, "fold": self.cell.fold,
                "seconds": 0.0, "n_synthetic": 0, "n_removed": 0, "method_used": self.cell.method, "fidelity": None,
                "judge": self.cell.judge}
        if not self.resamples:
            return train_df, info
        result = self._sample(train_df, derive_seed(self.s.seed, "gen", self.cell.repeat, self.cell.fold))
        self.synthetic = result.synthetic
        info.update(seconds=float(result.seconds), n_synthetic=int(len(result.synthetic)),
                    n_removed=int(len(result.removed_index)), method_used=result.method_used)
        if "auto" in result.params:
            info["auto"] = result.params["auto"]
        if self.s.fidelity and len(result.synthetic):
            info["fidelity"] = _fidelity(train_df, result.synthetic, self.s, self.notes)
        return result.augmented, info

    def inner(self, part: pd.DataFrame, i: int) -> pd.DataFrame:
        if not self.resamples:
            return part
        seed = derive_seed(self.s.seed, "gen", self.cell.repeat, self.cell.fold, i)
        return self._sample(part, seed).augmented

    def _sample(self, frame: pd.DataFrame, seed: int):
        from ..sampling import sample_minority

        params = dict(self.s.method_params.get(self.cell.method, {}))
        self.calls += 1
        try:
            result = sample_minority(frame, self.s.target, split_method(self.cell.method)[0], self.s.sampling_strategy,
                                     random_state=seed, categorical=self.s.categorical, **params)
        except GensampleError as exc:
            raise type(exc)(f"{self.cell.method!r} on the training rows of fold {self.cell.fold} "
                            f"(repeat {self.cell.repeat}): {exc}") from exc
        if result.fallback:
            self.fallbacks += 1
            self.reasons.append(result.fallback)
        m = self.cell.method
        self.notes.extend(w if w.startswith(m) else f"{m}: {w}" for w in result.warnings if w != result.fallback)
        return result


def _fidelity(train_df: pd.DataFrame, synthetic: pd.DataFrame, s: Settings, notes: list):
    """The fidelity report of the synthetic rows against the training fold's rows of their classes."""
    try:
        from ..fidelity import evaluate
    except ImportError:  # the fidelity extra is part of the package; guard for trimmed installs
        return None
    try:
        report = evaluate(train_df, synthetic, target=s.target, categorical=s.categorical, random_state=0)
    except GensampleError as exc:
        notes.append(f"fidelity report failed: {exc}")
        return None
    return fidelity_numbers(report)


#: Headline numbers taken from a fidelity report (all are in its ``to_dict()``).
FIDELITY_FIELDS = ("passed", "mode_collapse", "copies_detected", "column_score", "detection_auc", "mmd2",
                   "precision", "recall", "density", "coverage", "exact_copies", "dcr_ratio")


def fidelity_numbers(report) -> dict:
    """``{field: float}`` of :data:`FIDELITY_FIELDS` plus ``verdict`` (text); classes averaged."""
    reports = list(report.reports.values()) if hasattr(report, "reports") else [report]
    per = []
    for r in reports:
        prdc = r.diversity.get("prdc", {}) if isinstance(r.diversity, dict) else {}
        cols = r.columns["score"].astype(float) if "score" in getattr(r.columns, "columns", []) else pd.Series(dtype=float)
        per.append({
            "column_score": float(cols.mean()) if len(cols) else np.nan,
            "detection_auc": _get(r.detection, "auc"),
            "mmd2": _get(r.mmd, "mmd2"),
            "precision": _get(prdc, "precision"),
            "recall": _get(prdc, "recall"),
            "density": _get(prdc, "density"),
            "coverage": _get(prdc, "coverage"),
            "exact_copies": _get(r.copies.get("exact", {}), "share"),
            "dcr_ratio": _get(r.copies.get("dcr", {}), "dcr_ratio"),
        })
    out = {"passed": float(report.passed), "mode_collapse": float(report.mode_collapse),
           "copies_detected": float(report.copies_detected)}
    for key in per[0]:
        vals = [p[key] for p in per if np.isfinite(p[key])]
        out[key] = float(np.mean(vals)) if vals else np.nan
    out["verdict"] = str(report.verdict)
    return out


def _get(d, key) -> float:
    v = d.get(key) if isinstance(d, dict) else None
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")
