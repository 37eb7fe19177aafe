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

from .deep import DeepGenerator, Progress, check_finite_loss, resolve_device, seeded, valid_batch
from ._discrete_head import condition_rows, fit_head, wants_head
from ._holdout import EarlyStopping, MIN_HOLDOUT, stratified_holdout_split, validation_score
from .networks import wgan_gp as net
from .params import Boolean, Integer, Options, Real


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
    discrete : {"classifier", "generator"}, default "classifier"
        How discrete columns come out. "generator": a draw from the generator's softmax.
        "classifier": the generator's numbers are kept and each discrete column is drawn in
        turn from a boosted classifier of it given the numbers and the columns drawn before it,
        fitted on the class's rows after the network has stopped (:mod:`._discrete_head`, as
        forest-flow's default). A category that a number's band fixes then follows the number.
        Measured on the planted table (``benchmarks/bench_discrete_head.py``, one fit per seed sampled
        with and without the head, seeds 0-2): rows whose ``band`` matches ``x1``'s 0.84 ->
        1.00 at 1,000 rows and 0.90 -> 1.00 at 5,000; detection AUC 0.820 -> 0.804 and 0.806
        -> 0.801; dependency gap unchanged within noise (0.046 -> 0.049, 0.027 -> 0.028):
        what the detector still sees is the network's numbers.
    head_learning_rate : float, default 0.1
        Shrinkage of the discrete head's trees.
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
    time_limit : float or None, default None
        Seconds the fit may take (every class's model together). Checked at every training
        step: past it, training stops, the model is not used and the classes are made by
        SMOTE, recorded as a ``"training-failed"`` decision that says so (``fallback=False``:
        GenerationError). Every deep method takes it.
    """

    name = "wgan-gp"
    description = "WGAN-GP: class-conditional Wasserstein GAN with gradient penalty and packing (torch), held-out early stopping"
    min_rows = 10
    pickles = False
    #: The network layout version its saved cards carry (checked by the model-card reader).
    network_architecture = net.ARCHITECTURE
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
        "discrete": "classifier",
        "head_learning_rate": 0.1,
        "patience": 15,
        **DeepGenerator.common_defaults,
    }

    parameter_constraints = {
        "epochs": [Integer(1)],
        "steps": [None, Integer(1)],
        "min_steps": [Integer(1)],
        "max_steps": [Integer(1)],
        "batch_size": [Integer(2)],
        "pac": [Integer(1)],
        "lambda_gp": [Real(0.0)],
        "n_critic": [Integer(1)],
        "learning_rate": [Real(1e-8, 1.0)],
        "hidden": [Integer(4)],
        "z_dim": [Integer(1)],
        "patience": [Integer(0)],
        "prior": [Boolean()],
        "balance_classes": [Boolean()],
        "condition_on_values": [Boolean()],
        "discrete": [Options("classifier", "generator")],
        "head_learning_rate": [Real(0.0, low_open=True)],
        **DeepGenerator.common_constraints,
    }

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
            quantiles = [net.quantile_grid(cont[train_rows, i]) for i in range(cont.shape[1])]
            X = net.to_model_space(cont, codes, quantiles, sizes)
            C = net.one_hot(labels, n_classes) if n_classes > 1 else np.zeros((n, 0))
            batch, pac = valid_batch(len(train_rows), p["batch_size"], p["pac"])
            steps_per_epoch = math.ceil(len(train_rows) / batch)
            total = p["steps"] if p["steps"] is not None else min(
                p["max_steps"], max(p["min_steps"], p["epochs"] * steps_per_epoch)
            )
            draw = net.BatchDraw(train_rows, labels, n_classes, n_classes > 1 and p["balance_classes"],
                              codes, sizes, p["condition_on_values"] and bool(sizes), rng)
            model = net.WGANModel(X.shape[1], len(quantiles), sizes, n_classes, p["hidden"], p["z_dim"], quantiles,
                               p["prior"], draw.value_freq)
            model.build(device)
            if p["prior"]:
                model.start_from_marginals(X[train_rows], labels[train_rows] if n_classes > 1 else None)
            critic = net.critic((X.shape[1] + model.cond_width) * pac, p["hidden"]).to(device)
            opt_g = net.adam(model.generator.parameters(), p["learning_rate"])
            opt_d = net.adam(critic.parameters(), p["learning_rate"])
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
                        real, c = Xt[idx], net.condition(Ct[idx], vcond, device)
                        with torch.no_grad():
                            fake = model.forward_train(model.noise(batch, device), c)
                        loss_d = net.critic_loss(critic, real, fake, c, p["lambda_gp"], pac)
                        opt_d.zero_grad(set_to_none=True)
                        loss_d.backward()
                        opt_d.step()
                    idx, vcond, asked = draw(batch)
                    c = net.condition(Ct[torch.as_tensor(idx, device=device)], vcond, device)
                    raw = model.raw(model.noise(batch, device), c)
                    fake = model.heads(raw)
                    loss_g = -critic(net.pack(torch.cat([fake, c], 1), pac)).mean() + net.value_loss(raw, asked, model)
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
            if p["discrete"] == "classifier" and wants_head(cont, sizes):
                # On every row of the class, held-out ones included: the network has stopped, so
                # they have served as its signal, and the layout's values are the values of all
                # rows (a value seen only in held-out rows would be a class the head never saw).
                signs = 2.0 * C - 1.0 if n_classes > 1 else None
                model.head = fit_head(cont, codes, sizes, signs, learning_rate=p["head_learning_rate"], rng=rng)
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
            cont, codes = model.sample(n, condition)
        if model.head is not None:
            cond = condition_rows(n, model.head.n_cond, condition)
            codes = model.head.draw(cont, cond, np.random.default_rng([seed, 1]))
        return cont, codes

    # ------------------------------------------------------------------ state
    def _model_state(self, model):
        return model.state()

    def _model_from_state(self, config, arrays):
        return net.WGANModel.from_state(config, arrays, resolve_device(self.params["device"]))


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


