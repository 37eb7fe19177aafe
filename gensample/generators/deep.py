"""What every deep generator shares: fit/sample split, ``fit_on``, seeds, progress, layout.

A deep generator learns a model once (:meth:`DeepGenerator.fit`) and draws rows from it any
number of times (:meth:`DeepGenerator.sample_fitted`); :meth:`_generate`, the registry's
protocol, is the two in a row. The fitted-generator API (:mod:`gensample.fitted`) calls the two
halves separately and saves the models in between.

``fit_on``:

* ``"minority"``: one model per class being generated, trained on that class's rows only;
* ``"all"``: one model trained on the whole table, the class as a condition; only the wanted
  class is sampled from it, by conditioning (never by rejection, so a rare class still gets
  exactly the rows asked: the hole of SDV issue 1419).

``time_limit`` (seconds, every deep method): the fit's wall-clock budget. Every training
step of wgan-gp, ctgan, copulagan and tvae, every adversarial round of arf and every column of
ctgan's mixture fitting ticks a :class:`Progress`, which raises
:class:`~gensample.errors.TrainingError` once the budget is spent; the model is not used, and
the per-class runner serves the classes with SMOTE, recorded as a ``"training-failed"``
decision whose evidence says how far the training got. The budget is also checked before
each class's model is fitted, which is all a single sdv call (gaussian-copula) allows.

Torch, sdv and ctgan are imported inside methods, so ``import gensample`` never loads them.

Why one module: this is the whole contract a deep plugin is written against (the base class,
its :class:`Layout`, and the seeding, device, loss, time-budget and batch helpers that every
training loop calls); every deep generator and both network modules import from here, most of
them several names, and keeping them together means a change to the fit/sample split or to how a budget is ticked is read in one place.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import time
from typing import Any, ClassVar

import numpy as np

from ..schema import BOOLEAN, INTEGER, EncodedTable
from .base import DATA_KINDS, Generated, Generator
from .params import Boolean, Integer, Options, Real, Satisfies

#: Integer columns with at most this many distinct values in the training rows are modelled
#: as categories (a mixture of Gaussians on five values wastes capacity and blurs them).
DISCRETE_MAX_VALUES = 10

FIT_ON = ("minority", "all")
DEVICES = ("auto", "cpu", "cuda")

#: The running fit's time budget, ``(deadline, limit, started)`` in ``time.perf_counter()``
#: seconds, or None. A context variable, not an attribute: the training loops only see
#: their :class:`Progress`, and fits running in threads side by side keep their own budget.
_BUDGET: contextvars.ContextVar = contextvars.ContextVar("gensample_fit_budget", default=None)


class DeepGenerator(Generator):
    """Base of the deep methods: fit once, sample many times, one model per class or one for all.

    Subclasses implement :meth:`_fit_model`, :meth:`_sample_model` and the state hooks
    (:meth:`_model_state`, :meth:`_model_from_state`).
    """

    family = "deep"
    #: Learns a model of the rows and draws new ones from it (not interpolation or copies):
    #: the sampling layer's default checks of the rows apply.
    generative: ClassVar[bool] = True
    handles = frozenset(DATA_KINDS)
    multiclass = True
    #: Parameters every deep method accepts (merged into each subclass's ``defaults``).
    common_defaults: ClassVar[dict] = {
        "fit_on": "minority", "verbose": True, "device": "auto", "min_rows": None, "threads": 1,
        "time_limit": None,
    }
    #: Constraints of :attr:`common_defaults` (merged into each subclass's constraints).
    common_constraints: ClassVar[dict] = {
        "fit_on": [Options(*FIT_ON)],
        "verbose": [Boolean()],
        "device": [Options(*DEVICES)],
        "min_rows": [None, Integer(2)],
        "threads": [None, Integer(1)],
        "time_limit": [None, Satisfies(lambda v: Real(0, low_open=True).is_satisfied_by(v) and math.isfinite(v),
                                       "a positive number of seconds")],
    }
    #: True when the model's state is only available as a pickle (sdv, ctgan).
    pickles: ClassVar[bool] = True
    saves_models: ClassVar[bool] = True

    @staticmethod
    def layout_from_dict(d: dict) -> Layout:
        """The :class:`Layout` a saved card describes (persistence rebuilds it through the class)."""
        return Layout.from_dict(d)

    def __init__(self, **params: Any):
        super().__init__(**params)
        self.models_: dict = {}
        if self.params.get("min_rows") is not None:
            # The sampling layer's policy reads ``generator.min_rows``; set here, once, so that
            # validation has no side effect (a bad value is refused by validate_params,
            # which every caller runs before the policy reads it).
            value = self.params["min_rows"]
            self.min_rows = int(value) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value

    def needs_all_rows_for(self, schema) -> bool:
        return self.params["fit_on"] == "all"

    # ------------------------------------------------------------------ protocol
    def _generate(self, table: EncodedTable, plan: dict, rng: np.random.Generator) -> Generated:
        self.fit(table, list(plan), rng)
        return self.sample_fitted(plan, rng)

    def fit(self, table: EncodedTable, codes: list, rng: np.random.Generator) -> DeepGenerator:
        """Train the model(s) that will generate the classes ``codes``.

        With ``fit_on="minority"`` one model per class, on that class's rows; with ``"all"``
        one model on every row of ``table``, the class as a condition. Models are added to
        ``models_`` (keyed by class code, or ``"all"``).
        """
        self.ensure_valid_params()
        limit = self.params.get("time_limit")
        started = time.perf_counter()
        token = _BUDGET.set(None if limit is None else (started + float(limit), limit, started))
        try:
            return self._fit_all(table, codes, rng)
        finally:
            _BUDGET.reset(token)

    def _fit_all(self, table: EncodedTable, codes: list, rng: np.random.Generator) -> DeepGenerator:
        # The classes this fit is for: a model's held-out validation looks at these.
        self.fit_codes_ = [int(c) for c in codes]
        if self.params["fit_on"] == "all":
            layout = Layout.fit(table.numeric, table.categorical, table.schema)
            classes = [int(c) for c in np.unique(table.y)]
            self.fit_classes_ = classes
            y = np.searchsorted(classes, table.y)
            seed = int(rng.integers(0, 2**31 - 1))
            model = self._fit_model(layout, table.numeric, table.categorical, y, len(classes), seed, "all classes")
            self.models_["all"] = {"layout": layout, "classes": classes, "model": model, "conditional": True}
            return self
        labels = table.schema.target.labels
        for code in codes:
            rows = np.flatnonzero(table.y == code)
            num, cat = table.numeric[rows], table.categorical[rows]
            layout = Layout.fit(num, cat, table.schema)
            seed = int(rng.integers(0, 2**31 - 1))
            check_time_limit(f"{self.name} class {labels[code]!r}", "before fitting its model")
            if not layout.continuous and not layout.discrete:
                # Every column is constant in this class: there is nothing to learn, and the
                # libraries fail on an empty table. Sampling repeats the constants.
                model = None
            else:
                model = self._fit_model(layout, num, cat, None, 1, seed, f"class {labels[code]!r}")
            self.models_[int(code)] = {"layout": layout, "classes": [int(code)], "model": model, "conditional": False}
        return self

    def sample_fitted(self, plan: dict, rng: np.random.Generator) -> Generated:
        """Rows for ``plan`` ({class code: n}) from the fitted model(s): exactly n per class."""
        nums, cats, ys = [], [], []
        for code, n in plan.items():
            entry = self.models_.get(int(code)) or self.models_.get("all")
            if entry is None or int(code) not in entry["classes"]:
                from ..errors import GenerationError

                raise GenerationError(f"{self.name}: no model was fitted for class code {code}")
            seed = int(rng.integers(0, 2**31 - 1))
            condition = entry["classes"].index(int(code)) if entry["conditional"] else None
            if entry["model"] is None:
                parts = (np.empty((int(n), 0)), np.empty((int(n), 0), dtype=np.int64))
            else:
                parts = self._sample_model(entry["model"], entry["layout"], int(n), condition, seed)
            num, cat = entry["layout"].to_encoded(*parts, what=self.name)
            if len(num) != n:  # every sampler returns exactly n rows; guard the contract
                raise RuntimeError(f"{self.name} returned {len(num)} rows instead of {n}")
            nums.append(num)
            cats.append(cat)
            ys.append(np.full(int(n), int(code), dtype=np.int64))
        params = {k: v for k, v in self.params.items() if k != "verbose"}
        return Generated(np.concatenate(nums), np.concatenate(cats), np.concatenate(ys), params=params)

    # ------------------------------------------------------------------ hooks
    def _fit_model(self, layout, numeric, categorical, y, n_classes, seed, what):  # pragma: no cover
        raise NotImplementedError

    def _sample_model(self, model, layout, n, condition, seed):  # pragma: no cover
        raise NotImplementedError

    def _model_state(self, model) -> tuple[dict, dict]:
        """(JSON config, {name: ndarray}) describing a fitted model without pickling (override)."""
        raise NotImplementedError

    def _model_from_state(self, config: dict, arrays: dict):
        raise NotImplementedError


# ====================================================================== layout
class Layout:
    """How the encoded columns are modelled: continuous, discrete (observed values) or constant.

    Continuous and datetime columns, and integer columns with many values, are continuous.
    Boolean columns, categorical columns and integer columns with at most
    :data:`DISCRETE_MAX_VALUES` values are discrete: the model learns a choice among the
    values seen in its training rows, so it can only produce observed values. A column with a
    single value in the training rows is constant and is not modelled at all.
    """

    def __init__(self, n_numeric: int, n_categorical: int, continuous: list, discrete: list, constant: list):
        self.n_numeric = n_numeric
        self.n_categorical = n_categorical
        self.continuous = continuous  # numeric column indices
        self.discrete = discrete  # [(source "num"|"cat", index, values list)]
        self.constant = constant  # [(source, index, value)]

    @classmethod
    def fit(cls, numeric: np.ndarray, categorical: np.ndarray, schema) -> Layout:
        continuous, discrete, constant = [], [], []
        for j, spec in enumerate(schema.numeric):
            values = np.unique(numeric[:, j])
            if len(values) <= 1:
                constant.append(("num", j, float(values[0]) if len(values) else 0.0))
            elif spec.kind == BOOLEAN or (spec.kind == INTEGER and len(values) <= DISCRETE_MAX_VALUES):
                discrete.append(("num", j, [float(v) for v in values]))
            else:
                continuous.append(j)
        for j in range(categorical.shape[1]):
            values = np.unique(categorical[:, j])
            if len(values) <= 1:
                constant.append(("cat", j, int(values[0]) if len(values) else 0))
            else:
                discrete.append(("cat", j, [int(v) for v in values]))
        return cls(numeric.shape[1], categorical.shape[1], continuous, discrete, constant)

    @property
    def sizes(self) -> list[int]:
        return [len(d[2]) for d in self.discrete]

    def split(self, numeric: np.ndarray, categorical: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(continuous float matrix, discrete code matrix: index into each column's values)."""
        cont = numeric[:, self.continuous].astype(np.float64)
        codes = np.empty((numeric.shape[0], len(self.discrete)), dtype=np.int64)
        for k, (source, j, values) in enumerate(self.discrete):
            col = numeric[:, j] if source == "num" else categorical[:, j]
            codes[:, k] = np.searchsorted(np.asarray(values), col)
        return cont, codes

    def to_encoded(self, cont: np.ndarray, codes: np.ndarray, what: str = "the model") -> tuple[np.ndarray, np.ndarray]:
        """Back from (continuous, discrete codes) to the encoded table's numeric/categorical.

        A discrete code outside its column's values raises GenerationError (``what`` names
        the method): every sampler picks one of the values it was given, so such a code is a
        bug or a saved model whose layout does not match its network, never a value to clip.
        """
        n = cont.shape[0]
        numeric = np.zeros((n, self.n_numeric), dtype=np.float64)
        categorical = np.zeros((n, self.n_categorical), dtype=np.int64)
        numeric[:, self.continuous] = cont
        for k, (source, j, values) in enumerate(self.discrete):
            col = np.asarray(codes[:, k], dtype=np.int64)
            bad = (col < 0) | (col >= len(values))
            if bad.any():
                from ..errors import GenerationError

                kind = "numeric" if source == "num" else "categorical"
                raise GenerationError(
                    f"{what} returned code {int(col[bad][0])} for discrete column {k} ({kind} column {j}), which "
                    f"has {len(values)} values (codes 0..{len(values) - 1}); this is a bug in the method or a "
                    "saved model whose layout does not match its network"
                )
            vals = np.asarray(values)[col]
            if source == "num":
                numeric[:, j] = vals
            else:
                categorical[:, j] = vals
        for source, j, value in self.constant:
            (numeric if source == "num" else categorical)[:, j] = value
        return numeric, categorical

    def to_dict(self) -> dict:
        return {
            "n_numeric": self.n_numeric,
            "n_categorical": self.n_categorical,
            "continuous": list(self.continuous),
            "discrete": [[s, j, list(v)] for s, j, v in self.discrete],
            "constant": [[s, j, v] for s, j, v in self.constant],
        }

    @classmethod
    def from_dict(cls, d: dict) -> Layout:
        return cls(
            int(d["n_numeric"]),
            int(d["n_categorical"]),
            [int(j) for j in d["continuous"]],
            [(s, int(j), list(v)) for s, j, v in d["discrete"]],
            [(s, int(j), v) for s, j, v in d["constant"]],
        )


