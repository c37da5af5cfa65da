"""Report import cycles in a package and shared modules that import feature packages.

    python scripts/import_graph.py [alliance|bench]

An AST walk of every `import` and `from … import` statement. An import at module level runs
when the module is loaded; one inside a function runs later (a "lazy" import). Cycles are
reported twice: among module-level imports only (these can break loading), and among all
imports (a lazy import that closes a loop still ties two modules to each other).
Exit status 1 when there is any cycle; shared→feature imports are listed, not failed (the
model registry `alliance.models` imports every feature's models on purpose).
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ("auth", "members", "membership", "elections", "resources", "admin", "main")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, modules: set[str]) -> list[tuple[str, bool]]:
    """Return (imported module, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    top_level = {id(node) for node in tree.body}
    for node in tree.body:  # `if TYPE_CHECKING:` and try/except blocks at module level count too
        if isinstance(node, ast.If | ast.Try):
            top_level |= {id(n) for n in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                )
                base = base.strip(".")
            # `from pkg import sub` imports the submodule pkg.sub when there is one.
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != module_name(path):
                found.append((target, id(node) in top_level))
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    result = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result


def main(argv: list[str]) -> int:
    package = argv[0] if argv else "alliance"
    files = sorted((ROOT / package).rglob("*.py"))
    modules = {module_name(p) for p in files}
    eager: dict[str, set[str]] = {m: set() for m in modules}
    every: dict[str, set[str]] = {m: set() for m in modules}
    for path in files:
        for target, at_top in imports(path, modules):
            every[module_name(path)].add(target)
            if at_top:
                eager[module_name(path)].add(target)
    failed = False
    for title, graph in (("module-level", eager), ("including lazy imports", every)):
        found = cycles(graph)
        print(f"Cycles ({title}): {len(found)}")
        for component in found:
            print("  " + " <-> ".join(component))
        failed |= bool(found)
    if package == "alliance":
        shared = sorted(m for m in modules if m.count(".") == 1 and m.split(".")[1] not in FEATURES)
        print("Shared modules importing a feature package at module level:")
        for module in shared:
            bad = sorted(
                t for t in eager[module] if t.split(".")[1:2] and t.split(".")[1] in FEATURES
            )
            if bad:
                print(f"  {module}: {', '.join(bad)}")
        print("Shared modules importing a feature package lazily (inside a function):")
        for module in shared:
            lazy = sorted(
                t
                for t in every[module] - eager[module]
                if t.split(".")[1:2] and t.split(".")[1] in FEATURES
            )
            if lazy:
                print(f"  {module}: {', '.join(lazy)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
