"""What gensample's ctgan, copulagan, tvae and gaussian-copula plugins share.

The plugins (:mod:`.ctgan`, :mod:`.copulagan`, :mod:`.tvae`, :mod:`.gaussian_copula`) and the
training loops (:mod:`.networks.ctgan`, :mod:`.networks.tvae`) use:

* the table as ctgan/sdv see it (:func:`to_frame`, :func:`from_frame`): ``x*`` continuous
  floats, ``d*`` discrete codes, ``class`` the class code;
* ``BoundedTransformer``, ctgan's ``DataTransformer`` whose per-column Gaussian mixtures are
  fitted on at most ``transformer_rows`` rows (CTGAN issue 7, SDV issue 988);
* the step budget (:func:`budget`) and its parameters;
* held-out early stopping (:class:`HeldOut`, :func:`stopping_info`);
* CopulaGAN's marginal maps (rdt's ``GaussianNormalizer``).

Importing this module imports neither ctgan, sdv, rdt nor torch.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pandas as pd

from .deep import Progress
from ._holdout import holdout_split, validation_score
from .params import Integer

CLASS = "class"
#: Without ``steps`` or ``epochs`` the budget is this many epochs' worth of steps, clipped to
#: ``[min_steps, max_steps]`` (ctgan's and TVAE's own default is 300 epochs).
AUTO_EPOCHS = 300
#: Evaluations of the validation signal over a budget (one every ~2 % of the steps).
EVALUATIONS = 50


# ====================================================================== data frames
def to_frame(layout, numeric, categorical, y=None) -> pd.DataFrame:
    """The table as ctgan/sdv see it: x* continuous floats, d* discrete codes, class code."""
    cont, codes = layout.split(numeric, categorical)
    data = {f"x{i}": cont[:, i] for i in range(cont.shape[1])}
    data.update({f"d{k}": codes[:, k].astype(np.int64) for k in range(codes.shape[1])})
    if y is not None:
        data[CLASS] = np.asarray(y, dtype=np.int64)
    return pd.DataFrame(data, index=pd.RangeIndex(len(numeric)))


def from_frame(frame: pd.DataFrame, layout, ranges) -> tuple[np.ndarray, np.ndarray]:
    n = len(frame)
    cont = np.column_stack([frame[f"x{i}"].to_numpy(dtype=np.float64) for i in range(len(layout.continuous))]) \
        if layout.continuous else np.empty((n, 0))
    # Stay inside the training rows' range, as sdv does with enforce_min_max_values=True.
    if ranges is not None and cont.shape[1]:
        cont = np.clip(cont, ranges[0], ranges[1])
    codes = np.column_stack([frame[f"d{k}"].to_numpy().astype(np.int64) for k in range(len(layout.discrete))]) \
        if layout.discrete else np.empty((n, 0), dtype=np.int64)
    return cont, codes


def frame_ranges(frame: pd.DataFrame, layout):
    if not layout.continuous:
        return None
    cols = [f"x{i}" for i in range(len(layout.continuous))]
    return frame[cols].min().to_numpy(), frame[cols].max().to_numpy()


def bounded_transformer(rows: int, seed: int, verbose: bool, what: str, n_continuous: int):
    """ctgan's DataTransformer whose per-column Gaussian mixtures see at most ``rows`` rows."""
    t = bounded_class()()
    t._gs_rows, t._gs_seed = int(rows), int(seed)
    t._gs_bar = Progress(n_continuous, f"{what}: fitting mixtures", verbose and n_continuous > 0)
    t._gs_done = 0
    return t


_BOUNDED: list = []


def bounded_class():
    """The DataTransformer subclass, built on first use so that importing this module does not
    import ctgan; published as the module attribute ``BoundedTransformer`` (for pickle)."""
    if not _BOUNDED:
        from ctgan.data_transformer import DataTransformer

        cls = type("BoundedTransformer", (_BoundedBase, DataTransformer), {"__module__": __name__})
        _BOUNDED.append(cls)
    return _BOUNDED[0]


def __getattr__(name: str):
    if name == "BoundedTransformer":
        return bounded_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _BoundedBase:
    """Mixin for ctgan's DataTransformer: subsample before each continuous column's mixture.

    Only continuous columns are subsampled: a one-hot encoder fitted on a subsample could miss
    a rare category and then fail on the full data.
    """

    def _fit_continuous(self, data):
        if len(data) > self._gs_rows:
            pick = np.random.default_rng(self._gs_seed).choice(len(data), self._gs_rows, replace=False)
            data = data.iloc[np.sort(pick)]
        info = super()._fit_continuous(data)
        self._gs_done += 1
        self._gs_bar.update(self._gs_done, every=1)
        return info

    def transform(self, raw_data):
        # ctgan switches to a joblib process pool from 500 rows on; starting it costs seconds
        # on a small machine (8 s against 1 s for a 600-row table here), and each column's
        # transform is vectorised already.
        return np.concatenate(self._synchronous_transform(raw_data, self._column_transform_info_list), axis=1).astype(float)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_gs_bar", None)
        return state


def sdv_quiet(verbose: bool):
    """Silence sdv's own progress bars (they write to stderr) when verbose is False."""
    if verbose:
        return contextlib.nullcontext()
    return contextlib.redirect_stderr(io.StringIO())


# ====================================================================== budget and hold-out
def budget(gen, n_train: int, steps_per_epoch: int) -> int:
    """Generator steps: ``steps`` if given, else ``epochs`` passes, else the clipped default budget."""
    p = gen.params
    if p["steps"] is not None:
        return int(p["steps"])
    if p["epochs"] is not None:
        return int(p["epochs"]) * steps_per_epoch
    return int(min(p["max_steps"], max(p["min_steps"], AUTO_EPOCHS * steps_per_epoch)))


