"""SMOTE followed by a cleaning step: SMOTE-ENN and SMOTE-Tomek (Batista, Prati and Monard 2004).

SMOTE (gensample's: SMOTE-NC on mixed tables, SMOTE-N on all-categorical ones) makes the
planned rows; then the whole table, original and new rows together, is cleaned with
imbalanced-learn's ``EditedNearestNeighbours`` (a row goes when its ``n_neighbors`` nearest
rows disagree with its class: all of them with ``kind_sel="all"``, most with ``"mode"``) or
``TomekLinks`` (both rows of every pair of mutual nearest neighbours from different classes
go). As in imbalanced-learn's ``SMOTEENN``/``SMOTETomek``, every class is cleaned
(``sampling_strategy="all"``), so original rows of any class may be removed, and so may new
ones.

The cleaners compare rows across classes, so they run in a :class:`~.space.MixedSpace`
scaled by the median numeric standard deviation of the *whole table* (SMOTE-NC's distance with
the table's penalty; Hamming distance on all-categorical tables), where imbalanced-learn
accepts numbers only. The removed original rows are returned (``Generated.removed``; the
result's ``removed_index`` and ``per_class["removed"]``), and how many new rows the cleaning
took back is warned; nothing is dropped silently. A class that cleaning would empty keeps all
its rows (warned): an empty class is never what oversampling is for.
"""

from __future__ import annotations

import numpy as np

from ..schema import EncodedTable
from ._family import finish, label, lowered, per_class, smote_rows
from .space import MixedSpace, class_rows
from .base import Generated, Generator, warn
from .params import Integer, Options


class _SMOTEThenClean(Generator):
    """SMOTE for the planned classes, then a cleaner over the whole augmented table."""

    needs_all_rows = True
    cleans = True

    def _cleaner(self, n_rows: int, notes: list):
        raise NotImplementedError  # pragma: no cover

    def _generate(self, table: EncodedTable, plan: dict, rng: np.random.Generator) -> Generated:
        notes: list = []
        k_asked = self.params["k_neighbors"]
        parts, used_k = {}, {}
        for code, n in plan.items():
            rows = class_rows(table, code)
            used_k[code] = lowered(self.name, "k_neighbors", k_asked, len(rows) - 1,
                                   f"class {label(table, code)!r} has {len(rows)} rows", notes)
            parts[code] = smote_rows(table, code, int(n), used_k[code], rng)
        made = finish(table, parts, {}, notes)

        space = MixedSpace(table)
        X = np.vstack([space.embed(table.numeric, table.categorical), space.embed(made.numeric, made.categorical)])
        y = np.concatenate([table.y, made.y])
        cleaner, params = self._cleaner(len(y), notes)
        cleaner.fit_resample(X, y)
        keep = np.zeros(len(y), dtype=bool)
        keep[cleaner.sample_indices_] = True
        for code in np.unique(y):
            in_class = y == code
            if not keep[in_class].any():
                keep[in_class] = True
                warn(f"{self.name}: cleaning would remove every row of class {label(table, code)!r}; "
                     "that class was left uncleaned", notes)

        n_orig = table.n_rows
        removed = np.flatnonzero(~keep[:n_orig])
        kept_new = keep[n_orig:]
        if len(removed) or not kept_new.all():
            by_class = ", ".join(
                f"{label(table, c)!r}: {int((table.y[removed] == c).sum())}" for c in np.unique(table.y[removed])
            )
            warn(
                f"{self.name}: cleaning removed {len(removed)} original row{'s' if len(removed) != 1 else ''}"
                + (f" ({by_class}; see removed_index)" if len(removed) else "")
                + f" and {int((~kept_new).sum())} of the {len(kept_new)} new rows",
                notes,
            )
        out = Generated(made.numeric[kept_new], made.categorical[kept_new], made.y[kept_new],
                        removed=removed.astype(np.int64), notes=notes)
        out.params = {"k_neighbors": per_class(used_k, table), **params}
        return out


class SMOTEENN(_SMOTEThenClean):
    """SMOTE, then Edited Nearest Neighbours over every class.

    Parameters
    ----------
    k_neighbors : int, default 5
        SMOTE's neighbours within the class.
    n_neighbors : int, default 3
        Neighbours (whole table) that must agree with a row's class for it to stay.
    kind_sel : {"all", "mode"}, default "all"
        Keep a row when all (``"all"``) or most (``"mode"``) of its neighbours share its class.
    """

    name = "smote-enn"
    description = "SMOTE then Edited Nearest Neighbours cleaning (may remove original rows of any class)"
    defaults = {"k_neighbors": 5, "n_neighbors": 3, "kind_sel": "all"}

    parameter_constraints = {"k_neighbors": [Integer(1)], "n_neighbors": [Integer(1)], "kind_sel": [Options("all", "mode")]}

    def _cleaner(self, n_rows: int, notes: list):
        from imblearn.under_sampling import EditedNearestNeighbours

        m = lowered(self.name, "n_neighbors", self.params["n_neighbors"], n_rows - 1,
                    f"the augmented table has {n_rows} rows", notes)
        kind = self.params["kind_sel"]
        return (EditedNearestNeighbours(sampling_strategy="all", n_neighbors=m, kind_sel=kind),
                {"n_neighbors": m, "kind_sel": kind})


class SMOTETomek(_SMOTEThenClean):
    """SMOTE, then removal of both rows of every Tomek link.

    Parameters
    ----------
    k_neighbors : int, default 5
        SMOTE's neighbours within the class.
    """

    name = "smote-tomek"
    description = "SMOTE then Tomek-link cleaning (may remove original rows of any class)"
    defaults = {"k_neighbors": 5}

    parameter_constraints = {"k_neighbors": [Integer(1)]}

    def _cleaner(self, n_rows: int, notes: list):
        from imblearn.under_sampling import TomekLinks

        return TomekLinks(sampling_strategy="all"), {}
