"""Fitted generators: train a deep method once, sample it many times, save and load it safely.

::

    gen = gensample.fit_generator(data, "Class", "wgan-gp", epochs=300)
    rows = gen.sample(1000, random_state=0)
    gen.save("models/abalone-wgan")
    gen = gensample.load_generator("models/abalone-wgan")

Training runs through the per-class runner (:mod:`gensample.runner`), as ``sample_minority``
does; the folder format and its safety rules (no code runs on load unless ``trust=True`` for a
pickle, checksums) are :mod:`gensample.persistence`'s, the schema's JSON form
:mod:`gensample.schema_json`'s.

Why one module: it holds one object's life cycle: :func:`fit_generator` builds a
:class:`FittedGenerator`, whose ``sample``/``save`` and :func:`load_generator` (via
``_assemble``) share its private fields (plan, per-class fallbacks, layouts); the folder format
and card checks already live apart in :mod:`gensample.persistence` and :mod:`gensample.model_card`.
"""

from __future__ import annotations

import datetime as _dt
import os
import warnings
from collections.abc import Hashable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from . import persistence, policy, registry, strategy
from .checks import check_categorical, check_frame, check_size, check_target
from .errors import GensampleError, ModelLoadError, ParameterError
from .generators.deep import DeepGenerator
from .generators.base import GensampleWarning
from .persistence import CARD, MODELS_DIR  # noqa: F401  (the CLI's names for the folder layout)
from .runner import Runner, invoke
from .schema import EncodedTable, TableSchema
from .utils import check_seed


def fit_generator(
    data: pd.DataFrame,
    target: Hashable,
    method: str = "wgan-gp",
    sampling_strategy="auto",
    random_state: int | None = None,
    *,
    categorical: Iterable[Hashable] | None = None,
    fallback: bool = True,
    **params,
) -> FittedGenerator:
    """Train ``method`` on ``data`` for the classes ``sampling_strategy`` would oversample.

    Parameters
    ----------
    data : DataFrame
        Features and target.
    target : column label
    method : str, default "wgan-gp"
        A method that fits a model: ``wgan-gp``, ``ctgan``, ``copulagan``, ``tvae``, ``gaussian-copula`` or ``arf``.
    sampling_strategy : str, float or dict, default "auto"
        Which classes to fit, and the default row counts of :meth:`FittedGenerator.sample`
        (as in :func:`gensample.sample_minority`).
    random_state : int or None
        Seed of the training.
    categorical : list of column labels, optional
    fallback : bool, default True
        A class smaller than the method's ``min_rows``, or on which training fails or
        diverges, is served by the SMOTE family (see :mod:`gensample.policy`); with False
        those cases raise ``GenerationError``.
    **params
        The method's parameters, e.g. ``epochs=300``, ``fit_on="all"``.
    """
    check_frame(data)
    check_target(target)
    check_categorical(categorical)
    check_seed(random_state)
    if not isinstance(fallback, bool):
        raise ParameterError(f"fallback must be True or False, got {fallback!r}")
    schema = TableSchema.infer(data, target, categorical)
    cls = registry.get(method)
    if not issubclass(cls, DeepGenerator):
        deep = [n for n in registry.names() if issubclass(registry.get(n), DeepGenerator)]
        raise ParameterError(
            f"fit_generator trains deep methods ({', '.join(deep)}); {method!r} learns nothing to keep. "
            f"Use gensample.sample_minority(data, target, {method!r}) instead"
        )
    gen = cls(**params)
    gen.validate_params()
    cls.check_handles(schema)
    labels, counts = schema.target.labels, schema.target.counts
    todo = strategy.plan(sampling_strategy, labels, counts)
    codes = [labels.index(lbl) for lbl in todo]
    if not codes:
        raise ParameterError(f"sampling_strategy={sampling_strategy!r} asks for no new rows of any class; nothing to fit")
    runner = Runner(data, schema, np.random.default_rng(random_state), fallback)
    y_all = runner.y_codes
    fitted = FittedGenerator(gen, schema, {c: int(todo[labels[c]]) for c in codes})
    fitted.random_state = random_state
    deep_codes = []
    for code in codes:
        decision = policy.before_fit(method, gen.min_rows, labels[code], counts[code], fallback)
        if decision.reason:
            warnings.warn(decision.reason, GensampleWarning, stacklevel=2)
            fitted._use_fallback(code, decision, runner)
        else:
            deep_codes.append(code)
    fit_all = gen.params["fit_on"] == "all"
    groups = [deep_codes] if fit_all and deep_codes else [[c] for c in deep_codes]
    for group in groups:
        failure = runner.fit(gen, group)
        if failure is not None:  # the training failed: policy rule 2
            gen.models_.pop("all", None)
            for code in group:
                gen.models_.pop(code, None)
                decision = policy.after_failure(method, [labels[code]], counts[code], failure, fallback)
                warnings.warn(decision.reason, GensampleWarning, stacklevel=2)
                fitted._use_fallback(code, decision, runner)
            continue
        for code in group:
            fitted._method_used[code] = method
            fitted._fallback[code] = None
    for code in codes:
        rows = np.flatnonzero(y_all == code)
        if schema.has_missing:
            mask = schema.missing_mask(data, rows)
            if mask.any():
                fitted.missing[code] = mask
    fitted.trained_on = {labels[c]: int(counts[c]) for c in range(len(labels))}
    return fitted


