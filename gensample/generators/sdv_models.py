"""CTGAN, CopulaGAN, TVAE (ctgan 0.12) and the Gaussian copula (sdv 2.0) as gensample methods.

The networks, the mode-specific normalisation (``DataTransformer``), the conditional-vector
sampler and the losses are ctgan's own; the Gaussian copula is sdv's
``GaussianCopulaSynthesizer``. What gensample changes, each for a reported problem:

* **Eval mode.** ctgan's ``CTGAN.sample`` draws rows with the generator's BatchNorm layers in
  training mode (CTGAN issue 309): batch statistics of the noise instead of the learned ones.
  Rows here come from the generator in ``eval()`` mode.
* **Exact counts for rare classes.** sdv's conditional sampling of CTGAN/TVAE/CopulaGAN is
  rejection sampling and fails with "Unable to sample any rows" when the class is rare (SDV
  issue 1419). With ``fit_on="all"`` the class is a conditional column: CTGAN/CopulaGAN
  sample with the class fixed in the conditional vector, TVAE decodes latent points drawn
  from the class's aggregate posterior, the Gaussian copula conditions the multivariate
  normal exactly. Every path returns exactly the rows asked.
* **Bounded transformer fit.** ctgan fits one Bayesian Gaussian mixture per continuous column,
  serially, on every row (CTGAN issue 7, SDV issue 988). Here each mixture is fitted on at
  most ``transformer_rows`` rows drawn at random, with a progress bar over the columns.
* **Valid batch sizes.** ctgan asserts that ``batch_size`` is even and divisible by ``pac``;
  the batch is derived from the class size instead (no larger than the class, see
  :func:`._deep.valid_batch`), lowering ``pac`` for classes under two packs.
* **Steps, not epochs, on small classes.** ctgan gives ``max(n // batch_size, 1)`` steps per
  epoch, so on a 300-row class with ``batch_size=500`` "300 epochs" is 300 updates on a batch
  larger than the class. Here the batch is capped at the class size and, unless ``steps`` or
  ``epochs`` is given, the budget is ``clip(300 epochs' worth of steps, min_steps, max_steps)``:
  small classes get ``min_steps`` updates, larger ones (or tables, with ``fit_on="all"``) more.
* **Held-out early stopping.** From :data:`._holdout.MIN_ROWS_FOR_HOLDOUT` rows on, a share
  of each generated class's rows is held out (never trained on: not by the networks, the
  Gaussian mixtures nor CopulaGAN's marginals). Every ~2 % of the budget rows are drawn from
  the current model (eval mode) and scored against the held-out rows with
  :func:`._holdout.validation_score`; the best state is kept and training stops after
  ``patience`` evaluations without improvement. The model's ``gs_info`` records the steps
  run and planned, the best step and score, and the held-out rows.

The training loops below are ctgan 0.12's, restructured for those points and for divergence
detection (NaN or infinite losses raise ``FloatingPointError``); CopulaGAN is, as in sdv, CTGAN
on columns first mapped through rdt's ``GaussianNormalizer``.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings

import numpy as np
import pandas as pd

from ._deep import DeepGenerator, Progress, check_finite_loss, resolve_device, seeded, valid_batch
from ._holdout import EarlyStopping, holdout_split, validation_score

_CLASS = "class"
#: Without ``steps`` or ``epochs`` the budget is this many epochs' worth of steps, clipped to
#: ``[min_steps, max_steps]`` (ctgan's and TVAE's own default is 300 epochs).
_AUTO_EPOCHS = 300
#: Evaluations of the validation signal over a budget (one every ~2 % of the steps).
_EVALUATIONS = 50


# ====================================================================== data frames
def _frame(layout, numeric, categorical, y=None) -> pd.DataFrame:
    """The table as ctgan/sdv see it: x* continuous floats, d* discrete codes, class code."""
    cont, codes = layout.split(numeric, categorical)
    data = {f"x{i}": cont[:, i] for i in range(cont.shape[1])}
    data.update({f"d{k}": codes[:, k].astype(np.int64) for k in range(codes.shape[1])})
    if y is not None:
        data[_CLASS] = np.asarray(y, dtype=np.int64)
    return pd.DataFrame(data, index=pd.RangeIndex(len(numeric)))


def _unframe(frame: pd.DataFrame, layout, ranges) -> tuple[np.ndarray, np.ndarray]:
    n = len(frame)
    cont = np.column_stack([frame[f"x{i}"].to_numpy(dtype=np.float64) for i in range(len(layout.continuous))]) \
        if layout.continuous else np.empty((n, 0))
    # Stay inside the training rows' range, as sdv does with enforce_min_max_values=True.
    if ranges is not None and cont.shape[1]:
        cont = np.clip(cont, ranges[0], ranges[1])
    codes = np.column_stack([frame[f"d{k}"].to_numpy().astype(np.int64) for k in range(len(layout.discrete))]) \
        if layout.discrete else np.empty((n, 0), dtype=np.int64)
    return cont, codes


def _ranges(frame: pd.DataFrame, layout):
    if not layout.continuous:
        return None
    cols = [f"x{i}" for i in range(len(layout.continuous))]
    return frame[cols].min().to_numpy(), frame[cols].max().to_numpy()


def _bounded_transformer(rows: int, seed: int, verbose: bool, what: str, n_continuous: int):
    """ctgan's DataTransformer whose per-column Gaussian mixtures see at most ``rows`` rows."""
    t = _bounded_class()()
    t._gs_rows, t._gs_seed = int(rows), int(seed)
    t._gs_bar = Progress(n_continuous, f"{what}: fitting mixtures", verbose and n_continuous > 0)
    t._gs_done = 0
    return t


