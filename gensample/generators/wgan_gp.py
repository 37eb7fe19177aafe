"""WGAN-GP: a class-conditional Wasserstein GAN with gradient penalty for mixed-type tables.

Gulrajani et al. (2017), "Improved Training of Wasserstein GANs"; for tabular oversampling
see Engelmann & Lessmann (2021), "Conditional Wasserstein GAN-based oversampling of tabular
data for imbalanced learning"; packing from Lin et al. (2018), "PacGAN".

* Continuous columns are mapped to a standard normal through their empirical quantiles on the
  training rows (stored as a grid of quantiles, so the inverse only yields values inside the
  observed range: this plays the part of CTGAN's mode-specific normalisation, a multimodal
  column becomes one normal). Discrete columns (categories, booleans, integers with few
  values) are one-hot; the generator emits them through a Gumbel-softmax while training and
  draws a value from its softmax when sampling, so only observed values come out.
* The generator is a residual MLP (each block's output is concatenated to its input, as in
  CTGAN) fed with noise and the class; the critic sees ``pac`` rows at once (PacGAN), which
  penalises a generator that collapses onto a few modes.
* With ``fit_on="all"`` one conditional model learns every class, and batches draw the
  classes in equal shares (``balance_classes``): otherwise a 2 % class gets 2 % of the
  updates and the model learns the majority's dependencies, not the class's. With
  ``"minority"`` each class has its own unconditional model.
* ``prior=True`` adds a per-class marginal prior under the network's output (continuous
  columns ``mean + scale * noise`` in normal space, discrete logits at log-frequencies).
  It is off by default: measured on planted tables, rows from the prior alone are the
  independent-marginals baseline, and the network then spent its budget undoing the prior's
  independence (benchmarks/README.md, "Deep generators on planted structure").
* Training is counted in generator steps: ``epochs`` passes over the training rows, at least
  ``min_steps`` and at most ``max_steps``, unless ``steps`` is given. Adam(2e-4, betas (0.5,
  0.9)), ``n_critic`` critic updates per generator update, ``lambda_gp = 10``.
* Early stopping on real rows held out from training (:mod:`._holdout`: 20 % of each class of
  50 rows or more, at most 1,000): every few steps rows drawn from the generator are scored
  against the held-out rows of the classes being generated (marginals and dependencies); the
  best generator is kept and training stops after ``patience`` evaluations without
  improvement (after a warm-up of half the steps). Classes under 50 rows train on every row
  for the full budget. The training rows are never part of the signal.

Written here, not taken from a library, because no maintained package ships a conditional
WGAN-GP for mixed tables that can be saved as plain tensors (safetensors) and trained by steps.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from ._deep import DeepGenerator, Progress, check_finite_loss, resolve_device, seeded, valid_batch
from ._holdout import EarlyStopping, MIN_HOLDOUT, stratified_holdout_split, validation_score

_CLIP = 1e-6  # normal-space bounds of the quantile map: +-4.75 standard deviations
_N_QUANTILES = 1000
#: Gumbel-softmax temperature of the discrete heads while training.
_TAU = 0.2


class WGANGP(DeepGenerator):
    """Class-conditional WGAN-GP for mixed-type tables.

    Parameters
    ----------
    epochs : int, default 300
        Passes over the training rows; the number of generator steps is
        ``epochs * ceil(rows / batch_size)``, kept between ``min_steps`` and ``max_steps``,
        unless ``steps`` is set. The budget thus grows with the class (``fit_on="minority"``)
        or the table (``"all"``) up to ``max_steps``.
    steps : int or None, default None
        Generator steps, overriding ``epochs``.
    min_steps : int, default 3000
        Measured on the planted 1,000-row class (seed 0): the held-out signal was still
        improving at step 2,800 of 4,000 (dependency gap 0.039 against 0.067-0.083 after
        1,500 steps), so fewer steps leave the dependencies half learnt.
    max_steps : int, default 5000
    batch_size : int, default 256
        Rows per batch; lowered to the training rows for small classes (and made a multiple of
        ``pac``).
    pac : int, default 4
        Rows the critic judges together (PacGAN); lowered for classes under two packs.
    lambda_gp : float, default 10
    n_critic : int, default 3
        Critic updates per generator update.
    learning_rate : float, default 2e-4
        Adam's step size for both networks (betas 0.5, 0.9).
    hidden : int, default 256
        Width of each of the two residual blocks of the generator and of the critic's layers.
    z_dim : int, default 64
        Size of the noise vector.
    prior : bool, default False
        Start the generator's output from the class's marginals (see the module docstring).
    balance_classes : bool, default True
        With ``fit_on="all"``, draw each batch's classes in equal shares.
    condition_on_values : bool, default True
        Train by sampling, as CTGAN does: each training row is conditioned on the value of one
        discrete column (column drawn uniformly, value by log-frequency, so rare values get
        trained), the generator is told to produce it (a cross-entropy term) and the critic
        compares with real rows that have it. At sampling the conditions are drawn at the
        class's observed frequencies, which keeps the marginals. This is what teaches the
        model that a category goes with a range of a number.
    patience : int, default 15
        Validation evaluations without improvement before training stops (after the warm-up);
        0 disables early stopping (the best state on the held-out rows is still kept).
    fit_on : {"minority", "all"}, default "minority"
        ``"minority"``: one model per class on that class's rows; ``"all"``: one conditional
        model on the whole table.
    verbose : bool, default True
        Show a progress bar (epoch, losses, time left).
    device : {"auto", "cpu", "cuda"}, default "auto"
    min_rows : int or None
        Classes with fewer rows use the SMOTE family (None: the method's default, 10).
    threads : int or None, default 1
        torch CPU threads while training and sampling (restored afterwards); None leaves
        torch's setting alone.
    """

    name = "wgan-gp"
    description = "WGAN-GP: class-conditional Wasserstein GAN with gradient penalty and packing (torch), held-out early stopping"
    min_rows = 10
    pickles = False
    defaults = {
        "epochs": 300,
        "steps": None,
        "min_steps": 3000,
        "max_steps": 5000,
        "batch_size": 256,
        "pac": 4,
        "lambda_gp": 10.0,
        "n_critic": 3,
        "learning_rate": 2e-4,
        "hidden": 256,
        "z_dim": 64,
        "prior": False,
        "balance_classes": True,
        "condition_on_values": True,
        "patience": 15,
        **DeepGenerator.common_defaults,
    }

    def _validate_model_params(self) -> None:
        self._check_int("epochs", 1)
        if self.params["steps"] is not None:
            self._check_int("steps", 1)
        self._check_int("min_steps", 1)
        self._check_int("max_steps", 1)
        self._check_int("batch_size", 2)
        self._check_int("pac", 1)
        self._check_float("lambda_gp", 0.0)
        self._check_int("n_critic", 1)
        self._check_float("learning_rate", 1e-8, 1.0)
        self._check_int("hidden", 4)
        self._check_int("z_dim", 1)
        self._check_int("patience", 0)
        for name in ("prior", "balance_classes", "condition_on_values"):
            if not isinstance(self.params[name], bool):
                from ..errors import ParameterError

                raise ParameterError(f"{self.name}: {name} must be True or False, got {self.params[name]!r}")

    # ------------------------------------------------------------------ fit
    def _fit_model(self, layout, numeric, categorical, y, n_classes, seed, what):
        import torch

        p = self.params
        device = resolve_device(p["device"])
        cont, codes = layout.split(numeric, categorical)
        n = cont.shape[0]
        labels = np.zeros(n, dtype=np.int64) if y is None else np.asarray(y, dtype=np.int64)
        sizes = layout.sizes
        with seeded(seed, p["threads"], device):
            rng = np.random.default_rng(seed)
            train_rows, val_rows = stratified_holdout_split(labels, rng)
            # The quantile maps come from the training rows only: the held-out rows stay unseen.
            quantiles = [_quantile_grid(cont[train_rows, i]) for i in range(cont.shape[1])]
            X = _to_model_space(cont, codes, quantiles, sizes)
            C = _one_hot(labels, n_classes) if n_classes > 1 else np.zeros((n, 0))
            batch, pac = valid_batch(len(train_rows), p["batch_size"], p["pac"])
            steps_per_epoch = math.ceil(len(train_rows) / batch)
            total = p["steps"] if p["steps"] is not None else min(
                p["max_steps"], max(p["min_steps"], p["epochs"] * steps_per_epoch)
            )
            draw = _BatchDraw(train_rows, labels, n_classes, n_classes > 1 and p["balance_classes"],
                              codes, sizes, p["condition_on_values"] and bool(sizes), rng)
            model = _WGANModel(X.shape[1], len(quantiles), sizes, n_classes, p["hidden"], p["z_dim"], quantiles,
                               p["prior"], draw.value_freq)
            model.build(device)
            if p["prior"]:
                model.start_from_marginals(X[train_rows], labels[train_rows] if n_classes > 1 else None)
            critic = _critic((X.shape[1] + model.cond_width) * pac, p["hidden"]).to(device)
            opt_g = _adam(model.generator.parameters(), p["learning_rate"])
            opt_d = _adam(critic.parameters(), p["learning_rate"])
            Xt = torch.as_tensor(X, dtype=torch.float32, device=device)
            Ct = torch.as_tensor(C, dtype=torch.float32, device=device)
            # Which classes the validation signal looks at: the ones this fit will generate.
            wanted = getattr(self, "fit_codes_", None)
            groups = _validation_groups(val_rows, labels, n_classes, wanted, getattr(self, "fit_classes_", None))
            stopper = EarlyStopping(p["patience"], int(0.5 * total))
            every = max(20, total // 40)
            bar = Progress(total, f"{self.name} {what}", p["verbose"], steps_per_epoch)
            step = 0
            try:
                for step in range(1, total + 1):
                    for _ in range(p["n_critic"]):
                        idx, vcond, _ = draw(batch)
                        idx = torch.as_tensor(idx, device=device)
                        real, c = Xt[idx], _condition(Ct[idx], vcond, device)
                        with torch.no_grad():
                            fake = model.forward_train(model.noise(batch, device), c)
                        loss_d = _critic_loss(critic, real, fake, c, p["lambda_gp"], pac)
                        opt_d.zero_grad(set_to_none=True)
                        loss_d.backward()
                        opt_d.step()
                    idx, vcond, asked = draw(batch)
                    c = _condition(Ct[torch.as_tensor(idx, device=device)], vcond, device)
                    raw = model.raw(model.noise(batch, device), c)
                    fake = model.heads(raw)
                    loss_g = -critic(_pack(torch.cat([fake, c], 1), pac)).mean() + _value_loss(raw, asked, model)
                    opt_g.zero_grad(set_to_none=True)
                    loss_g.backward()
                    opt_g.step()
                    ld, lg = float(loss_d.detach()), float(loss_g.detach())
                    check_finite_loss(self.name, step, critic_loss=ld, generator_loss=lg)
                    bar.update(step, loss_d=ld, loss_g=lg)
                    if groups and (step % every == 0 or step == total):
                        score = _held_out_score(model, groups, cont, codes, sizes)
                        model.generator.train()
                        if stopper.update(step, score, model.snapshot):
                            break
            finally:
                bar.close()
            if stopper.best_state is not None:
                model.generator.load_state_dict(stopper.best_state)
            model.generator.eval()
            model.info = {
                "steps_run": step,
                "steps_planned": total,
                "batch_size": batch,
                "pac": pac,
                "train_rows": int(len(train_rows)),
                "holdout_rows": int(sum(len(r) for _, r in groups)),
                "best_step": stopper.best_step,
                "best_validation_score": None if stopper.best_step is None else round(stopper.best, 6),
                "stopped_early": step < total,
                "validation_history": [[s, round(v, 6)] for s, v in stopper.history],
            }
        return model

    # ------------------------------------------------------------------ sample
    def _sample_model(self, model, layout, n, condition, seed):
        with seeded(seed, self.params["threads"], model.device):
            return model.sample(n, condition)

    # ------------------------------------------------------------------ state
    def _model_state(self, model):
        return model.config(), model.arrays()

    def _model_from_state(self, config, arrays):
        return _WGANModel.from_state(config, arrays, resolve_device(self.params["device"]))


class _BatchDraw:
    """Training rows for a batch, with the conditions they are drawn under.

    Classes are drawn in equal shares (``balance``) or in proportion to their rows. With value
    conditioning (CTGAN's training by sampling), each row then draws one discrete column
    uniformly and a value of it by log-frequency among the class's training rows, and a real
    row of the class that has that value.
    """

    def __init__(self, rows, labels, n_classes, balance, codes, sizes, values, rng):
        self.rng = rng
        self.sizes = list(sizes)
        self.starts = np.cumsum([0] + self.sizes)[:-1]
        self.values = bool(values)
        rows = np.asarray(rows)
        k = max(1, int(n_classes))
        lab = labels[rows] if n_classes > 1 else np.zeros(len(rows), dtype=np.int64)
        self.groups = [rows[lab == c] for c in range(k)]
        present = np.array([len(g) > 0 for g in self.groups], dtype=float)
        sizes_k = np.array([len(g) for g in self.groups], dtype=float)
        weights = present if balance else sizes_k
        self.class_p = weights / weights.sum()
        width = int(sum(self.sizes))
        #: Observed frequency of each value within its column, per class: the sampling-time conditions.
        self.value_freq = np.zeros((k, width))
        self.sorted, self.offsets, self.counts, self.log_p = {}, {}, {}, {}
        for c, group in enumerate(self.groups):
            for j, size in enumerate(self.sizes):
                counts = np.bincount(codes[group, j], minlength=size).astype(float) if len(group) else np.zeros(size)
                if counts.sum():
                    self.value_freq[c, self.starts[j] : self.starts[j] + size] = counts / counts.sum()
                if not self.values or not len(group):
                    continue
                order = group[np.argsort(codes[group, j], kind="stable")]
                log_counts = np.where(counts > 0, np.log1p(counts), 0.0)
                self.sorted[c, j] = order
                self.counts[c, j] = counts.astype(np.int64)
                self.offsets[c, j] = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
                self.log_p[c, j] = log_counts / log_counts.sum()

    def __call__(self, size: int):
        """(row positions, value-condition matrix or None, (columns, values) asked or None)."""
        rng = self.rng
        cls = rng.choice(len(self.groups), size, p=self.class_p)
        out = np.empty(size, dtype=np.int64)
        if not self.values:
            for c, group in enumerate(self.groups):
                hit = cls == c
                if hit.any():
                    out[hit] = group[rng.integers(0, len(group), int(hit.sum()))]
            return out, None, None
        cols = rng.integers(0, len(self.sizes), size)
        vals = np.empty(size, dtype=np.int64)
        for (c, j), order in self.sorted.items():
            hit = np.flatnonzero((cls == c) & (cols == j))
            if not len(hit):
                continue
            v = rng.choice(len(self.log_p[c, j]), len(hit), p=self.log_p[c, j])
            pick = (rng.random(len(hit)) * self.counts[c, j][v]).astype(np.int64)
            out[hit] = order[self.offsets[c, j][v] + pick]
            vals[hit] = v
        vcond = np.zeros((size, int(sum(self.sizes))), dtype=np.float32)
        vcond[np.arange(size), self.starts[cols] + vals] = 1.0
        return out, vcond, (cols, vals)


def _condition(class_part, vcond, device):
    """The condition fed to both networks: the class one-hot, then the value one-hot (if any)."""
    import torch

    if vcond is None:
        return class_part
    return torch.cat([class_part, torch.as_tensor(vcond, device=device)], 1)


def _value_loss(raw, asked, model):
    """Cross-entropy of the generator's logits for each row's conditioned column against the value asked."""
    if asked is None:
        return 0.0
    import torch
    import torch.nn.functional as F

    cols, vals = asked
    total = raw.new_zeros(())
    start = model.n_cont
    for j, size in enumerate(model.sizes):
        rows = np.flatnonzero(cols == j)
        if len(rows):
            r = torch.as_tensor(rows, device=raw.device)
            t = torch.as_tensor(vals[rows], device=raw.device)
            total = total + F.cross_entropy(raw[r, start : start + size], t, reduction="sum")
        start += size
    return total / raw.shape[0]


def _validation_groups(val_rows, labels, n_classes, wanted, classes) -> list:
    """[(condition or None, held-out row positions)] for the classes the fit will generate."""
    if n_classes <= 1:
        return [(None, val_rows)] if len(val_rows) >= MIN_HOLDOUT else []
    conditions = range(n_classes)
    if wanted is not None and classes is not None:
        conditions = [classes.index(int(c)) for c in wanted if int(c) in classes]
    out = []
    for k in conditions:
        rows = val_rows[labels[val_rows] == k]
        if len(rows) >= MIN_HOLDOUT:
            out.append((k, rows))
    return out


#: Rows drawn from the model for each validation, and the fixed seed they are drawn with.
_VALIDATION_ROWS = 2000
_VALIDATION_SEED = 20231


def _held_out_score(model, groups, cont, codes, sizes) -> float:
    """The validation signal over the held-out rows of the classes being generated.

    Every evaluation draws its rows from the same noise (a fixed seed, the training streams
    left where they were): the score then moves only when the model does, so that the
    sampling noise of the draw does not mask a real improvement or fake one.
    """
    import torch

    scores, weights = [], []
    np_state = np.random.get_state()
    try:
        with torch.random.fork_rng(devices=[]):
            for condition, rows in groups:
                torch.manual_seed(_VALIDATION_SEED)
                np.random.seed(_VALIDATION_SEED)
                fake_cont, fake_codes = model.sample(max(len(rows), _VALIDATION_ROWS), condition)
                scores.append(validation_score(cont[rows], codes[rows], fake_cont, fake_codes, sizes))
                weights.append(len(rows))
    finally:
        np.random.set_state(np_state)
    return float(np.average(scores, weights=weights))


# ====================================================================== model
#: Version of the generator's layout in saved state; a folder saved with another one is refused.
ARCHITECTURE = 3
#: Scale of the output layer's initial weights when the marginal prior is on: the network
#: starts as a small correction to the prior, so the first rows already have its marginals.
_HEAD_INIT = 0.1


class _WGANModel:
    """The generator network plus the quantile maps: everything sampling needs, as tensors."""

    def __init__(self, width, n_cont, sizes, n_classes, hidden, z_dim, quantiles, prior=False, value_freq=None):
        self.width = int(width)
        self.n_cont = int(n_cont)
        self.sizes = [int(s) for s in sizes]
        self.n_classes = int(n_classes)
        self.hidden = int(hidden)
        self.z_dim = int(z_dim)
        self.prior = bool(prior)
        #: Per class, each discrete value's observed frequency within its column; None when
        #: the model is not conditioned on values.
        self.value_freq = None if value_freq is None else np.asarray(value_freq, dtype=np.float64)
        self.quantiles = [np.asarray(q, dtype=np.float64) for q in quantiles]
        self.info: dict = {}
        self.generator = None
        self.device = "cpu"

    @property
    def _cond(self) -> int:
        return self.n_classes if self.n_classes > 1 else 0

    @property
    def _vcond(self) -> int:
        return 0 if self.value_freq is None else int(sum(self.sizes))

    @property
    def cond_width(self) -> int:
        """Width of the condition both networks see: class one-hot, then value one-hot."""
        return self._cond + self._vcond

    @property
    def _noise_width(self) -> int:
        # The prior draws one noise value of its own per continuous column.
        return self.z_dim + (self.n_cont if self.prior else 0)

    def build(self, device: str) -> None:
        import torch
        import torch.nn as nn

        modules = {"net": _ResidualMLP(self._noise_width + self.cond_width, self.hidden, self.width)}
        if self.prior:
            k = max(1, self.n_classes)
            with torch.no_grad():
                modules["net"].head.weight.mul_(_HEAD_INIT)
                modules["net"].head.bias.zero_()
            modules["prior"] = nn.ParameterDict({
                "mean": nn.Parameter(torch.zeros(k, self.n_cont)),
                "scale": nn.Parameter(torch.ones(k, self.n_cont)),
                "logits": nn.Parameter(torch.zeros(k, self.width - self.n_cont)),
            })
        self.generator = nn.ModuleDict(modules).to(device)
        self.device = device

    def start_from_marginals(self, X: np.ndarray, y: np.ndarray | None) -> None:
        """Set the prior from the training rows in model space (per class when conditional)."""
        import torch

        k = max(1, self.n_classes)
        labels = np.zeros(len(X), dtype=np.int64) if y is None or self.n_classes <= 1 else np.asarray(y)
        mean, scale = np.zeros((k, self.n_cont)), np.ones((k, self.n_cont))
        logits = np.zeros((k, self.width - self.n_cont))
        for cls in range(k):
            rows = X[labels == cls]
            if len(rows) == 0:
                continue
            cont, disc = rows[:, : self.n_cont], rows[:, self.n_cont :]
            if self.n_cont:
                mean[cls] = cont.mean(0)
                scale[cls] = np.maximum(cont.std(0), 1e-3) if len(rows) > 1 else 1.0
            start = 0
            for size in self.sizes:
                # A value unseen in this class keeps a small chance: the layout is shared by
                # the classes with fit_on="all".
                logits[cls, start : start + size] = np.log(disc[:, start : start + size].mean(0) + 1e-3)
                start += size
        prior = self.generator["prior"]
        with torch.no_grad():
            prior["mean"].copy_(torch.as_tensor(mean, dtype=torch.float32))
            prior["scale"].copy_(torch.as_tensor(scale, dtype=torch.float32))
            prior["logits"].copy_(torch.as_tensor(logits, dtype=torch.float32))

    def noise(self, n: int, device):
        import torch

        return torch.randn(n, self._noise_width, device=device)

    def raw(self, z, c):
        """The generator's output before the discrete heads' activation."""
        import torch

        g = self.generator
        raw = g["net"](torch.cat([z, c], 1) if c.shape[1] else z)
        if not self.prior:
            return raw
        prior = g["prior"]
        c = c[:, : self._cond]
        if c.shape[1]:
            mean, scale, logits = c @ prior["mean"], c @ prior["scale"], c @ prior["logits"]
        else:
            mean, scale, logits = prior["mean"], prior["scale"], prior["logits"]
        cont = raw[:, : self.n_cont] + mean + scale * z[:, self.z_dim :]
        return torch.cat([cont, raw[:, self.n_cont :] + logits], 1)

    def heads(self, raw):
        import torch
        import torch.nn.functional as F

        parts = [raw[:, : self.n_cont]]
        start = self.n_cont
        for size in self.sizes:
            parts.append(F.gumbel_softmax(raw[:, start : start + size], tau=_TAU, hard=False))
            start += size
        return torch.cat(parts, 1)

    def forward_train(self, z, c):
        return self.heads(self.raw(z, c))

    def snapshot(self) -> dict:
        return {k: v.detach().clone() for k, v in self.generator.state_dict().items()}

    def sample(self, n: int, condition: int | None) -> tuple[np.ndarray, np.ndarray]:
        """``n`` rows (continuous values in the table's units, discrete codes), class ``condition``."""
        import torch

        self.generator.eval()
        conts, codes = [], []
        with torch.no_grad():
            for start in range(0, n, 4096):
                b = min(4096, n - start)
                # Noise drawn on the CPU: the same seed gives the same rows on any device.
                z = self.noise(b, "cpu").to(self.device)
                c = torch.zeros(b, self.cond_width, device=self.device)
                if self._cond:
                    c[:, condition] = 1.0
                if self._vcond:
                    c[:, self._cond :] = torch.as_tensor(self._value_conditions(b, condition or 0))
                raw = self.raw(z, c)
                cols, st = [], self.n_cont
                for size in self.sizes:
                    probs = torch.softmax(raw[:, st : st + size].double(), 1).cpu()
                    cols.append(torch.multinomial(probs, 1).squeeze(1).numpy())
                    st += size
                conts.append(raw[:, : self.n_cont].double().cpu().numpy())
                codes.append(np.column_stack(cols) if cols else np.empty((b, 0), dtype=np.int64))
        cont = np.concatenate(conts) if conts else np.empty((0, self.n_cont))
        code = np.concatenate(codes).astype(np.int64) if codes else np.empty((0, len(self.sizes)), np.int64)
        return _from_normal(cont, self.quantiles), code

    def _value_conditions(self, n: int, cls: int) -> np.ndarray:
        """One-hot value conditions at the class's observed frequencies: column uniform, then its value.

        Drawn from numpy's global generator, which :func:`._deep.seeded` seeds for the block.
        """
        freq = self.value_freq[cls]
        starts = np.cumsum([0] + self.sizes)[:-1]
        cols = np.random.randint(0, len(self.sizes), n)
        out = np.zeros((n, self._vcond), dtype=np.float32)
        for j, size in enumerate(self.sizes):
            rows = np.flatnonzero(cols == j)
            if not len(rows):
                continue
            p = freq[starts[j] : starts[j] + size]
            p = p / p.sum() if p.sum() > 0 else np.full(size, 1.0 / size)
            out[rows, starts[j] + np.random.choice(size, len(rows), p=p)] = 1.0
        return out

    def config(self) -> dict:
        return {
            "architecture": ARCHITECTURE, "width": self.width, "n_cont": self.n_cont, "sizes": self.sizes,
            "n_classes": self.n_classes, "hidden": self.hidden, "z_dim": self.z_dim, "prior": self.prior,
            "value_conditions": self.value_freq is not None, "info": self.info,
        }

    def arrays(self) -> dict:
        out = {f"quantiles.{i}": q for i, q in enumerate(self.quantiles)}
        if self.value_freq is not None:
            out["value_freq"] = self.value_freq
        for k, v in self.generator.state_dict().items():
            out[f"generator.{k}"] = v.detach().cpu().numpy()
        return out

    @classmethod
    def from_state(cls, config: dict, arrays: dict, device: str) -> _WGANModel:
        import torch

        if config.get("architecture", 1) != ARCHITECTURE:
            from ..errors import ModelLoadError

            raise ModelLoadError(
                f"this wgan-gp generator was saved with network layout {config.get('architecture', 1)}; "
                f"this gensample reads layout {ARCHITECTURE}: fit it again (gensample fit ...)"
            )
        quantiles = [np.asarray(arrays[f"quantiles.{i}"]) for i in range(int(config["n_cont"]))]
        model = cls(config["width"], config["n_cont"], config["sizes"], config["n_classes"],
                    config["hidden"], config["z_dim"], quantiles, bool(config.get("prior", False)),
                    arrays["value_freq"] if config.get("value_conditions") else None)
        model.info = dict(config.get("info", {}))
        model.build(device)
        state = {k[len("generator."):]: torch.from_numpy(np.array(v)) for k, v in arrays.items() if k.startswith("generator.")}
        model.generator.load_state_dict(state)
        model.generator.eval()
        return model


def _residual_mlp_class():
    import torch
    import torch.nn as nn

    class ResidualMLP(nn.Module):
        """Two blocks whose outputs are concatenated to their inputs (CTGAN's generator shape), then a linear head."""

        def __init__(self, inputs: int, hidden: int, outputs: int):
            super().__init__()
            self.fc1 = nn.Linear(inputs, hidden)
            self.fc2 = nn.Linear(inputs + hidden, hidden)
            self.head = nn.Linear(inputs + 2 * hidden, outputs)
            self.act = nn.LeakyReLU(0.2)

        def forward(self, x):
            x = torch.cat([self.act(self.fc1(x)), x], 1)
            x = torch.cat([self.act(self.fc2(x)), x], 1)
            return self.head(x)

    return ResidualMLP


_MLP: list = []


def _ResidualMLP(inputs: int, hidden: int, outputs: int):
    # The nn.Module subclass is made on first use: importing this module must not import torch.
    if not _MLP:
        _MLP.append(_residual_mlp_class())
    return _MLP[0](inputs, hidden, outputs)


def _critic(width: int, hidden: int):
    import torch.nn as nn

    # No batch normalisation in the critic: the gradient penalty is per sample (Gulrajani et al.).
    return nn.Sequential(
        nn.Linear(width, hidden), nn.LeakyReLU(0.2),
        nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
        nn.Linear(hidden, 1),
    )


def _pack(x, pac: int):
    """(batch, d) -> (batch / pac, pac * d): the critic judges ``pac`` rows at once."""
    return x.reshape(x.shape[0] // pac, pac * x.shape[1])


def _adam(params, lr: float):
    """Adam(lr, betas=(0.5, 0.9)) as in the paper; torch's fused kernel where it has one (10 % faster per critic step on CPU)."""
    import torch

    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, betas=(0.5, 0.9), fused=True)
    except (RuntimeError, TypeError):  # a device or torch build without the fused kernel
        return torch.optim.Adam(params, lr=lr, betas=(0.5, 0.9))


def _critic_loss(critic, real, fake, c, lambda_gp: float, pac: int = 1):
    """Wasserstein critic loss plus the gradient penalty (Gulrajani et al.) on packed rows.

    Three passes of the critic, not one over the stacked batch: measured on CPU, the stacked
    pass is 3-60 % slower, because the penalty's double backward then runs over all rows.
    """
    import torch

    real_p, fake_p = _pack(torch.cat([real, c], 1), pac), _pack(torch.cat([fake, c], 1), pac)
    alpha = torch.rand(real_p.shape[0], 1, device=real.device)
    mixed = (alpha * real_p + (1 - alpha) * fake_p).requires_grad_(True)
    out = critic(mixed)
    grad = torch.autograd.grad(out.sum(), mixed, create_graph=True)[0]
    penalty = ((grad.norm(2, dim=1) - 1) ** 2).mean()
    return critic(fake_p).mean() - critic(real_p).mean() + lambda_gp * penalty


# ====================================================================== transforms
def _quantile_grid(values: np.ndarray) -> np.ndarray:
    levels = np.linspace(0, 1, min(_N_QUANTILES, len(values)))
    return np.quantile(values, levels)


def _to_normal(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    levels = np.linspace(0, 1, len(q))
    # Average of the forward and backward interpolation, as scikit-learn's
    # QuantileTransformer does, so repeated values map to the middle of their quantile range.
    u = 0.5 * (np.interp(x, q, levels) - np.interp(-x, -q[::-1], -levels[::-1]))
    return norm.ppf(np.clip(u, _CLIP, 1 - _CLIP))


def _from_normal(z: np.ndarray, quantiles: list) -> np.ndarray:
    out = np.empty_like(z, dtype=np.float64)
    for i, q in enumerate(quantiles):
        out[:, i] = np.interp(norm.cdf(z[:, i]), np.linspace(0, 1, len(q)), q)
    return out


def _one_hot(codes, size: int) -> np.ndarray:
    out = np.zeros((len(codes), size))
    out[np.arange(len(codes)), np.asarray(codes, dtype=np.int64)] = 1.0
    return out


def _to_model_space(cont, codes, quantiles, sizes) -> np.ndarray:
    parts = [np.column_stack([_to_normal(cont[:, i], q) for i, q in enumerate(quantiles)])] if quantiles else []
    parts += [_one_hot(codes[:, k], s) for k, s in enumerate(sizes)]
    return np.concatenate(parts, 1) if parts else np.zeros((len(codes), 0))
