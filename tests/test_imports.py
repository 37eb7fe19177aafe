"""The package's import graph: no cycles, no forbidden directions, a command line that starts light.

The graph is read from the source with :mod:`ast` (nothing is imported). Cycles count the
imports a module runs when it is imported (module level, ``TYPE_CHECKING`` blocks left out);
the forbidden directions count every import, including those inside functions.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import gensample

ROOT = Path(gensample.__file__).parent
MODULES = {
    ".".join(("gensample", *p.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__"): p
    for p in ROOT.rglob("*.py")
}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(module: str, node) -> set[str]:
    """Package modules an import statement of ``module`` loads."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
        base = package[: len(package) - node.level + 1] if node.level else []
        stem = ".".join(base + ([node.module] if node.module else []))
        names = [stem] + [f"{stem}.{a.name}" for a in node.names]
    return {n for n in names if n in MODULES}


def _imports(module: str, top_level_only: bool) -> set[str]:
    tree = ast.parse(MODULES[module].read_text())
    found: set[str] = set()

    def visit(body, nested: bool):
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.update(_targets(module, node))
            elif isinstance(node, ast.If) and _is_type_checking(node):
                continue
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if not top_level_only:
                    visit(node.body, True)
                elif isinstance(node, ast.ClassDef):
                    visit(node.body, nested)  # a class body runs at import
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        visit(inner, nested)
    visit(tree.body, False)
    found.discard(module)
    return found


def graph(top_level_only: bool) -> dict[str, set[str]]:
    return {m: _imports(m, top_level_only) for m in MODULES}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in g:
        if v not in index:
            strong(v)
    return out


def test_the_graph_is_read():
    g = graph(top_level_only=True)
    assert "gensample.errors" in g["gensample.io"] and "gensample.utils" in g["gensample.io"]
    assert "gensample.generators._sdv_glue" in g["gensample.generators.ctgan"]


def test_no_import_cycles():
    assert cycles(graph(top_level_only=True)) == []


def _in(module: str, area: str) -> bool:
    return module == area or module.startswith(area + ".")


FORBIDDEN = [  # (importing area, imported area)
    *[("gensample.fidelity", b) for b in
      ("gensample.sampling", "gensample.generators", "gensample.evaluation", "gensample.selection")],
    ("gensample.generators", "gensample.evaluation"),
    ("gensample.io", "gensample.generators"),
    ("gensample.persistence", "gensample.generators"),
    ("gensample.model_card", "gensample.generators"),
    ("gensample.schema_json", "gensample.generators"),
    ("gensample.utils", "gensample.generators"),
]


def forbidden_edges() -> set[tuple[str, str]]:
    g = graph(top_level_only=False)
    return {(a, b) for a, targets in g.items() for b in targets for src, dst in FORBIDDEN
            if _in(a, src) and _in(b, dst)}


# Edges the other half of issue 12 removes (the gate out of fidelity, auto's selection out of
# generators); strict, so the test fails, and the entry must go, once they are gone.
PENDING: dict = {}


def test_no_forbidden_import_directions():
    assert forbidden_edges() - set(PENDING) == set()


@pytest.mark.parametrize("edge", [pytest.param(e, marks=pytest.mark.xfail(strict=True, reason=r))
                                  for e, r in PENDING.items()], ids=lambda e: f"{e[0]}->{e[1]}")
def test_pending_edge_is_gone(edge):
    assert edge not in forbidden_edges()


def _private_at(parts: list[str]) -> int | None:
    """Index of the first underscored (not dunder) component of a dotted name, if any."""
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return i
    return None


def private_imports(modules: dict[str, Path] = MODULES) -> set[tuple[str, str]]:
    """``(importer, imported)`` where a module reaches into another package's private names.

    A private module (``generators/_family.py``) belongs to the package it sits in: that
    package and the packages below it may import it (the SMOTE family shares
    ``generators._family``), nothing else. An underscored *name* imported from another module
    (``from ..io import _atomic_write``) is always refused: it is that module's own. Every
    import counts, including those inside functions. ``modules`` maps dotted names to files, as
    :data:`MODULES` does.
    """
    root = next(iter(modules)).split(".")[0]
    found = set()
    for module, path in modules.items():
        home = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                dotted = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = home[: len(home) - node.level + 1] if node.level else []
                stem = ".".join(base + ([node.module] if node.module else []))
                dotted = [f"{stem}.{a.name}" for a in node.names]
                # ``from module import _name`` (not a submodule): another module's own name.
                if stem in modules and modules[stem].name != "__init__.py":
                    found.update((module, d) for d, a in zip(dotted, node.names)
                                 if _private_at([a.name]) is not None and d not in modules)
            else:
                continue
            for d in dotted:
                parts = d.split(".")
                i = _private_at(parts)
                if parts[0] != root or i is None or ".".join(parts[: i + 1]) not in modules:
                    continue
                owner = parts[:i]  # the package the private module belongs to
                if home[: len(owner)] != owner:
                    found.add((module, ".".join(parts[: i + 1])))
    return found


def test_no_module_imports_another_packages_private_names():
    assert private_imports() == set()


def test_the_private_import_check_sees_a_reach_across(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/a/__init__.py": "",
        "pkg/a/_p.py": "def f(): pass\n",
        "pkg/a/x.py": "from ._p import f\n\ndef _helper(): pass\n",  # same package: allowed
        "pkg/a/sub/__init__.py": "",
        "pkg/a/sub/w.py": "from .._p import f\n",  # a package below: allowed
        "pkg/b/__init__.py": "",
        "pkg/b/y.py": "def g():\n    from ..a._p import f\n",  # another package, inside a function
        "pkg/b/z.py": "from ..a.x import _helper\n",  # another module's underscored name
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    modules = {".".join(Path(n).with_suffix("").parts).removesuffix(".__init__"): tmp_path / n for n in files}
    assert private_imports(modules) == {("pkg.b.y", "pkg.a._p"), ("pkg.b.z", "pkg.a.x._helper")}


HEAVY = ("numpy", "pandas", "scipy.stats", "sklearn.ensemble", "sklearn.linear_model", "sklearn.neighbors",
         "imblearn", "torch", "sdv", "ctgan")


@pytest.mark.parametrize("argv", [["--help"], ["methods"]])
def test_command_line_starts_light(argv):
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['gensample', *{argv!r}]\n"
        "try:\n    runpy.run_module('gensample', run_name='__main__')\n"
        "except SystemExit as e:\n    assert e.code in (0, None), e.code\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_catalog_matches_the_classes():
    from gensample import registry
    from gensample.cli import LAZY_COMMANDS, build_parser
    from gensample.generators.catalog import BUILTIN_INFO

    assert list(BUILTIN_INFO) == list(registry.BUILTIN)
    for name, info in BUILTIN_INFO.items():
        cls = registry.get(name)
        assert info.family == cls.family and set(info.handles) == set(cls.handles), name
        assert (info.multiclass, info.min_rows, info.description) == (cls.multiclass, cls.min_rows, cls.description)
    full = build_parser()._subparsers._group_actions[0]
    helps = {a.dest: a.help for a in full._choices_actions}
    for name, (_, _, help_text) in LAZY_COMMANDS.items():
        assert helps[name] == help_text
