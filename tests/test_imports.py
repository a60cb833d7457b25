"""The layers of the three packages, kept by their imports (docs/adr/0017).

In the style of sigstore-python's ``test/unit/test_imports.py``, which keeps a removed
import cycle removed. Read from the source (the AST), so an import inside a function or
under ``TYPE_CHECKING`` counts as much as one at the top:

* no import cycle anywhere in ``verifier/``, ``keys/`` and ``tokenservice/``;
* only the web edge of ``tokenservice`` (the package :data:`WEB_PACKAGE`) imports Flask and its family
  (:data:`WEB_LIBRARIES`), and no other module imports a module of the web edge (one
  named exception: the CLI's ``serve`` starts gunicorn through ``wsgi``);
* ``verifier/`` and ``keys/`` never import ``tokenservice`` or Flask;
* every module imports first, with none of the three packages imported before it.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("verifier", "keys", "tokenservice")
#: Alembic loads these by path; they are not modules of the package.
NOT_MODULES = ("tokenservice/store/migrations/",)

#: The web edge: the package ``tokenservice.web`` (app factory, request context, blueprints,
#: the gunicorn runner). Only it imports Flask and its family.
WEB_PACKAGE = "tokenservice.web"
WEB_LIBRARIES = frozenset({"flask", "flask_wtf", "flask_babel", "werkzeug", "wtforms"})
#: (importer, web-edge module) pairs allowed outside the edge: ``pas-service serve``.
WEB_IMPORTS_ALLOWED = frozenset({("tokenservice._cli", "tokenservice.web.wsgi")})
#: The flows and their store, which must stay Flask-free (issue 13 names them; the rule covers all).
MUST_STAY_FLASK_FREE = (
    "issue.flow", "issue.passes", "issue.card", "issue.photo", "issue.leaflet",
    "issue.checklist", "issue.continuity", "escrow", "escrow.retention", "audit", "audit.log",
    "store.db", "store.models", "config", "ops.backup", "access.accounts", "access.limiter",
    "texts", "services",
)


def _in_web_edge(name: str) -> bool:
    return name == WEB_PACKAGE or name.startswith(WEB_PACKAGE + ".")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if not rel.startswith(NOT_MODULES):
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> tuple[set[str], set[str]]:
    """(modules of the three packages, top-level names of other imports) that ``name`` imports."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    ours: set[str] = set()
    others: set[str] = set()

    def add(target: str) -> None:
        if target.split(".")[0] in PACKAGES:
            while target and target not in MODULES:  # `from x import SomeClass`: x
                target = target.rpartition(".")[0]
            if target and target != name:
                ours.add(target)
        else:
            others.add(target.split(".")[0])

    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                add(f"{module}.{alias.name}")  # a submodule, or else a name in `module`
    return ours, others


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycle() -> list[str] | None:
    """One import cycle, as the list of modules around it; None when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(GRAPH[node][0]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(GRAPH):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_graph_sees_the_packages() -> None:
    assert {"verifier.format", "keys.escrow", "tokenservice.issue.flow", "tokenservice.web.app"} <= set(GRAPH)
    assert "tokenservice.services" in GRAPH["tokenservice.web.intake"][0]
    assert "flask" in GRAPH["tokenservice.web.app"][1]


def test_no_import_cycle() -> None:
    cycle = _cycle()
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_only_the_web_edge_imports_flask() -> None:
    assert any(_in_web_edge(name) for name in GRAPH)
    wrong = sorted(
        f"{name} imports {lib}"
        for name, (_ours, others) in GRAPH.items()
        if not _in_web_edge(name)
        for lib in others & WEB_LIBRARIES
    )
    assert not wrong, wrong
    for name in MUST_STAY_FLASK_FREE:
        assert f"tokenservice.{name}" in GRAPH and not _in_web_edge(f"tokenservice.{name}")


def test_nothing_outside_the_web_edge_imports_it() -> None:
    wrong = sorted(
        f"{name} imports {target}"
        for name, (ours, _others) in GRAPH.items()
        if not _in_web_edge(name)
        for target in ours
        if _in_web_edge(target)
        if (name, target) not in WEB_IMPORTS_ALLOWED
    )
    assert not wrong, wrong


def test_no_blueprint_imports_the_app_factory() -> None:
    wrong = sorted(name for name, (ours, _o) in GRAPH.items() if "tokenservice.web.app" in ours)
    assert wrong == ["tokenservice.web.wsgi"], wrong


@pytest.mark.parametrize("package", ["verifier", "keys"])
def test_the_pure_packages_import_no_service(package: str) -> None:
    wrong = sorted(
        f"{name} imports {target}"
        for name, (ours, others) in GRAPH.items()
        if name.split(".")[0] == package
        for target in {t for t in ours if t.split(".")[0] == "tokenservice"} | (others & WEB_LIBRARIES)
    )
    assert not wrong, wrong


_IMPORT_EACH = """
import importlib, json, sys, traceback
names, web = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
ours = tuple(json.loads(sys.argv[3]))
failures = {}
for name in names:
    for loaded in [m for m in sys.modules if m.split(".")[0] in ours]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failures[name] = traceback.format_exc(limit=3)
        continue
    if name not in web:
        pulled = sorted(m for m in web if m in sys.modules)
        if pulled:
            failures[name] = "brings in the web edge: " + ", ".join(pulled)
print(json.dumps(failures))
"""


def test_every_module_imports_first() -> None:
    """Each module imported with no module of the three packages loaded before it (third-party
    libraries stay loaded, so this takes seconds); a module outside the web edge must not pull
    in a web module, even indirectly (``_cli`` loads ``wsgi`` only inside ``serve``)."""
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, json.dumps(sorted(MODULES)), json.dumps(sorted(m for m in MODULES if _in_web_edge(m))),
         json.dumps(PACKAGES)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,  # slow on a loaded CI machine
    )
    assert result.returncode == 0, result.stderr[-3000:]
    failures = json.loads(result.stdout.strip().splitlines()[-1])
    assert not failures, "\n".join(f"{k}:\n{v}" for k, v in failures.items())