# ====================================================================== helpers
@contextlib.contextmanager
def seeded(seed: int, threads: int | None = None, device: str = "cpu"):
    """Seed torch and numpy's global generators for the block, then put the user's state back.

    ctgan and rdt draw from ``np.random`` and torch's default generator; seeding them makes
    the same ``random_state`` give the same rows on CPU, and restoring them afterwards means
    gensample never changes random state the user relies on. ``threads`` sets torch's CPU
    threads for the block (restored after): these networks are small, and one thread is
    several times faster than two on a busy machine (measured: 0.5 s against 4 s for the
    same 20 WGAN-GP steps with other jobs running). On ``device="cuda"`` the GPU's generator is
    seeded and restored too (``torch.manual_seed`` seeds it; forking it needs CUDA initialised,
    which a CPU run must not pay for).
    """
    import torch

    np_state = np.random.get_state()
    old_threads = torch.get_num_threads()
    cuda = [torch.cuda.current_device()] if str(device).startswith("cuda") else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        np.random.seed(seed % (2**32))
        if threads is not None:
            torch.set_num_threads(int(threads))
        try:
            yield
        finally:
            np.random.set_state(np_state)
            if threads is not None:
                torch.set_num_threads(old_threads)


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        from ..errors import ParameterError

        raise ParameterError("device='cuda' was asked but torch sees no CUDA GPU; use device='auto' or 'cpu'")
    return device