_BOUNDED: list = []


def _bounded_class():
    """The DataTransformer subclass, built on first use so that importing this module does not
    import ctgan; published as the module attribute ``BoundedTransformer`` (for pickle)."""
    if not _BOUNDED:
        from ctgan.data_transformer import DataTransformer

        cls = type("BoundedTransformer", (_BoundedBase, DataTransformer), {"__module__": __name__})
        _BOUNDED.append(cls)
    return _BOUNDED[0]


def __getattr__(name: str):
    if name == "BoundedTransformer":
        return _bounded_class()
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


def _sdv_quiet(verbose: bool):
    """Silence sdv's own progress bars (they write to stderr) when verbose is False."""
    if verbose:
        return contextlib.nullcontext()
    return contextlib.redirect_stderr(io.StringIO())


# ====================================================================== budget and hold-out
def _budget(gen, n_train: int, steps_per_epoch: int) -> int:
    """Generator steps: ``steps`` if given, else ``epochs`` passes, else the clipped default budget."""
    p = gen.params
    if p["steps"] is not None:
        return int(p["steps"])
    if p["epochs"] is not None:
        return int(p["epochs"]) * steps_per_epoch
    return int(min(p["max_steps"], max(p["min_steps"], _AUTO_EPOCHS * steps_per_epoch)))


def _validate_budget(gen) -> None:
    from ..errors import ParameterError

    for name in ("epochs", "steps"):
        if gen.params[name] is not None:
            gen._check_int(name, 1)
    gen._check_int("min_steps", 1)
    gen._check_int("max_steps", 1)
    gen._check_int("patience", 0)
    if gen.params["max_steps"] < gen.params["min_steps"]:
        raise ParameterError(
            f"{gen.name}: max_steps ({gen.params['max_steps']}) is below min_steps ({gen.params['min_steps']}); "
            "raise max_steps or lower min_steps"
        )


def _budget_defaults(min_steps: int, max_steps: int) -> dict:
    return {"epochs": None, "steps": None, "min_steps": min_steps, "max_steps": max_steps, "patience": 10}


class _HeldOut:
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


def _targets_of(gen, n_classes: int) -> list:
    """Class indices (in the fitted model's order) of the classes being generated."""
    targets = getattr(gen, "_gs_targets", None)
    return list(range(n_classes)) if targets is None else list(targets)


class _TargetsMixin:
    """Remember, for the duration of :meth:`fit`, which classes will be generated: with
    ``fit_on="all"`` only those are held out and scored."""

    def fit(self, table, codes, rng):
        classes = [int(c) for c in np.unique(table.y)]
        self._gs_targets = [classes.index(int(c)) for c in codes if int(c) in classes]
        try:
            return super().fit(table, codes, rng)
        finally:
            del self._gs_targets


