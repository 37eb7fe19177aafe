"""The notebooks run top to bottom (each in a fresh kernel, in a temporary working folder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run_notebook(name: str, workdir: Path):
    """Execute ``notebooks/<name>`` with ``workdir`` as its working folder; errors fail the test."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return nb


def _text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_notebook_03(tmp_path):
    nb = run_notebook("03_pipeline_and_export.ipynb", tmp_path)
    exported = tmp_path / "abalone9-18_train_augmented.csv"
    assert exported.exists()
    provenance = json.loads((tmp_path / (exported.name + ".provenance.json")).read_text())
    assert provenance["method_used"] == "smote"
    assert provenance["output"]["flag_synthetic"] is True
    text = _text(nb)
    assert "gensample smote (SMOTE-NC)" in text  # the cross-validation table was printed
    assert "identical: (1034, 8)" in text  # the pipeline sampler and sample_minority agree
