"""Field-by-field checks of a saved generator's ``model.json`` and of the arrays it describes.

:mod:`gensample.persistence` runs these before any network is built or any row decoded. A
card is input a user (or an attacker) can edit, so each field is checked for its type, its
range and its agreement with the other fields and with the shapes of the saved arrays; a
failure is a :class:`~gensample.errors.ModelLoadError` that names the field
(``models[0].config.hidden``), never an error from torch, pandas or numpy. What cannot be
checked this way (a consistent rewrite of several fields, an opaque pickle) is what the
user's own SHA-256 (``load_generator(..., sha256=...)``) is for.

Descriptive fields (``fidelity``, ``versions``, ``created``, ``models[].info``) are checked for
their type only: they are reported back, never used to make rows.

Why one module: it is one check, run once per load: :func:`check_card` returns the
:class:`CardFacts` that :func:`check_arrays` checks the saved arrays against, and
:func:`check_tensors` dispatches to the per-method checks (wgan-gp, arf, forest-flow) that
share ``_expect``; the field paths in its errors (``models[0].config.hidden``) stay consistent
because they are all written here.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

import numpy as np

from . import registry
from .errors import GensampleError, ModelLoadError
from .schema import BOOLEAN, INTEGER, TableSchema
from .schema_json import card_error, card_fields, schema_from_json

__all__ = ["CardFacts", "check_arrays", "check_card", "check_tensors"]

REQUIRED = ("format", "format_version", "method", "params", "classes", "trained_on", "schema", "models", "files")
OPTIONAL = ("fit_on", "min_rows", "random_state", "contains_real_rows", "missing_patterns", "fidelity", "versions",
            "created")
HEX64 = re.compile(r"[0-9a-f]{64}")
#: Largest width, row count or class count a card may state: far above any real model, low
#: enough that a hostile number cannot make numpy or torch allocate without bound.
_MAX_SIZE = 1 << 24
#: Largest row count (rows planned, rows trained on): tables beyond memory are allowed (issue 13).
_MAX_ROWS = 2**53


@dataclass
class CardFacts:
    """What :func:`check_card` established, for the loader."""

    schema: TableSchema
    cls: type
    deep_codes: list  # classes the method's own models serve
    fallback_codes: list  # classes the SMOTE family serves from saved real rows
    missing_patterns: list | None = None  # classes with saved missing-cell patterns (None: not recorded)


def _int(value, where: str, lo: int = 0, hi: int = _MAX_SIZE) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise card_error(where, f"must be a whole number from {lo} to {hi}, got {value!r}")
    return value


def _bool(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise card_error(where, f"must be true or false, got {value!r}")
    return value


def check_card(card: dict, files_allowed: tuple) -> CardFacts:
    """Check every field of ``card`` that loading uses; return what the loader needs.

    Parameters
    ----------
    card : dict
        ``model.json`` as parsed.
    files_allowed : tuple of str
        The file names a saved folder may hold besides the card.

    Raises
    ------
    ModelLoadError
        Naming the first field that is missing, of the wrong type or inconsistent.
    """
    card_fields(card, "", REQUIRED, OPTIONAL)
    method = card["method"]
    if not isinstance(method, str):
        raise card_error("method", f"must be a method name, got {method!r}")
    try:
        cls = registry.get(method)
    except GensampleError:
        raise card_error("method", f"{method!r} is not a method this gensample has") from None
    if not cls.saves_models:
        raise card_error("method", f"{method!r} fits no model, so no folder can hold one")
    if not isinstance(card["params"], dict):
        raise card_error("params", "must be an object")
    schema = schema_from_json(card["schema"])
    labels, counts = schema.target.labels, schema.target.counts

    trained = card["trained_on"]
    if not isinstance(trained, list) or len(trained) != len(labels):
        raise card_error("trained_on", f"must list the {len(labels)} classes of schema.target")
    for i, t in enumerate(trained):
        card_fields(t, f"trained_on[{i}]", ("label", "rows"))
        if not _same(t["label"], labels[i]):
            raise card_error(f"trained_on[{i}].label", f"is {t['label']!r}, but schema.target.labels[{i}] is {labels[i]!r}")
        if _int(t["rows"], f"trained_on[{i}].rows", 0, _MAX_ROWS) != counts[i]:
            raise card_error(f"trained_on[{i}].rows", f"is {t['rows']}, but schema.target.counts[{i}] is {counts[i]}")

    classes = card["classes"]
    if not isinstance(classes, list) or not classes:
        raise card_error("classes", "must list the fitted classes")
    deep, fallback, seen = [], [], set()
    for i, c in enumerate(classes):
        where = f"classes[{i}]"
        card_fields(c, where, ("label", "code", "rows_planned", "method_used", "fallback"))
        code = _int(c["code"], f"{where}.code", 0, len(labels) - 1)
        if code in seen:
            raise card_error(f"{where}.code", f"repeats class code {code}")
        seen.add(code)
        if not _same(c["label"], labels[code]):
            raise card_error(f"{where}.label", f"is {c['label']!r}, but class code {code} is {labels[code]!r}")
        _int(c["rows_planned"], f"{where}.rows_planned", 0, _MAX_ROWS)
        used, why = c["method_used"], c["fallback"]
        if used == method:
            if why is not None:
                raise card_error(f"{where}.fallback", f"must be null when the class is served by {method}")
            deep.append(code)
            continue
        if not isinstance(used, str) or used not in registry.names() or registry.get(used).saves_models:
            raise card_error(f"{where}.method_used", f"must be {method!r} or the SMOTE-family method that replaced it, got {used!r}")
        if not isinstance(why, str) or not why:
            raise card_error(f"{where}.fallback", f"must say why {used} replaced {method}")
        fallback.append(code)

    models = card["models"]
    if not isinstance(models, list):
        raise card_error("models", "must be a list")
    covered: list = []
    for i, item in enumerate(models):
        # A model of the whole table (fit_on="all") has every class as a condition; it serves those in ``deep``.
        covered += [c for c in _check_model_item(item, f"models[{i}]", schema, cls) if c in deep]
    if sorted(covered) != sorted(deep):
        raise card_error("models", f"must hold one model for each class served by {method} (codes {sorted(deep)}), got {sorted(covered)}")

    patterns = card.get("missing_patterns")  # absent in cards written before it was added
    if patterns is not None:
        if not isinstance(patterns, list) or sorted(set(patterns)) != patterns:
            raise card_error("missing_patterns", "must list class codes in increasing order")
        for j, c in enumerate(patterns):
            if isinstance(c, bool) or c not in deep + fallback:
                raise card_error(f"missing_patterns[{j}]", f"{c!r} is not a fitted class's code")
    _check_files(card["files"], files_allowed, cls, models, bool(fallback) or bool(patterns))
    if "fit_on" in card and card["fit_on"] != card["params"].get("fit_on"):
        raise card_error("fit_on", f"is {card['fit_on']!r}, but params.fit_on is {card['params'].get('fit_on')!r}")
    if "min_rows" in card:
        _int(card["min_rows"], "min_rows")
    if "random_state" in card and card["random_state"] is not None:
        _int(card["random_state"], "random_state", 0, 2**63 - 1)
    if "contains_real_rows" in card and _bool(card["contains_real_rows"], "contains_real_rows") != bool(fallback):
        raise card_error("contains_real_rows", f"must be {str(bool(fallback)).lower()}: "
                   f"{len(fallback)} class(es) are served from saved real rows")
    if card.get("fidelity") is not None and not isinstance(card["fidelity"], dict):
        raise card_error("fidelity", "must be an object or null")
    versions = card.get("versions", {})
    if not isinstance(versions, dict) or any(not (v is None or isinstance(v, str)) for v in versions.values()):
        raise card_error("versions", "must map package names to version strings")
    if "created" in card:
        try:
            _dt.datetime.fromisoformat(card["created"])
        except (TypeError, ValueError):
            raise card_error("created", f"must be an ISO date and time, got {card['created']!r}") from None
    return CardFacts(schema, cls, deep, fallback, patterns)


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


def _check_model_item(item, where: str, schema: TableSchema, cls) -> list:
    card_fields(item, where, ("key", "layout", "classes", "conditional", "info"), ("config", "constant"))
    key = item["key"]
    codes = item["classes"]
    if not isinstance(codes, list) or not codes:
        raise card_error(f"{where}.classes", "must list the class codes the model serves")
    n = len(schema.target.labels)
    for j, c in enumerate(codes):
        _int(c, f"{where}.classes[{j}]", 0, n - 1)
    if len(set(codes)) != len(codes):
        raise card_error(f"{where}.classes", "repeats a class code")
    if key != "all" and (key != codes[0] or isinstance(key, bool) or len(codes) != 1):
        raise card_error(f"{where}.key", f"must be \"all\" or the one class code the model serves, got {key!r}")
    conditional = _bool(item["conditional"], f"{where}.conditional")
    if not conditional and len(codes) > 1:
        raise card_error(f"{where}.conditional", "must be true for a model of several classes")
    if not isinstance(item["info"], dict):
        raise card_error(f"{where}.info", "must be an object")
    check_layout(item["layout"], f"{where}.layout", schema)
    if "constant" in item:
        if item["constant"] is not True:
            raise card_error(f"{where}.constant", f"must be true when present, got {item['constant']!r}")
        if "config" in item:
            raise card_error(f"{where}.config", "must be absent for a constant model")
    elif not cls.pickles and not isinstance(item.get("config"), dict):
        raise card_error(f"{where}.config", f"is missing; {cls.name} saves each model's configuration")
    return list(codes)


def check_layout(d, where: str, schema: TableSchema) -> None:
    """The modelled-columns layout: every encoded column exactly once, values the schema allows."""
    card_fields(d, where, ("n_numeric", "n_categorical", "continuous", "discrete", "constant"))
    nn, nc = len(schema.numeric), len(schema.categorical)
    if d["n_numeric"] != nn or isinstance(d["n_numeric"], bool):
        raise card_error(f"{where}.n_numeric", f"is {d['n_numeric']!r}, but schema.columns has {nn} numeric column(s)")
    if d["n_categorical"] != nc or isinstance(d["n_categorical"], bool):
        raise card_error(f"{where}.n_categorical", f"is {d['n_categorical']!r}, but schema.columns has {nc} categorical column(s)")
    seen = {"num": [], "cat": []}
    if not isinstance(d["continuous"], list):
        raise card_error(f"{where}.continuous", "must be a list")
    for k, j in enumerate(d["continuous"]):
        seen["num"].append(_int(j, f"{where}.continuous[{k}]", 0, nn - 1))
    for part in ("discrete", "constant"):
        if not isinstance(d[part], list):
            raise card_error(f"{where}.{part}", "must be a list")
        for k, entry in enumerate(d[part]):
            at = f"{where}.{part}[{k}]"
            if not isinstance(entry, list) or len(entry) != 3 or entry[0] not in ("num", "cat"):
                raise card_error(at, "must be [\"num\" or \"cat\", column index, value(s)]")
            source, j, value = entry
            j = _int(j, f"{at}[1]", 0, (nn if source == "num" else nc) - 1)
            seen[source].append(j)
            values = value if part == "discrete" else [value]
            if part == "discrete" and (not isinstance(value, list) or len(value) < 2):
                raise card_error(f"{at}[2]", "must list at least two observed values")
            _check_values(values, f"{at}[2]", schema, source, j)
    for source, n in (("num", nn), ("cat", nc)):
        if sorted(seen[source]) != list(range(n)):
            raise card_error(where, f"must model each {'numeric' if source == 'num' else 'categorical'} column once "
                       f"(0 to {n - 1}), got {sorted(seen[source])}")


def _check_values(values: list, where: str, schema: TableSchema, source: str, j: int) -> None:
    if source == "cat":
        n = len(schema.categorical[j].categories)
        for v in values:
            _int(v, where, 0, n - 1)
    else:
        spec = schema.numeric[j]
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
                raise card_error(where, f"must hold finite numbers, got {v!r}")
            # (Not required whole: an imputed training cell may sit between two integers.)
            if spec.kind in (INTEGER, BOOLEAN) and not spec.minimum <= v <= spec.maximum:
                raise card_error(where, f"{v!r} is outside column {spec.name!r}'s range [{spec.minimum}, {spec.maximum}]")
    if values != sorted(values) or len(set(values)) != len(values):
        raise card_error(where, "must be distinct values in increasing order")


def _check_files(files, allowed: tuple, cls, models: list, has_arrays: bool) -> None:
    from .persistence import ARRAYS, PICKLE, WEIGHTS

    if not isinstance(files, dict):
        raise card_error("files", "must be an object")
    for name, meta in files.items():
        if name not in allowed:
            raise card_error("files", f"lists an unexpected file {name!r}")
        card_fields(meta, f"files.{name}", ("format", "sha256"))
        fmt = "pickle" if name == PICKLE else "safetensors"
        if meta["format"] != fmt:
            raise card_error(f"files.{name}.format", f"must be {fmt!r}, got {meta['format']!r}")
        if not isinstance(meta["sha256"], str) or not HEX64.fullmatch(meta["sha256"]):
            raise card_error(f"files.{name}.sha256", "must be 64 lowercase hexadecimal digits")
    fitted = any("constant" not in m for m in models)
    own = PICKLE if cls.pickles else WEIGHTS
    other = WEIGHTS if cls.pickles else PICKLE
    if other in files:
        raise card_error("files", f"lists {other}, which {cls.name} never writes; refused "
                   "(it is never opened, whatever trust is given)")
    if fitted and own not in files:
        raise card_error("files", f"does not list {own}, which holds {cls.name}'s fitted models")
    if not fitted and own in files:
        raise card_error("files", f"lists {own}, but every model is constant")
    if has_arrays and ARRAYS not in files:
        raise card_error("files", f"does not list {ARRAYS}, which holds missing-cell patterns or the real rows of "
                   "the classes the SMOTE family serves")


def check_arrays(arrays: dict, facts: CardFacts) -> None:
    """Missing-cell patterns and fallback rows: names, dtypes and shapes the schema implies."""
    schema = facts.schema
    nf, nn, nc = len(schema.columns), len(schema.numeric), len(schema.categorical)
    codes = facts.deep_codes + facts.fallback_codes
    expected = {f"missing/{c}" for c in codes}
    needed = set()
    for c in facts.fallback_codes:
        needed |= {f"fallback/{c}/numeric", f"fallback/{c}/categorical", f"fallback/{c}/y"}
        expected |= needed | {f"fallback/{c}/missing"}
    for name in arrays:
        if name not in expected:
            raise ModelLoadError(f"arrays.safetensors holds {name!r}, which no class of model.json uses; save the generator again")
    if facts.missing_patterns is not None:
        needed |= {f"missing/{c}" for c in facts.missing_patterns}
        expected = {n for n in expected if not n.startswith("missing/")} | {f"missing/{c}" for c in facts.missing_patterns}
    for name in arrays:
        if name not in expected:
            raise ModelLoadError(f"arrays.safetensors holds {name!r}, which model.json's missing_patterns does not list; "
                                 "save the generator again")
    for name in sorted(needed - set(arrays)):
        raise ModelLoadError(f"arrays.safetensors lacks {name!r}, which model.json's classes need; save the generator again")

    def shape(name, dtype, cols):
        a = arrays[name]
        if a.dtype != dtype or a.ndim != (1 if cols is None else 2) or (cols is not None and a.shape[1] != cols) or len(a) < 1:
            want = f"({'rows' if cols is None else f'rows, {cols}'}) {np.dtype(dtype)}"
            raise ModelLoadError(f"arrays.safetensors: {name!r} is {a.shape} {a.dtype}, expected {want} "
                                 "from model.json's schema; save the generator again")
        return a

    for c in codes:
        if f"missing/{c}" in arrays and not np.isin(shape(f"missing/{c}", np.uint8, nf), (0, 1)).all():
            raise ModelLoadError(f"arrays.safetensors: 'missing/{c}' must hold 0/1 flags")
    for c in facts.fallback_codes:
        num = shape(f"fallback/{c}/numeric", np.float64, nn)
        cat = shape(f"fallback/{c}/categorical", np.int64, nc)
        y = shape(f"fallback/{c}/y", np.int64, None)
        if not len(num) == len(cat) == len(y):
            raise ModelLoadError(f"arrays.safetensors: the fallback rows of class code {c} differ in length")
        if not np.isfinite(num).all():
            raise ModelLoadError(f"arrays.safetensors: 'fallback/{c}/numeric' holds non-finite values")
        for j, spec in enumerate(schema.categorical):
            if cat.size and not ((cat[:, j] >= -1) & (cat[:, j] < len(spec.categories))).all():
                raise ModelLoadError(f"arrays.safetensors: 'fallback/{c}/categorical' has codes outside "
                                     f"column {spec.name!r}'s {len(spec.categories)} categories")
        if not np.isin(y, np.arange(len(schema.target.labels))).all() or not (y == c).any():
            raise ModelLoadError(f"arrays.safetensors: 'fallback/{c}/y' must hold class codes, class {c} among them")
        if f"fallback/{c}/missing" in arrays:
            miss = shape(f"fallback/{c}/missing", np.uint8, nf)
            if len(miss) != len(y) or not np.isin(miss, (0, 1)).all():
                raise ModelLoadError(f"arrays.safetensors: 'fallback/{c}/missing' must be 0/1 flags, one row per fallback row")


# ---------------------------------------------------------------------- tensors of tensor-only methods
def check_tensors(method: str, item: dict, tensors: dict, where: str) -> None:
    """The saved arrays of one model against its card entry (``config``, ``layout``, ``classes``).

    ``tensors`` are that model's arrays with the ``<key>/`` prefix removed. Only methods that
    save tensors (``wgan-gp``, ``arf``, ``forest-flow``) have any; another method name checks nothing.
    """
    layout = item["layout"]
    n_cont = len(layout["continuous"])
    sizes = [len(d[2]) for d in layout["discrete"]]
    n_cond = len(item["classes"]) if item["conditional"] else 1
    if method == "wgan-gp":
        _check_wgan(item["config"], tensors, where, n_cont, sizes, n_cond)
    elif method == "arf":
        _check_arf(item["config"], tensors, where, n_cont, sizes, n_cond)
    elif method == "forest-flow":
        _check_forest_flow(item["config"], tensors, where, n_cont, sizes, n_cond)


def _expect(tensors: dict, shapes: dict, where: str, dtypes: dict) -> None:
    extra = sorted(set(tensors) - set(shapes))
    if extra:
        raise ModelLoadError(f"weights.safetensors holds {extra[0]!r}, which {where} does not describe; save the generator again")
    for name, want in shapes.items():
        if name not in tensors:
            raise ModelLoadError(f"weights.safetensors lacks {name!r}, which {where} needs; save the generator again")
        a = tensors[name]
        if a.shape != want or a.dtype != dtypes.get(name, np.float64):
            raise ModelLoadError(
                f"weights.safetensors: {name!r} is {a.shape} {a.dtype}, but {where} makes {want} "
                f"{np.dtype(dtypes.get(name, np.float64))}: the card and the weights disagree (one was edited); "
                "save the generator again"
            )
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ModelLoadError(f"weights.safetensors: {name!r} holds non-finite values")


def _check_wgan(config, tensors, where, n_cont, sizes, n_cond) -> None:
    ARCHITECTURE = registry.get("wgan-gp").network_architecture

    at = f"model.json field {where}.config"
    card_fields(config, f"{where}.config", ("architecture", "width", "n_cont", "sizes", "n_classes", "hidden", "z_dim",
                                        "prior", "value_conditions", "info"), (HEAD_CONFIG_KEY,))
    if config["architecture"] != ARCHITECTURE:
        raise ModelLoadError(
            f"this wgan-gp generator was saved with network layout {config['architecture']!r}; "
            f"this gensample reads layout {ARCHITECTURE}: fit it again (gensample fit ...)"
        )
    if _int(config["n_cont"], f"{where}.config.n_cont") != n_cont:
        raise card_error(f"{where}.config.n_cont", f"is {config['n_cont']}, but the layout models {n_cont} continuous column(s)")
    if config["sizes"] != sizes:
        raise card_error(f"{where}.config.sizes", f"is {config['sizes']!r}, but the layout's discrete columns have {sizes} values")
    if _int(config["width"], f"{where}.config.width") != n_cont + sum(sizes):
        raise card_error(f"{where}.config.width", f"is {config['width']}, but the layout makes {n_cont + sum(sizes)}")
    if _int(config["n_classes"], f"{where}.config.n_classes", 1) != n_cond:
        raise card_error(f"{where}.config.n_classes", f"is {config['n_classes']}, but the model serves {n_cond} condition(s)")
    hidden = _int(config["hidden"], f"{where}.config.hidden", 1)
    z_dim = _int(config["z_dim"], f"{where}.config.z_dim", 1)
    prior = _bool(config["prior"], f"{where}.config.prior")
    vcond = _bool(config["value_conditions"], f"{where}.config.value_conditions")
    if not isinstance(config["info"], dict):
        raise card_error(f"{where}.config.info", "must be an object")
    # The generator's parameter shapes, as networks.wgan_gp.WGANModel.build (layout 3) makes
    # them; checked against a freshly fitted model in tests/test_model_integrity.py.
    width, k = n_cont + sum(sizes), max(1, n_cond)
    cond = (n_cond if n_cond > 1 else 0) + (sum(sizes) if vcond else 0)
    inputs = z_dim + (n_cont if prior else 0) + cond
    shapes = {
        "generator.net.fc1.weight": (hidden, inputs), "generator.net.fc1.bias": (hidden,),
        "generator.net.fc2.weight": (hidden, inputs + hidden), "generator.net.fc2.bias": (hidden,),
        "generator.net.head.weight": (width, inputs + 2 * hidden), "generator.net.head.bias": (width,),
    }
    if prior:
        shapes.update({"generator.prior.mean": (k, n_cont), "generator.prior.scale": (k, n_cont),
                       "generator.prior.logits": (k, width - n_cont)})
    if vcond:
        shapes["value_freq"] = (k, sum(sizes))
    dtypes = {name: np.float32 for name in shapes if name.startswith("generator.")}
    for i in range(n_cont):
        q = tensors.get(f"quantiles.{i}")
        shapes[f"quantiles.{i}"] = q.shape if q is not None and q.ndim == 1 and len(q) >= 2 else ("at least 2",)
    _head_shapes(config, tensors, where, n_cont, sizes, n_cond, shapes, dtypes)
    _expect(tensors, shapes, at, dtypes)
    for i in range(n_cont):
        if np.any(np.diff(tensors[f"quantiles.{i}"]) < 0):
            raise ModelLoadError(f"weights.safetensors: 'quantiles.{i}' of {where} must be non-decreasing")


def _check_arf(config, tensors, where, n_cont, sizes, n_cond) -> None:
    at = f"model.json field {where}.config"
    card_fields(config, f"{where}.config", ("n_probs", "accuracy", "kept_round"))
    if _int(config["n_probs"], f"{where}.config.n_probs") != len(sizes):
        raise card_error(f"{where}.config.n_probs", f"is {config['n_probs']}, but the layout models {len(sizes)} discrete column(s)")
    tree = tensors.get("tree")
    leaves = len(tree) if tree is not None and tree.ndim == 1 and len(tree) >= 1 else "leaves"
    shapes = {"tree": (leaves,), "counts": (leaves, n_cond)}
    shapes.update({name: (leaves, n_cont) for name in ("lo", "hi", "mean", "sd")})
    shapes.update({f"probs/{j}": (leaves, s) for j, s in enumerate(sizes)})
    _expect(tensors, shapes, at, {"tree": np.int64})
    if (tensors["counts"] < 0).any() or (tensors["sd"] < 0).any() or (tensors["lo"] > tensors["hi"]).any():
        raise ModelLoadError(f"weights.safetensors: the leaves of {where} have negative counts or spreads, or empty boxes")
    if any((tensors[f"probs/{j}"] < 0).any() for j in range(len(sizes))):
        raise ModelLoadError(f"weights.safetensors: the leaf probabilities of {where} must not be negative")


#: Where a model's card keeps its discrete head: the config key and the arrays' prefix. The card
#: reader must not import the generators, so these repeat ``generators._discrete_head``'s
#: CONFIG_KEY and ARRAY_PREFIX; tests/test_discrete_head.py checks that they agree.
HEAD_CONFIG_KEY, HEAD_ARRAY_PREFIX = "discrete_head", "discrete_head."


def _head_shapes(config, tensors, where, n_cont, sizes, n_cond, shapes, dtypes) -> None:
    """Add the discrete head's arrays (generators/_discrete_head) to ``shapes``, if the card has one."""
    if HEAD_CONFIG_KEY not in config:
        return
    head, at = config[HEAD_CONFIG_KEY], f"{where}.config.{HEAD_CONFIG_KEY}"
    if not isinstance(head, dict):
        raise card_error(at, "must be an object")
    card_fields(head, at, ("n_cont", "sizes", "n_cond", "max_depth_seen"))
    _int(head["max_depth_seen"], f"{at}.max_depth_seen")
    if (head["n_cont"], head["sizes"], head["n_cond"]) != (n_cont, sizes, n_cond if n_cond > 1 else 0):
        raise card_error(at, "describes other columns or classes than the layout")
    outputs = sum(1 if s == 2 else s for s in sizes)
    roots, value = tensors.get(HEAD_ARRAY_PREFIX + "roots"), tensors.get(HEAD_ARRAY_PREFIX + "value")
    trees = roots.shape[1] if roots is not None and roots.ndim == 2 else "trees"
    nodes = len(value) if value is not None and value.ndim == 1 and len(value) >= 1 else "nodes"
    want = {"roots": (outputs, trees), "baseline": (outputs,)}
    want.update({name: (nodes,) for name in ("feature", "threshold", "left", "right", "is_leaf", "value")})
    shapes.update({HEAD_ARRAY_PREFIX + k: v for k, v in want.items()})
    kinds = {"roots": np.int64, "feature": np.int64, "left": np.int64, "right": np.int64, "is_leaf": np.uint8}
    dtypes.update({HEAD_ARRAY_PREFIX + k: kinds.get(k, np.float64) for k in want})


