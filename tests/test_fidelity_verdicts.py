"""One check, one verdict, said where the user looks (issue 14).

* no numpy ``RuntimeWarning`` escapes the check on sparse columns;
* a failed final check inside ``sample_minority`` / ``gensample sample`` is warned
  (:class:`~gensample.generators.base.FidelityWarning`), recorded in the result, printed on
  stderr, and ``--strict`` makes it exit 1;
* the check inside ``gensample sample`` and ``gensample check`` on the exported rows give the
  same verdict, signal by signal.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from gensample.fidelity import evaluate
from gensample.schema import TableSchema


def _sparse_cases():
    rng = np.random.default_rng(0)
    a = rng.normal(size=30)
    syn = pd.DataFrame({"a": rng.normal(size=30), "b": [np.nan] * 30})
    # one observed cell in the real rows, none in the synthetic ones: every permutation draw
    # leaves one side without a value (this warned "Mean of empty slice" from calibration.py,
    # and the detection classifier raised on a training fold without a value)
    yield "one-cell", dict(real=pd.DataFrame({"a": a, "b": np.r_[1.0, [np.nan] * 29]}), synthetic=syn)
    yield "two-cells", dict(real=pd.DataFrame({"a": a, "b": np.r_[1.0, 2.0, [np.nan] * 28]}), synthetic=syn)
    # the whole table's schema, a class whose cells of a numeric column are all missing
    # (what sample_minority's check sees; this warned from _prepare.py)
    table = pd.DataFrame({"a": rng.normal(size=60), "b": np.r_[rng.normal(size=40), [np.nan] * 20],
                          "y": [0] * 40 + [1] * 20})
    real = table[table["y"] == 1]
    yield "class-all-missing", dict(real=real, synthetic=real.assign(a=real["a"] + 0.01),
                                    schema=TableSchema.infer(table, "y"))


@pytest.mark.parametrize("case", [c for _, c in _sparse_cases()], ids=[n for n, _ in _sparse_cases()])
def test_no_runtime_warning_escapes(case):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        report = evaluate(**case)
    assert report.n_synthetic == len(case["synthetic"])
    assert report.detection["auc"] is not None


# ============================================================ a failed final check is said
def _car_good():
    from gensample import datasets

    return datasets.load("car-good"), datasets.info("car-good").target


def test_failed_check_warns_and_is_recorded():
    """SMOTE-N on the all-categorical car-good class copies real rows: the check fails, loudly."""
    import gensample as gs
    from gensample.generators.base import FidelityWarning, GensampleWarning

    data, target = _car_good()
    with pytest.warns(FidelityWarning) as caught:
        result = gs.sample_minority(data, target, "smote", random_state=0, check=True)
    failed = [w.message for w in caught if issubclass(w.category, FidelityWarning)]
    assert len(failed) == 1 and issubclass(FidelityWarning, GensampleWarning)
    import gensample

    assert gensample.FidelityWarning is FidelityWarning  # public at the top level
    message = str(failed[0])
    assert message.startswith("fidelity check FAILED for class 'positive' (1590 new rows by smote vs 69 real rows)")
    assert "exact_copies: " in message and "(95%)" in message  # the failed check and its figure
    assert "try another method" in message  # and what to do
    assert failed[0].label == "positive" and message.startswith(failed[0].line)
    record = result.extra["fidelity_failed"]["positive"]
    assert record["method"] == "smote" and "exact_copies" in record["checks"]
    assert record["checks"] == [s.name for s in result.fidelity.failed_checks()]
    assert message in result.warnings
    assert result.to_dict()["extra"]["fidelity_failed"]["positive"]["line"] == record["line"]  # provenance
    summary = result.summary()
    assert "fidelity: FAILED" in summary and "note: fidelity check FAILED" not in summary  # said once


def test_passed_check_is_silent():
    import gensample as gs
    from gensample.generators.base import FidelityWarning

    data, target = _car_good()
    with warnings.catch_warnings():
        warnings.simplefilter("error", FidelityWarning)
        result = gs.sample_minority(data, target, "random", random_state=0, check=False)
    assert "fidelity_failed" not in result.extra


@pytest.mark.parametrize("strict", [False, True])
def test_cli_sample_says_a_failed_check_on_stderr(tmp_path, capsys, strict):
    from gensample.cli import main

    data, target = _car_good()
    data.to_csv(tmp_path / "in.csv", index=False)
    out = tmp_path / "out.csv"
    argv = ["sample", str(tmp_path / "in.csv"), "--target", target, "--seed", "0", "--check", "--out", str(out)]
    code = main(argv + (["--strict"] if strict else []))
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "fidelity check FAILED" in line]
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("error: " if strict else "warning: ")
    assert "class 'positive'" in line and "by smote" in line and "exact_copies: " in line and "(95%)" in line
    assert f"gensample check {tmp_path / 'in.csv'} {out} --target {target}" in line  # what to do
    assert out.exists()  # written either way, as `gensample check` writes its report
    assert code == (1 if strict else 0)


def test_cli_strict_passes_when_the_check_passes(tmp_path, capsys):
    from gensample.cli import main

    data, target = _car_good()
    data.to_csv(tmp_path / "in.csv", index=False)
    code = main(["sample", str(tmp_path / "in.csv"), "--target", target, "--method", "random", "--seed", "0",
                 "--strict", "--out", str(tmp_path / "out.csv")])
    assert code == 0 and "fidelity check FAILED" not in capsys.readouterr().err


# ============================================================ one check, one verdict
def _verdicts(report: dict) -> dict:
    """{signal name: (fired, decisive, value)} of a report's to_dict()."""
    return {s["name"]: (s["fired"], s["decisive"], s["value"]) for s in report["signals"]}


