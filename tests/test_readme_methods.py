"""README's method table is what ``gensample.methods()`` says (it was edited by hand and drifted)."""

from __future__ import annotations

from pathlib import Path

import gensample as gs

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- methods-table: generated from `gensample.methods()` -->", "<!-- /methods-table -->"


def methods_table() -> str:
    """The markdown table of the built-in methods, as the README holds it."""
    rows = ["| method | family | handles | multi-class | min rows | description |", "|---|---|---|---|---|---|"]
    table = gs.methods()
    for r in table[table["source"] == "builtin"].itertuples(index=False):
        handles = "/".join(k for k in ("numeric", "categorical", "mixed", "missing") if getattr(r, k))
        rows.append(f"| `{r.name}` | {r.family} | {handles} | {'yes' if r.multiclass else 'no'} | {r.min_rows} | {r.description} |")
    return "\n".join(rows)


def test_readme_method_table_matches_the_registry():
    text = README.read_text(encoding="utf-8")
    held = text[text.index(START) + len(START):text.index(END)].strip()
    assert held == methods_table(), (
        "README's method table differs from gensample.methods(); regenerate it with "
        "`python -c 'from tests.test_readme_methods import methods_table; print(methods_table())'`"
    )
