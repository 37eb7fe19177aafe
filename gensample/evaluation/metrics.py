"""Per-fold metrics recommended for imbalanced classification, and how to tune a threshold.

Two-class targets: the positive class is the minority; precision, recall, F1 and F-beta are
the minority class's; PR-AUC is average precision of the minority's probability.
More classes: precision, recall, F1, F-beta, PR-AUC and ROC-AUC are macro averages over the
classes (one-vs-rest for the AUCs), so every class counts the same whatever its size.
G-mean is the geometric mean of the per-class recalls (imbalanced-learn's
``geometric_mean_score``); Brier score is the mean squared error of the probability vector
(for two classes: of the positive class's probability, as in scikit-learn).

Calibration (resampling and class weights inflate the minority's probabilities, so a model can
gain recall and lose its probabilities): ``log_loss`` (scikit-learn's), ``ece`` (expected
calibration error: 10 equal-width bins of the positive class's probability for two classes,
of the top label's for more; the share-weighted gap between mean probability and frequency)
and ``calibration_slope`` (slope of a logistic regression of the outcome on the logit of the
predicted probability; 1 is calibrated, below 1 too extreme, above 1 too timid: it is reported,
not ranked, since neither direction is better). ECE and the slope are not in scikit-learn,
hence the few lines here.

Costs: with a cost matrix (:func:`parse_costs`, e.g. ``fn=10,fp=1``), ``expected_cost`` is the
mean cost per row at the cost-minimising threshold on the positive class's probability,
``fp / (fp + fn)`` (Elkan 2001), which is the right threshold for calibrated probabilities.
"""

from __future__ import annotations

import warnings

import numpy as np
from imblearn.metrics import geometric_mean_score
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    fbeta_score,
    matthews_corrcoef,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.preprocessing import label_binarize

from ..errors import ParameterError, closest

#: Every metric, in report order (these are the JSON keys).
METRICS = ("precision", "recall", "f1", "f_beta", "pr_auc", "roc_auc", "mcc",
           "balanced_accuracy", "g_mean", "kappa", "brier", "log_loss", "ece")
#: Reported beside the metrics (per fold, mean and spread) but not ranked or sorted by.
REPORTED = ("calibration_slope",)
#: Metrics computed from predicted labels: they depend on the decision threshold.
LABEL_METRICS = ("precision", "recall", "f1", "f_beta", "mcc", "balanced_accuracy", "g_mean", "kappa")
#: Metrics where smaller is better.
LOWER_IS_BETTER = frozenset({"brier", "log_loss", "ece", "expected_cost"})


def check_metric(name: str, allowed=METRICS, what: str = "metric") -> str:
    if name not in allowed:
        hint = closest(str(name), allowed)
        raise ParameterError(
            f"unknown {what} {name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            + f"; choose one of: {', '.join(allowed)}"
        )
    return name


