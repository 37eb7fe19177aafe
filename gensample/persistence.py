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
    2874), so :func:`load` refuses it unless ``trust=True``.
``arrays.safetensors``
    Missing-cell patterns of the classes, and the real rows of any class that the SMOTE family
    serves (interpolation needs them). ``model.json`` says so under ``contains_real_rows``.

Integrity. :func:`save` writes into a temporary folder beside the target and renames it into
place, so the target holds the old model or the new one, never a mixture. It returns the
SHA-256 of ``model.json`` (:class:`SavedModel`), and ``model.json`` lists every other file's
SHA-256: that one digest, kept by the user and given back to :func:`load` (``sha256=``), is
checked before anything in the folder is parsed or unpickled, and proves the folder is the one
saved. The digests inside the folder alone catch accidental damage only (whoever can rewrite a
file can rewrite the card), which loading a pickle without ``sha256`` says (IntegrityWarning).
Every field of the card is checked against the others and against the saved arrays' shapes
(:mod:`gensample.model_card`) before any network is built. Each file is read once and parsed
from the bytes whose digest was checked.

Loading never executes code from the folder unless ``trust=True`` is given for a pickle. The
:class:`~gensample.fitted.FittedGenerator` itself is assembled in :mod:`gensample.fitted`.

Why one module: :func:`save` and :func:`load` are the two sides of one folder format (file
names, digests, what each file may contain); keeping writer and reader together keeps them in
step. Field checks live in :mod:`gensample.model_card`, assembly in :mod:`gensample.fitted`.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import pickle
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from . import atomic, model_card
from .checks import check_path
from .errors import ExportError, GensampleError, ModelLoadError, ParameterError
from .schema_json import schema_to_json
from .utils import file_sha256 as _sha256
from .utils import json_safe as _json_safe
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


class SavedModel(type(Path())):
    """The folder :func:`save` wrote (a :class:`~pathlib.Path`), with the digest that identifies it.

    ``sha256`` is the SHA-256 of the folder's ``model.json``, which itself lists the SHA-256 of
    every other file: one digest covers the whole model. Keep it apart from the folder and give
    it back on load (``load_generator(folder, sha256=...)``, ``gensample generate --sha256``) to
    know the folder is the one you saved: the digests inside the folder only detect accidental
    corruption, since whoever can rewrite a file there can rewrite ``model.json`` too.
    """

    sha256: str | None = None


def save(fitted, folder: str | os.PathLike | None = None, overwrite: bool = False) -> SavedModel:
    """Write the FittedGenerator ``fitted`` to ``folder`` (default ``models/<method>``), atomically.

    The files are written into a temporary folder beside ``folder`` and flushed to disk, and
    that folder is then renamed to ``folder``: an interrupted save (a crash, kill -9) leaves
    either no model or the previous one at ``folder``, never a mixture. On ``overwrite`` the
    previous folder is swapped out in one step where the system can (Linux ``renameat2``),
    otherwise moved aside just before the rename, and deleted after it.

    Returns
    -------
    SavedModel
        The folder, whose ``sha256`` attribute is the digest to load it by (see
        :class:`SavedModel`).

    Raises
    ------
    ExportError
        The folder exists and holds files (unless ``overwrite``), is a file, or cannot be written.
    """
    folder = check_path(folder, "folder") if folder is not None else Path(MODELS_DIR) / fitted.method
    if not isinstance(overwrite, bool):
        raise ParameterError(f"overwrite must be True or False, got {overwrite!r}")
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} exists and is not a folder; choose another --out")
    if folder.is_dir() and any(folder.iterdir()) and not overwrite:
        raise ExportError(f"{folder} already holds files; pass overwrite=True (--overwrite) or choose another folder")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        atomic.remove_stale_folders(folder)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.{os.getpid()}-", suffix=atomic.FOLDER_TMP, dir=folder.parent))
    except OSError as exc:
        raise ExportError(f"cannot write a generator into {folder.parent}: {exc}") from exc
    try:
        os.chmod(tmp, 0o777 & ~atomic.current_umask())  # mkdtemp makes it 0700; a saved model follows the umask
        digest = _write_folder(fitted, tmp)
        atomic.commit_folder(tmp, folder, overwrite)
    except BaseException as exc:  # KeyboardInterrupt too: never leave the temporary folder behind
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise ExportError(f"could not save the generator to {folder}: {exc}") from exc
        raise
    saved = SavedModel(folder)
    saved.sha256 = digest
    return saved


