"""``GenerativeOverSampler``: every gensample method as an imbalanced-learn over-sampler.

It drops into ``imblearn.pipeline.Pipeline``, ``cross_val_score``, ``GridSearchCV`` and
``sklearn.base.clone`` like imbalanced-learn's own ``SMOTE``, and runs the very code behind
:func:`gensample.sample_minority`: the same schema, methods, fallback policy and missing-cell
handling, so ``fit_resample(X, y)`` with ``random_state=0`` gives the rows of
``sample_minority(..., random_state=0).augmented``.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from scipy import sparse
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions  # as imbalanced-learn's own samplers do
from sklearn.utils.validation import check_consistent_length

from . import registry
from .errors import GensampleError, InputError
from .generators.base import DATA_KINDS
from .sampling import sample_minority

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data
except ImportError:  # pragma: no cover - older scikit-learn, through imbalanced-learn's shim
    from sklearn_compat.utils.validation import validate_data

_TARGET = "__gensample_target__"


class GenerativeOverSampler(BaseOverSampler):
    """Over-sample with any gensample method (SMOTE family or deep generators).

    Parameters
    ----------
    method : str, default="smote"
        A name from :func:`gensample.methods`, e.g. ``"smote"``, ``"borderline-smote"``,
        ``"ctgan"``. On mixed tables ``"smote"`` is SMOTE-NC and on all-categorical tables
        SMOTE-N, chosen from the columns' types.
    sampling_strategy : float, str, dict or callable, default="auto"
        Which classes to grow and to what size, exactly as in imbalanced-learn: a float
        (binary targets: minority/majority ratio after sampling), ``"auto"``/``"not
        majority"``, ``"minority"``, ``"not minority"``, ``"all"``, a dict ``{label: rows
        after sampling}`` or a callable ``y -> dict``.
    random_state : int, RandomState instance or None, default=None
        Seed of the sampling. An int gives the same rows as ``sample_minority`` with that
        seed; a ``RandomState`` instance is drawn from once per ``fit_resample``.
    method_params : dict or None, default=None
        Parameters of the method, e.g. ``{"k_neighbors": 3}`` or ``{"epochs": 50}``. Unknown
        names are an error that lists the method's parameters.
    fallback : bool, default=True
        Let gensample's policy replace the method for a class that is too small or where the
        method fails (the replacement is warned and recorded in ``fallback_``); with False
        those cases raise :class:`~gensample.errors.GenerationError`.
    check : bool or None, default=None
        Fidelity check of the new rows (None: on for deep methods), as in
        :func:`gensample.sample_minority`; deep rows that collapse or copy are replaced by SMOTE's.
    gate : {"auto", "vs-smote", None}, default="auto"
        The vs-smote gate of :func:`gensample.sample_minority` ("auto": on for deep methods):
        a deep method is kept unless its rows train a worse classifier than SMOTE's in inner
        cross-validation (mean PR-AUC of 3 folds). With ``fallback=False`` the default gate only reports its verdict
        (warned, in ``gate_``); ``"vs-smote"`` makes it binding (an error).

    Attributes
    ----------
    sampling_strategy_ : dict
        ``{label: number of rows to generate}``, as in imbalanced-learn.
    n_features_in_ : int
        Number of feature columns seen in ``fit_resample``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in ``fit_resample``, when ``X`` is a DataFrame with string column
        names.
    method_used_ : str
        The method that made the rows of the last ``fit_resample`` (``"smote+random"`` when
        classes needed different ones).
    fallback_ : str or None
        Why another method than ``method`` was used in the last ``fit_resample``, if it was.
    gate_ : dict
        ``{label: GateDecision}`` of the vs-smote gate in the last ``fit_resample`` (empty when
        it did not run); see :class:`gensample.selection.gate.GateDecision`.

    Notes
    -----
    Input forms. A DataFrame keeps its column names and dtypes in ``X_resampled``, mixed
    types included (text, category, bool, integer, datetime and float columns each come back
    in their own dtype; categories only take observed values). A NumPy array comes back as a
    NumPy array of the same dtype; its columns are called ``x0``, ``x1``, ... in messages.
    In an array of dtype ``object`` a column holding only numbers is numeric and any other
    column (text) is categorical; a string array is all-categorical. Missing cells (NaN) are
    accepted and reproduced in the new rows at each class's rate (see
    :func:`gensample.sample_minority`). A sparse matrix is densified for sampling (tabular
    generators work on dense rows) and returned in its own sparse format.

    Order of the rows: the original rows first, unchanged, then the new rows (cleaning
    methods such as ``"smote-enn"`` drop some original rows first). A DataFrame or Series
    comes back with a fresh ``RangeIndex``, as from imbalanced-learn's samplers.

    Examples
    --------
    >>> from imblearn.pipeline import Pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from gensample import GenerativeOverSampler
    >>> model = Pipeline([
    ...     ("sampler", GenerativeOverSampler("smote", random_state=0)),
    ...     ("clf", LogisticRegression()),
    ... ])
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "method": [str],
        "method_params": [dict, None],
        "fallback": ["boolean"],
        "check": ["boolean", None],
        "gate": [StrOptions({"auto", "vs-smote"}), None],
    }

    def __init__(self, method="smote", *, sampling_strategy="auto", random_state=None, method_params=None,
                 fallback=True, check=None, gate="auto"):
        super().__init__(sampling_strategy=sampling_strategy)
        self.method = method
        self.random_state = random_state
        self.method_params = method_params
        self.fallback = fallback
        self.check = check
        self.gate = gate

    def fit(self, X, y, **params):
        """Check the data, the method and its parameters, and compute ``sampling_strategy_``.

        Use :meth:`fit_resample` to sample; ``fit`` only validates, as in imbalanced-learn.

        Parameters
        ----------
        X : {array-like, DataFrame, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : GenerativeOverSampler
        """
        super().fit(X, y, **params)
        self._generator_class()
        return self

    # ---------------------------------------------------------------- validation
    def _check_X_y(self, X, y, accept_sparse=None):
        # Unlike imbalanced-learn's default, text columns, NaN and DataFrames' own dtypes must
        # survive validation: gensample's schema decides per column what each one is.
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if isinstance(X, pd.DataFrame):
            n_rows, n_cols = X.shape
            if n_rows < 1:
                raise ValueError(
                    f"Found array with {n_rows} sample(s) (shape={X.shape}) while a minimum of 1 is required."
                )
            if n_cols < 1:
                raise ValueError(f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is required.")
            check_consistent_length(X, y)
            validate_data(self, X=X, y=y, reset=True, skip_check_array=True)
            X = _dense_frame(X)
        else:
            handles = self._handles()
            X, y = validate_data(
                self, X=X, y=y, reset=True, accept_sparse=["csr", "csc"],
                dtype=None if handles & {"categorical", "mixed"} else "numeric",
                ensure_all_finite="allow-nan" if "missing" in handles else True,
            )
        return X, y, binarize_y

    def _handles(self) -> frozenset:
        """The data kinds ``method`` handles; all of them while ``method`` is not a known name
        (the error for an unknown name comes from :meth:`_generator_class`, with suggestions)."""
        try:
            return frozenset(registry.get(self.method).handles)
        except GensampleError:
            return frozenset(DATA_KINDS)

    def _generator_class(self):
        """The registered class of ``method``, after checking ``method_params`` against it."""
        cls = registry.get(self.method)
        cls(**self._method_params()).validate_params()
        return cls

    def _method_params(self) -> dict:
        return {} if self.method_params is None else dict(self.method_params)

    def _seed(self):
        # sample_minority takes None or a non-negative int; scikit-learn also allows a
        # RandomState, which then supplies the seed (and advances, as sklearn expects).
        rs = self.random_state
        if rs is None or isinstance(rs, numbers.Integral):
            return None if rs is None else int(rs)
        return int(check_random_state(rs).randint(np.iinfo(np.int32).max))

    def _strategy_for(self, y):
        """``sampling_strategy`` in the form ``sample_minority`` takes.

        Both read strings, floats and dicts through imbalanced-learn's
        ``check_sampling_strategy``, so the user's value is passed on as given (and recorded as
        given in warnings). A callable is resolved here: ``sampling_strategy_`` holds rows to
        generate, while ``sample_minority``'s dict means rows after sampling.
        """
        if not callable(self.sampling_strategy):
            return self.sampling_strategy
        labels, counts = np.unique(y, return_counts=True)
        have = dict(zip(labels.tolist(), counts.tolist()))
        return {_py(label): have[_py(label)] + int(n) for label, n in self.sampling_strategy_.items()}

    # ---------------------------------------------------------------- sampling
    def _fit_resample(self, X, y):
        self._generator_class()
        frame, features = _to_frame(X, y)
        result = sample_minority(
            frame, _TARGET, method=self.method, sampling_strategy=self._strategy_for(y), random_state=self._seed(),
            fallback=self.fallback, check=self.check, gate=self.gate, **self._method_params(),
        )
        self.method_used_ = result.method_used
        self.fallback_ = result.fallback
        self.gate_ = result.gate
        augmented = result.augmented
        y_res = augmented[_TARGET].to_numpy()
        X_res = augmented[features]
        if isinstance(X, pd.DataFrame):
            return X_res, y_res
        out = X_res.to_numpy(dtype=object) if X.dtype == object else X_res.to_numpy()
        if out.dtype != X.dtype:
            out = out.astype(X.dtype)
        if sparse.issparse(X):
            return type(X)(out), y_res
        return out, y_res

    def __sklearn_tags__(self):
        # What the method accepts, so that scikit-learn's checks and meta-estimators know:
        # text needs a method for categorical data, NaN one that declares "missing".
        tags = super().__sklearn_tags__()
        handles = self._handles()
        tags.input_tags.allow_nan = "missing" in handles
        tags.input_tags.string = bool(handles & {"categorical", "mixed"})
        return tags


def _py(value):
    """A NumPy scalar as the Python scalar ``np.unique(...).tolist()`` gives (dict keys must match)."""
    return value.item() if isinstance(value, np.generic) else value


def _dense_frame(X: pd.DataFrame) -> pd.DataFrame:
    """``X`` with pandas sparse columns made dense (imbalanced-learn restores their dtype on output)."""
    sparse_cols = [c for c, dt in X.dtypes.items() if isinstance(dt, pd.SparseDtype)]
    if not sparse_cols:
        return X
    X = X.copy()
    for col in sparse_cols:
        X[col] = X[col].sparse.to_dense()
    return X


def _to_frame(X, y) -> tuple[pd.DataFrame, list]:
    """One DataFrame holding the features and the target, and the feature column labels."""
    if isinstance(X, pd.DataFrame):
        frame = X.reset_index(drop=True)
        features = list(X.columns)
    else:
        if sparse.issparse(X):
            X = X.toarray()
        features = [f"x{j}" for j in range(X.shape[1])]
        frame = pd.DataFrame(X, columns=features, copy=False)
        if X.dtype == object:
            # Columns of only numbers are numeric (scikit-learn treats object arrays as numbers
            # where it can); the rest stays object, which the schema reads as categorical.
            frame = frame.infer_objects()
    if _TARGET in frame.columns:
        raise InputError(f"X has a column named {_TARGET!r}, which GenerativeOverSampler reserves; rename it")
    frame = frame.copy(deep=False)
    frame[_TARGET] = y
    return frame, features
