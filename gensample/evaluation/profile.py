"""The imbalance profile of a target: rows per class, imbalance ratio, and multi-class measures.

Two multi-class measures are given because the imbalance ratio (majority / minority) says
nothing about the classes in between:

* the **imbalance degree** (Ortigosa-Hernandez, Inza & Lozano 2017), with the Hellinger
  distance: ``m - 1 + d(p, e) / d(l_m, e)``, where ``p`` is the class distribution, ``e`` the
  balanced one, ``m`` the number of minority classes (share below ``1/K``) and ``l_m`` the
  most imbalanced distribution with ``m`` minority classes. It lies in ``[m - 1, m)``, 0 for a
  balanced target, and so also tells how many classes are in the minority.
* the **likelihood-ratio imbalance degree** (LRID, Zhu, Wang & Liu 2018):
  ``2 * sum_c n_c * log(K * n_c / n)``, the likelihood-ratio statistic of the observed counts
  against a balanced target; 0 when balanced, it grows with the number of rows.

Neither is in scikit-learn, imbalanced-learn or scipy, hence the few lines here.

Given the features too (``imbalance_profile(y, X)``), the profile looks past the ratio, at what
makes an imbalanced problem hard (overlap, small disjuncts and noise matter more than the
ratio: Japkowicz & Stephen 2002; Napierala & Stefanowski 2016). In a standardised view of the
features (numbers median-imputed and scaled, categories one-hot), with the ``k = 5`` nearest
neighbours of every row:

* **overlap**: the share of minority rows whose neighbours are mostly of another class
  (k-Disagreeing Neighbours above 1/2), and **N3**, the leave-one-out error of 1-NN over all
  rows (Ho & Basu 2002);
* **small disjuncts**: minority rows in clusters of at most 3 rows (connected components of
  the graph linking minority rows that are among each other's neighbours), and how many such
  clusters there are;
* **label noise** (an estimate): the share of rows, per class, whose neighbours all carry
  another label (the rows a unanimous edited-nearest-neighbours filter would drop).

They are computed with scikit-learn's NearestNeighbors and scipy's connected components;
tables over 20,000 rows are profiled on a random subsample of 20,000 (every minority row kept
when there are fewer than 10,000), which the profile records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError


@dataclass
class ImbalanceProfile:
    """Class counts of a target and how imbalanced they are.

    Attributes
    ----------
    counts : dict
        ``{label: rows}``, largest class first.
    n_rows : int
    imbalance_ratio : float
        Rows of the largest class / rows of the smallest.
    imbalance_degree : float
        Ortigosa-Hernandez et al.'s imbalance degree (Hellinger distance).
    lrid : float
        Likelihood-ratio imbalance degree.
    n_minority_classes : int
        Classes whose share is below ``1 / n_classes``.
    """

    counts: dict
    n_rows: int
    imbalance_ratio: float
    imbalance_degree: float
    lrid: float
    n_minority_classes: int
    overlap: float | None = None
    n3: float | None = None
    small_disjunct_rows: float | None = None
    small_disjuncts: int | None = None
    label_noise: dict | None = None
    label_noise_overall: float | None = None
    neighbours: int | None = None
    profiled_rows: int | None = None

    @property
    def has_structure(self) -> bool:
        """Whether the feature-based measures were computed (``imbalance_profile(y, X)``)."""
        return self.overlap is not None

    def guidance(self) -> str:
        """One sentence of advice that follows from the numbers."""
        if not self.has_structure:
            return ("Only the class counts are known; pass the features (imbalance_profile(y, X)) to see overlap, "
                    "small disjuncts and label noise, which matter more than the ratio.")
        noise = self.label_noise_overall or 0.0
        if noise >= 0.05:
            return (f"{100 * noise:.0f}% of all rows sit among rows of another label only (likely label noise or "
                    "outliers): clean first (enn, tomek or smote-enn) and prefer class weights or a tuned threshold "
                    "over interpolating oversamplers, which would copy the noise.")
        if self.overlap >= 0.5:
            return (f"{100 * self.overlap:.0f}% of the minority rows have mostly other-class neighbours: the classes "
                    "overlap, new rows would land in the overlap, so compare class weights, threshold moving and "
                    "cleaning (tomek, neighbourhood-cleaning) with SMOTE, and judge by PR-AUC or costs rather than accuracy.")
        if self.small_disjunct_rows >= 0.2:
            return (f"{100 * self.small_disjunct_rows:.0f}% of the minority rows lie in {self.small_disjuncts} small "
                    "clusters of at most 3 rows: SMOTE's interpolation between clusters can invent rows in the other "
                    "class's region; prefer random oversampling, borderline-smote or a small k_neighbors, or an ensemble.")
        if self.overlap < 0.2 and (self.n3 or 0) < 0.1:
            return (f"The classes barely overlap ({100 * self.overlap:.0f}% of minority rows in the overlap, N3 "
                    f"{self.n3:.2f}): the ratio of {self.imbalance_ratio:.1f} alone seldom hurts a good classifier here; "
                    "a tuned threshold is usually enough and new rows are unlikely to help much.")
        return (f"Moderate overlap ({100 * self.overlap:.0f}% of minority rows) with few small disjuncts: "
                "oversampling (smote) or class weights are reasonable; check with gensample compare.")

    @property
    def n_classes(self) -> int:
        return len(self.counts)

    @property
    def minority(self):
        """The label of the smallest class."""
        return min(self.counts, key=self.counts.get)

    @property
    def majority(self):
        return max(self.counts, key=self.counts.get)

    def line(self) -> str:
        """One line for a terminal, e.g. ``imbalance: 2 classes, 731 rows; negative 689 (94.3%), ...``."""
        parts = [f"{label} {n} ({100 * n / self.n_rows:.1f}%)" for label, n in self.counts.items()]
        shown = parts if len(parts) <= 8 else parts[:6] + [f"... {len(parts) - 6} more"]
        text = (
            f"imbalance: {self.n_classes} classes, {self.n_rows} rows; " + ", ".join(shown)
            + f"; imbalance ratio {self.imbalance_ratio:.2f}"
        )
        if self.n_classes > 2:
            text += f"; imbalance degree {self.imbalance_degree:.3f} ({self.n_minority_classes} minority classes); LRID {self.lrid:.1f}"
        if self.has_structure:
            noise = ", ".join(f"{k} {100 * v:.0f}%" for k, v in self.label_noise.items())
            text += (f"\nstructure ({self.neighbours}-NN{'' if self.profiled_rows == self.n_rows else f', {self.profiled_rows} rows sampled'}): "
                     f"overlap {100 * self.overlap:.0f}% of minority rows, N3 {self.n3:.2f}; small disjuncts: "
                     f"{100 * self.small_disjunct_rows:.0f}% of minority rows in {self.small_disjuncts} clusters of <= 3; "
                     f"label noise (estimate: rows whose neighbours all carry another label) {noise}\nguidance: {self.guidance()}")
        return text

    def to_dict(self) -> dict:
        from ..utils import json_scalar

        return {
            "counts": {str(json_scalar(k)): int(v) for k, v in self.counts.items()},
            "n_rows": self.n_rows,
            "n_classes": self.n_classes,
            "imbalance_ratio": float(self.imbalance_ratio),
            "imbalance_degree": float(self.imbalance_degree),
            "lrid": float(self.lrid),
            "n_minority_classes": self.n_minority_classes,
            **({"overlap": self.overlap, "n3": self.n3, "small_disjunct_rows": self.small_disjunct_rows,
                "small_disjuncts": self.small_disjuncts,
                "label_noise": {str(json_scalar(k)): float(v) for k, v in self.label_noise.items()},
                "label_noise_overall": self.label_noise_overall,
                "neighbours": self.neighbours, "profiled_rows": self.profiled_rows, "guidance": self.guidance()}
               if self.has_structure else {}),
        }

    def __str__(self) -> str:
        return self.line()


def imbalance_profile(y, X=None, *, k: int = 5, random_state: int = 0) -> ImbalanceProfile:
    """Profile the class column ``y`` (a Series, array or list of labels), and with ``X`` its structure.

    Parameters
    ----------
    y : Series, array or list
    X : DataFrame or 2-D array, optional
        The features of the same rows (the target column excluded). With it, overlap, N3,
        small disjuncts and label noise are added.
    k : int, default 5
        Neighbours per row.
    random_state : int, default 0
        Seed of the subsample of tables over 20,000 rows.

    Raises
    ------
    InputError
        When ``y`` is empty or has missing labels.
    """
    series = pd.Series(np.asarray(y, dtype=object) if not isinstance(y, pd.Series) else y)
    if len(series) == 0:
        raise InputError("the target has no rows")
    if series.isna().any():
        raise InputError(f"the target has {int(series.isna().sum())} missing label(s); drop or fill them first")
    vc = series.value_counts(sort=True)
    counts = {label: int(n) for label, n in vc.items()}
    n = np.array(list(counts.values()), dtype=np.float64)
    k_neighbours = k
    total = float(n.sum())
    k = len(n)
    p = n / total
    ratio = float(n.max() / n.min())
    m = int((p < 1.0 / k - 1e-12).sum())
    profile = ImbalanceProfile(counts, int(total), ratio, _imbalance_degree(p, m), _lrid(n), m)
    if X is not None:
        _structure(profile, series, X, k_neighbours, random_state)
    return profile


_MAX_PROFILE_ROWS = 20_000


def _structure(profile: ImbalanceProfile, series: pd.Series, X, k: int, random_state: int) -> None:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components
    from sklearn.neighbors import NearestNeighbors

    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(f"k must be a positive integer, got {k!r}")
    Z = _numeric_view(X)
    labels = series.astype(object).to_numpy()
    if len(Z) != len(labels):
        raise InputError(f"X has {len(Z)} rows but y has {len(labels)}")
    rows = np.arange(len(labels))
    minority = profile.minority
    if len(rows) > _MAX_PROFILE_ROWS:
        rng = np.random.default_rng(random_state)
        is_min = labels == minority
        keep_min = np.flatnonzero(is_min)
        if len(keep_min) > _MAX_PROFILE_ROWS // 2:
            keep_min = rng.choice(keep_min, _MAX_PROFILE_ROWS // 2, replace=False)
        rest = rng.choice(np.flatnonzero(~is_min), _MAX_PROFILE_ROWS - len(keep_min), replace=False)
        rows = np.sort(np.r_[keep_min, rest])
    Z, labels = Z[rows], labels[rows]
    kk = min(k, len(rows) - 1)
    if kk < 1:
        return
    nn = NearestNeighbors(n_neighbors=kk + 1).fit(Z)
    idx = nn.kneighbors(Z, return_distance=False)
    # Drop each row itself (with exact duplicates the row need not come first).
    neigh = np.array([[j for j in r if j != i][:kk] for i, r in enumerate(idx)])
    other = labels[neigh] != labels[:, None]
    kdn = other.mean(axis=1)
    is_min = labels == minority
    mins = np.flatnonzero(is_min)
    profile.overlap = float((kdn[mins] > 0.5).mean()) if len(mins) else 0.0
    profile.n3 = float(other[:, 0].mean())
    # Small disjuncts: minority rows linked when either is among the other's neighbours.
    pos = -np.ones(len(labels), dtype=np.int64)
    pos[mins] = np.arange(len(mins))
    src, dst = [], []
    for a, i in enumerate(mins):
        for j in neigh[i]:
            if is_min[j]:
                src.append(a)
                dst.append(pos[j])
    graph = csr_matrix((np.ones(len(src)), (src, dst)), shape=(len(mins), len(mins)))
    n_comp, comp = connected_components(graph, directed=True, connection="weak")
    sizes = np.bincount(comp, minlength=n_comp)
    small = sizes <= 3
    profile.small_disjuncts = int(small.sum())
    profile.small_disjunct_rows = float(small[comp].mean()) if len(mins) else 0.0
    profile.label_noise = {lab: float((kdn[labels == lab] == 1.0).mean()) for lab in profile.counts
                           if (labels == lab).any()}
    profile.label_noise_overall = float((kdn == 1.0).mean())
    profile.neighbours = int(kk)
    profile.profiled_rows = int(len(rows))


def _numeric_view(X) -> np.ndarray:
    """Standardised numbers (median-imputed) and one-hot categories, for distances."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    frame = frame.copy()
    num, cat = [], []
    for c in frame.columns:
        col = frame[c]
        if pd.api.types.is_bool_dtype(col):
            frame[c] = col.astype(float)
            num.append(c)
        elif pd.api.types.is_datetime64_any_dtype(col):
            frame[c] = (col - col.min()).dt.total_seconds()
            num.append(c)
        elif pd.api.types.is_numeric_dtype(col):
            num.append(c)
        else:
            frame[c] = col.astype(object).where(col.notna(), "__missing__").astype(str)
            cat.append(c)
    parts = []
    if num:
        parts.append(("num", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                           StandardScaler()), num))
    if cat:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat))
    if not parts:
        raise InputError("X has no columns to measure distances on")
    return np.asarray(ColumnTransformer(parts).fit_transform(frame), dtype=np.float64)


def _hellinger(p: np.ndarray, q: np.ndarray) -> float:
    return float(np.sqrt(0.5 * np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)))


def _imbalance_degree(p: np.ndarray, m: int) -> float:
    k = len(p)
    if m == 0:
        return 0.0
    e = np.full(k, 1.0 / k)
    # l_m: m classes empty, k - m - 1 at the balanced share, the rest on one class.
    l_m = np.r_[np.zeros(m), np.full(k - m - 1, 1.0 / k), 1.0 - (k - m - 1) / k]
    return float(m - 1 + _hellinger(p, e) / _hellinger(l_m, e))


def _lrid(n: np.ndarray) -> float:
    total, k = n.sum(), len(n)
    return float(2.0 * np.sum(n * np.log(k * n / total)))