def _check_forest_flow(config, tensors, where, n_cont, sizes, n_cond) -> None:
    # Shapes and types only; that every child index and split feature lies inside the trees
    # is checked when the arrays become a model (generators/_flow_forest.FlowForest).
    at = f"model.json field {where}.config"
    # "solver" and "discrete_head" are optional: cards written before them were sampled with
    # Euler steps and decoded discrete columns from the flow.
    card_fields(config, f"{where}.config", ("n_t", "n_cont", "sizes", "n_classes", "max_depth_seen"), ("solver", HEAD_CONFIG_KEY))
    if "solver" in config and config["solver"] not in ("euler", "heun"):
        raise card_error(f"{where}.config.solver", f"is {config['solver']!r}, not 'euler' or 'heun'")
    n_t = _int(config["n_t"], f"{where}.config.n_t", 1)
    _int(config["max_depth_seen"], f"{where}.config.max_depth_seen")
    if _int(config["n_cont"], f"{where}.config.n_cont") != n_cont:
        raise card_error(f"{where}.config.n_cont", f"is {config['n_cont']}, but the layout models {n_cont} continuous column(s)")
    if config["sizes"] != sizes:
        raise card_error(f"{where}.config.sizes", f"is {config['sizes']!r}, but the layout's discrete columns have {sizes} values")
    if _int(config["n_classes"], f"{where}.config.n_classes", 1) != n_cond:
        raise card_error(f"{where}.config.n_classes", f"is {config['n_classes']}, but the model serves {n_cond} condition(s)")
    width = n_cont + sum(sizes)
    roots, value = tensors.get("roots"), tensors.get("value")
    trees = roots.shape[2] if roots is not None and roots.ndim == 3 else "trees"
    nodes = len(value) if value is not None and value.ndim == 1 and len(value) >= 1 else "nodes"
    shapes = {"lo": (n_cont,), "hi": (n_cont,), "roots": (n_t, width, trees), "baseline": (n_t, width)}
    shapes.update({name: (nodes,) for name in ("feature", "threshold", "left", "right", "is_leaf", "value")})
    dtypes = {"roots": np.int64, "feature": np.int64, "left": np.int64, "right": np.int64, "is_leaf": np.uint8}
    _head_shapes(config, tensors, where, n_cont, sizes, n_cond, shapes, dtypes)
    _expect(tensors, shapes, at, dtypes)
    if (tensors["lo"] > tensors["hi"]).any():
        raise ModelLoadError(f"weights.safetensors: the column ranges of {where} are empty (lo above hi)")
