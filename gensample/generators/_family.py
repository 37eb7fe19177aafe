"""Machinery shared by the SMOTE-family generators that work in :class:`MixedSpace`.

Each method generates one class at a time, one-vs-rest, as imbalanced-learn does for
multi-class targets: the class's rows against every other row of the table. The table is
embedded in a :class:`MixedSpace` whose categorical scale is the median numeric standard
deviation *of that class* (SMOTE-NC's penalty), the numeric algorithm runs there with the
class codes as ``y``, and the new points are split back into numbers and category codes.

imbalanced-learn's samplers do not always return the number of rows asked for (ADASYN
rounds per-row counts, K-Means SMOTE rounds per-cluster counts up, SVM-SMOTE makes only part
of them when no support vector is in danger, or none is safe). :func:`draw_exactly` asks
again for the shortfall and then keeps a uniform random subset of exactly the rows wanted:
a random subset of draws from the method's distribution is a draw from that distribution.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..schema import EncodedTable
from .space import MixedSpace, class_rows
from .base import Generated, Generator, warn

#: Most calls to an imbalanced-learn sampler made to collect the rows of one class.
MAX_TRIES = 8


def seed(rng: np.random.Generator) -> int:
    """An integer ``random_state`` for a third-party estimator, drawn from the one generator."""
    return int(rng.integers(0, 2**31 - 1))


def label(table: EncodedTable, code: int):
    return table.schema.target.labels[code]


def class_space(table: EncodedTable, code: int, method: str = "this method") -> tuple[MixedSpace, np.ndarray]:
    """The space scaled for class ``code`` and every row of ``table`` embedded in it.

    The embedding is dense (imbalanced-learn's samplers run on it): rows x (numbers + every
    category level). Too large for memory, it is refused with a SizeError before it is built.
    """
    from ..checks import check_dense_matrix

    space = MixedSpace(table, class_rows(table, code))
    levels = int(space.offsets[-1])
    check_dense_matrix(
        table.n_rows, space.width, what=f"{method} on {table.n_rows:,} rows with {levels:,} category levels",
        shrink="use method='smote' (it searches a sparse one-hot), merge rare category levels, or pass fewer rows",
    )
    return space, space.embed(table.numeric, table.categorical)


def lowered(method: str, param: str, asked: int, limit: int, what: str, notes: list) -> int:
    """``asked`` if it is at most ``limit``, else ``max(limit, 1)`` with a warning saying why.

    ``what`` completes the sentence "<method>: <what>, so <param> was lowered ...", e.g.
    ``"class 'pos' has 3 rows"``.
    """
    if asked <= limit:
        return asked
    used = max(int(limit), 1)
    warn(f"{method}: {what}, so {param} was lowered from {asked} to {used}", notes)
    return used


def per_class(values: dict, table: EncodedTable):
    """One value when every class used the same, else ``{label: value}`` (for ``params``)."""
    distinct = {repr(v) for v in values.values()}
    if len(distinct) == 1:
        return next(iter(values.values()))
    return {label(table, c): v for c, v in values.items()}


def new_rows(sampler, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The rows an imbalanced-learn over-sampler appended after the original ``X``."""
    with warnings.catch_warnings():
        # 0/0 in imbalanced-learn's cluster weights makes it raise, which callers handle;
        # fewer distinct clusters than asked (duplicate rows) is not worth a warning.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        X_res, _ = sampler.fit_resample(X, y)
    return np.asarray(X_res[X.shape[0]:], dtype=np.float64)