def _same_verdict(in_run: dict, check: dict) -> None:
    a, b = _verdicts(in_run), _verdicts(check)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name][:2] == b[name][:2], f"signal {name!r}: in-run {a[name]} vs gensample check {b[name]}"
        if isinstance(a[name][2], float):
            assert a[name][2] == pytest.approx(b[name][2], rel=1e-9, abs=1e-12), name
        else:
            assert a[name][2] == b[name][2], name
    assert in_run["passed"] == check["passed"] and in_run["verdict"] == check["verdict"]


CASES = [  # (method, params, seed): fast deep fits whose rows fail the check on yeast4
    ("ctgan", ["steps=30", "verbose=false"], 0),  # ctgan's rows, kept: columns and detection fail
    ("ctgan", ["steps=30", "verbose=false"], 1),
    ("wgan-gp", ["steps=30", "verbose=false"], 0),  # rejected by the check, SMOTE's rows kept
]


@pytest.mark.parametrize("flag", [False, True], ids=["provenance", "is_synthetic"])
@pytest.mark.parametrize("method, params, seed", CASES, ids=[f"{m}-{s}" for m, _, s in CASES])
def test_check_in_sample_agrees_with_gensample_check(tmp_path, capsys, method, params, seed, flag):
    """`gensample sample`'s own check and `gensample check` on the file it wrote: one verdict per signal."""
    pytest.importorskip("torch")
    if method == "ctgan":
        pytest.importorskip("ctgan")
    import json

    from gensample import datasets
    from gensample.cli import main

    target = datasets.info("yeast4").target
    datasets.load("yeast4").to_csv(tmp_path / "in.csv", index=False)
    out = tmp_path / "out.csv"
    argv = ["sample", str(tmp_path / "in.csv"), "--target", target, "--method", method, "--gate", "none",
            "--seed", str(seed), "--out", str(out)]
    for p in params:
        argv += ["--param", p]
    assert main(argv + (["--flag-synthetic"] if flag else [])) == 0
    record = json.loads((tmp_path / "out.csv.provenance.json").read_text())
    in_run = record["fidelity"]
    assert in_run is not None and in_run["random_state"] == 0
    capsys.readouterr()
    code = main(["check", str(tmp_path / "in.csv"), str(out), "--target", target, "--json", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert ("marked is_synthetic" if flag else "after its 1484 original rows") in err  # only the new rows
    check = json.loads((tmp_path / "r.json").read_text())
    assert check["n_synthetic"] == in_run["n_synthetic"] == record["output"]["synthetic_rows"]
    _same_verdict(in_run, check)
    assert code == (0 if in_run["passed"] else 1)


def test_gensample_check_on_an_export_checks_the_new_rows_unless_all_rows(tmp_path, capsys):
    """Original rows in the export are not "copies": only the new rows are checked, unless --all-rows."""
    import json

    from gensample.cli import main

    data, target = _car_good()
    data.to_csv(tmp_path / "in.csv", index=False)
    out = tmp_path / "out.csv"
    assert main(["sample", str(tmp_path / "in.csv"), "--target", target, "--method", "random", "--seed", "0",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    base = ["check", str(tmp_path / "in.csv"), str(out), "--target", target]
    main(base + ["--json", str(tmp_path / "new.json")])
    assert "checking the 1590 new rows" in capsys.readouterr().err
    assert json.loads((tmp_path / "new.json").read_text())["n_synthetic"] == 1590
    base += ["--label", "positive"]
    main(base + ["--all-rows", "--json", str(tmp_path / "all.json")])
    assert "checking the" not in capsys.readouterr().err
    assert json.loads((tmp_path / "all.json").read_text())["n_synthetic"] == 69 + 1590  # originals included
    # an edited export no longer matches its provenance record: every row is checked
    out.write_text(out.read_text() + out.read_text().splitlines()[1] + "\n")
    from gensample.errors import ReadWarning

    with pytest.warns(ReadWarning, match="was changed since"):
        main(base + ["--json", str(tmp_path / "edited.json")])
    assert "checking the" not in capsys.readouterr().err
    assert json.loads((tmp_path / "edited.json").read_text())["n_synthetic"] == 69 + 1590