#: Seconds to pause between writing the weights and the card (environment variable, read at
#: import): lets the tests kill a save half-way through its files. Unset in normal use.
_SLOW_SAVE = os.environ.get("GENSAMPLE_TEST_SLOW_SAVE")


def _write_folder(fitted, folder: Path) -> str:
    """Write every file of the saved generator into the empty ``folder``; the card's SHA-256."""
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
        "missing_patterns": sorted(int(c) for c in fitted.missing),
        "fidelity": _json_safe(fitted.fidelity) if fitted.fidelity is not None else None,
        "versions": fitted.versions,
        "created": fitted.created,
    }
    if _SLOW_SAVE:  # tests only (tests/test_model_integrity.py): a window to kill the process in
        time.sleep(float(_SLOW_SAVE))
    blob = (json.dumps(card, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    (folder / CARD).write_bytes(blob)
    for path in folder.iterdir():
        atomic.fsync_path(path)
    atomic.fsync_path(folder)
    return hashlib.sha256(blob).hexdigest()


class IntegrityWarning(UserWarning):
    """A pickle-backed model is loaded with no SHA-256 given from outside its folder."""


DEVICES = ("auto", "cpu", "cuda")


def check_digest(sha256, name: str = "sha256") -> str | None:
    """The user's digest as 64 lowercase hex digits (None passes); ParameterError otherwise."""
    if sha256 is None:
        return None
    text = sha256.strip().lower() if isinstance(sha256, str) else None
    if text is not None and text.startswith("sha256:"):
        text = text[len("sha256:"):]
    if text is None or not _HEX64.fullmatch(text):
        raise ParameterError(
            f"{name} must be the 64 hexadecimal digits that save() returned (SavedModel.sha256) or "
            f"`gensample fit` printed, got {sha256!r}"
        )
    return text


def load(folder: str | os.PathLike, trust: bool = False, device: str | None = None, sha256: str | None = None) -> dict:
    """Read and check a generator folder written by :func:`save`; the pieces of the FittedGenerator.

    Parameters
    ----------
    folder : path
        The folder holding ``model.json``.
    trust : bool, default False
        Allow unpickling ``model.pkl`` (methods whose library only pickles). Unpickling runs
        code written by whoever made the file: pass True only for folders you made or whose
        source you trust.
    device : {"auto", "cpu", "cuda"} or None, default None
        Where the networks go. None: where they were trained, except that a generator trained
        on a GPU loads onto the CPU on a machine without one (tensor-only methods; a pickled
        ctgan/tvae model saved from a GPU needs a GPU to unpickle).
    sha256 : str, optional
        The digest :func:`save` returned (``SavedModel.sha256``; ``gensample fit`` prints it).
        ``model.json`` must have exactly this SHA-256, and every other file the one the card
        lists, before anything is parsed or unpickled. Without it the folder's own digests
        detect accidental corruption only; loading a pickle then warns (IntegrityWarning).

    Returns
    -------
    dict
        ``generator`` (the method with its fitted models), ``schema``, ``card`` (model.json as
        read), ``arrays`` (missing-cell patterns and fallback rows) and ``sha256`` (the card's).

    Raises
    ------
    ModelLoadError
        Missing or malformed files, a card field that is broken or disagrees with another or
        with the weights (named), a pickle without ``trust=True``, a digest mismatch.
    ParameterError
        ``trust``, ``device`` or ``sha256`` of the wrong type or value.
    """
    folder = check_path(folder, "folder")
    if not isinstance(trust, bool):
        raise ParameterError(f"trust must be True or False, got {trust!r}")
    if device is not None and device not in DEVICES:
        raise ParameterError(f"device must be one of {', '.join(DEVICES)} or None, got {device!r}")
    expected = check_digest(sha256)
    folder = Path(folder)
    card_path = folder / CARD
    if not card_path.is_file():
        raise ModelLoadError(f"{folder} holds no {CARD}: not a saved gensample generator{_missing_hint(folder)}")
    try:
        raw = card_path.read_bytes()  # read once: what is checked is what is parsed
    except OSError as exc:
        raise ModelLoadError(f"{card_path} cannot be read: {exc}") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if expected is not None and digest != expected:
        raise ModelLoadError(
            f"{card_path} has SHA-256 {digest}, not the {expected} you gave: this folder is not the model "
            "that was saved with that digest (it was changed, replaced or damaged since), so nothing in it is loaded"
        )
    try:
        card = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ModelLoadError(f"{card_path} cannot be read as JSON: {exc}") from exc
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        raise ModelLoadError(f"{card_path} is not a gensample generator card (format {card.get('format')!r})" if isinstance(card, dict)
                             else f"{card_path} is not a gensample generator card")
    if card.get("format_version") != FORMAT_VERSION or isinstance(card.get("format_version"), bool):
        raise ModelLoadError(
            f"{card_path} has format version {card.get('format_version')!r}; this gensample reads version {FORMAT_VERSION}"
        )
    try:
        state = _from_card(folder, card, trust, device, expected is not None)
    except ModelLoadError as exc:
        if str(exc).startswith((CARD, WEIGHTS, ARRAYS)):  # the card checks name files, not folders
            raise ModelLoadError(f"{folder}{os.sep}{exc}") from None
        raise
    except GensampleError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
        raise ModelLoadError(f"{card_path} is malformed ({type(exc).__name__}: {exc})") from exc
    state["sha256"] = digest
    return state


_HEX64 = model_card.HEX64


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number (save() never writes it)")


def _missing_hint(folder: Path) -> str:
    if not folder.exists():
        moved = sorted(folder.parent.glob(f".{glob.escape(folder.name)}.*-*{atomic.FOLDER_OLD}")) if folder.parent.is_dir() else []
        if moved:
            return (f"; a save interrupted while replacing it left the previous model in {moved[-1]}: "
                    f"rename that folder to {folder.name} to use it")
        return f" (saved generators live in {MODELS_DIR}/NAME)"
    return ""


def _read_checked(folder: Path, name: str, meta: dict) -> bytes:
    """The bytes of ``folder/name`` if they match the card's SHA-256 (read once, then used as read)."""
    try:
        blob = (folder / name).read_bytes()
    except OSError as exc:
        raise ModelLoadError(f"{folder / name} cannot be read: {exc}") from exc
    digest = hashlib.sha256(blob).hexdigest()
    if digest != meta["sha256"]:
        raise ModelLoadError(
            f"{folder / name} does not match the SHA-256 that {CARD} lists for it (expected {meta['sha256']}, "
            f"found {digest}): the file was damaged or changed after saving, so it is not loaded"
        )
    return blob


def _from_card(folder: Path, card: dict, trust: bool, device: str | None, digest_given: bool) -> dict:
    facts = model_card.check_card(card, (WEIGHTS, PICKLE, ARRAYS))  # every field, before any file is opened
    files, cls = card["files"], facts.cls
    for name in files:
        if not (folder / name).is_file():
            raise ModelLoadError(f"{folder / name} is missing; the saved generator is incomplete")
    if PICKLE in files:
        if not trust:
            raise ModelLoadError(
                f"{folder / PICKLE} is a pickle ({card['method']} saves its model that way), and unpickling "
                "runs code chosen by whoever wrote the file. Load it only if you trust its source: "
                "load_generator(folder, trust=True, sha256=<digest printed when it was saved>) or "
                "`gensample generate ... --trust --sha256 HEX`"
            )
        if not digest_given:
            warnings.warn(
                f"{folder / PICKLE} is unpickled with trust=True but no sha256: the SHA-256 digests inside "
                f"{folder} only detect accidental corruption, not tampering (whoever can rewrite {PICKLE} can "
                f"rewrite {CARD} too). Pass sha256=<the digest save() returned> (CLI: --sha256) to be sure "
                "this is the model you saved",
                IntegrityWarning, stacklevel=4,
            )
    blobs = {name: _read_checked(folder, name, meta) for name, meta in files.items()}  # all before any parsing
    params = dict(card["params"])
    for name in ("generator_dim", "discriminator_dim", "compress_dims", "decompress_dims"):
        if isinstance(params.get(name), list):
            params[name] = tuple(params[name])
    gen = _generator_from_params(cls, params, device)
    if card.get("fit_on", gen.params["fit_on"]) != gen.params["fit_on"]:
        raise ModelLoadError(f"model.json field fit_on is {card['fit_on']!r}, but params.fit_on is {gen.params['fit_on']!r}")
    if card.get("min_rows", gen.min_rows) != gen.min_rows:
        raise ModelLoadError(f"model.json field min_rows is {card['min_rows']!r}, but {cls.name} with these params "
                             f"needs {gen.min_rows}; the card was edited: save the generator again")
    from safetensors import SafetensorError
    from safetensors.numpy import load as load_tensors

    def tensors_of(name: str) -> dict:
        if name not in blobs:
            return {}
        try:
            return load_tensors(blobs[name])
        except (SafetensorError, ValueError, TypeError) as exc:
            raise ModelLoadError(f"{folder / name} is not a readable safetensors file ({exc})") from exc

    tensors, arrays = tensors_of(WEIGHTS), tensors_of(ARRAYS)
    model_card.check_arrays(arrays, facts)
    by_key: dict = {}
    for i, item in enumerate(card["models"]):
        if "constant" in item or cls.pickles:
            continue
        prefix = f"{item['key']}/"
        by_key[i] = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        model_card.check_tensors(cls.name, item, by_key[i], f"models[{i}]")
        for name in ("hidden", "z_dim", "prior"):  # the parameters the network was built with
            if name in gen.params and name in item["config"] and item["config"][name] != gen.params[name]:
                raise ModelLoadError(
                    f"model.json field params.{name} is {gen.params[name]!r}, but models[{i}].config.{name} "
                    f"(what the weights were built with) is {item['config'][name]!r}; the card was edited: "
                    "save the generator again"
                )
    stray = [k for k in tensors if not any(k.startswith(f"{item['key']}/") for i, item in enumerate(card["models"]) if i in by_key)]
    if stray:
        raise ModelLoadError(f"{folder / WEIGHTS} holds {stray[0]!r}, which no model of {CARD} describes; save the generator again")
    models = {}
    if PICKLE in blobs:
        try:
            models = pickle.loads(blobs[PICKLE])  # trusted, and the bytes whose digest was checked
        except RuntimeError as exc:  # torch refusing CUDA storages on a machine without a GPU
            raise ModelLoadError(
                f"{folder / PICKLE} cannot be unpickled here ({exc}); a ctgan/tvae model trained on a GPU "
                "must be loaded on a machine with one"
            ) from exc
        except Exception as exc:  # a trusted file that is not a pickle of ours
            raise ModelLoadError(f"{folder / PICKLE} cannot be unpickled ({type(exc).__name__}: {exc})") from exc
        wanted = {str(item["key"]) for item in card["models"] if "constant" not in item}
        if not isinstance(models, dict) or set(models) != wanted:
            raise ModelLoadError(f"{folder / PICKLE} does not hold the models {CARD} lists ({sorted(wanted)})")
    for i, item in enumerate(card["models"]):
        key = item["key"]
        if "constant" in item:
            model = None
        elif cls.pickles:
            model = models[str(key)]
        else:
            try:
                model = gen._model_from_state(item["config"], by_key[i])
            except GensampleError:
                raise
            except Exception as exc:  # checked above; a library's own error must still not escape raw
                raise ModelLoadError(f"models[{i}] of {folder / CARD} cannot be rebuilt ({type(exc).__name__}: {exc})") from exc
        gen.models_[key if key == "all" else int(key)] = {
            "layout": cls.layout_from_dict(item["layout"]), "classes": [int(c) for c in item["classes"]],
            "model": model, "conditional": bool(item["conditional"]),
        }
    return {"generator": gen, "schema": facts.schema, "card": card, "arrays": arrays}


def _generator_from_params(cls, params: dict, device: str | None):
    """The method with the card's parameters (errors name the card) on the device asked for."""
    saved_device = params.get("device")
    if "device" in cls.defaults:
        if saved_device is not None and saved_device not in DEVICES:
            raise ModelLoadError(f"model.json field params.device must be one of {', '.join(DEVICES)}, got {saved_device!r}")
        params["device"] = "cpu"  # the card's other parameters are checked on a device every machine has
    try:
        gen = cls(**params)
        gen.validate_params()
    except GensampleError as exc:
        raise ModelLoadError(f"model.json field params: {exc}; the card was edited: save the generator again") from None
    if "device" in cls.defaults:
        if device is not None:
            gen.params["device"] = device
            gen.validate_params()  # the user's own choice: its ParameterError is theirs (e.g. no GPU here)
        elif saved_device == "cuda":
            import torch

            # Trained on a GPU, loaded where there is none: the tensors are plain arrays in
            # the folder and load onto the CPU, as torch.load(map_location="cpu") would.
            gen.params["device"] = "cuda" if torch.cuda.is_available() else "cpu"
        else:
            gen.params["device"] = saved_device if saved_device is not None else cls.defaults["device"]
    # A method without a device (arf: trees on the CPU) loads onto the CPU whatever is asked.
    return gen


def _info_of(model) -> dict:
    return dict(getattr(model, "info", None) or getattr(model, "gs_info", None) or {})


def versions() -> dict:
    """Python and library versions of this process, as written in a model card."""
    return package_versions(VERSIONED)
