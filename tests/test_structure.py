"""The shape docs/architecture.md promises, checked by reading the source.

- no import cycles between modules of `starrating/`;
- imports at the top of modules (none inside functions but the two slow PDF libraries);
- `session.commit()` only at the request boundary, in CLI commands and in the job worker;
- the rule engine imports no Flask, database or web library.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "starrating"
COMMITS_ALLOWED = ("boundary.py", "cli/", "jobs.py")
# Imported on first use on purpose: they take seconds to import and only PDF cards need them.
LAZY_LIBRARIES = {"weasyprint", "fontTools"}
ROLLBACKS_ALLOWED = COMMITS_ALLOWED + ("errors.py",)  # error pages roll back a failed request


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _package_of(name: str) -> str:
    return name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = _package_of(module).split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in ast.walk(node):
                if hasattr(child, "lineno"):
                    lines.add(child.lineno)
    return lines


def _imports(module: str) -> set[str]:
    """The starrating modules `module` imports (a package's submodule when named)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    targets: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                     for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
    return targets


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_modules():
    graph = {name: _imports(name) for name in MODULES}
    assert _cycles(graph) == []


def test_imports_at_the_top_of_modules():
    inside = []
    for path in MODULES.values():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and not node.level \
                        and (node.module or "").split(".")[0] in LAZY_LIBRARIES:
                    continue
                if isinstance(node, ast.Import | ast.ImportFrom):
                    inside.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert inside == []


def test_commits_only_at_the_boundary_in_commands_and_the_worker():
    places = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "session.commit(" in line and not rel.startswith(COMMITS_ALLOWED):
                places.append(f"{rel}:{n}")
            if "session.rollback(" in line and not rel.startswith(ROLLBACKS_ALLOWED):
                places.append(f"{rel}:{n}")
    assert places == []


def test_rule_engine_imports_no_web_or_database_library():
    forbidden = ("flask", "werkzeug", "sqlalchemy", "jinja2", "click")
    for name in MODULES:
        if not name.startswith(("starrating.rules.", "starrating.rules")) or name == "starrating.rules_cli":
            continue
        tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            assert not set(roots) & set(forbidden), f"{name} imports {roots}"


WEB_LAYER = ("starrating.admin", "starrating.teacher", "starrating.student", "starrating.main",
             "starrating.auth.views", "starrating.auth.forms", "starrating.cli",
             "starrating.boundary", "starrating.jobs")


def test_layers_import_only_downwards():
    """rules ← models ← services ← views/CLI/jobs: a lower layer never imports a higher one."""
    wrong = []
    for name in MODULES:
        imports = _imports(name)
        if name.startswith("starrating.rules"):
            wrong += [(name, i) for i in imports if not i.startswith("starrating.rules")]
        elif name.startswith("starrating.models"):
            wrong += [(name, i) for i in imports
                      if not i.startswith(("starrating.models", "starrating.extensions"))]
        elif name.startswith("starrating.services") or name == "starrating.auth.services":
            wrong += [(name, i) for i in imports if i.startswith(WEB_LAYER) or i == "starrating"]
    assert wrong == []
