"""CTGAN (ctgan 0.12) as a gensample method; CopulaGAN (:mod:`.copulagan`) builds on it.

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
  :func:`.deep.valid_batch`), lowering ``pac`` for classes under two packs.
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

import numpy as np

from . import _sdv_glue as glue
from .deep import DeepGenerator, resolve_device, seeded
from .networks import ctgan as ctgan_net
from .params import Boolean, Integer, Real, Widths


class CTGANGenerator(glue.TargetsMixin, DeepGenerator):
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
    verbose, device, min_rows, threads, time_limit
        See :class:`gensample.generators.wgan_gp.WGANGP` (``time_limit`` is checked at every
        training step and while the Gaussian mixtures are fitted).
    """

    name = "ctgan"
    description = "CTGAN (ctgan 0.12): conditional GAN with mode-specific normalisation; eval-mode sampling, exact counts"
    # Measured (benchmarks/README.md, "min_rows": 8 KEEL sets x 3 splits): median downstream
    # PR-AUC gap to SMOTE -0.026 at 10 rows, -0.014 at 25 (the first size within 0.02).
    min_rows = 25
    defaults = {
        **glue.budget_defaults(2000, 3000),
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

    parameter_constraints = {
        **glue.BUDGET_CONSTRAINTS,
        "batch_size": [Integer(2)],
        "pac": [Integer(1)],
        "embedding_dim": [Integer(1)],
        "generator_dim": [Widths()],
        "discriminator_dim": [Widths()],
        "generator_lr": [Real(1e-8, 1.0)],
        "generator_decay": [Real(0.0, 1.0)],
        "discriminator_lr": [Real(1e-8, 1.0)],
        "discriminator_decay": [Real(0.0, 1.0)],
        "discriminator_steps": [Integer(1)],
        "log_frequency": [Boolean()],
        "transformer_rows": [Integer(10)],
        **DeepGenerator.common_constraints,
    }

    def _validate_relations(self) -> None:
        glue.validate_budget(self)

    def _fit_model(self, layout, numeric, categorical, y, n_classes, seed, what):
        held = glue.HeldOut.split(layout, numeric, categorical, y, n_classes, glue.targets_of(self, n_classes), seed)
        rows = held.train
        frame = glue.to_frame(layout, numeric[rows], categorical[rows], None if n_classes <= 1 else np.asarray(y)[rows])
        ranges = glue.frame_ranges(frame, layout)
        device = resolve_device(self.params["device"])
        with seeded(seed, self.params["threads"], device):
            copula = glue.fit_copula(frame, layout, self.params.get("default_distribution")) if self._copula else None
            if copula is not None:
                frame = glue.apply_copula(copula, frame)
            model = ctgan_net.train(self, frame, [c for c in frame.columns if not c.startswith("x")], seed, what, device,
                                held, layout, ranges, copula)
        return model

    def _sample_model(self, model, layout, n, condition, seed):
        with seeded(seed, self.params["threads"], str(model._device)):
            return ctgan_net.sample_rows(model, n, condition, layout)