def label_metrics(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, positive: int, beta: float) -> dict:
    """Metrics of predicted class codes ``y_pred`` (codes ``0 .. n_classes-1``)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if n_classes == 2 and np.isin([0, 1], y_true).all():
        # The confusion-count formulas equal scikit-learn's here (both classes in y_true; the
        # suite checks them against scikit-learn), and skip its per-call input validation,
        # which was 55 % of a compare run of `auto` (its inner selection scores ~30 folds).
        fast = binary_label_metrics(y_true == positive, (y_pred == positive)[None, :], beta)
        return {name: float(v[0]) for name, v in fast.items()}
    return sklearn_label_metrics(y_true, y_pred, n_classes, positive, beta)


def sklearn_label_metrics(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, positive: int, beta: float) -> dict:
    """:func:`label_metrics` through scikit-learn's and imbalanced-learn's own functions."""
    labels = np.arange(n_classes)
    if n_classes == 2:
        avg = {"average": "binary", "pos_label": positive}
    else:
        avg = {"average": "macro", "labels": labels}
    with warnings.catch_warnings():
        # A fold where a classifier never predicts the minority has precision 0 by
        # convention (zero_division=0); that is the honest number, not a warning.
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return {
            "precision": float(precision_score(y_true, y_pred, zero_division=0, **avg)),
            "recall": float(recall_score(y_true, y_pred, zero_division=0, **avg)),
            "f1": float(fbeta_score(y_true, y_pred, beta=1.0, zero_division=0, **avg)),
            "f_beta": float(fbeta_score(y_true, y_pred, beta=beta, zero_division=0, **avg)),
            "mcc": float(matthews_corrcoef(y_true, y_pred)),
            "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
            "g_mean": float(geometric_mean_score(y_true, y_pred, labels=labels, average="multiclass")),
            "kappa": float(_kappa(y_true, y_pred)),
        }


def _kappa(y_true, y_pred) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = cohen_kappa_score(y_true, y_pred)
    # Both vectors constant and equal: agreement is perfect but kappa is 0/0.
    return 0.0 if not np.isfinite(value) else value


def score_metrics(y_true: np.ndarray, proba: np.ndarray, positive: int) -> dict:
    """Threshold-free metrics of the probability matrix ``proba`` (one column per class code)."""
    n_classes = proba.shape[1]
    out = {}
    if n_classes == 2:
        p = proba[:, positive]
        t = (y_true == positive).astype(int)
        out["pr_auc"] = float(average_precision_score(t, p)) if t.any() else float("nan")
        out["roc_auc"] = float(roc_auc_score(t, p)) if 0 < t.sum() < len(t) else float("nan")
        out["brier"] = float(np.mean((p - t) ** 2))
        out["log_loss"] = float(_log_loss(t, np.column_stack([1 - p, p])))
        out["ece"] = _ece(p, t)
        out["calibration_slope"] = _slope(p, t)
    else:
        onehot = label_binarize(y_true, classes=np.arange(n_classes))
        present = onehot.any(axis=0) & ~onehot.all(axis=0)
        out["pr_auc"] = float(np.mean([average_precision_score(onehot[:, c], proba[:, c]) for c in np.flatnonzero(present)]))
        out["roc_auc"] = float(np.mean([roc_auc_score(onehot[:, c], proba[:, c]) for c in np.flatnonzero(present)]))
        out["brier"] = float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
        out["log_loss"] = float(_log_loss(y_true, proba))
        top = np.argmax(proba, axis=1)
        out["ece"] = _ece(proba[np.arange(len(top)), top], (top == y_true).astype(int))
        out["calibration_slope"] = float("nan")
    return out


def _log_loss(y, proba) -> float:
    from sklearn.metrics import log_loss

    eps = 1e-15  # a probability of exactly 0 for the true class would make the loss infinite
    p = np.clip(np.asarray(proba, float), eps, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    return log_loss(y, p, labels=np.arange(p.shape[1]))


def _ece(p: np.ndarray, t: np.ndarray, bins: int = 10) -> float:
    p, t = np.asarray(p, float), np.asarray(t, float)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    n = np.bincount(idx, minlength=bins)
    conf = np.bincount(idx, weights=p, minlength=bins)
    freq = np.bincount(idx, weights=t, minlength=bins)
    keep = n > 0
    return float(np.sum(np.abs(conf[keep] - freq[keep])) / len(p))


def _slope(p: np.ndarray, t: np.ndarray) -> float:
    if t.min() == t.max():
        return float("nan")
    from sklearn.linear_model import LogisticRegression

    z = np.log(np.clip(p, 1e-6, 1 - 1e-6) / np.clip(1 - p, 1e-6, 1 - 1e-6))
    if np.ptp(z) == 0:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = LogisticRegression(C=1e6, max_iter=1000).fit(z[:, None], t)
    return float(fit.coef_[0, 0])


def parse_costs(costs) -> dict:
    """``"fn=10,fp=1"`` or ``{"fn": 10, "fp": 1}`` -> ``{"fn": 10.0, "fp": 1.0}`` (both positive).

    ``fn``: the cost of missing a minority row; ``fp``: the cost of a false alarm. Correct
    decisions cost nothing.
    """
    if isinstance(costs, str):
        out = {}
        for part in costs.split(","):
            key, sep, val = part.partition("=")
            if not sep:
                raise ParameterError(f"costs: expected fn=NUMBER,fp=NUMBER, got {costs!r}")
            try:
                out[key.strip().lower()] = float(val)
            except ValueError:
                raise ParameterError(f"costs: {val.strip()!r} is not a number (in {costs!r})") from None
        costs = out
    if not isinstance(costs, dict) or set(costs) != {"fn", "fp"}:
        raise ParameterError(f"costs must give exactly fn and fp, e.g. fn=10,fp=1; got {costs!r}")
    vals = {k: float(v) for k, v in costs.items()}
    if not all(np.isfinite(v) and v > 0 for v in vals.values()):
        raise ParameterError(f"costs: fn and fp must be positive numbers, got {costs!r}")
    return vals


def expected_cost(y_true: np.ndarray, p_positive: np.ndarray, positive: int, costs: dict) -> float:
    """Mean cost per row when predicting positive at ``p >= fp / (fp + fn)``."""
    threshold = costs["fp"] / (costs["fp"] + costs["fn"])
    pred = np.asarray(p_positive) >= threshold
    truth = np.asarray(y_true) == positive
    return float((costs["fn"] * np.sum(~pred & truth) + costs["fp"] * np.sum(pred & ~truth)) / len(truth))


def all_metrics(y_true, proba, y_pred, positive: int, beta: float) -> dict:
    out = {**label_metrics(y_true, y_pred, proba.shape[1], positive, beta), **score_metrics(y_true, proba, positive)}
    return {m: out[m] for m in METRICS}


def predict_default(proba: np.ndarray) -> np.ndarray:
    """The classifier's own decision: the most probable class (0.5 for two classes)."""
    return np.argmax(proba, axis=1)