class FittedGenerator:
    """A trained deep generator: :meth:`sample` new rows, :meth:`save` it to a folder.

    Attributes
    ----------
    method : str
        The method asked for.
    method_used : dict
        ``{label: method}``: the deep method, or the SMOTE-family method that replaced it.
    fallback : dict
        ``{label: reason or None}``.
    plan : dict
        ``{label: rows}`` that ``sample()`` makes when called without ``n``.
    trained_on : dict
        ``{label: rows}`` of the training table.
    fidelity : dict or None
        Fidelity summary, when one was computed (kept in the model card).
    """

    def __init__(self, generator: DeepGenerator, schema: TableSchema, plan: dict):
        self.generator = generator
        self.schema = schema
        self._plan = dict(plan)  # by class code
        self._method_used: dict = {}
        self._fallback: dict = {}
        self.missing: dict = {}  # code -> bool matrix of real rows' missing patterns
        self.fallback_rows: dict = {}  # code -> (numeric, categorical, y, missing-or-None)
        self.trained_on: dict = {}
        self.fidelity = None
        self.random_state = None
        self.created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self._versions: dict | None = None
        #: SHA-256 of the model.json last saved or loaded (None before either): the digest to
        #: pass to :func:`load_generator` as ``sha256=``.
        self.sha256: str | None = None

    @property
    def versions(self) -> dict:
        """Python and library versions of the process that fitted the generator (read from the card once loaded)."""
        if self._versions is None:
            # Looked up on first use, not in fit: the package metadata scan costs ~10 ms, a
            # visible share of a sub-second fit, and this process's versions do not change.
            self._versions = persistence.versions()
        return self._versions

    @versions.setter
    def versions(self, value: dict) -> None:
        self._versions = dict(value)

    # code-keyed views used internally; label-keyed properties for users
    @property
    def method_used(self) -> _LabelDict:
        return _LabelDict(self._method_used, self.schema.target.labels)

    @property
    def fallback(self) -> _LabelDict:
        return _LabelDict(self._fallback, self.schema.target.labels)

    @property
    def method(self) -> str:
        return self.generator.name

    @property
    def params(self) -> dict:
        return dict(self.generator.params)

    @property
    def plan(self) -> dict:
        labels = self.schema.target.labels
        return {labels[c]: n for c, n in self._plan.items()}

    @property
    def classes(self) -> list:
        return list(self.plan)

    def summary(self) -> str:
        """What serves each class, in words (printed by ``gensample fit``)."""
        lines = [f"method: {self.method}"]
        for label, used in self.method_used.items():
            reason = self.fallback.get(label)
            lines.append(f"  class {label!r}: {used}" + (f" (fallback: {reason})" if reason else ""))
        return "\n".join(lines)

    def _use_fallback(self, code: int, decision, runner: Runner) -> None:
        """Keep the encoded real rows the replacement method ``decision.used`` needs for class ``code``."""
        table, miss = runner.encoded_for(registry.get(decision.used)(), [code])
        self.fallback_rows[code] = (table.numeric, table.categorical.astype(np.int64), table.y.astype(np.int64), miss)
        self._method_used[code] = decision.method
        self._fallback[code] = decision.reason

    # ------------------------------------------------------------------ sampling
    def sample(self, n=None, random_state: int | None = None, label=None) -> pd.DataFrame:
        """New rows, target included, in the training data's columns and dtypes.

        Parameters
        ----------
        n : int, dict or None
            Rows to make. An int with ``label`` (or when one class was fitted): rows of that
            class; an int otherwise: split across the fitted classes in proportion to
            :attr:`plan`; a dict ``{label: rows}``; None: :attr:`plan`.
        random_state : int or None
            The same seed gives the same rows (on CPU).
        label : class label, optional
        """
        check_seed(random_state)
        plan = self._resolve(n, label)
        # Refuse before generating a count that cannot fit in memory, rather than end in a
        # MemoryError part way through.
        check_size(self.schema, sum(plan.values()), what="n" if n is not None else "the plan (n=None)",
                   shrink="ask for fewer rows (n) and call sample again with another random_state for more")
        rng = np.random.default_rng(random_state)
        frames = []
        for code, k in plan.items():
            if k == 0:
                continue
            frames.append(self._sample_class(code, k, rng))
        if not frames:
            empty = self.schema.decode(np.empty((0, len(self.schema.numeric))),
                                       np.empty((0, len(self.schema.categorical))), np.empty(0, int))
            return empty
        out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        out.index = pd.RangeIndex(len(out))
        return out

    def _resolve(self, n, label) -> dict:
        labels = self.schema.target.labels
        fitted = list(self._plan)

        def code_of(lbl):
            if lbl not in labels or labels.index(lbl) not in fitted:
                raise ParameterError(
                    f"class {lbl!r} was not fitted; this generator makes rows of: {', '.join(map(repr, self.classes))}"
                )
            return labels.index(lbl)

        def count(v, what):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ParameterError(f"{what} must be a non-negative integer, got {v!r}")
            return int(v)

        if n is None:
            return dict(self._plan) if label is None else {code_of(label): self._plan[code_of(label)]}
        if isinstance(n, dict):
            return {code_of(k): count(v, f"n[{k!r}]") for k, v in n.items()}
        n = count(n, "n")
        if label is not None:
            return {code_of(label): n}
        if len(fitted) == 1:
            return {fitted[0]: n}
        weights = np.array([self._plan[c] for c in fitted], dtype=float)
        weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(fitted), 1 / len(fitted))
        raw = weights * n
        base = np.floor(raw).astype(int)
        for i in np.argsort(-(raw - base), kind="stable")[: n - base.sum()]:
            base[i] += 1  # largest remainder: exactly n rows in total
        return {c: int(b) for c, b in zip(fitted, base)}

    def _sample_class(self, code: int, k: int, rng: np.random.Generator) -> pd.DataFrame:
        if code in self.fallback_rows:
            num, cat, y, miss = self.fallback_rows[code]
            table = EncodedTable(num, cat, y, self.schema, np.arange(len(y)))
            other = registry.get(self._method_used[code])()
            made = invoke(other, other.generate, table, {code: k}, rng)
            for note in made.notes:  # the edge of sample(): nobody else collects them
                warnings.warn(note, GensampleWarning, stacklevel=3)
            sel = np.flatnonzero(made.y == code)
            mask = None
            if miss is not None and miss.any():
                if made.copied_from is not None:
                    mask = miss[made.copied_from[sel]]
                else:
                    real = np.flatnonzero(y == code)
                    mask = miss[real][rng.integers(0, len(real), size=len(sel))]
            return self.schema.decode(made.numeric[sel], made.categorical[sel], made.y[sel], mask)
        made = self.generator.sample_fitted({code: k}, rng)
        if made.numeric.size and not np.isfinite(made.numeric).all():
            raise GensampleError(f"{self.method} produced non-finite values for class {self.schema.target.labels[code]!r}")
        mask = None
        patterns = self.missing.get(code)
        if patterns is not None:
            mask = patterns[rng.integers(0, len(patterns), size=k)]
        return self.schema.decode(made.numeric, made.categorical, made.y, mask)

    # ------------------------------------------------------------------ saving
    def save(self, folder: str | os.PathLike | None = None, overwrite: bool = False) -> persistence.SavedModel:
        """Write the generator to ``folder`` (default ``models/<method>``), atomically; return the folder.

        Parameters
        ----------
        folder : path, optional
        overwrite : bool, default False
            Replace a saved generator already in ``folder``. The old one stays whole until
            the new one is complete and takes its place.

        Returns
        -------
        SavedModel
            A :class:`~pathlib.Path` to the folder whose ``sha256`` attribute is the SHA-256 of
            its ``model.json`` (which lists the SHA-256 of every other file). Keep it apart
            from the folder: ``load_generator(folder, sha256=...)`` then refuses any folder
            that is not this one, before anything in it is read or unpickled. Also kept as
            ``self.sha256``.

        Raises
        ------
        ExportError
            The folder exists and holds files (unless ``overwrite``), or cannot be written.
        """
        saved = persistence.save(self, folder, overwrite)
        self.sha256 = saved.sha256
        return saved

    def __repr__(self) -> str:
        used = ", ".join(f"{k!r}: {v}" for k, v in self.method_used.items())
        return f"FittedGenerator(method={self.method!r}, classes={{{used}}})"


