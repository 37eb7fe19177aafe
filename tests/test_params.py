"""Parameters declared once per method (generators/params.py) and checked once, without side effects."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import gensample as gs
from gensample import registry
from gensample.errors import ParameterError
from gensample.generators.params import Boolean, Integer, Options, Real, Satisfies, Widths, check_params

from .conftest import make_numeric


def _classes():
    return {name: registry.get(name) for name in registry.names()}


@pytest.mark.parametrize("name", sorted(_classes()))
def test_every_parameter_is_declared(name):
    cls = registry.get(name)
    undeclared = sorted(set(cls.defaults) - set(cls.parameter_constraints))
    relations_only = {"auto": {"candidates", "metric", "classifier", "rule"}}.get(name, set())
    assert set(undeclared) <= relations_only, f"{name}: no constraint for {undeclared}"
    assert not set(cls.parameter_constraints) - set(cls.defaults), f"{name}: constraint for an unknown parameter"


@pytest.mark.parametrize("name", sorted(_classes()))
def test_defaults_pass_their_own_constraints(name):
    gen = registry.get(name)()
    gen.validate_params()  # raises if a default breaks its own declaration


@pytest.mark.parametrize("name", sorted(_classes()))
def test_validation_has_no_side_effect(name):
    gen = registry.get(name)()
    params, min_rows = copy.deepcopy(gen.params), gen.min_rows
    state = {k: v for k, v in vars(gen).items() if k not in ("_params_valid",)}
    gen.validate_params()
    assert gen.params == params and gen.min_rows == min_rows
    assert {k: v for k, v in vars(gen).items() if k not in ("_params_valid",)}.keys() == state.keys()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"k_neighbors": 0}, r"^smote: k_neighbors must be an integer >= 1, got 0$"),
    ({"k_neighbors": 2.0}, r"^smote: k_neighbors must be an integer >= 1, got 2.0$"),
    ({"k_neighbors": True}, r"^smote: k_neighbors must be an integer >= 1, got True$"),
    ({"categorical_rule": "most"}, r"^smote: categorical_rule must be one of 'endpoint', 'vote', got 'most'$"),
])
def test_messages_name_method_parameter_and_value(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        gs.sample_minority(make_numeric(), "label", method="smote", random_state=0, **kwargs)


def test_numpy_integers_pass_and_nan_fails():
    registry.get("smote")(k_neighbors=np.int64(3)).validate_params()
    with pytest.raises(ParameterError, match="out_step must be a number in"):
        registry.get("svm-smote")(out_step=float("nan")).validate_params()


def test_alternatives_are_listed():
    with pytest.raises(ParameterError, match=r"density_exponent must be 'auto' or a number > 0, got -1"):
        registry.get("kmeans-smote")(density_exponent=-1).validate_params()
    registry.get("kmeans-smote")(density_exponent=2.5, cluster_balance_threshold=0.3).validate_params()


def test_checked_once_per_instance(monkeypatch):
    """sample_minority validates up front; generate() does not check the same instance again."""
    import gensample.generators.params as params_module
    import gensample.generators.base as base_module

    calls = []
    real = params_module.check_params

    def counting(owner, params, constraints):
        calls.append(owner)
        return real(owner, params, constraints)

    monkeypatch.setattr(base_module, "check_params", counting)
    gs.sample_minority(make_numeric(), "label", method="smote", random_state=0)
    assert calls == ["smote"]


def test_constraint_kinds():
    assert Integer(1).is_satisfied_by(1) and not Integer(1).is_satisfied_by(0)
    assert not Integer().is_satisfied_by(True) and not Integer().is_satisfied_by(1.0)
    assert Real(0, 1).is_satisfied_by(0.5) and not Real(0, 1).is_satisfied_by(1.5)
    assert not Real(0, low_open=True).is_satisfied_by(0) and Real(0).is_satisfied_by(0)
    assert Options("a", "b").is_satisfied_by("a") and not Options("a").is_satisfied_by(["a"])
    assert not Options(True).is_satisfied_by(1) and not Options(1).is_satisfied_by(np.array([1, 1]))
    assert Boolean().is_satisfied_by(np.bool_(False)) and not Boolean().is_satisfied_by(0)
    assert Widths().is_satisfied_by((16, 8)) and not Widths().is_satisfied_by(()) and not Widths().is_satisfied_by((0,))
    assert Satisfies(lambda v: v > 2, "above 2").is_satisfied_by(3) and not Satisfies(lambda v: v > 2, "x").is_satisfied_by("a")
    check_params("m", {"x": None}, {"x": [None, Integer(1)]})
    with pytest.raises(ParameterError, match=r"^m: x must be an integer >= 1 or None, got 0$"):
        check_params("m", {"x": 0}, {"x": [None, Integer(1)]})
