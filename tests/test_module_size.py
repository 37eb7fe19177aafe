"""No module of the package over 400 lines without the reason it is kept whole (issue 12, item 10).

A long module is allowed when its docstring has a line starting ``Why one module:`` that says
why splitting it would not help; anything else over the limit is a module to split. The source
is read as text and parsed with :mod:`ast`; nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import gensample

ROOT = Path(gensample.__file__).parent
LIMIT = 400


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _has_reason(path: Path) -> bool:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=True) or ""
    return any(line.strip().startswith("Why one module:") for line in doc.splitlines())


def long_modules_without_reason(root: Path = ROOT, limit: int = LIMIT) -> list[str]:
    """Modules under ``root`` longer than ``limit`` lines whose docstring gives no reason."""
    return sorted(
        f"{p.relative_to(root.parent)} ({_lines(p)} lines)"
        for p in root.rglob("*.py")
        if _lines(p) > limit and not _has_reason(p)
    )


def test_long_modules_say_why_they_are_one_module():
    missing = long_modules_without_reason()
    assert not missing, (
        "modules over 400 lines need a docstring line 'Why one module: ...' with the real reason, "
        "or a split: " + ", ".join(missing)
    )


def test_the_check_sees_a_long_module(tmp_path):
    # The rule itself, on files made here: a long module without the line is reported, one
    # with it (in the module docstring, not in a comment or a later string) is not.
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    body = "x = 1\n" * (LIMIT + 1)
    (pkg / "bare.py").write_text('"""Something."""\n' + body)
    (pkg / "comment.py").write_text('"""Something."""\n# Why one module: not here\n' + body)
    (pkg / "kept.py").write_text('"""Something.\n\nWhy one module: one procedure.\n"""\n' + body)
    (pkg / "short.py").write_text('"""Short."""\nx = 1\n')
    found = long_modules_without_reason(pkg)
    assert found == [f"pkg/bare.py ({LIMIT + 2} lines)", f"pkg/comment.py ({LIMIT + 3} lines)"]
