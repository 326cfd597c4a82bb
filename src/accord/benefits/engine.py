"""Pure rules for KPIs and the strategy map: realisation, trajectory, RAG, overdue, cycles (no Django).

Everything here works on plain dates and floats so it can be unit-tested and benchmarked alone; the
models and queries turn rows into `KpiSpec` and call `evaluate`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

INCREASE = "increase"
DECREASE = "decrease"

GREEN = "green"
AMBER = "amber"
RED = "red"
NO_DATA = "no_data"

# Interpolated values carry float noise (49.999999…); comparisons against tolerances round it away.
_PRECISION = 9


class ZeroSpanError(ValueError):
    """The target equals the baseline, so there is no span to realise and no realisation %."""


@dataclass(frozen=True)
class KpiSpec:
    """What the rules need to know about a KPI."""

    direction: str
    baseline_value: float
    baseline_date: dt.date
    target_value: float
    target_date: dt.date
    amber_tolerance: float
    red_tolerance: float
    frequency_days: int
    milestones: tuple[tuple[dt.date, float], ...] = ()

    def __post_init__(self) -> None:
        if self.direction not in (INCREASE, DECREASE):
            raise ValueError(f"direction must be {INCREASE!r} or {DECREASE!r}, not {self.direction!r}")
        if self.target_value == self.baseline_value:
            raise ZeroSpanError("The target equals the baseline: there is nothing to realise.")
        if self.target_date <= self.baseline_date:
            raise ValueError("The target date must be after the baseline date.")
        if self.red_tolerance < self.amber_tolerance or self.amber_tolerance < 0:
            raise ValueError("Tolerances must satisfy 0 ≤ amber ≤ red.")


@dataclass(frozen=True)
class KpiReading:
    """A KPI's derived state on a given day."""

    latest_value: float | None
    latest_date: dt.date | None
    realisation_percent: float | None
    expected_value: float | None
    shortfall: float | None
    status: str
    overdue: bool
    next_due: dt.date

    @property
    def realisation_display(self) -> float | None:
        return cap_for_display(self.realisation_percent)


def realisation_percent(spec: KpiSpec, value: float) -> float:
    """(value - baseline) / (target - baseline) * 100, uncapped: 120 is beyond target, -10 is worse than baseline."""
    span = spec.target_value - spec.baseline_value
    if span == 0:
        raise ZeroSpanError("The target equals the baseline: there is nothing to realise.")
    return (value - spec.baseline_value) / span * 100.0


def cap_for_display(percent: float | None) -> float | None:
    """Progress bars show 0 to 100 %; the stored and API value stays uncapped."""
    if percent is None:
        return None
    return max(0.0, min(100.0, percent))


def trajectory(spec: KpiSpec) -> list[tuple[dt.date, float]]:
    """The planned path: baseline, then the milestones in date order, then the target."""
    inner = sorted(m for m in spec.milestones if spec.baseline_date < m[0] < spec.target_date)
    return [(spec.baseline_date, spec.baseline_value), *inner, (spec.target_date, spec.target_value)]


def expected_value(spec: KpiSpec, on: dt.date) -> float:
    """The value the plan expects on `on`: linear between trajectory points, flat before and after."""
    points = trajectory(spec)
    if on <= points[0][0]:
        return points[0][1]
    if on >= points[-1][0]:
        return points[-1][1]
    for (start, start_value), (end, end_value) in itertools.pairwise(points):
        if start <= on <= end:
            fraction = (on - start).days / (end - start).days
            return start_value + (end_value - start_value) * fraction
    raise AssertionError("unreachable: `on` lies within the trajectory")


def shortfall(spec: KpiSpec, value: float, expected: float) -> float:
    """How far `value` is behind `expected`, in the KPI's unit (negative when ahead)."""
    gap = expected - value if spec.direction == INCREASE else value - expected
    return round(gap, _PRECISION)


def rag(spec: KpiSpec, value: float, on: dt.date) -> str:
    """Green within the amber tolerance of the expected value, amber within the red one, red beyond."""
    behind = shortfall(spec, value, expected_value(spec, on))
    if behind > spec.red_tolerance:
        return RED
    if behind > spec.amber_tolerance:
        return AMBER
    return GREEN


def next_due(spec: KpiSpec, latest_date: dt.date | None) -> dt.date:
    """The day by which the next measurement should arrive."""
    reference = latest_date or spec.baseline_date
    return reference + dt.timedelta(days=spec.frequency_days)


def is_overdue(spec: KpiSpec, latest_date: dt.date | None, today: dt.date) -> bool:
    """True when no measurement arrived within one measurement period of the previous one (or baseline)."""
    return today > next_due(spec, latest_date)


def evaluate(spec: KpiSpec, measurements: Sequence[tuple[dt.date, float]], today: dt.date) -> KpiReading:
    """Latest value, realisation, expected value, RAG and overdue for one KPI, from its measurements.

    Measurements dated after `today` are ignored: a reading describes what was known on `today`.
    """
    known = [m for m in measurements if m[0] <= today]
    if not known:
        return KpiReading(
            None, None, None, None, None, NO_DATA, is_overdue(spec, None, today), next_due(spec, None)
        )
    latest_date, latest_value = max(known, key=lambda m: m[0])
    expected = expected_value(spec, latest_date)
    return KpiReading(
        latest_value=latest_value,
        latest_date=latest_date,
        realisation_percent=realisation_percent(spec, latest_value),
        expected_value=expected,
        shortfall=shortfall(spec, latest_value, expected),
        status=rag(spec, latest_value, latest_date),
        overdue=is_overdue(spec, latest_date, today),
        next_due=next_due(spec, latest_date),
    )


def worst_status(statuses: Iterable[str]) -> str:
    """The most severe of several RAG statuses (red > amber > green > no data)."""
    order = {RED: 3, AMBER: 2, GREEN: 1, NO_DATA: 0}
    return max(statuses, key=lambda s: order.get(s, 0), default=NO_DATA)


def find_path(edges: Iterable[tuple[int, int]], *, start: int, goal: int) -> list[int] | None:
    """A directed path start → … → goal over (cause, effect) edges, or None when there is none.

    Adding the edge goal → start closes a cycle exactly when such a path exists.
    """
    graph: dict[int, list[int]] = defaultdict(list)
    for cause, effect in edges:
        graph[cause].append(effect)
    previous: dict[int, int | None] = {start: None}
    frontier = deque([start])
    while frontier:
        node = frontier.popleft()
        if node == goal:
            path = [node]
            while (before := previous[path[-1]]) is not None:
                path.append(before)
            return path[::-1]
        for nxt in graph.get(node, ()):
            if nxt not in previous:
                previous[nxt] = node
                frontier.append(nxt)
    return None
