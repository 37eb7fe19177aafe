"""WGAN-GP's networks and tensors: the generator model, the PacGAN critic, losses, batches, quantile maps.

What :class:`gensample.generators.wgan_gp.WGANGP` trains and samples with (the plugin glue,
parameters and the training loop stay in that module). ``WGANModel`` is what a fitted
wgan-gp keeps and saves as safetensors (:data:`ARCHITECTURE` versions its layout). torch and
scipy load on first use, so importing this module imports neither.

Why one module: :class:`WGANModel` is what a fitted wgan-gp saves, and the functions beside it
(critic, losses, batch draws, quantile maps) fix the tensor layout it saves; keeping them in
one file keeps that layout, versioned by :data:`ARCHITECTURE`, in one place.
"""

from __future__ import annotations

import numpy as np

from .._discrete_head import DiscreteHead

#: normal-space bounds of the quantile map: +-4.75 standard deviations
CLIP = 1e-6
N_QUANTILES = 1000
#: Gumbel-softmax temperature of the discrete heads while training.
TAU = 0.2


class BatchDraw:
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


def condition(class_part, vcond, device):
    """The condition fed to both networks: the class one-hot, then the value one-hot (if any)."""
    import torch

    if vcond is None:
        return class_part
    return torch.cat([class_part, torch.as_tensor(vcond, device=device)], 1)


def value_loss(raw, asked, model):
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


# ====================================================================== model
#: Version of the generator's layout in saved state; a folder saved with another one is refused.
ARCHITECTURE = 3
#: Scale of the output layer's initial weights when the marginal prior is on: the network
#: starts as a small correction to the prior, so the first rows already have its marginals.
HEAD_INIT = 0.1


class WGANModel:
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
        #: The discrete head (generators/_discrete_head.DiscreteHead) that redraws the discrete
        #: columns given the numbers, or None: the generator's own softmax draws.
        self.head = None

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

        modules = {"net": ResidualMLP(self._noise_width + self.cond_width, self.hidden, self.width)}
        if self.prior:
            k = max(1, self.n_classes)
            with torch.no_grad():
                modules["net"].head.weight.mul_(HEAD_INIT)
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
            parts.append(F.gumbel_softmax(raw[:, start : start + size], tau=TAU, hard=False))
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
        return from_normal(cont, self.quantiles), code

    def _value_conditions(self, n: int, cls: int) -> np.ndarray:
        """One-hot value conditions at the class's observed frequencies: column uniform, then its value.

        Drawn from numpy's global generator, which :func:`.deep.seeded` seeds for the block.
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

    def state(self) -> tuple[dict, dict]:
        """(JSON config, {name: ndarray}): everything :meth:`from_state` needs, head included."""
        config, arrays = self.config(), self.arrays()
        if self.head is not None:
            self.head.add_to_state(config, arrays)
        return config, arrays

    @classmethod
    def from_state(cls, config: dict, arrays: dict, device: str) -> WGANModel:
        import torch

        if config.get("architecture", 1) != ARCHITECTURE:
            from ...errors import ModelLoadError

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
        model.head = DiscreteHead.from_model_state(config, arrays)
        if model.head is not None:
            bad = model.head.problems_against(model.n_cont, model.sizes, model._cond)
            if bad:
                raise ValueError(f"wgan-gp model arrays do not fit together: {', '.join(bad)}")
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


def ResidualMLP(inputs: int, hidden: int, outputs: int):
    # The nn.Module subclass is made on first use: importing this module must not import torch.
    if not _MLP:
        _MLP.append(_residual_mlp_class())
    return _MLP[0](inputs, hidden, outputs)


def critic(width: int, hidden: int):
    import torch.nn as nn

    # No batch normalisation in the critic: the gradient penalty is per sample (Gulrajani et al.).
    return nn.Sequential(
        nn.Linear(width, hidden), nn.LeakyReLU(0.2),
        nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
        nn.Linear(hidden, 1),
    )


def pack(x, pac: int):
    """(batch, d) -> (batch / pac, pac * d): the critic judges ``pac`` rows at once."""
    return x.reshape(x.shape[0] // pac, pac * x.shape[1])


def adam(params, lr: float):
    """Adam(lr, betas=(0.5, 0.9)) as in the paper; torch's fused kernel where it has one (10 % faster per critic step on CPU)."""
    import torch

    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, betas=(0.5, 0.9), fused=True)
    except (RuntimeError, TypeError):  # a device or torch build without the fused kernel
        return torch.optim.Adam(params, lr=lr, betas=(0.5, 0.9))


def critic_loss(critic, real, fake, c, lambda_gp: float, pac: int = 1):
    """Wasserstein critic loss plus the gradient penalty (Gulrajani et al.) on packed rows.

    Three passes of the critic, not one over the stacked batch: measured on CPU, the stacked
    pass is 3-60 % slower, because the penalty's double backward then runs over all rows.
    """
    import torch

    real_p, fake_p = pack(torch.cat([real, c], 1), pac), pack(torch.cat([fake, c], 1), pac)
    alpha = torch.rand(real_p.shape[0], 1, device=real.device)
    mixed = (alpha * real_p + (1 - alpha) * fake_p).requires_grad_(True)
    out = critic(mixed)
    grad = torch.autograd.grad(out.sum(), mixed, create_graph=True)[0]
    penalty = ((grad.norm(2, dim=1) - 1) ** 2).mean()
    return critic(fake_p).mean() - critic(real_p).mean() + lambda_gp * penalty


# ====================================================================== transforms
def quantile_grid(values: np.ndarray) -> np.ndarray:
    levels = np.linspace(0, 1, min(N_QUANTILES, len(values)))
    return np.quantile(values, levels)


def to_normal(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    from scipy.stats import norm

    levels = np.linspace(0, 1, len(q))
    # Average of the forward and backward interpolation, as scikit-learn's
    # QuantileTransformer does, so repeated values map to the middle of their quantile range.
    u = 0.5 * (np.interp(x, q, levels) - np.interp(-x, -q[::-1], -levels[::-1]))
    return norm.ppf(np.clip(u, CLIP, 1 - CLIP))


def from_normal(z: np.ndarray, quantiles: list) -> np.ndarray:
    from scipy.stats import norm

    out = np.empty_like(z, dtype=np.float64)
    for i, q in enumerate(quantiles):
        out[:, i] = np.interp(norm.cdf(z[:, i]), np.linspace(0, 1, len(q)), q)
    return out


def one_hot(codes, size: int) -> np.ndarray:
    out = np.zeros((len(codes), size))
    out[np.arange(len(codes)), np.asarray(codes, dtype=np.int64)] = 1.0
    return out


def to_model_space(cont, codes, quantiles, sizes) -> np.ndarray:
    parts = [np.column_stack([to_normal(cont[:, i], q) for i, q in enumerate(quantiles)])] if quantiles else []
    parts += [one_hot(codes[:, k], s) for k, s in enumerate(sizes)]
    return np.concatenate(parts, 1) if parts else np.zeros((len(codes), 0))
