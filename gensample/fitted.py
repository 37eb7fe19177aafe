"""Fitted generators: train a deep method once, sample it many times, save and load it safely.

::

    gen = gensample.fit_generator(data, "Class", "wgan-gp", epochs=300)
    rows = gen.sample(1000, random_state=0)
    gen.save("models/abalone-wgan")
    gen = gensample.load_generator("models/abalone-wgan")

A saved generator is a folder:

``model.json``
    The model card: method, parameters, column schema, the class counts it was trained on,
    which method serves each class (and why, when the SMOTE family replaced the deep method),
    library versions, creation time, fidelity summary when known, and the SHA-256 of every
    other file.
``weights.safetensors``
    Methods written here (``wgan-gp``): tensors only. Loading them executes nothing.
``model.pkl``
    Methods whose library only pickles (``ctgan``, ``copulagan``, ``tvae``,
    ``gaussian-copula``). Unpickling runs code chosen by whoever wrote the file (SDV issue
    2874), so :func:`load_generator` refuses it unless ``trust=True`` and then only after the
    file's SHA-256 matches the one written in ``model.json`` at save time.
``arrays.safetensors``
    Missing-cell patterns of the classes (so generated rows get missing cells at the real
    rate), and the real rows of any class that the SMOTE family serves (interpolation needs
    them). ``model.json`` says so under ``contains_real_rows``.

Loading never executes code from the folder unless ``trust=True`` is given for a pickle.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import pickle
import platform
import warnings
from collections.abc import Hashable, Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

from . import policy, registry, strategy
from .errors import ExportError, GensampleError, ModelLoadError, ParameterError
from .generators._deep import DeepGenerator, Layout
from .generators.base import GensampleWarning
from .schema import CATEGORICAL, ColumnSpec, EncodedTable, TableSchema, TargetSpec, _json_scalar

FORMAT = "gensample-generator"
FORMAT_VERSION = 1
CARD = "model.json"
WEIGHTS = "weights.safetensors"
PICKLE = "model.pkl"
ARRAYS = "arrays.safetensors"
#: Default folder of saved generators (relative to the working directory).
MODELS_DIR = "models"


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
    from .sampling import _check_handles, _check_random_state, impute

    _check_random_state(random_state)
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
    gen._validate_params()
    _check_handles(cls, schema)
    labels, counts = schema.target.labels, schema.target.counts
    todo = strategy.plan(sampling_strategy, labels, counts)
    codes = [labels.index(lbl) for lbl in todo]
    if not codes:
        raise ParameterError(f"sampling_strategy={sampling_strategy!r} asks for no new rows of any class; nothing to fit")
    rng = np.random.default_rng(random_state)
    y_all = _target_codes(data, schema)
    fitted = FittedGenerator(gen, schema, {c: int(todo[labels[c]]) for c in codes})
    fitted.random_state = random_state
    deep_codes = []
    for code in codes:
        decision = policy.before_fit(method, gen.min_rows, labels[code], counts[code], fallback)
        if decision.reason:
            warnings.warn(decision.reason, GensampleWarning, stacklevel=2)
            fitted._use_fallback(code, decision, data, y_all)
        else:
            deep_codes.append(code)
    fit_all = gen.params["fit_on"] == "all"
    groups = [deep_codes] if fit_all and deep_codes else [[c] for c in deep_codes]
    for group in groups:
        rows = None if fit_all else np.flatnonzero(np.isin(y_all, group))
        table = impute(schema.encode(data, rows))
        try:
            gen.fit(table, group, rng)
        except GensampleError:
            raise
        except Exception as exc:  # failure inside sdv/ctgan/torch: policy rule 2
            gen.models_.pop("all", None)
            for code in group:
                gen.models_.pop(code, None)
                decision = policy.after_failure(method, [labels[code]], counts[code], exc, fallback)
                warnings.warn(decision.reason, GensampleWarning, stacklevel=2)
                fitted._use_fallback(code, decision, data, y_all)
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

    @property
    def versions(self) -> dict:
        """Python and library versions of the process that fitted the generator (read from the card once loaded)."""
        if self._versions is None:
            # Looked up on first use, not in fit: the package metadata scan costs ~10 ms, a
            # visible share of a sub-second fit, and this process's versions do not change.
            self._versions = _versions()
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

    def _use_fallback(self, code: int, decision, data: pd.DataFrame, y_all: np.ndarray) -> None:
        from .sampling import impute

        other = registry.get(decision.method)()
        needs_all = other.needs_all_rows or bool(getattr(other, "needs_all_rows_for", lambda s: False)(self.schema))
        rows = np.arange(len(data)) if needs_all else np.flatnonzero(y_all == code)
        table = impute(self.schema.encode(data, rows))
        miss = self.schema.missing_mask(data, rows) if self.schema.has_missing else None
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
        from .sampling import _check_random_state

        _check_random_state(random_state)
        plan = self._resolve(n, label)
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
            made = other.generate(table, {code: k}, rng)
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
    def save(self, folder: str | os.PathLike | None = None, overwrite: bool = False) -> Path:
        """Write the generator to ``folder`` (default ``models/<method>``); return the folder.

        Raises ExportError when the folder exists and holds files, unless ``overwrite``.
        """
        folder = Path(folder) if folder is not None else Path(MODELS_DIR) / self.method
        if folder.exists() and not folder.is_dir():
            raise ExportError(f"{folder} exists and is not a folder; choose another --out")
        if folder.is_dir() and any(folder.iterdir()):
            if not overwrite:
                raise ExportError(f"{folder} already holds files; pass overwrite=True (--overwrite) or choose another folder")
            for name in (CARD, WEIGHTS, PICKLE, ARRAYS):
                if (folder / name).exists():
                    (folder / name).unlink()
        folder.mkdir(parents=True, exist_ok=True)
        from safetensors.numpy import save_file

        gen = self.generator
        files: dict = {}
        models = []
        tensors: dict = {}
        pickled: dict = {}
        for key, entry in gen.models_.items():
            item = {"key": key, "layout": entry["layout"].to_dict(), "classes": list(entry["classes"]),
                    "conditional": bool(entry["conditional"]), "info": _json_safe(_info_of(entry["model"]))}
            if entry["model"] is None:
                item["constant"] = True
            elif gen.pickles:
                pickled[str(key)] = entry["model"]
            else:
                config, arrays = gen._model_state(entry["model"])
                item["config"] = _json_safe(config)
                tensors.update({f"{key}/{name}": np.ascontiguousarray(a) for name, a in arrays.items()})
            models.append(item)
        if models and not gen.pickles:
            save_file(tensors, str(folder / WEIGHTS))
            files[WEIGHTS] = {"format": "safetensors", "sha256": _sha256(folder / WEIGHTS)}
        if pickled:
            (folder / PICKLE).write_bytes(pickle.dumps(pickled, protocol=pickle.HIGHEST_PROTOCOL))
            files[PICKLE] = {"format": "pickle", "sha256": _sha256(folder / PICKLE)}
        arrays = {}
        for code, mask in self.missing.items():
            arrays[f"missing/{code}"] = mask.astype(np.uint8)
        for code, (num, cat, y, miss) in self.fallback_rows.items():
            arrays[f"fallback/{code}/numeric"] = np.ascontiguousarray(num, dtype=np.float64)
            arrays[f"fallback/{code}/categorical"] = np.ascontiguousarray(cat, dtype=np.int64)
            arrays[f"fallback/{code}/y"] = np.ascontiguousarray(y, dtype=np.int64)
            if miss is not None:
                arrays[f"fallback/{code}/missing"] = miss.astype(np.uint8)
        if arrays:
            save_file(arrays, str(folder / ARRAYS))
            files[ARRAYS] = {"format": "safetensors", "sha256": _sha256(folder / ARRAYS)}
        labels = self.schema.target.labels
        card = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "method": self.method,
            "params": _json_safe(gen.params),
            "fit_on": gen.params.get("fit_on"),
            "min_rows": int(gen.min_rows),
            "random_state": self.random_state,
            "classes": [
                {"label": _json_scalar(labels[c]), "code": int(c), "rows_planned": int(n),
                 "method_used": self._method_used.get(c), "fallback": self._fallback.get(c)}
                for c, n in self._plan.items()
            ],
            "trained_on": [{"label": _json_scalar(k), "rows": int(v)} for k, v in self.trained_on.items()],
            "schema": schema_to_json(self.schema),
            "models": models,
            "files": files,
            "contains_real_rows": bool(self.fallback_rows),
            "fidelity": _json_safe(self.fidelity) if self.fidelity is not None else None,
            "versions": self.versions,
            "created": self.created,
        }
        (folder / CARD).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return folder

    def __repr__(self) -> str:
        used = ", ".join(f"{k!r}: {v}" for k, v in self.method_used.items())
        return f"FittedGenerator(method={self.method!r}, classes={{{used}}})"


class _LabelDict(dict):
    """A plain dict keyed by class label, built from a code-keyed one."""

    def __init__(self, by_code: dict, labels: list):
        super().__init__({labels[c]: v for c, v in by_code.items()})


def load_generator(folder: str | os.PathLike, trust: bool = False, device: str | None = None) -> FittedGenerator:
    """Load a generator saved by :meth:`FittedGenerator.save`.

    Parameters
    ----------
    folder : path
        The folder holding ``model.json``.
    trust : bool, default False
        Allow unpickling ``model.pkl`` (methods whose library only pickles). Unpickling runs
        code written by whoever made the file: pass True only for folders you made or whose
        source you trust. Even then the file must match the SHA-256 recorded at save time.
    device : {"auto", "cpu", "cuda"} or None, default None
        Where the networks go. None: where they were trained, except that a generator trained
        on a GPU loads onto the CPU on a machine without one (tensor-only methods; a pickled
        ctgan/tvae model saved from a GPU needs a GPU to unpickle).

    Raises
    ------
    ModelLoadError
        Missing or malformed files, a pickle without ``trust=True``, a checksum mismatch.
    """
    folder = Path(folder)
    card_path = folder / CARD
    if not card_path.is_file():
        hint = f" (saved generators live in {MODELS_DIR}/NAME)" if not folder.exists() else ""
        raise ModelLoadError(f"{folder} holds no {CARD}: not a saved gensample generator{hint}")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{card_path} cannot be read as JSON: {exc}") from exc
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        raise ModelLoadError(f"{card_path} is not a gensample generator card (format {card.get('format')!r})" if isinstance(card, dict)
                             else f"{card_path} is not a gensample generator card")
    if card.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(
            f"{card_path} has format version {card.get('format_version')!r}; this gensample reads version {FORMAT_VERSION}"
        )
    try:
        return _from_card(folder, card, trust, device)
    except GensampleError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelLoadError(f"{card_path} is malformed ({type(exc).__name__}: {exc})") from exc


def _from_card(folder: Path, card: dict, trust: bool, device: str | None = None) -> FittedGenerator:
    files = card.get("files", {})
    for name, meta in files.items():
        if name not in (WEIGHTS, PICKLE, ARRAYS):
            raise ModelLoadError(f"{folder / CARD} lists an unexpected file {name!r}")
        if not (folder / name).is_file():
            raise ModelLoadError(f"{folder / name} is missing; the saved generator is incomplete")
    if PICKLE in files:
        if not trust:
            raise ModelLoadError(
                f"{folder / PICKLE} is a pickle ({card.get('method')} saves its model that way), and unpickling "
                "runs code chosen by whoever wrote the file. Load it only if you trust its source: "
                "load_generator(folder, trust=True) or `gensample generate ... --trust`"
            )
    for name, meta in files.items():  # integrity before anything is parsed
        digest = _sha256(folder / name)
        if digest != meta.get("sha256"):
            raise ModelLoadError(
                f"{folder / name} does not match the SHA-256 recorded in {CARD} at save time "
                f"(expected {meta.get('sha256')}, found {digest}); it was modified or corrupted, so it is not loaded"
            )
    schema = schema_from_json(card["schema"])
    cls = registry.get(card["method"])
    if not issubclass(cls, DeepGenerator):
        raise ModelLoadError(f"{card['method']!r} is not a deep method; {folder} cannot be a saved generator")
    params = dict(card["params"])
    for name in ("generator_dim", "discriminator_dim", "compress_dims", "decompress_dims"):
        if isinstance(params.get(name), list):
            params[name] = tuple(params[name])
    if device is not None and "device" in cls.defaults:
        params["device"] = device  # validated with the other parameters below
    # A method without a device (arf: trees on the CPU) loads onto the CPU whatever is asked.
    elif params.get("device") == "cuda":
        import torch

        if not torch.cuda.is_available():
            # Trained on a GPU, loaded where there is none: the tensors are plain arrays in
            # the folder and load onto the CPU, as torch.load(map_location="cpu") would.
            params["device"] = "cpu"
    gen = cls(**params)
    gen._validate_params()
    models = {}
    if PICKLE in files:
        try:
            models = pickle.loads((folder / PICKLE).read_bytes())  # trusted and checksummed above
        except RuntimeError as exc:  # torch refusing CUDA storages on a machine without a GPU
            raise ModelLoadError(
                f"{folder / PICKLE} cannot be unpickled here ({exc}); a ctgan/tvae model trained on a GPU "
                "must be loaded on a machine with one"
            ) from exc
    tensors = {}
    if WEIGHTS in files:
        from safetensors.numpy import load_file

        tensors = load_file(str(folder / WEIGHTS))
    for item in card["models"]:
        key = item["key"]
        if item.get("constant"):
            model = None
        elif gen.pickles:
            model = models[str(key)]
        else:
            prefix = f"{key}/"
            arrays = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
            model = gen._model_from_state(item["config"], arrays)
        gen.models_[key if key == "all" else int(key)] = {
            "layout": Layout.from_dict(item["layout"]), "classes": [int(c) for c in item["classes"]],
            "model": model, "conditional": bool(item["conditional"]),
        }
    arrays = {}
    if ARRAYS in files:
        from safetensors.numpy import load_file

        arrays = load_file(str(folder / ARRAYS))
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


# ====================================================================== schema as JSON
_NA_TAGS = {"nan": np.nan, "none": None, "NA": pd.NA, "NaT": pd.NaT}


def _na_tag(value) -> str:
    if value is None:
        return "none"
    if value is pd.NA:
        return "NA"
    if value is pd.NaT:
        return "NaT"
    return "nan"


def _plain(value, what: str):
    """A JSON value that loads back as the same Python value, or an ExportError."""
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)) or (isinstance(value, float) and np.isfinite(value)):
        return value
    raise ExportError(
        f"{what} {value!r} ({type(value).__name__}) cannot be written to model.json; "
        "saved generators support column names, labels and categories that are strings, numbers or booleans"
    )


def _dtype_json(dtype) -> dict:
    if isinstance(dtype, pd.CategoricalDtype):
        return {"name": "category", "categories": [_plain(c, "category") for c in dtype.categories],
                "categories_dtype": str(dtype.categories.dtype), "ordered": bool(dtype.ordered)}
    return {"name": str(dtype)}


def _dtype_from(d: dict):
    if d["name"] == "category":
        cats = pd.Index(d["categories"], dtype=d["categories_dtype"]) if d["categories"] else None
        return pd.CategoricalDtype(cats, ordered=d["ordered"])
    return pd.api.types.pandas_dtype(d["name"])


def schema_to_json(schema: TableSchema) -> dict:
    """Everything needed to rebuild the schema exactly (see :func:`schema_from_json`)."""
    cols = []
    for c in schema.columns:
        cols.append({
            "name": _plain(c.name, "column name"), "kind": c.kind, "dtype": _dtype_json(c.dtype),
            "missing_rate": float(c.missing_rate), "na_value": _na_tag(c.na_value),
            "categories": [_plain(v, f"category of {c.name!r}") for v in c.categories],
            "minimum": c.minimum, "maximum": c.maximum, "resolution": c.resolution,
        })
    t = schema.target
    return {
        "columns": cols,
        "target": {"name": _plain(t.name, "target name"), "dtype": _dtype_json(t.dtype),
                   "labels": [_plain(v, "class label") for v in t.labels], "counts": [int(v) for v in t.counts]},
        "order": [_plain(c, "column name") for c in schema.order],
    }


def schema_from_json(d: dict) -> TableSchema:
    cols = []
    for c in d["columns"]:
        dtype = _dtype_from(c["dtype"])
        cols.append(ColumnSpec(
            name=c["name"], kind=c["kind"], dtype=dtype, missing_rate=float(c["missing_rate"]),
            na_value=_NA_TAGS.get(c["na_value"], np.nan),
            categories=list(c["categories"]) if c["kind"] == CATEGORICAL else [],
            minimum=c["minimum"], maximum=c["maximum"], resolution=c["resolution"],
            tz=getattr(dtype, "tz", None),
        ))
    t = d["target"]
    target = TargetSpec(t["name"], _dtype_from(t["dtype"]), list(t["labels"]), [int(v) for v in t["counts"]])
    return TableSchema(cols, target, list(d["order"]))


# ====================================================================== helpers
def _target_codes(data: pd.DataFrame, schema: TableSchema) -> np.ndarray:
    return pd.Index(schema.target.labels, dtype=object).get_indexer(data[schema.target.name].astype(object).to_numpy())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _info_of(model) -> dict:
    return dict(getattr(model, "info", None) or getattr(model, "gs_info", None) or {})


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return _json_scalar(value)


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for pkg in ("gensample", "numpy", "pandas", "torch", "sdv", "ctgan", "rdt", "safetensors"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out