class _LabelDict(dict):
    """A plain dict keyed by class label, built from a code-keyed one."""

    def __init__(self, by_code: dict, labels: list):
        super().__init__({labels[c]: v for c, v in by_code.items()})


def load_generator(
    folder: str | os.PathLike, trust: bool = False, device: str | None = None, sha256: str | None = None,
) -> FittedGenerator:
    """Load a generator saved by :meth:`FittedGenerator.save`.

    Parameters
    ----------
    folder : path
        The folder holding ``model.json``.
    trust : bool, default False
        Allow unpickling ``model.pkl`` (methods whose library only pickles). Unpickling runs
        code written by whoever made the file: pass True only for folders you made or whose
        source you trust, and give ``sha256`` too.
    device : {"auto", "cpu", "cuda"} or None, default None
        Where the networks go. None: where they were trained, except that a generator trained
        on a GPU loads onto the CPU on a machine without one (tensor-only methods; a pickled
        ctgan/tvae model saved from a GPU needs a GPU to unpickle).
    sha256 : str, optional
        The digest :meth:`FittedGenerator.save` returned (``.sha256``) or ``gensample fit``
        printed. Checked against ``model.json`` before anything is parsed or unpickled, and
        ``model.json`` lists every other file's digest, so a folder changed in any way is
        refused. Without it, the digests inside the folder detect accidental corruption
        only (an attacker who rewrites a file can rewrite them too); loading a pickle then
        warns (:class:`~gensample.persistence.IntegrityWarning`).

    Raises
    ------
    ModelLoadError
        Missing or malformed files, a card field that is broken or disagrees with another
        or with the weights (the message names it), a pickle without ``trust=True``, a
        digest mismatch.
    ParameterError
        ``trust``, ``device`` or ``sha256`` of the wrong type or value.
    """
    state = persistence.load(folder, trust, device, sha256)
    card, arrays, schema = state["card"], state["arrays"], state["schema"]
    try:
        fitted = _assemble(state["generator"], schema, card, arrays)
    except (KeyError, TypeError, ValueError, IndexError) as exc:  # pragma: no cover - the card was checked
        raise ModelLoadError(f"{Path(folder) / persistence.CARD} is malformed ({type(exc).__name__}: {exc})") from exc
    fitted.sha256 = state["sha256"]
    return fitted


def _assemble(gen: DeepGenerator, schema: TableSchema, card: dict, arrays: dict) -> FittedGenerator:
    plan = {int(c["code"]): int(c["rows_planned"]) for c in card["classes"]}
    fitted = FittedGenerator(gen, schema, plan)
    labels = schema.target.labels
    for c in card["classes"]:
        code = int(c["code"])
        fitted._method_used[code] = c["method_used"]
        fitted._fallback[code] = c["fallback"]
        if f"missing/{code}" in arrays:
            fitted.missing[code] = arrays[f"missing/{code}"].astype(bool)
        if f"fallback/{code}/numeric" in arrays:
            miss = arrays.get(f"fallback/{code}/missing")
            fitted.fallback_rows[code] = (
                arrays[f"fallback/{code}/numeric"], arrays[f"fallback/{code}/categorical"],
                arrays[f"fallback/{code}/y"], None if miss is None else miss.astype(bool),
            )
    fitted.trained_on = {labels[i]: int(t["rows"]) for i, t in enumerate(card["trained_on"])}
    fitted.fidelity = card.get("fidelity")
    fitted.random_state = card.get("random_state")
    fitted.created = card.get("created", fitted.created)
    fitted.versions = card.get("versions", fitted.versions)
    return fitted

