"""The downstream classifiers compare trains, all from scikit-learn.

Features come from gensample's own schema encoding (:meth:`TableSchema.encode`), built once on
the whole table so every fold sees the same columns: numbers (booleans 0/1, datetimes in
days) as floats with NaN for missing cells, categories as integer codes with NaN for missing.

* ``lr``: logistic regression on standardised numbers (median-imputed) and one-hot categories
  (a missing category is a category of its own).
* ``rf``: random forest (100 trees) on numbers and category codes; scikit-learn's trees take
  NaN as they are.
* ``hgb``: histogram gradient boosting with native categorical splits on the category codes
  (columns with more than 250 categories are used as ordinal codes: the native splits cap at
  255 bins).

``class_weight="balanced"`` is the ``class-weight`` baseline; each model gets its own seed.
"""

from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ..errors import ParameterError, closest

#: Short name -> description (the CLI's ``--classifiers`` choices).
CLASSIFIERS = {
    "lr": "logistic regression (standardised numbers, one-hot categories)",
    "rf": "random forest, 100 trees",
    "hgb": "histogram gradient boosting (native categorical splits)",
}

_MAX_NATIVE_CATEGORIES = 250


def check_classifiers(names) -> list[str]:
    """Validate a list (or comma-separated string) of classifier names."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    names = list(dict.fromkeys(names))
    if not names:
        raise ParameterError(f"classifiers is empty; choose from {', '.join(CLASSIFIERS)}")
    for name in names:
        if name not in CLASSIFIERS:
            hint = closest(str(name), CLASSIFIERS)
            raise ParameterError(
                f"unknown classifier {name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + f"; choose from: " + ", ".join(f"{k} ({v})" for k, v in CLASSIFIERS.items())
            )
    return names


def features(numeric: np.ndarray, categorical: np.ndarray) -> np.ndarray:
    """One float matrix: numeric columns, then category codes (-1 -> NaN)."""
    cat = categorical.astype(np.float64)
    cat[categorical < 0] = np.nan
    return np.column_stack([numeric.astype(np.float64), cat]) if cat.shape[1] else numeric.astype(np.float64)


def make_classifier(name: str, n_numeric: int, n_categories: list[int], class_weight=None, random_state=None):
    """An unfitted classifier for :func:`features` matrices.

    Parameters
    ----------
    name : {"lr", "rf", "hgb"}
    n_numeric : int
        Number of numeric columns (they come first).
    n_categories : list of int
        Number of categories of each categorical column (they follow).
    class_weight : None or "balanced"
    random_state : int
    """
    num = list(range(n_numeric))
    cat = list(range(n_numeric, n_numeric + len(n_categories)))
    if name == "lr":
        parts = []
        if num:
            parts.append(("num", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()), num))
        if cat:
            parts.append(("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat))
        return Pipeline([
            ("prep", ColumnTransformer(parts)),
            ("clf", LogisticRegression(max_iter=2000, class_weight=class_weight, random_state=random_state)),
        ])
    if name == "rf":
        return RandomForestClassifier(
            n_estimators=100, class_weight=class_weight, random_state=random_state, n_jobs=1
        )
    if name == "hgb":
        mask = np.zeros(n_numeric + len(n_categories), dtype=bool)
        mask[cat] = [k <= _MAX_NATIVE_CATEGORIES for k in n_categories]
        return HistGradientBoostingClassifier(
            categorical_features=mask if mask.any() else None, class_weight=class_weight, random_state=random_state
        )
    check_classifiers([name])
    raise AssertionError("unreachable")  # pragma: no cover


def predict_proba(model, X: np.ndarray, n_classes: int) -> np.ndarray:
    """Probabilities with one column per class code, even when a class was absent in training."""
    proba = model.predict_proba(X)
    classes = np.asarray(model.classes_)
    if len(classes) == n_classes and np.array_equal(classes, np.arange(n_classes)):
        return proba
    out = np.zeros((len(X), n_classes))
    out[:, classes.astype(int)] = proba
    return out
