"""TVAE's training loop (ctgan 0.12's ``Encoder``, ``Decoder`` and ``_loss_function``, our loop) and its sampler.

``TVAEModel`` is what a fitted tvae keeps (pickled in saved generators: it must stay importable
under this name, and ``gensample.generators.sdv_models._TVAEModel`` for folders saved before the
split).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _sdv_glue as glue
from ..deep import Progress, check_finite_loss, seeded, valid_batch
from .._holdout import EarlyStopping


def train(gen, frame, y_train, n_classes: int, seed: int, what: str, device: str, held: glue.HeldOut, layout, ranges):
    """Train a TVAE on ``frame`` (the training rows, :func:`.._sdv_glue.to_frame`); a fitted :class:`TVAEModel`.

    ``gen`` is the plugin instance (``params``, ``name``, ``_warmup_share``); ``held`` the
    held-out rows early stopping scores against; ``y_train`` the class index of each training
    row (None for a one-class model).
    """
    import torch
    from ctgan.synthesizers.tvae import Decoder, Encoder, _loss_function

    p = gen.params
    discrete = [c for c in frame.columns if not c.startswith("x")]
    with seeded(seed, gen.params["threads"], device):
        n_cont = len(frame.columns) - len(discrete)
        transformer = glue.bounded_transformer(p["transformer_rows"], seed, p["verbose"], f"{gen.name} {what}", n_cont)
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
        total = glue.budget(gen, n, steps_per_epoch)
        every = glue.evaluation_every(total)
        stopper = EarlyStopping(p["patience"], int(gen._warmup_share * total))
        eval_seed = int(np.random.default_rng([seed, 11]).integers(2**31 - 1))
        model = TVAEModel(transformer, decoder, p["embedding_dim"], None, ranges, device, total, batch)
        use_posterior = n_classes <= 1 and p["latent"] == "posterior"
        model.latent = "posterior" if use_posterior else "prior"

        def sample(k, cond):
            with seeded(eval_seed, None, device):
                if cond is not None or use_posterior:
                    model.posterior = posteriors(encoder, data, y_train, n_classes)
                out = sample_rows(model, k, cond, layout)
            encoder.train()
            decoder.train()
            return out

        bar = Progress(total, f"{gen.name} {what}", p["verbose"], steps_per_epoch)
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
                check_finite_loss(gen.name, step, loss=value)
                bar.update(step, loss=value)
                if held and (step % every == 0 or step == total):
                    if stopper.update(step, held.score(sample), lambda: glue.state_copy(encoder, decoder)):
                        break
        finally:
            bar.close()
        if stopper.best_state is not None:
            encoder.load_state_dict(stopper.best_state[0])
            decoder.load_state_dict(stopper.best_state[1])
        encoder.eval()
        decoder.eval()
        model.posterior = posteriors(encoder, data, y_train, n_classes) if n_classes > 1 or use_posterior else None
    model.gs_info = {**glue.stopping_info(stopper, held, total, step, every), "batch_size": batch, "device": device}
    return model


def sample_rows(model, n: int, condition, layout) -> tuple[np.ndarray, np.ndarray]:
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
    return glue.from_frame(frame, layout, model.ranges)


def posteriors(encoder, data, y, n_classes: int) -> list:
    import torch

    was_training = encoder.training
    encoder.eval()
    with torch.no_grad():
        mu, std, _ = encoder(data)
    encoder.train(was_training)
    y = np.zeros(len(mu), dtype=np.int64) if y is None else np.asarray(y)
    return class_posteriors(mu.cpu().numpy(), std.cpu().numpy(), y, max(1, n_classes))


class TVAEModel:
    """What TVAE sampling needs: the transformer, the decoder and per-class latent Gaussians."""

    def __init__(self, transformer, decoder, embedding_dim, posterior, ranges, device, steps, batch):
        self.transformer = transformer
        self.decoder = decoder
        self.embedding_dim = embedding_dim
        self.posterior = posterior
        self.ranges = ranges
        self.device = device
        self.gs_info = {"steps_run": steps, "batch_size": batch, "device": device}


def class_posteriors(mu: np.ndarray, std: np.ndarray, y: np.ndarray, n_classes: int) -> list:
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
