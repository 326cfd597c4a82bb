"""Time windows without Django: zone names, wall-clock times read in a zone, and overlapping intervals.

Every window is a half-open interval [start, end) of aware instants, so a change that ends when a
freeze starts does not collide with it, and comparisons hold across zones and daylight-saving shifts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


def valid_zone(name: str) -> bool:
    if not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in available_timezones() or name == "UTC"


class WallTimeError(ValueError):
    """A wall-clock time that does not exist in its zone (skipped by a daylight-saving shift)."""


def localise(wall: dt.datetime, zone_name: str) -> dt.datetime:
    """The instant a naive wall-clock time means in `zone_name`.

    A time skipped when the clocks go forward is refused rather than guessed; a time that happens twice
    when they go back means its first occurrence (fold 0), the one a person planning ahead reads.
    """
    if wall.tzinfo is not None:
        return wall
    zone = ZoneInfo(zone_name)
    instant = wall.replace(tzinfo=zone)
    round_trip = instant.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != wall:
        raise WallTimeError(
            f"{wall:%Y-%m-%d %H:%M} does not exist in {zone_name} (the clocks skip it); choose another time."
        )
    return instant.replace(fold=0)


def overlaps(a_start: dt.datetime, a_end: dt.datetime, b_start: dt.datetime, b_end: dt.datetime) -> bool:
    """Whether [a_start, a_end) and [b_start, b_end) share an instant (aware datetimes, any zones)."""
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True)
class Span:
    """Something that occupies time on some services and configuration items."""

    key: Any
    start: dt.datetime
    end: dt.datetime
    services: frozenset[int] = frozenset()
    items: frozenset[str] = frozenset()

    def touches(self, other: Span) -> bool:
        return bool(self.services & other.services) or bool(self.items & other.items)


def normalise_items(names: Iterable[str]) -> frozenset[str]:
    """CI names compared as the CMDB writes them, ignoring case and surrounding blanks."""
    return frozenset(name.strip().casefold() for name in names if name.strip())


def conflicts(span: Span, others: Sequence[Span]) -> list[Span]:
    """The other spans on a shared service or configuration item whose time overlaps this one."""
    return [
        other
        for other in others
        if other.key != span.key
        and span.touches(other)
        and overlaps(span.start, span.end, other.start, other.end)
    ]


def blocking(
    start: dt.datetime, end: dt.datetime, windows: Sequence[Span], services: frozenset[int]
) -> list[Span]:
    """Windows a change in [start, end) falls into: program-wide ones (no services) and ones on its services."""
    return [
        window
        for window in windows
        if overlaps(start, end, window.start, window.end)
        and (not window.services or window.services & services)
    ]
