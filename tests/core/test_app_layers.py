"""Apps are layered: core is the ground floor, accounts builds on it, programs on both, domain apps on top.

Read from every module's syntax tree, imports inside functions included (a deferred import is still a
dependency, and it is how cycles used to hide), so an app above can never be imported from below.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import accord

SOURCE = Path(accord.__file__).parent
APPS = sorted(p.name for p in SOURCE.iterdir() if (p / "apps.py").is_file())
# Each foundation app and the apps it may import; every other app builds on these.
FOUNDATIONS = {"core": set(), "accounts": {"core"}, "programs": {"core", "accounts"}}


def imported_apps(source: str, *, own: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "accord" and len(parts) > 1 and parts[1] in APPS and parts[1] != own:
                found.add(parts[1])
    return found


def app_imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for app in APPS:
        for path in (SOURCE / app).rglob("*.py"):
            graph[app] |= imported_apps(path.read_text(), own=app)
    return graph


def cycle_in(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path (first app repeated at the end), or [] when there is none."""
    state: dict[str, str] = {}

    def visit(app: str, path: list[str]) -> list[str]:
        state[app] = "open"
        for other in sorted(graph.get(app, ())):
            if state.get(other) == "open":
                return [*path[path.index(other) :], other] if other in path else [app, other]
            if other not in state and (found := visit(other, [*path, other])):
                return found
        state[app] = "done"
        return []

    for app in sorted(graph):
        if app not in state and (found := visit(app, [app])):
            return found
    return []


def test_the_foundation_apps_import_only_what_lies_below_them() -> None:
    graph = app_imports()
    above = {app: sorted(graph[app] - allowed) for app, allowed in FOUNDATIONS.items()}
    assert above == {app: [] for app in FOUNDATIONS}


def test_no_two_apps_import_each_other_even_through_others() -> None:
    assert cycle_in(app_imports()) == []


def test_the_scan_sees_deferred_imports_and_finds_cycles() -> None:
    source = "def f():\n    from accord.programs.models import Program\n    import accord.accounts.models\n"
    assert imported_apps(source, own="core") == {"programs", "accounts"}
    assert imported_apps("from accord import governance\n", own="core") == {"governance"}
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": set()}) == []
