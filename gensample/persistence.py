"""Saved generators on disk: :func:`save` writes a folder, :func:`load` reads and checks one.

A saved generator is a folder:

``model.json``
    The model card: method, parameters, column schema (:mod:`gensample.schema_json`), the
    class counts it was trained on, which method serves each class (and why, when the SMOTE
    family replaced the deep method), library versions, creation time, fidelity summary when
    known, and the SHA-256 of every other file.
``weights.safetensors``
    Methods written here (``wgan-gp``, ``arf``): tensors only. Loading them executes nothing.
``model.pkl``
    Methods whose library only pickles (``ctgan``, ``copulagan``, ``tvae``,
    ``gaussian-copula``). Unpickling runs code chosen by whoever wrote the file (SDV issue
    2874), so :func:`load` refuses it unless ``trust=True`` and then only after the file's
    SHA-256 matches the one written in ``model.json`` at save time.
``arrays.safetensors``
    Missing-cell patterns of the classes, and the real rows of any class that the SMOTE family
    serves (interpolation needs them). ``model.json`` says so under ``contains_real_rows``.

Loading never executes code from the folder unless ``trust=True`` is given for a pickle. The
:class:`~gensample.fitted.FittedGenerator` itself is assembled in :mod:`gensample.fitted`.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np

from . import registry
from .errors import ExportError, GensampleError, ModelLoadError
from .generators._deep import DeepGenerator, Layout
from .schema_json import schema_from_json, schema_to_json
from .utils import file_sha256 as _sha256
from .utils import json_scalar as _json_scalar
from .utils import package_versions

FORMAT = "gensample-generator"
FORMAT_VERSION = 1
CARD = "model.json"
WEIGHTS = "weights.safetensors"
PICKLE = "model.pkl"
ARRAYS = "arrays.safetensors"
#: Default folder of saved generators (relative to the working directory).
MODELS_DIR = "models"
#: Packages whose versions a model card records.
VERSIONED = ("python", "gensample", "numpy", "pandas", "torch", "sdv", "ctgan", "rdt", "safetensors")


def save(fitted, folder: str | os.PathLike | None = None, overwrite: bool = False) -> Path:
    """Write the FittedGenerator ``fitted`` to ``folder`` (default ``models/<method>``); return the folder.

    Raises ExportError when the folder exists and holds files, unless ``overwrite``.
    """
    folder = Path(folder) if folder is not None else Path(MODELS_DIR) / fitted.method
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

    gen = fitted.generator
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
    for code, mask in fitted.missing.items():
        arrays[f"missing/{code}"] = mask.astype(np.uint8)
    for code, (num, cat, y, miss) in fitted.fallback_rows.items():
        arrays[f"fallback/{code}/numeric"] = np.ascontiguousarray(num, dtype=np.float64)
        arrays[f"fallback/{code}/categorical"] = np.ascontiguousarray(cat, dtype=np.int64)
        arrays[f"fallback/{code}/y"] = np.ascontiguousarray(y, dtype=np.int64)
        if miss is not None:
            arrays[f"fallback/{code}/missing"] = miss.astype(np.uint8)
    if arrays:
        save_file(arrays, str(folder / ARRAYS))
        files[ARRAYS] = {"format": "safetensors", "sha256": _sha256(folder / ARRAYS)}
    labels = fitted.schema.target.labels
    card = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "method": fitted.method,
        "params": _json_safe(gen.params),
        "fit_on": gen.params.get("fit_on"),
        "min_rows": int(gen.min_rows),
        "random_state": fitted.random_state,
        "classes": [
            {"label": _json_scalar(labels[c]), "code": int(c), "rows_planned": int(n),
             "method_used": fitted._method_used.get(c), "fallback": fitted._fallback.get(c)}
            for c, n in fitted._plan.items()
        ],
        "trained_on": [{"label": _json_scalar(k), "rows": int(v)} for k, v in fitted.trained_on.items()],
        "schema": schema_to_json(fitted.schema),
        "models": models,
        "files": files,
        "contains_real_rows": bool(fitted.fallback_rows),
        "fidelity": _json_safe(fitted.fidelity) if fitted.fidelity is not None else None,
        "versions": fitted.versions,
        "created": fitted.created,
    }
    (folder / CARD).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return folder


def load(folder: str | os.PathLike, trust: bool = False, device: str | None = None) -> dict:
    """Read and check a generator folder written by :func:`save`; the pieces of the FittedGenerator.

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

    Returns
    -------
    dict
        ``generator`` (the method with its fitted models), ``schema``, ``card`` (model.json as
        read) and ``arrays`` (missing-cell patterns and fallback rows).

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


def _from_card(folder: Path, card: dict, trust: bool, device: str | None = None) -> dict:
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
    return {"generator": gen, "schema": schema, "card": card, "arrays": arrays}


def _info_of(model) -> dict:
    return dict(getattr(model, "info", None) or getattr(model, "gs_info", None) or {})


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return _json_scalar(value)


def versions() -> dict:
    """Python and library versions of this process, as written in a model card."""
    return package_versions(VERSIONED)
