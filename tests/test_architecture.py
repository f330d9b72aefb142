"""How tikznn's modules depend on each other, read from their source with `ast`: no import loops (lazy imports
inside functions included), and each stage raising its own errors and running no programs."""
from __future__ import annotations

import ast
from pathlib import Path


PACKAGE = Path(__file__).resolve().parent.parent / "tikznn"


def _modules() -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its own name, not '.__init__')."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.with_suffix("").relative_to(PACKAGE.parent).parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> dict[str, int]:
    """The package's modules that `name` imports anywhere in its file (at the top, in functions, under
    TYPE_CHECKING), each with the line of its first import."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from ..model import y
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from M import x` imports the module M.x when there is one, else M itself
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
                       for alias in node.names]
        for target in targets:
            while target and target not in modules:  # import tikznn.styles.flat.x -> tikznn.styles.flat
                target = target.rpartition(".")[0]
            if target and target != name:
                found.setdefault(target, node.lineno)
    return found


def _loops(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def _cycle(component: list[str], graph: dict[str, dict[str, int]]) -> str:
    """One way round a loop, with the line of each import: 'a (a.py:3) -> b (b.py:9) -> a'."""
    members = set(component)
    path, seen = [component[0]], {component[0]: 0}
    while True:
        step = next(m for m in sorted(graph[path[-1]]) if m in members)
        if step in seen:
            path = path[seen[step]:] + [step]
            break
        seen[step] = len(path)
        path.append(step)
    hops = [f"{a} (line {graph[a][b]})" for a, b in zip(path, path[1:])]
    return " -> ".join(hops + [path[-1]])


def _graph() -> dict[str, dict[str, int]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_the_import_graph_sees_relative_absolute_and_lazy_imports():
    """The reader itself: a module's lazy import inside a function is an edge like any other."""
    graph = _graph()
    assert "tikznn.cli" in graph["tikznn.console"]  # inside main(), so that an up-to-date build skips it
    assert "tikznn.cache" in graph["tikznn.stamps"] and "tikznn.compiled" in graph["tikznn.parser"]
    assert _loops({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}) == [["a", "b", "c"]]
    assert _cycle(["a", "b", "c"], {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}}) == \
        "a (line 1) -> b (line 2) -> c (line 3) -> a"


def test_no_import_loops():
    """A module owns one concern: none needs, even lazily, a module that needs it back."""
    graph = _graph()
    loops = _loops(graph)
    assert not loops, "import loops:\n" + "\n".join(_cycle(component, graph) for component in loops)


def test_render_raises_only_errors_of_its_stage_and_only_the_build_runs_programs():
    modules = _modules()
    tree = ast.parse(modules["tikznn.render"].read_text(encoding="utf-8"))
    errors = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module == "errors"
              for alias in node.names}
    assert errors <= {"LayoutError", "LatexError", "Span"}, errors
    running = sorted(name for name, path in modules.items()
                     if {"shutil", "subprocess"} & {alias.name for node in ast.walk(ast.parse(path.read_text()))
                                                    if isinstance(node, ast.Import) for alias in node.names})
    assert running == ["tikznn.latex"]
