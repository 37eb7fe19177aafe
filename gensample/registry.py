"""The one place that knows every method.

Built-in methods are listed here by import path (imported on first use, so ``import
gensample`` stays fast and torch/sdv load only when a deep method is asked for). Third-party
packages add methods through the entry-point group ``gensample.generators``; each entry point
names a :class:`~gensample.generators.base.Generator` subclass::

    [project.entry-points."gensample.generators"]
    my-method = "my_package.module:MyGenerator"
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from importlib.metadata import entry_points

import pandas as pd

from .errors import GensampleError, UnknownMethodError, closest
from .generators.base import DATA_KINDS, Generator

ENTRY_POINT_GROUP = "gensample.generators"

# name -> "module:Class". Order is the order of ``methods()``.
BUILTIN: dict[str, str] = {
    "random": "gensample.generators.random_oversampling:RandomOverSampling",
    "smote": "gensample.generators.smote:SMOTE",
    "borderline-smote": "gensample.generators.borderline:BorderlineSMOTE",
    "adasyn": "gensample.generators.adasyn:ADASYN",
    "svm-smote": "gensample.generators.svm_smote:SVMSMOTE",
    "kmeans-smote": "gensample.generators.kmeans_smote:KMeansSMOTE",
    "smote-enn": "gensample.generators.cleaning:SMOTEENN",
    "smote-tomek": "gensample.generators.cleaning:SMOTETomek",
    "polynom-fit-smote": "gensample.generators.polynom_fit:PolynomFitSMOTE",
    "prowsyn": "gensample.generators.prowsyn:ProWSyn",
    "auto": "gensample.selection.auto:AutoGenerator",
    "ctgan": "gensample.generators.ctgan:CTGANGenerator",
    "copulagan": "gensample.generators.copulagan:CopulaGANGenerator",
    "tvae": "gensample.generators.tvae:TVAEGenerator",
    "gaussian-copula": "gensample.generators.gaussian_copula:GaussianCopulaGenerator",
    "wgan-gp": "gensample.generators.wgan_gp:WGANGP",
    "arf": "gensample.generators.arf:ARF",
    "forest-flow": "gensample.generators.forest_flow:ForestFlow",
}

_cache: dict[str, type[Generator]] = {}


def _load(path: str) -> type[Generator]:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def _available_builtins() -> dict[str, str]:
    """Built-ins whose module exists in this installation (all of them in a release)."""
    out = {}
    for name, path in BUILTIN.items():
        if importlib.util.find_spec(path.partition(":")[0]) is not None:
            out[name] = path
    return out


def _plugins() -> dict:
    found = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in BUILTIN:
            warnings.warn(
                f"entry point {ep.value!r} registers {ep.name!r}, which is a built-in method; the built-in is kept",
                stacklevel=3,
            )
            continue
        found[ep.name] = ep
    return found


def names() -> list[str]:
    """Every registered method name: built-ins first, then plugins."""
    return list(_available_builtins()) + sorted(n for n in _plugins() if n not in BUILTIN)


def get(name: str) -> type[Generator]:
    """The generator class registered as ``name``.

    Raises
    ------
    UnknownMethodError
        With the closest names, when nothing is registered under ``name``.
    """
    if not isinstance(name, str):
        raise UnknownMethodError(f"method must be a string, got {type(name).__name__}")
    if name in _cache:
        return _cache[name]
    builtins = _available_builtins()
    if name in builtins:
        cls = _load(builtins[name])
    else:
        plugins = _plugins()
        if name not in plugins:
            known = names()
            hint = closest(name, known)
            raise UnknownMethodError(
                f"unknown method {name!r}"
                + (f"; did you mean {' or '.join(map(repr, hint))}?" if hint else "")
                + f" Known methods: {', '.join(known)} (see `gensample methods`)"
            )
        try:
            cls = plugins[name].load()
        except Exception as exc:  # a broken third-party package must not look like our bug
            raise GensampleError(
                f"the plugin method {name!r} ({plugins[name].value}) failed to load: {exc}"
            ) from exc
        if not (isinstance(cls, type) and issubclass(cls, Generator)):
            raise GensampleError(
                f"the plugin entry point {name!r} ({plugins[name].value}) is not a gensample Generator subclass"
            )
    _cache[name] = cls
    return cls


def clear_cache() -> None:
    """Forget loaded classes (after installing or removing plugins in a running process)."""
    _cache.clear()


def methods() -> pd.DataFrame:
    """The registry as a table: one row per method.

    Columns: ``name``, ``family``, ``description``, one boolean column per data kind
    (``numeric``, ``categorical``, ``mixed``, ``missing``), ``multiclass``, ``min_rows`` and
    ``source`` (``builtin`` or the plugin's distribution).
    """
    rows = []
    for name in names():
        try:
            cls = get(name)
        except GensampleError as exc:
            warnings.warn(str(exc), stacklevel=2)
            continue
        row = {"name": name, "family": cls.family, "description": cls.description}
        row.update({kind: kind in cls.handles for kind in DATA_KINDS})
        row["multiclass"] = bool(cls.multiclass)
        row["min_rows"] = int(cls.min_rows)
        row["source"] = "builtin" if name in BUILTIN else f"plugin ({cls.__module__})"
        rows.append(row)
    return pd.DataFrame(rows)
