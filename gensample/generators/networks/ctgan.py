"""CTGAN's training loop (ctgan 0.12's, restructured) and its sampler, for the ctgan and copulagan plugins.

The networks, the conditional-vector sampler, the activation and the conditional loss are
ctgan's; they are reached through ``CTGAN``'s private attributes (``_transformer``,
``_data_sampler``, ``_generator``, ``_apply_activate``, ``_cond_loss``...), which is why
pyproject.toml pins ``ctgan<0.13`` and tests/test_deep_training.py checks that the names exist.
What differs from ctgan's own loop is listed in :mod:`gensample.generators.ctgan`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import _sdv_glue as glue
from ..deep import Progress, check_finite_loss, seeded, valid_batch
from .._holdout import EarlyStopping


def train(gen, frame: pd.DataFrame, discrete: list, seed: int, what: str, device: str,
          held: glue.HeldOut, layout, ranges, copula):
    """Train a CTGAN (or CopulaGAN, when ``copula`` is given) on ``frame``; the ctgan model, fitted.

    ``gen`` is the plugin instance (its ``params``, ``name`` and ``_warmup_share``); ``frame``
    is the training rows as :func:`.._sdv_glue.to_frame` makes them, ``held`` the held-out
    rows early stopping scores against.
    """
    import torch
    from ctgan import CTGAN
    from ctgan.data_sampler import DataSampler
    from ctgan.synthesizers.ctgan import Discriminator
    from ctgan.synthesizers.ctgan import Generator as CTGenerator

    p = gen.params
    n = len(frame)
    batch, pac = valid_batch(n, p["batch_size"], p["pac"])
    model = CTGAN(
        embedding_dim=p["embedding_dim"], generator_dim=tuple(p["generator_dim"]),
        discriminator_dim=tuple(p["discriminator_dim"]), generator_lr=p["generator_lr"],
        generator_decay=p["generator_decay"], discriminator_lr=p["discriminator_lr"],
        discriminator_decay=p["discriminator_decay"], batch_size=batch,
        discriminator_steps=p["discriminator_steps"], log_frequency=p["log_frequency"],
        epochs=p["epochs"] or glue.AUTO_EPOCHS, pac=pac, enable_gpu=device == "cuda",
    )
    model.gs_ranges = ranges
    model.gs_copula = copula
    n_cont = sum(c not in discrete for c in frame.columns)
    transformer = glue.bounded_transformer(p["transformer_rows"], seed, p["verbose"], f"{gen.name} {what}", n_cont)
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
    total = glue.budget(gen, n, steps_per_epoch)
    every = glue.evaluation_every(total)
    stopper = EarlyStopping(p["patience"], int(gen._warmup_share * total))
    eval_seed = int(np.random.default_rng([seed, 11]).integers(2**31 - 1))

    def sample(k, cond):
        # Same noise at every evaluation (seeded() restores the training streams after),
        # so two checkpoints are compared on the same draws.
        with seeded(eval_seed, None, device):
            out = sample_rows(model, k, cond, layout)
        model._generator.train()
        return out

    bar = Progress(total, f"{gen.name} {what}", p["verbose"], steps_per_epoch)
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
            check_finite_loss(gen.name, step, generator_loss=lg, discriminator_loss=ld)
            bar.update(step, loss_g=lg, loss_d=ld)
            if step % steps_per_epoch == 0 or step == total:
                losses.append((step, lg, ld))
            if held and (step % every == 0 or step == total):
                if stopper.update(step, held.score(sample), lambda: glue.state_copy(model._generator)):
                    break
    finally:
        bar.close()
    if stopper.best_state is not None:
        model._generator.load_state_dict(stopper.best_state[0])
    model._generator.eval()
    model.loss_values = pd.DataFrame(losses, columns=["Step", "Generator Loss", "Discriminator Loss"])
    model.gs_info = {**glue.stopping_info(stopper, held, total, step, every),
                     "batch_size": batch, "pac": pac, "device": device}
    return model


def sample_rows(model, n: int, condition, layout) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows from a CTGAN/CopulaGAN model, in Layout space (class index ``condition`` fixed)."""
    import torch

    sampler, batch = model._data_sampler, model._batch_size
    fixed = None
    if condition is not None:
        info = model._transformer.convert_column_name_value_to_id(glue.CLASS, int(condition))
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
        frame = glue.invert_copula(model.gs_copula, frame)
    return glue.from_frame(frame, layout, model.gs_ranges)
