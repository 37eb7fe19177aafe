"""The per-class runner: training failures fall back, plugin bugs surface, notes stay with their call."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import gensample as gs
from gensample import registry
from gensample.decisions import Decision
from gensample.errors import GenerationError, PluginError, TrainingError
from gensample.generators.base import Generated, Generator, GensampleWarning
from gensample.runner import Runner, is_training_failure
from gensample.schema import TableSchema

from .conftest import make_numeric


class BuggyGenerator(Generator):
    """A plugin with a bug: it looks up a parameter that does not exist."""

    name = "buggy-test"
    description = "test plugin with a bug"
    defaults: dict = {}

    def _generate(self, table, plan, rng):
        return self.params["no-such-parameter"]  # KeyError: a bug, not a training failure


class UntrainableGenerator(Generator):
    """A plugin whose training fails, and which says so the documented way."""

    name = "untrainable-test"
    description = "test plugin whose training fails"
    defaults: dict = {}

    def _generate(self, table, plan, rng):
        try:
            np.linalg.cholesky(-np.eye(2))  # the model's library refuses these rows
        except np.linalg.LinAlgError as exc:
            raise TrainingError("the covariance is not positive definite") from exc


class LibraryFailingGenerator(Generator):
    """A plugin whose library raises inside the fit, unwrapped."""

    name = "library-failing-test"
    description = "test plugin whose library raises"
    defaults: dict = {}

    def _generate(self, table, plan, rng):
        np.linalg.cholesky(-np.eye(2))


class NonFiniteGenerator(Generator):
    """A plugin whose training diverged: its rows are NaN."""

    name = "nan-test"
    description = "test plugin making NaN rows"
    defaults: dict = {}

    def _generate(self, table, plan, rng):
        n = sum(plan.values())
        return Generated(np.full((n, table.numeric.shape[1]), np.nan), np.empty((n, 0), dtype=np.int64),
                         np.concatenate([np.full(k, c) for c, k in plan.items()]))


@pytest.fixture
def plugins(monkeypatch):
    for cls in (BuggyGenerator, UntrainableGenerator, LibraryFailingGenerator, NonFiniteGenerator):
        monkeypatch.setitem(registry._cache, cls.name, cls)
    yield


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GensampleWarning)
        return fn(*args, **kwargs)


def test_a_bug_in_a_plugin_surfaces_with_its_name_and_is_not_a_fallback(plugins):
    data = make_numeric()
    with pytest.raises(PluginError, match="'buggy-test'.*KeyError") as caught:
        gs.sample_minority(data, "label", "buggy-test", random_state=0)
    assert isinstance(caught.value.__cause__, KeyError)  # the traceback is chained
    assert caught.value.method == "buggy-test"
    assert isinstance(caught.value, gs.GensampleError)  # the CLI maps it to exit code 2


@pytest.mark.parametrize("method, words", [("untrainable-test", "not positive definite"),
                                           ("library-failing-test", "LinAlgError"),
                                           ("nan-test", "non-finite")])
def test_a_training_failure_falls_back_to_smote_and_is_recorded(plugins, method, words):
    data = make_numeric()
    with pytest.warns(GensampleWarning, match=f"'{method}' failed on class 1"):
        result = gs.sample_minority(data, "label", method, random_state=0)
    assert result.method_used == "smote" and words in result.fallback
    d = result.decisions[1]
    assert isinstance(d, Decision) and (d.asked, d.used, d.why) == (method, "smote", "training-failed")
    assert words in d.evidence["error"] and d.reason == result.fallback
    assert result.per_class.set_index("label").loc[1, "fallback"] == result.fallback
    smote = gs.sample_minority(data, "label", "smote", random_state=0)
    assert len(result.synthetic) == len(smote.synthetic)
    with pytest.raises(GenerationError, match=f"'{method}' failed on class 1.*fallback=True"):
        gs.sample_minority(data, "label", method, random_state=0, fallback=False)


def test_training_failures_are_told_from_bugs():
    try:
        np.linalg.cholesky(-np.eye(2))
    except np.linalg.LinAlgError as exc:
        assert is_training_failure(exc, BuggyGenerator)  # a library's own exception type
    try:
        {}["x"]
    except KeyError as exc:
        assert not is_training_failure(exc, BuggyGenerator)  # raised in the plugin's own code
    assert is_training_failure(FloatingPointError("loss became nan"), BuggyGenerator)
    assert is_training_failure(TrainingError("x"), BuggyGenerator)


def test_runner_runs_a_plan_and_keeps_its_decisions_and_notes():
    data = make_numeric(minority=4)
    schema = TableSchema.infer(data, "label")
    runner = Runner(data, schema, np.random.default_rng(0), allow_fallback=True)
    smote = registry.get("smote")()
    decision = Decision("smote", "smote", label=1)
    out = runner.run(smote, {1: 10}, {1: decision})
    assert out[1].generated == 10 and out[1].decision is decision and out[1].reason is None
    assert len(out[1].frame_parts[0]) == 10 and (out[1].frame_parts[0]["label"] == 1).all()
    assert runner.notes == ["smote: class 1 has 4 rows, so k_neighbors was lowered from 5 to 3"]


def _small_classes(seed: int):
    return make_numeric(n=200, minority=5, seed=seed)


def test_notes_stay_with_their_call_when_calls_run_in_threads():
    # Notes used to be collected by capturing process-wide warnings, which threads share:
    # a call could lose its notes or take another's. Now they are the runner's.
    seeds = list(range(8))
    methods = ["smote", "random"] * 4
    serial = [quiet(gs.sample_minority, _small_classes(s), "label", m, random_state=s).warnings
              for s, m in zip(seeds, methods)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda sm: quiet(gs.sample_minority, _small_classes(sm[0]), "label", sm[1],
                                                  random_state=sm[0]).warnings, zip(seeds, methods)))
    assert threaded == serial
    assert any(serial) and not all(serial)  # smote lowers k on 5 rows; random has nothing to say


def test_compare_with_threads_gives_the_notes_of_a_serial_run():
    data = make_numeric(n=160, minority=8, seed=3)
    common = dict(methods=["smote", "borderline-smote"], classifiers=["lr"], folds=3, repeats=2, fidelity=False,
                  tune_threshold=False, seed=0)
    serial = gs.compare(data, "label", backend="sequential", **common)
    threaded = gs.compare(data, "label", backend="threading", n_jobs=2, **common)
    assert threaded.notes == serial.notes and any("lowered" in n for n in serial.notes)
    assert list(threaded.generation["fallback_reasons"]) == list(serial.generation["fallback_reasons"])