def draw_exactly(
    make: Callable[[int, int], object],
    X: np.ndarray,
    y: np.ndarray,
    code: int,
    n: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Exactly ``n`` new rows of class ``code`` from the sampler ``make(n_after, seed)``.

    Whatever the sampler raises is raised (callers turn known failures into a recorded SMOTE
    fallback). After :data:`MAX_TRIES` calls the rows collected so far are returned, possibly
    fewer than ``n``; callers top them up with SMOTE and say so.
    """
    count = int((y == code).sum())
    pool: list[np.ndarray] = []
    have, ask = 0, n
    for _ in range(MAX_TRIES):
        try:
            got = new_rows(make(count + ask, seed(rng)), X, y)
        except ValueError as exc:
            # ADASYN: every per-row count rounded to zero; ask for more rows.
            if "No samples will be generated" not in str(exc):
                raise
            got = np.empty((0, X.shape[1]))
        pool.append(got)
        have += len(got)
        if have >= n:
            break
        short = n - have
        # Ask for a little more than the observed yield suggests; extras are subsampled away.
        ask = 4 * ask if len(got) == 0 else math.ceil(1.25 * short * ask / len(got)) + 1
    rows = np.concatenate(pool) if pool else np.empty((0, X.shape[1]))
    if len(rows) > n:
        rows = rows[np.sort(rng.choice(len(rows), size=n, replace=False))]
    return rows


def smote_rows(table: EncodedTable, code: int, n: int, k: int, rng: np.random.Generator):
    """``n`` rows of class ``code`` made by gensample's SMOTE (SMOTE-NC / SMOTE-N), ``k`` neighbours."""
    from .smote import SMOTE

    k = max(1, min(k, int((table.y == code).sum()) - 1))
    made = SMOTE(k_neighbors=k)._generate(table, {code: n}, rng)
    return made.numeric, made.categorical


def finish(table: EncodedTable, parts: dict, params: dict, notes: list) -> Generated:
    """Stack per-class ``(numeric, categorical)`` parts into one :class:`Generated`."""
    codes = list(parts)
    width_num, width_cat = table.numeric.shape[1], table.categorical.shape[1]
    sizes = [len(parts[c][0]) for c in codes]
    numeric = [np.asarray(parts[c][0], dtype=np.float64).reshape(m, width_num) for c, m in zip(codes, sizes)]
    categorical = [np.asarray(parts[c][1], dtype=np.int64).reshape(m, width_cat) for c, m in zip(codes, sizes)]
    y = [np.full(len(numeric[i]), c, dtype=np.int64) for i, c in enumerate(codes)]
    return Generated(
        np.concatenate(numeric) if numeric else np.empty((0, width_num)),
        np.concatenate(categorical) if categorical else np.empty((0, width_cat), dtype=np.int64),
        np.concatenate(y) if y else np.empty(0, dtype=np.int64),
        params=params,
        notes=notes,
    )


def nearer_endpoint(a: np.ndarray, b: np.ndarray, gap: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Category codes of the endpoint nearer to each point ``a + gap (b - a)``.

    Exact midpoints (bus and mesh topologies place points at 1/2) take either endpoint with
    equal chance, so no category is favoured by its code.
    """
    if a.shape[1] == 0:
        return a.astype(np.int64)
    g = np.broadcast_to(np.asarray(gap, dtype=np.float64).reshape(-1, 1), a.shape)
    coin = rng.random(a.shape) < 0.5
    take_b = (g > 0.5) | ((g == 0.5) & coin)
    return np.where(take_b, b, a).astype(np.int64)


class PerClassGenerator(Generator):
    """A method that makes each planned class's rows on its own, one-vs-rest.

    Subclasses implement :meth:`_one_class`, which returns the class's new rows and the
    parameters it actually used; this class stacks them and records the parameters (one
    value, or ``{label: value}`` when classes needed different ones).
    """

    def _generate(self, table: EncodedTable, plan: dict, rng: np.random.Generator) -> Generated:
        notes: list = []
        parts, used = {}, {}
        for code, n in plan.items():
            if int(n) <= 0:
                continue
            numeric, categorical, used[code] = self._one_class(table, code, int(n), rng, notes)
            parts[code] = (numeric, categorical)
        if not used:
            out = Generated.empty(table)
            out.params = dict(self.params)
            return out
        names = list(next(iter(used.values())))
        params = {name: per_class({c: u[name] for c, u in used.items()}, table) for name in names}
        return finish(table, parts, params, notes)

    def _one_class(self, table: EncodedTable, code: int, n: int, rng: np.random.Generator, notes: list):
        raise NotImplementedError  # pragma: no cover - every subclass overrides it

    def _smote_instead(self, table, code, n, k, rng, notes, why: str):
        """SMOTE rows for a class the method cannot serve, with the reason warned and kept."""
        warn(
            f"{self.name}: {why}; the {n} row{'s' if n != 1 else ''} of class {label(table, code)!r} "
            f"{'were' if n != 1 else 'was'} made with plain SMOTE instead",
            notes,
        )
        return smote_rows(table, code, n, k, rng)

    def _top_up(self, table, code, new, space, n, k, rng, notes):
        """Split ``new`` back; when the sampler made fewer than ``n`` rows, add SMOTE rows and say so."""
        numeric, categorical = space.split(new)
        if len(new) >= n:
            return numeric, categorical
        short = n - len(new)
        warn(
            f"{self.name}: made {len(new)} of the {n} rows of class {label(table, code)!r} after "
            f"{MAX_TRIES} tries; the other {short} were made with plain SMOTE",
            notes,
        )
        extra_num, extra_cat = smote_rows(table, code, short, k, rng)
        return np.concatenate([numeric, extra_num]), np.concatenate([categorical, extra_cat])