#: Marginal distributions rdt's ``GaussianNormalizer`` offers (sdv's ``default_distribution``).
DISTRIBUTIONS = ("norm", "beta", "truncnorm", "uniform", "gamma", "gaussian_kde")

#: Constraints of :func:`budget_defaults`' parameters.
BUDGET_CONSTRAINTS = {
    "epochs": [None, Integer(1)],
    "steps": [None, Integer(1)],
    "min_steps": [Integer(1)],
    "max_steps": [Integer(1)],
    "patience": [Integer(0)],
}


def validate_budget(gen) -> None:
    """The budget's relation the constraints cannot say: ``max_steps`` not below ``min_steps``."""
    from ..errors import ParameterError

    if gen.params["max_steps"] < gen.params["min_steps"]:
        raise ParameterError(
            f"{gen.name}: max_steps ({gen.params['max_steps']}) is below min_steps ({gen.params['min_steps']}); "
            "raise max_steps or lower min_steps"
        )


def budget_defaults(min_steps: int, max_steps: int) -> dict:
    return {"epochs": None, "steps": None, "min_steps": min_steps, "max_steps": max_steps, "patience": 10}


class HeldOut:
    """The rows held out of training, per condition, and the weighted validation score.

    ``conditions`` maps a condition (``None`` for a one-class model, else the class index) to
    the held-out rows of that class in Layout space (continuous values, discrete codes).
    Only the classes being generated are held out and scored; with ``fit_on="all"`` the other
    classes train on all their rows.
    """

    def __init__(self, train: np.ndarray, conditions: dict, sizes: list):
        self.train = train
        self.conditions = conditions
        self.sizes = list(sizes)
        self.rows = int(sum(len(c) for c, _ in conditions.values()))

    @classmethod
    def split(cls, layout, numeric, categorical, y, n_classes, targets, seed):
        """Hold out rows of each target class that has enough of them (none under 50 rows)."""
        rng = np.random.default_rng([int(seed), 7])
        n = len(numeric)
        if n_classes <= 1:
            groups = {None: np.arange(n)}
        else:
            y = np.asarray(y)
            groups = {int(k): np.flatnonzero(y == k) for k in targets}
        held_rows, conditions = [], {}
        for cond, rows in groups.items():
            _, v = holdout_split(len(rows), rng)
            if len(v):
                held = rows[v]
                held_rows.append(held)
                conditions[cond] = layout.split(numeric[held], categorical[held])
        held_all = np.concatenate(held_rows) if held_rows else np.empty(0, dtype=np.int64)
        train = np.setdiff1d(np.arange(n), held_all)
        return cls(train, conditions, layout.sizes)

    def __bool__(self) -> bool:
        return self.rows > 0

    def score(self, sample) -> float:
        """Row-weighted mean of :func:`validation_score` over the conditions; ``sample(n, cond)``
        returns ``(continuous, codes)`` drawn from the current model."""
        total = 0.0
        for cond, (cont, codes) in self.conditions.items():
            # At least 500 model rows: the score's noise then comes mostly from the held-out side.
            fake_cont, fake_codes = sample(int(min(2000, max(500, 2 * len(cont)))), cond)
            total += len(cont) * validation_score(cont, codes, fake_cont, fake_codes, self.sizes)
        return total / self.rows


def targets_of(gen, n_classes: int) -> list:
    """Class indices (in the fitted model's order) of the classes being generated."""
    targets = getattr(gen, "_gs_targets", None)
    return list(range(n_classes)) if targets is None else list(targets)


class TargetsMixin:
    """Remember, for the duration of :meth:`fit`, which classes will be generated: with
    ``fit_on="all"`` only those are held out and scored."""

    def fit(self, table, codes, rng):
        classes = [int(c) for c in np.unique(table.y)]
        self._gs_targets = [classes.index(int(c)) for c in codes if int(c) in classes]
        try:
            return super().fit(table, codes, rng)
        finally:
            del self._gs_targets


def evaluation_every(total: int) -> int:
    return max(10, total // EVALUATIONS)


def stopping_info(stopper, held: HeldOut, total: int, step: int, every: int) -> dict:
    return {
        "steps_run": int(step),
        "steps_planned": int(total),
        "best_step": stopper.best_step if held else None,
        "best_score": None if not held or stopper.best_step is None else round(stopper.best, 6),
        "stopped_early": bool(step < total),
        "holdout_rows": held.rows,
        "validation_every": every if held else None,
        "validation_history": [[s, round(v, 6)] for s, v in stopper.history] if held else [],
    }


def state_copy(*modules) -> list:
    return [{k: v.detach().clone() for k, v in m.state_dict().items()} for m in modules]



# ====================================================================== CopulaGAN marginals
def fit_copula(frame: pd.DataFrame, layout, distribution: str) -> dict:
    from rdt.transformers import GaussianNormalizer

    out = {}
    for i in range(len(layout.continuous)):
        col = f"x{i}"
        t = GaussianNormalizer(distribution=distribution, missing_value_generation=None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t.fit(frame[[col]], col)
        out[col] = t
    return out


def apply_copula(copula: dict, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for col, t in copula.items():
        frame[col] = t.transform(frame[[col]])[col].to_numpy(dtype=np.float64)
    return frame


def invert_copula(copula: dict, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for col, t in copula.items():
        frame[col] = t.reverse_transform(frame[[col]].astype(float))[col].to_numpy(dtype=np.float64)
    return frame
