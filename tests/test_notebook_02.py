"""The compare notebook runs from top to bottom with its small default settings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "02_compare_generators.ipynb"


def test_notebook_02(tmp_path, monkeypatch):
    monkeypatch.delenv("GENSAMPLE_FULL", raising=False)  # the small 3x1 protocol
    shutil.copy(NOTEBOOK, tmp_path / NOTEBOOK.name)
    nb = nbformat.read(tmp_path / NOTEBOOK.name, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type == "display_data" and "image/png" in o.data for o in outputs)
    assert (tmp_path / "compare_abalone.html").stat().st_size > 10_000
    saved = json.loads((tmp_path / "compare_abalone.json").read_text())
    assert saved["settings"]["folds"] == 3 and {"none", "class-weight", "threshold"} <= {r["method"] for r in saved["folds"]}
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "imbalance: 2 classes, 731 rows" in text and "Verdict" in text and '"chosen"' in text
