"""TVAE (ctgan 0.12's networks, our loop) as a gensample method; the loop is in :mod:`.networks.tvae`.

What gensample changes against ctgan's ``TVAE`` (bounded transformer fit, valid batches, step
budgets, held-out early stopping, exact counts per class by the class's aggregate posterior)
is described in :mod:`.ctgan`.
"""

from __future__ import annotations

import numpy as np

from . import _sdv_glue as glue
from .deep import DeepGenerator, resolve_device, seeded
from .networks import tvae as tvae_net
from .params import Integer, Options, Real, Widths


class TVAEGenerator(glue.TargetsMixin, DeepGenerator):
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
    transformer_rows, fit_on, verbose, device, min_rows, threads, time_limit
        As :class:`CTGANGenerator`.
    """

    name = "tvae"
    description = "TVAE (ctgan 0.12): variational autoencoder for tables; exact counts by class posterior"
    # Measured (benchmarks/README.md, "min_rows": 8 KEEL sets x 3 splits): median downstream
    # PR-AUC gap to SMOTE +0.003 at 10 rows, the smallest size measured (-0.006 at 25, -0.004
    # at 50; -0.028 at 100: tvae trails SMOTE more on larger classes, left to the gate).
    min_rows = 10
    defaults = {
        **glue.budget_defaults(2000, 6000),
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

    parameter_constraints = {
        **glue.BUDGET_CONSTRAINTS,
        "batch_size": [Integer(2)],
        "embedding_dim": [Integer(1)],
        "compress_dims": [Widths()],
        "decompress_dims": [Widths()],
        "l2scale": [Real(0.0, 1.0)],
        "loss_factor": [Real(0.0)],
        "latent": [Options("posterior", "prior")],
        "transformer_rows": [Integer(10)],
        **DeepGenerator.common_constraints,
    }

    def _validate_relations(self) -> None:
        glue.validate_budget(self)

    def _fit_model(self, layout, numeric, categorical, y, n_classes, seed, what):
        device = resolve_device(self.params["device"])
        held = glue.HeldOut.split(layout, numeric, categorical, y, n_classes, glue.targets_of(self, n_classes), seed)
        rows = held.train
        y_train = None if n_classes <= 1 else np.asarray(y)[rows]
        frame = glue.to_frame(layout, numeric[rows], categorical[rows], y_train)
        ranges = glue.frame_ranges(frame, layout)
        return tvae_net.train(self, frame, y_train, n_classes, seed, what, device, held, layout, ranges)

    def _sample_model(self, model, layout, n, condition, seed):
        with seeded(seed, self.params["threads"], str(model.device)):
            return tvae_net.sample_rows(model, n, condition, layout)
