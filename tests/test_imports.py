"""The import graph of synth/ has no cycles, and `LABELS` is defined once.

The graph is read from the source with `ast`, so it counts every import: module level, inside functions and
under `if TYPE_CHECKING:` alike (a lazy import still ties two modules together). Relative imports are resolved;
`from pkg import name` is an edge to `pkg.name` when that is a module, else to `pkg`.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

SYNTH = Path(__file__).resolve().parents[1] / "synth"

# Cycles tolerated, as module-name prefixes: a strongly connected component is allowed only when every member is
# one of these or under one of them. None: every circle inside synth/ is broken.
KNOWN: set[str] = set()


def _modules(root: Path = SYNTH) -> dict[str, Path]:
    """Module name -> source file for every .py under `root` (a package beats a same-named module, as in Python)."""
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name = ".".join(parts)
        if is_package or name not in found:
            found[name] = path
    return found


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """`name` if it is a synth module, else its longest prefix that is one; None outside synth."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


@lru_cache(maxsize=None)
def import_graph(root: Path = SYNTH) -> dict[str, set[str]]:
    """Module -> the synth modules it imports anywhere in its source."""
    modules = _modules(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if _is_package(path) else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:
                    sub = f"{source}.{alias.name}"
                    targets.append(sub if alias.name != "*" and sub in modules else source)
            for target in targets:
                resolved = _resolve(target, modules)
                if resolved is not None and resolved != name:
                    graph[name].add(resolved)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def _tolerated(component: set[str]) -> bool:
    return all(any(m == k or m.startswith(k + ".") for k in KNOWN) for m in component)


def test_cycles_finds_a_planted_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [{"a", "b", "c"}]


def test_graph_resolves_relative_and_from_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "synth"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from .sub import b, VALUE\n")
    (pkg / "sub" / "__init__.py").write_text("from ..a import f\n")
    (pkg / "sub" / "b.py").write_text("import os\nimport synth.missing.deep\n")
    graph = import_graph(pkg)
    assert graph["synth.a"] == {"synth.sub.b", "synth.sub"}
    assert graph["synth.sub"] == {"synth.a"}
    assert graph["synth.sub.b"] == {"synth"}
    assert cycles(graph) == [{"synth.a", "synth.sub"}]


def test_synth_has_no_import_cycles() -> None:
    graph = import_graph()
    assert "synth.train.distill" in graph and "synth.index.encoders.load" in graph
    new = [sorted(c) for c in cycles(graph) if not _tolerated(c)]
    assert not new, f"import cycles in synth/: {new}"


def test_loading_an_encoder_never_imports_the_trainer() -> None:
    graph = import_graph()
    reached: set[str] = set()
    todo = ["synth.index.encoders"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(graph[module])
    assert "synth.index.encoders.adapter" in reached and "synth.train.distill" not in reached


def test_labels_is_assigned_once() -> None:
    """The verdict labels live in synth/judge/verifier/base.py; everything else imports them."""
    where = [
        f"{path.relative_to(SYNTH.parent)}:{node.lineno}"
        for path in sorted(SYNTH.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if isinstance(node, ast.Name) and node.id == "LABELS" and isinstance(node.ctx, ast.Store)
    ]
    assert [w.split(":")[0] for w in where] == ["synth/judge/verifier/base.py"], where