def predict_at(proba: np.ndarray, positive: int, threshold: float) -> np.ndarray:
    """Two classes: positive when its probability is at least ``threshold``."""
    return np.where(proba[:, positive] >= threshold, positive, 1 - positive)


def tune_threshold(y_true: np.ndarray, p_positive: np.ndarray, positive: int, objective: str, beta: float) -> float:
    """The threshold on the positive class's probability that maximises ``objective``.

    ``y_true`` and ``p_positive`` are out-of-fold predictions on the training fold, so the
    test fold plays no part. Candidates are the midpoints between distinct probabilities
    (at most 200 quantiles of them). Ties go to the threshold nearest 0.5, the classifier's
    own, so tuning never moves the decision for nothing.
    """
    values = np.unique(p_positive)
    if len(values) > 200:
        values = np.unique(np.quantile(p_positive, np.linspace(0, 1, 200)))
    if len(values) == 1:
        return 0.5
    candidates = (values[:-1] + values[1:]) / 2.0
    scores = binary_label_metrics(y_true == positive, p_positive[None, :] >= candidates[:, None], beta)[objective]
    best = np.max(scores)
    tied = np.flatnonzero(scores >= best - 1e-12)
    return float(candidates[tied[np.argmin(np.abs(candidates[tied] - 0.5))]])


def binary_label_metrics(truth: np.ndarray, predicted: np.ndarray, beta: float) -> dict:
    """Every label metric from boolean predictions, vectorised over the rows of ``predicted``.

    scikit-learn computes one prediction vector per call; tuning tries up to 200 thresholds,
    so the confusion counts are computed here at once (the test suite checks these formulas
    against scikit-learn's functions).
    """
    truth = np.asarray(truth, dtype=bool)
    predicted = np.atleast_2d(predicted)
    tp = (predicted & truth).sum(axis=1).astype(float)
    fp = (predicted & ~truth).sum(axis=1).astype(float)
    fn = (~predicted & truth).sum(axis=1).astype(float)
    tn = (~predicted & ~truth).sum(axis=1).astype(float)
    n = tp + fp + fn + tn
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        specificity = np.where(tn + fp > 0, tn / (tn + fp), 0.0)
        b2 = beta * beta
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
        fb = np.where((1 + b2) * tp + b2 * fn + fp > 0, (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp), 0.0)
        denom = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
        mcc = np.where(denom > 0, (tp * tn - fp * fn) / denom, 0.0)
        po = (tp + tn) / n
        pe = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n)
        kappa = np.where(pe < 1, (po - pe) / (1 - pe), 0.0)
    return {
        "precision": precision, "recall": recall, "f1": f1, "f_beta": fb, "mcc": mcc,
        "balanced_accuracy": (recall + specificity) / 2.0, "g_mean": np.sqrt(recall * specificity), "kappa": kappa,
    }



def scorer(objective: str, positive: int, beta: float):
    """A scikit-learn scorer of label metric ``objective`` with class code ``positive`` as the positive class."""
    from sklearn.metrics import make_scorer

    def score(y_true, y_pred, pos_label):
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        return binary_label_metrics(y_true == pos_label, (y_pred == pos_label)[None, :], beta)[objective][0]

    # pos_label tells TunedThresholdClassifierCV whose probability the threshold is on.
    return make_scorer(score, pos_label=positive)