def check_finite_loss(name: str, step: int, **losses: float) -> None:
    """Raise FloatingPointError when a loss is NaN or infinite (training diverged)."""
    for what, value in losses.items():
        if not math.isfinite(value):
            raise FloatingPointError(f"{name}: {what} became {value} at step {step} (training diverged)")


def check_time_limit(what: str, where: str) -> None:
    """Raise TrainingError when the running fit's ``time_limit`` is spent (see the module notes).

    ``what`` names the method and class (``"wgan-gp class 1"``), ``where`` how far it got.
    """
    budget = _BUDGET.get()
    if budget is None:
        return
    deadline, limit, started = budget
    now = time.perf_counter()
    if now > deadline:
        from ..errors import TrainingError

        raise TrainingError(
            f"{what}: training ran past time_limit={limit:g} s ({where}, {now - started:.2f} s after the fit "
            "started); its model is not used"
        )


class Progress:
    """A progress bar (terminal and notebooks, through tqdm.auto) showing epoch, losses and time left.

    Every training loop ticks it once a step, so it is also where the fit's ``time_limit`` is
    enforced (:func:`check_time_limit`), with or without a visible bar.
    """

    def __init__(self, total: int, desc: str, verbose: bool, steps_per_epoch: int = 1):
        self.bar = None
        self.desc = desc
        self.total = total
        self.steps_per_epoch = max(1, steps_per_epoch)
        self.started = time.perf_counter()
        if verbose:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="step", leave=False, dynamic_ncols=True)

    def update(self, step: int, every: int = 10, **losses: float) -> None:
        check_time_limit(self.desc, f"stopped at step {step} of {self.total}")
        if self.bar is None or (step % every and step != self.bar.total):
            return
        self.bar.n = step
        self.bar.set_postfix(
            {"epoch": step // self.steps_per_epoch, **{k: f"{v:.3g}" for k, v in losses.items()}}, refresh=True
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def valid_batch(n_rows: int, batch_size: int, pac: int = 1) -> tuple[int, int]:
    """A batch size no larger than the class, even and divisible by ``pac``, and that ``pac``.

    ctgan asserts ``batch_size % 2 == 0`` and ``batch_size % pac == 0``; rather than failing on
    a 37-row class, the largest valid batch not above ``min(batch_size, n_rows)`` is used, and
    ``pac`` is lowered when the class is smaller than two packs.
    """
    target = max(2, min(int(batch_size), int(n_rows)))
    pac = max(1, int(pac))
    while pac > 1 and math.lcm(2, pac) > target:
        pac -= 1
    step = math.lcm(2, pac)
    return max(step, target - target % step), pac
