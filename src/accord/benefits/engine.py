"""Pure rules for KPIs and the strategy map: realisation, trajectory, RAG, overdue, cycles (no Django)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable


def find_path(edges: Iterable[tuple[int, int]], *, start: int, goal: int) -> list[int] | None:
    """A directed path start → … → goal over (cause, effect) edges, or None when there is none."""
    graph: dict[int, list[int]] = defaultdict(list)
    for cause, effect in edges:
        graph[cause].append(effect)
    previous: dict[int, int | None] = {start: None}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        if node == goal:
            path = [node]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])  # type: ignore[arg-type]
            return path[::-1]
        for nxt in graph.get(node, ()):
            if nxt not in previous:
                previous[nxt] = node
                frontier.append(nxt)
    return None
