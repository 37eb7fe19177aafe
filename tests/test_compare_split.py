"""``compare`` is split into five modules (issue 12): every import path of before still works.

``compare.py`` checks the arguments and runs the grid; the result, its wording, its records and
the t-test live in ``compare_result``, ``verdict``, ``records`` and ``significance``. These tests
need no comparison run: they pin the names, so a later move cannot break a caller's import.
"""

from __future__ import annotations

import importlib
import pickle

import numpy as np
import pandas as pd

import gensample
from gensample.evaluation import compare_result, records, significance, verdict

# ``from gensample.evaluation import compare`` is the function (the package's lazy name), so the
# module is imported by its full name.
compare_module = importlib.import_module("gensample.evaluation.compare")


def test_old_import_paths_are_the_moved_objects():
    from gensample.evaluation import CompareResult
    from gensample.evaluation.compare import VIEWS, corrected_resampled_ttest
    from gensample.evaluation.compare import CompareResult as FromCompare

    assert CompareResult is FromCompare is compare_result.CompareResult
    assert VIEWS is compare_result.VIEWS
    assert corrected_resampled_ttest is significance.corrected_resampled_ttest


def test_gensample_compare_is_the_function_even_after_the_submodule_is_imported():
    # Importing gensample.evaluation.compare binds the *module* to the package attribute
    # ``compare``; gensample.compare must still be the function.
    assert gensample.compare is compare_module.compare
    assert callable(gensample.compare)


def test_no_helper_is_left_twice():
    # The moved helpers exist in their new module only.
    for name in ("_records", "_num", "_jsonable", "_generation_frame", "_failure_notes", "_pfmt", "_tuned_only"):
        assert not hasattr(compare_module, name), name
    assert not hasattr(compare_result.CompareResult, "_answer")


def test_a_result_pickles_under_its_new_module():
    res = compare_result.CompareResult(
        folds=pd.DataFrame({"method": ["none"], "classifier": ["lr"], "operating_point": ["default"],
                            "repeat": [0], "fold": [0], "pr_auc": [0.5], "n_test": [10], "n_train": [20],
                            "train_seconds": [0.1]}),
        generation=pd.DataFrame(), profile=None, settings={"metric": "pr_auc", "methods": [], "classifiers": ["lr"],
                                                          "folds": 2, "repeats": 1},
    )
    back = pickle.loads(pickle.dumps(res))
    assert type(back) is compare_module.CompareResult
    assert back.methods == ["none"]


def test_records_and_significance_behave_as_before():
    assert records.records(pd.DataFrame({"a": [1.0, np.nan, np.inf]})) == [{"a": 1.0}, {"a": None}, {"a": None}]
    assert records.jsonable({1: (np.float64(2.0), np.nan)}) == {"1": [2.0, None]}
    assert significance.format_p(0.0001) == "<0.001" and significance.format_p(float("nan")) == "n/a"
    assert significance.corrected_resampled_ttest(np.zeros(4), 0.5) == 1.0
    assert np.isnan(significance.corrected_resampled_ttest([1.0], 0.5))
    assert callable(verdict.verdict_text) and callable(verdict.answer_lines)