def _every(total: int) -> int:
    return max(10, total // _EVALUATIONS)


def _stopping_info(stopper, held: _HeldOut, total: int, step: int, every: int) -> dict:
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


def _state_copy(*modules) -> list:
    return [{k: v.detach().clone() for k, v in m.state_dict().items()} for m in modules]


# ====================================================================== CTGAN
class CTGANGenerator(_TargetsMixin, DeepGenerator):
    """CTGAN (Xu et al. 2019) from the ``ctgan`` package, made safe for small classes.

    Parameters
    ----------
    steps : int or None
        Generator steps. Overrides ``epochs`` and the default budget.
    epochs : int or None
        Alternative to ``steps``: passes over the training rows, ``max(rows // batch, 1)``
        generator steps each, as in ctgan (TVAE: ``ceil(rows / batch)``, as its DataLoader
        does). Not clipped to ``min_steps``/``max_steps``.
    min_steps, max_steps : int
        With neither ``steps`` nor ``epochs``, the budget is 300 epochs' worth of steps
        clipped to ``[min_steps, max_steps]``: it grows with the training rows (the whole
        table with ``fit_on="all"``) between the two.
    patience : int, default 10
        Held-out early stopping: evaluations (one every ~2 % of the budget, counted after the
        first half; TVAE: after 30 %) without improvement of the validation score before
        training stops; the best state is kept. 0 trains for the whole budget (still keeping
        the best state).
        Classes under 50 rows hold nothing out and train for the whole budget.
    batch_size : int, default 500
        Upper bound; the batch used is no larger than the training rows and valid for ``pac``.
    pac : int, default 10
    embedding_dim, generator_dim, discriminator_dim, generator_lr, generator_decay,
    discriminator_lr, discriminator_decay, discriminator_steps, log_frequency
        As in ``ctgan.CTGAN``.
    transformer_rows : int, default 5000
        Rows each continuous column's Gaussian mixture is fitted on (a random subsample).
    fit_on : {"minority", "all"}, default "minority"
    verbose, device, min_rows
        See :class:`gensample.generators.wgan_gp.WGANGP`.
    """

    name = "ctgan"
    description = "CTGAN (ctgan 0.12): conditional GAN with mode-specific normalisation; eval-mode sampling, exact counts"
    # Measured (benchmarks/README.md, "min_rows": 8 KEEL sets x 3 splits): median downstream
    # PR-AUC gap to SMOTE -0.026 at 10 rows, -0.014 at 25 (the first size within 0.02).
    min_rows = 25
    defaults = {
        **_budget_defaults(2000, 3000),
        "batch_size": 500,
        "pac": 10,
        "embedding_dim": 128,
        "generator_dim": (256, 256),
        "discriminator_dim": (256, 256),
        "generator_lr": 2e-4,
        "generator_decay": 1e-6,
        "discriminator_lr": 2e-4,
        "discriminator_decay": 1e-6,
        "discriminator_steps": 1,
        "log_frequency": True,
        "transformer_rows": 5000,
        **DeepGenerator.common_defaults,
    }
    #: CopulaGAN maps continuous columns through marginal distributions first.
    _copula = False
    #: Early stopping counts no evaluation before this share of the budget. Measured on the
    #: planted table (benchmarks/bench_deep_training.py): the GAN's held-out score wanders for
    #: hundreds of steps (copulagan, 200 rows, 30 %: stopped at step 500 of 1000 on a
    #: dependency gap no better than independent marginals).
    _warmup_share = 0.5

    def _validate_model_params(self) -> None:
        _validate_budget(self)
        self._check_int("batch_size", 2)
        self._check_int("pac", 1)
        self._check_int("embedding_dim", 1)
        self._check_int("discriminator_steps", 1)
        self._check_int("transformer_rows", 10)
        for name in ("generator_lr", "discriminator_lr"):
            self._check_float(name, 1e-8, 1.0)
        for name in ("generator_decay", "discriminator_decay"):
            self._check_float(name, 0.0, 1.0)
        for name in ("generator_dim", "discriminator_dim"):
            _check_dims(self, name)

    def _fit_model(self, layout, numeric, categorical, y, n_classes, seed, what):
        held = _HeldOut.split(layout, numeric, categorical, y, n_classes, _targets_of(self, n_classes), seed)
        rows = held.train
        frame = _frame(layout, numeric[rows], categorical[rows], None if n_classes <= 1 else np.asarray(y)[rows])
        ranges = _ranges(frame, layout)
        device = resolve_device(self.params["device"])
        with seeded(seed, self.params["threads"], device):
            copula = _fit_copula(frame, layout, self.params.get("default_distribution")) if self._copula else None
            if copula is not None:
                frame = _apply_copula(copula, frame)
            model = self._train(frame, [c for c in frame.columns if not c.startswith("x")], seed, what, device,
                                held, layout, ranges, copula)
        return model

    def _train(self, frame: pd.DataFrame, discrete: list, seed: int, what: str, device: str,
               held: _HeldOut, layout, ranges, copula):
        import torch
        from ctgan import CTGAN
        from ctgan.data_sampler import DataSampler
        from ctgan.synthesizers.ctgan import Discriminator
        from ctgan.synthesizers.ctgan import Generator as CTGenerator

        p = self.params
        n = len(frame)
        batch, pac = valid_batch(n, p["batch_size"], p["pac"])
        model = CTGAN(
            embedding_dim=p["embedding_dim"], generator_dim=tuple(p["generator_dim"]),
            discriminator_dim=tuple(p["discriminator_dim"]), generator_lr=p["generator_lr"],
            generator_decay=p["generator_decay"], discriminator_lr=p["discriminator_lr"],
            discriminator_decay=p["discriminator_decay"], batch_size=batch,
            discriminator_steps=p["discriminator_steps"], log_frequency=p["log_frequency"],
            epochs=p["epochs"] or _AUTO_EPOCHS, pac=pac, enable_gpu=device == "cuda",
        )
        model.gs_ranges = ranges
        model.gs_copula = copula
        n_cont = sum(c not in discrete for c in frame.columns)
        transformer = _bounded_transformer(p["transformer_rows"], seed, p["verbose"], f"{self.name} {what}", n_cont)
        try:
            transformer.fit(frame, discrete)
        finally:
            transformer._gs_bar.close()
        data = transformer.transform(frame)
        model._transformer = transformer
        model._data_sampler = sampler = DataSampler(data, transformer.output_info_list, p["log_frequency"])
        data_dim = transformer.output_dimensions
        cond_dim = sampler.dim_cond_vec()
        model._generator = CTGenerator(p["embedding_dim"] + cond_dim, tuple(p["generator_dim"]), data_dim).to(device)
        disc = Discriminator(data_dim + cond_dim, tuple(p["discriminator_dim"]), pac=pac).to(device)
        opt_g = torch.optim.Adam(model._generator.parameters(), lr=p["generator_lr"], betas=(0.5, 0.9),
                                 weight_decay=p["generator_decay"])
        opt_d = torch.optim.Adam(disc.parameters(), lr=p["discriminator_lr"], betas=(0.5, 0.9),
                                 weight_decay=p["discriminator_decay"])
        mean = torch.zeros(batch, p["embedding_dim"], device=device)
        std = mean + 1
        # ctgan's own count (max(n // batch, 1) per epoch), now with a batch no larger than
        # the class: a 300-row class gets steps of 300 rows, not of 500 drawn again.
        steps_per_epoch = max(n // batch, 1)
        total = _budget(self, n, steps_per_epoch)
        every = _every(total)
        stopper = EarlyStopping(p["patience"], int(self._warmup_share * total))
        eval_seed = int(np.random.default_rng([seed, 11]).integers(2**31 - 1))

        def sample(k, cond):
            # Same noise at every evaluation (seeded() restores the training streams after),
            # so two checkpoints are compared on the same draws.
            with seeded(eval_seed, None, device):
                out = _ctgan_rows(model, k, cond, layout)
            model._generator.train()
            return out

        bar = Progress(total, f"{self.name} {what}", p["verbose"], steps_per_epoch)
        losses = []
        step = 0
        try:
            for step in range(1, total + 1):
                for _ in range(p["discriminator_steps"]):
                    fakez = torch.normal(mean=mean, std=std)
                    condvec = sampler.sample_condvec(batch)
                    if condvec is None:
                        c1 = None
                        real = sampler.sample_data(data, batch, None, None)
                    else:
                        c1, m1, col, opt = condvec
                        c1 = torch.from_numpy(c1).to(device)
                        fakez = torch.cat([fakez, c1], dim=1)
                        perm = np.arange(batch)
                        np.random.shuffle(perm)
                        real = sampler.sample_data(data, batch, col[perm], opt[perm])
                        c2 = c1[perm]
                    fakeact = model._apply_activate(model._generator(fakez))
                    real = torch.from_numpy(real.astype("float32")).to(device)
                    fake_cat = fakeact if c1 is None else torch.cat([fakeact, c1], dim=1)
                    real_cat = real if c1 is None else torch.cat([real, c2], dim=1)
                    y_fake, y_real = disc(fake_cat), disc(real_cat)
                    pen = disc.calc_gradient_penalty(real_cat, fake_cat, device, pac)
                    loss_d = -(torch.mean(y_real) - torch.mean(y_fake))
                    opt_d.zero_grad(set_to_none=False)
                    pen.backward(retain_graph=True)
                    loss_d.backward()
                    opt_d.step()
                fakez = torch.normal(mean=mean, std=std)
                condvec = sampler.sample_condvec(batch)
                if condvec is None:
                    c1 = None
                else:
                    c1, m1, col, opt = condvec
                    c1 = torch.from_numpy(c1).to(device)
                    m1 = torch.from_numpy(m1).to(device)
                    fakez = torch.cat([fakez, c1], dim=1)
                fake = model._generator(fakez)
                fakeact = model._apply_activate(fake)
                y_fake = disc(fakeact if c1 is None else torch.cat([fakeact, c1], dim=1))
                cross_entropy = 0 if c1 is None else model._cond_loss(fake, c1, m1)
                loss_g = -torch.mean(y_fake) + cross_entropy
                opt_g.zero_grad(set_to_none=False)
                loss_g.backward()
                opt_g.step()
                lg, ld = float(loss_g.detach()), float(loss_d.detach())
                check_finite_loss(self.name, step, generator_loss=lg, discriminator_loss=ld)
                bar.update(step, loss_g=lg, loss_d=ld)
                if step % steps_per_epoch == 0 or step == total:
                    losses.append((step, lg, ld))
                if held and (step % every == 0 or step == total):
                    if stopper.update(step, held.score(sample), lambda: _state_copy(model._generator)):
                        break
        finally:
            bar.close()
        if stopper.best_state is not None:
            model._generator.load_state_dict(stopper.best_state[0])
        model._generator.eval()
        model.loss_values = pd.DataFrame(losses, columns=["Step", "Generator Loss", "Discriminator Loss"])
        model.gs_info = {**_stopping_info(stopper, held, total, step, every),
                         "batch_size": batch, "pac": pac, "device": device}
        return model

    def _sample_model(self, model, layout, n, condition, seed):
        with seeded(seed, self.params["threads"], str(model._device)):
            return _ctgan_rows(model, n, condition, layout)


def _ctgan_rows(model, n: int, condition, layout) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows from a CTGAN/CopulaGAN model, in Layout space (class index ``condition`` fixed)."""
    import torch

    sampler, batch = model._data_sampler, model._batch_size
    fixed = None
    if condition is not None:
        info = model._transformer.convert_column_name_value_to_id(_CLASS, int(condition))
        fixed = sampler.generate_cond_from_condition_column_info(info, batch)
    parts = []
    with torch.no_grad():
        model._generator.eval()  # CTGAN issue 309: never sample with BatchNorm in training mode
        for _ in range(math.ceil(n / batch)):
            fakez = torch.randn(batch, model._embedding_dim).to(model._device)
            condvec = fixed.copy() if fixed is not None else sampler.sample_original_condvec(batch)
            if condvec is not None:
                fakez = torch.cat([fakez, torch.from_numpy(condvec).to(model._device)], dim=1)
            parts.append(model._apply_activate(model._generator(fakez)).cpu().numpy())
    raw = np.concatenate(parts)[:n]
    frame = model._transformer.inverse_transform(raw)
    if model.gs_copula is not None:
        frame = _invert_copula(model.gs_copula, frame)
    return _unframe(frame, layout, model.gs_ranges)


class CopulaGANGenerator(CTGANGenerator):
    """CopulaGAN (sdv): CTGAN on continuous columns mapped through fitted marginal distributions.

    Parameters as :class:`CTGANGenerator`, plus ``default_distribution`` (rdt
    ``GaussianNormalizer`` distribution, default ``"beta"`` as in sdv).
    """

    name = "copulagan"
    description = "CopulaGAN (sdv 2.0 recipe on ctgan 0.12): CTGAN after Gaussian-copula marginals"
    # Measured (benchmarks/README.md, "min_rows": 8 KEEL sets x 3 splits): median downstream
    # PR-AUC gap to SMOTE -0.026 / -0.047 at 10 / 25 rows, -0.012 at 50 (the first within 0.02).
    min_rows = 50
    defaults = {**CTGANGenerator.defaults, "default_distribution": "beta"}
    _copula = True

    def _validate_model_params(self) -> None:
        super()._validate_model_params()
        self._check_choice("default_distribution", ("norm", "beta", "truncnorm", "uniform", "gamma", "gaussian_kde"))


def _fit_copula(frame: pd.DataFrame, layout, distribution: str) -> dict:
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


def _apply_copula(copula: dict, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for col, t in copula.items():
        frame[col] = t.transform(frame[[col]])[col].to_numpy(dtype=np.float64)
    return frame


def _invert_copula(copula: dict, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for col, t in copula.items():
        frame[col] = t.reverse_transform(frame[[col]].astype(float))[col].to_numpy(dtype=np.float64)
    return frame


# ====================================================================== TVAE
class TVAEGenerator(_TargetsMixin, DeepGenerator):
    """TVAE (Xu et al. 2019) from the ``ctgan`` package.

    With ``fit_on="all"`` the class is one of the encoded columns and rows of a class are
    decoded from latent points drawn from that class's aggregate posterior (a Gaussian fitted
    to the encoder's means of the class's rows plus their mean variance), so a rare class
    gets exactly the rows asked without rejection.

    Parameters
    ----------
    steps, epochs, min_steps, max_steps, patience, batch_size
        As :class:`CTGANGenerator` (no ``pac``). The best state kept by early stopping is the
        encoder's and the decoder's together.
    embedding_dim, compress_dims, decompress_dims, l2scale, loss_factor
        As in ``ctgan.TVAE``.
    latent : {"posterior", "prior"}, default "posterior"
        Where a one-class model (``fit_on="minority"``) draws latent points: a Gaussian fitted
        to the aggregate posterior of the training rows (what ``fit_on="all"`` always does per
        class), which avoids decoding the prior's regions no training row maps to, or the
        standard normal prior (ctgan's ``TVAE.sample``). Measured on the planted table
        (benchmarks/DEEP_TRAINING.md): detection AUC lower in 3 of 3 cells (0.80 / 0.77 /
        0.75 against 0.84 / 0.78 / 0.84), dependency gap lower in 2 of 3.
    transformer_rows, fit_on, verbose, device, min_rows
        As :class:`CTGANGenerator`.
    """

    name = "tvae"
    description = "TVAE (ctgan 0.12): variational autoencoder for tables; exact counts by class posterior"
    # Measured (benchmarks/README.md, "min_rows": 8 KEEL sets x 3 splits): median downstream
    # PR-AUC gap to SMOTE +0.003 at 10 rows, the smallest size measured (-0.006 at 25, -0.004
    # at 50; -0.028 at 100: tvae trails SMOTE more on larger classes, left to the gate).
    min_rows = 10
    defaults = {
        **_budget_defaults(2000, 6000),
        "batch_size": 500,
        "embedding_dim": 128,
        "compress_dims": (128, 128),
        "decompress_dims": (128, 128),
        "l2scale": 1e-5,
        "loss_factor": 2.0,
        "latent": "posterior",
        "transformer_rows": 5000,
        **DeepGenerator.common_defaults,
    }

    #: The VAE's held-out score settles fast (planted table, 200 and 1,000 rows: best step
    #: 1,280 and 880 of 2,000), so early stopping may count from 30 % of the budget.
    _warmup_share = 0.3

    def _validate_model_params(self) -> None:
        _validate_budget(self)
        self._check_int("batch_size", 2)
        self._check_int("embedding_dim", 1)
        self._check_int("transformer_rows", 10)
        self._check_float("l2scale", 0.0, 1.0)
        self._check_float("loss_factor", 0.0)
        self._check_choice("latent", ("posterior", "prior"))
        for name in ("compress_dims", "decompress_dims"):
            _check_dims(self, name)

    def _fit_model(self, layout, numeric, categorical, y, n_classes, seed, what):
        import torch
        from ctgan.synthesizers.tvae import Decoder, Encoder, _loss_function

        p = self.params
        device = resolve_device(p["device"])
        held = _HeldOut.split(layout, numeric, categorical, y, n_classes, _targets_of(self, n_classes), seed)
        rows = held.train
        y_train = None if n_classes <= 1 else np.asarray(y)[rows]
        frame = _frame(layout, numeric[rows], categorical[rows], y_train)
        ranges = _ranges(frame, layout)
        discrete = [c for c in frame.columns if not c.startswith("x")]
        with seeded(seed, self.params["threads"], device):
            n_cont = len(frame.columns) - len(discrete)
            transformer = _bounded_transformer(p["transformer_rows"], seed, p["verbose"], f"{self.name} {what}", n_cont)
            try:
                transformer.fit(frame, discrete)
            finally:
                transformer._gs_bar.close()
            data = torch.from_numpy(transformer.transform(frame).astype("float32")).to(device)
            n, dim = data.shape
            batch, _ = valid_batch(n, p["batch_size"])
            encoder = Encoder(dim, tuple(p["compress_dims"]), p["embedding_dim"]).to(device)
            decoder = Decoder(p["embedding_dim"], tuple(p["decompress_dims"]), dim).to(device)
            opt = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), weight_decay=p["l2scale"])
            steps_per_epoch = math.ceil(n / batch)
            total = _budget(self, n, steps_per_epoch)
            every = _every(total)
            stopper = EarlyStopping(p["patience"], int(self._warmup_share * total))
            eval_seed = int(np.random.default_rng([seed, 11]).integers(2**31 - 1))
            model = _TVAEModel(transformer, decoder, p["embedding_dim"], None, ranges, device, total, batch)
            use_posterior = n_classes <= 1 and p["latent"] == "posterior"
            model.latent = "posterior" if use_posterior else "prior"

            def sample(k, cond):
                with seeded(eval_seed, None, device):
                    if cond is not None or use_posterior:
                        model.posterior = _posteriors(encoder, data, y_train, n_classes)
                    out = _tvae_rows(model, k, cond, layout)
                encoder.train()
                decoder.train()
                return out

            bar = Progress(total, f"{self.name} {what}", p["verbose"], steps_per_epoch)
            order = torch.randperm(n)
            step = 0
            try:
                for step in range(1, total + 1):
                    k = (step - 1) % steps_per_epoch
                    if k == 0:
                        order = torch.randperm(n)
                    real = data[order[k * batch : (k + 1) * batch].to(device)]
                    opt.zero_grad()
                    mu, std, logvar = encoder(real)
                    rec, sigmas = decoder(torch.randn_like(std) * std + mu)
                    l1, l2 = _loss_function(rec, real, sigmas, mu, logvar, transformer.output_info_list, p["loss_factor"])
                    loss = l1 + l2
                    loss.backward()
                    opt.step()
                    decoder.sigma.data.clamp_(0.01, 1.0)
                    value = float(loss.detach())
                    check_finite_loss(self.name, step, loss=value)
                    bar.update(step, loss=value)
                    if held and (step % every == 0 or step == total):
                        if stopper.update(step, held.score(sample), lambda: _state_copy(encoder, decoder)):
                            break
            finally:
                bar.close()
            if stopper.best_state is not None:
                encoder.load_state_dict(stopper.best_state[0])
                decoder.load_state_dict(stopper.best_state[1])
            encoder.eval()
            decoder.eval()
            model.posterior = _posteriors(encoder, data, y_train, n_classes) if n_classes > 1 or use_posterior else None
        model.gs_info = {**_stopping_info(stopper, held, total, step, every), "batch_size": batch, "device": device}
        return model

    def _sample_model(self, model, layout, n, condition, seed):
        with seeded(seed, self.params["threads"], str(model.device)):
            return _tvae_rows(model, n, condition, layout)


def _tvae_rows(model, n: int, condition, layout) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows decoded by a TVAE model, in Layout space (class index ``condition`` fixed)."""
    import torch

    with torch.no_grad():
        model.decoder.eval()
        # Models saved before ``latent`` existed have no attribute: the prior, as they did.
        if condition is None and getattr(model, "latent", "prior") == "prior":
            z = torch.randn(n, model.embedding_dim)
        else:
            mean, root = model.posterior[0 if condition is None else condition]
            eps = torch.randn(n, model.embedding_dim).double().numpy()
            z = torch.from_numpy((mean + eps @ root.T).astype(np.float32))
        fake, sigmas = model.decoder(z.to(model.device))
        raw = torch.tanh(fake).cpu().numpy()
        frame = model.transformer.inverse_transform(raw, sigmas.cpu().numpy())
    return _unframe(frame, layout, model.ranges)


def _posteriors(encoder, data, y, n_classes: int) -> list:
    import torch

    was_training = encoder.training
    encoder.eval()
    with torch.no_grad():
        mu, std, _ = encoder(data)
    encoder.train(was_training)
    y = np.zeros(len(mu), dtype=np.int64) if y is None else np.asarray(y)
    return _class_posteriors(mu.cpu().numpy(), std.cpu().numpy(), y, max(1, n_classes))


class _TVAEModel:
    """What TVAE sampling needs: the transformer, the decoder and per-class latent Gaussians."""

    def __init__(self, transformer, decoder, embedding_dim, posterior, ranges, device, steps, batch):
        self.transformer = transformer
        self.decoder = decoder
        self.embedding_dim = embedding_dim
        self.posterior = posterior
        self.ranges = ranges
        self.device = device
        self.gs_info = {"steps_run": steps, "batch_size": batch, "device": device}


def _class_posteriors(mu: np.ndarray, std: np.ndarray, y: np.ndarray, n_classes: int) -> list:
    """Per class: mean and a square root of the covariance of its aggregate posterior."""
    out = []
    dim = mu.shape[1]
    for k in range(n_classes):
        rows = y == k
        m, s = mu[rows], std[rows]
        cov = np.diag(np.mean(s**2, axis=0))
        if len(m) > 1:
            cov = cov + np.cov(m, rowvar=False).reshape(dim, dim)
        vals, vecs = np.linalg.eigh(cov)
        root = vecs * np.sqrt(np.clip(vals, 1e-8, None))
        out.append((m.mean(axis=0).astype(np.float64), root))
    return out


# ====================================================================== Gaussian copula
class GaussianCopulaGenerator(DeepGenerator):
    """sdv's ``GaussianCopulaSynthesizer``: marginal distributions joined by a Gaussian copula.

    With ``fit_on="all"`` the class is a categorical column of the copula and rows are drawn
    with sdv's conditional sampling, which for this model conditions the multivariate normal
    on the class's value rather than rejecting rows; a shortfall is topped up by drawing again.

    Parameters
    ----------
    default_distribution : str, default "beta"
        Marginal distribution of continuous columns (sdv's parameter).
    fit_on, verbose, device, min_rows
        As :class:`CTGANGenerator` (``device`` is accepted for uniformity; no network).
    """

    name = "gaussian-copula"
    description = "Gaussian copula (sdv 2.0 GaussianCopulaSynthesizer): marginals joined by a normal copula"
    family = "deep"
    # Measured (benchmarks/README.md, "min_rows": 8 KEEL sets x 3 splits): median downstream
    # PR-AUC gap to SMOTE -0.033 at 10 rows, -0.014 at 25 (the first size within 0.02).
    min_rows = 25
    defaults = {"default_distribution": "beta", **DeepGenerator.common_defaults}

    def _validate_model_params(self) -> None:
        self._check_choice("default_distribution", ("norm", "beta", "truncnorm", "uniform", "gamma", "gaussian_kde"))

    def _fit_model(self, layout, numeric, categorical, y, n_classes, seed, what):
        from sdv.metadata import Metadata
        from sdv.single_table import GaussianCopulaSynthesizer

        frame = _frame(layout, numeric, categorical, y if n_classes > 1 else None)
        columns = {c: {"sdtype": "numerical" if c.startswith("x") else "categorical"} for c in frame.columns}
        metadata = Metadata.load_from_dict({"tables": {"table": {"columns": columns}}})
        synth = GaussianCopulaSynthesizer(
            metadata, enforce_min_max_values=True, enforce_rounding=False,
            default_distribution=self.params["default_distribution"],
        )
        with seeded(seed, self.params["threads"]), _sdv_quiet(self.params["verbose"]), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            synth.fit({"table": frame})
        synth.gs_info = {"rows": len(frame)}
        return synth

    def _sample_model(self, model, layout, n, condition, seed):
        from sdv.sampling import Condition

        got, tries = [], 0
        with seeded(seed, self.params["threads"]), _sdv_quiet(self.params["verbose"]), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.reset_sampling()
            missing = n
            while missing > 0:
                tries += 1
                if condition is None:
                    out = model.sample(missing)
                else:
                    out = model.sample_from_conditions([Condition({_CLASS: int(condition)}, num_rows=missing)])
                frame = out["table"] if isinstance(out, dict) else out
                if condition is not None:
                    frame = frame[frame[_CLASS] == int(condition)]
                got.append(frame)
                missing = n - sum(len(f) for f in got)
                if tries >= 20 and missing > 0:
                    raise RuntimeError(f"gaussian-copula drew only {n - missing} of {n} rows of the class in 20 tries")
        frame = pd.concat(got, ignore_index=True).iloc[:n]
        return _unframe(frame, layout, None)


def _check_dims(gen, name: str) -> None:
    from ..errors import ParameterError

    value = gen.params[name]
    if not isinstance(value, (list, tuple)) or not value or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in value
    ):
        raise ParameterError(f"{gen.name}: {name} must be a tuple of positive layer widths, e.g. (256, 256); got {value!r}")
