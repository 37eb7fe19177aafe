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
        return text

    def to_dict(self) -> dict:
        from ..schema import _json_scalar

        return {
            "counts": {str(_json_scalar(k)): int(v) for k, v in self.counts.items()},
            "n_rows": self.n_rows,
            "n_classes": self.n_classes,
            "imbalance_ratio": float(self.imbalance_ratio),
            "imbalance_degree": float(self.imbalance_degree),
            "lrid": float(self.lrid),
            "n_minority_classes": self.n_minority_classes,
        }

    def __str__(self) -> str:
        return self.line()


def imbalance_profile(y) -> ImbalanceProfile:
    """Profile the class column ``y`` (a Series, array or list of labels).

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
    total = float(n.sum())
    k = len(n)
    p = n / total
    ratio = float(n.max() / n.min())
    m = int((p < 1.0 / k - 1e-12).sum())
    return ImbalanceProfile(counts, int(total), ratio, _imbalance_degree(p, m), _lrid(n), m)


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
