"""Time windows without Django: zone names, wall-clock times read in a zone, and overlapping intervals.

Every window is a half-open interval [start, end) of aware instants, so a change that ends when a
freeze starts does not collide with it, and comparisons hold across zones and daylight-saving shifts.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule

from accord.core.timezones import zone_names


def valid_zone(name: str) -> bool:
    if not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in zone_names() or name == "UTC"


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


class RecurrenceError(ValueError):
    """An RRULE that cannot be used for a window; the message says what is wrong."""


# Windows recur by the day at the finest: an hourly freeze is not a window but a mistake, and a
# finer rule would make every scheduling check expand thousands of occurrences.
ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# A scheduling check or a calendar month never needs more occurrences than this.
MAX_OCCURRENCES = 1000


@dataclass(frozen=True)
class Recurrence:
    text: str  # the rule as stored and put in the iCalendar feed, without "RRULE:" or DTSTART
    rule: rrule.rrule
    zone: ZoneInfo


def parse_recurrence(text: str, first_start: dt.datetime, zone_name: str) -> Recurrence:
    """Read an RFC 5545 RRULE for a window whose first occurrence starts at `first_start`.

    Occurrences are counted in wall-clock time in `zone_name` (the rule's DTSTART carries the zone), so
    UNTIL must be a UTC time ending in Z, as RFC 5545 asks when DTSTART has a zone.
    """
    cleaned = text.strip()
    if cleaned.upper().startswith("RRULE:"):
        cleaned = cleaned[6:].strip()
    if not cleaned:
        raise RecurrenceError("Give a rule such as FREQ=WEEKLY;BYDAY=SU, or leave it empty.")
    if "\n" in cleaned or "DTSTART" in cleaned.upper():
        raise RecurrenceError("Give one RRULE only; the window's own start is its first occurrence.")
    parts = dict(part.partition("=")[::2] for part in cleaned.upper().split(";") if part)
    frequency = parts.get("FREQ", "")
    if not frequency:
        raise RecurrenceError("The rule needs FREQ, e.g. FREQ=WEEKLY;BYDAY=SU.")
    if frequency not in ALLOWED_FREQUENCIES:
        raise RecurrenceError(
            f"FREQ={frequency} is not allowed for a window; use one of {', '.join(ALLOWED_FREQUENCIES)}."
        )
    if not valid_zone(zone_name):
        raise RecurrenceError(f"{zone_name!r} is not a time zone name.")
    zone = ZoneInfo(zone_name)
    local_start = first_start.astimezone(zone)
    try:
        rule = rrule.rrulestr(cleaned, dtstart=local_start)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        reason = str(error) or error.__class__.__name__
        if "UNTIL" in reason.upper():
            reason = "UNTIL must be a UTC time ending in Z, e.g. UNTIL=20271231T000000Z"
        raise RecurrenceError(f"{cleaned!r} is not a valid RRULE: {reason}.") from error
    if not isinstance(rule, rrule.rrule):
        raise RecurrenceError("Give one RRULE only.")
    if rule.after(local_start, inc=True) is None:
        raise RecurrenceError("The rule never produces an occurrence from the window's start.")
    return Recurrence(cleaned.upper(), rule, zone)


def last_end(
    first_start: dt.datetime, first_end: dt.datetime, zone_name: str, recurrence: str
) -> dt.datetime | None:
    """When a recurring window's last occurrence ends (UTC); None when its rule never stops (no COUNT or UNTIL)."""
    parsed = parse_recurrence(recurrence, first_start, zone_name)
    parts = {part.partition("=")[0] for part in parsed.text.split(";")}
    if not parts & {"COUNT", "UNTIL"}:
        return None
    tail = deque(parsed.rule, maxlen=1)  # finite: the rule has a COUNT or an UNTIL
    if not tail:
        return first_end
    last = tail[0]
    zone = parsed.zone
    wall_length = first_end.astimezone(zone).replace(tzinfo=None) - first_start.astimezone(zone).replace(
        tzinfo=None
    )
    return _instant(last.replace(tzinfo=None) + wall_length, zone)


def _instant(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A wall-clock time in `zone` as a UTC instant; a time skipped by the clocks going forward moves forward."""
    return local.replace(tzinfo=zone).astimezone(dt.UTC)


def occurrences(
    first_start: dt.datetime,
    first_end: dt.datetime,
    zone_name: str,
    recurrence: str,
    start: dt.datetime,
    end: dt.datetime,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The occurrences (UTC instants) of a window that overlap [start, end).

    Without a recurrence that is the window itself, if it overlaps. With one, each occurrence starts at
    the rule's wall-clock time and lasts as long on the wall clock as the first one did, so "Sunday
    02:00-06:00" is 02:00-06:00 local time in summer and in winter.
    """
    if not recurrence:
        return [(first_start, first_end)] if overlaps(first_start, first_end, start, end) else []
    parsed = parse_recurrence(recurrence, first_start, zone_name)
    zone = parsed.zone
    local_first = first_start.astimezone(zone).replace(tzinfo=None)
    wall_length = first_end.astimezone(zone).replace(tzinfo=None) - local_first
    # Candidates by wall-clock start: widened by the length and a day either side for zone offsets.
    low = (start.astimezone(zone) - wall_length - dt.timedelta(days=1)).replace(tzinfo=zone)
    high = (end.astimezone(zone) + dt.timedelta(days=1)).replace(tzinfo=zone)
    found = []
    for occurrence in parsed.rule.xafter(max(low, first_start.astimezone(zone)), inc=True):
        if occurrence.replace(tzinfo=None) > high.replace(tzinfo=None):
            break
        if len(found) >= MAX_OCCURRENCES:
            break
        wall = occurrence.replace(tzinfo=None)
        begins = _instant(wall, zone)
        ends = _instant(wall + wall_length, zone)
        if overlaps(begins, ends, start, end):
            found.append((begins, ends))
    return found
