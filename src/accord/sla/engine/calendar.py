"""Business calendars as sorted arrays of UTC open intervals with cumulative business seconds.

A second is a business second when, in the policy's time zone, its local date is not closed
(a holiday) and its local wall-clock time lies in one of that weekday's working intervals. Each
local date's intervals are mapped to UTC through the zone table, so a DST change inside an
interval makes it an hour shorter or longer, exactly as the clock on the wall would.

`position(t)` is the number of business seconds before instant t (counted from the calendar's
first day); business time between two instants is a difference of positions, and `instant(x)`
inverts it. Both are np.searchsorted lookups, so whole ticket arrays are handled at once.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import holidays as holidays_lib
import numpy as np

from .policy import SlaPolicySpec
from .zones import MISSING, BucketedSearch, zone_table

_EPOCH_DATE = dt.date(1970, 1, 1)
_MAX_EXTENSION_DAYS = 366 * 30  # a due date further than this is reported as unreachable
_BUCKET = 86400  # seconds per bucket of the interval lookups (a day: a few intervals start in one)


@functools.lru_cache(maxsize=64)
def _country_holidays(
    country: str, subdivision: str | None, first_year: int, last_year: int
) -> frozenset[dt.date]:
    calendar = holidays_lib.country_holidays(
        country, subdiv=subdivision, years=range(first_year, last_year + 1)
    )
    return frozenset(calendar.keys())


def closed_days(policy: SlaPolicySpec, first_day: int, last_day: int) -> np.ndarray:
    """Sorted epoch-day numbers of the closed local dates in [first_day, last_day]."""
    first = _EPOCH_DATE + dt.timedelta(days=first_day)
    last = _EPOCH_DATE + dt.timedelta(days=last_day)
    dates: set[dt.date] = set(policy.holidays.dates)
    if policy.holidays.country:
        dates |= _country_holidays(
            policy.holidays.country, policy.holidays.subdivision, first.year, last.year
        )
    days = np.array(sorted((d - _EPOCH_DATE).days for d in dates), dtype=np.int64)
    return days[(days >= first_day) & (days <= last_day)]


@dataclass(frozen=True)
class BusinessCalendar:
    """Open intervals [starts[i], ends[i]) in UTC epoch seconds for local dates first_day..last_day."""

    policy: SlaPolicySpec
    first_day: int
    last_day: int
    starts: np.ndarray
    ends: np.ndarray
    cum_end: np.ndarray  # business seconds up to ends[i]

    @property
    def total(self) -> int:
        return int(self.cum_end[-1]) if self.cum_end.size else 0

    @functools.cached_property
    def _lengths_and_cum_start(self) -> tuple[np.ndarray, np.ndarray]:
        lengths = self.ends - self.starts
        return lengths, self.cum_end - lengths

    @functools.cached_property
    def _search_starts(self) -> BucketedSearch:
        return BucketedSearch(self.starts, _BUCKET, "right")

    @functools.cached_property
    def _search_cum_end(self) -> BucketedSearch:
        return BucketedSearch(self.cum_end, 3600, "left")  # intervals are hours of business time

    def position(self, instants: np.ndarray) -> np.ndarray:
        """Business seconds before each instant (instants must lie inside the calendar's span)."""
        if self.starts.size == 0:
            return np.zeros(instants.shape, dtype=np.int64)
        # Three gathers from per-interval tables and in-place arithmetic: this runs on millions of
        # instants several times per computation, so every full-size temporary counts.
        lengths, cum_start = self._lengths_and_cum_start
        index = self._search_starts(instants)  # np.searchsorted(self.starts, instants, side="right")
        index -= 1
        before = index < 0
        np.maximum(index, 0, out=index)
        result = np.subtract(instants, self.starts.take(index))
        np.minimum(result, lengths.take(index), out=result)
        result += cum_start.take(index)
        result[before] = 0
        return result

    def instant(self, positions: np.ndarray) -> np.ndarray:
        """Earliest instant at which `position` reaches each value; MISSING past the calendar's end."""
        if self.cum_end.size == 0:
            return np.full(positions.shape, MISSING, dtype=np.int64)
        index = self._search_cum_end(positions)  # np.searchsorted(self.cum_end, positions, side="left")
        beyond = index >= self.cum_end.size
        np.minimum(index, self.cum_end.size - 1, out=index)
        result = self.ends.take(index)
        result -= self.cum_end.take(index)
        result += positions
        result[beyond] = MISSING
        return result

    def extended(self, last_day: int) -> BusinessCalendar:
        """The same calendar running to a later last day (positions of earlier instants unchanged)."""
        return build_calendar(self.policy, self.first_day, last_day)

    def covering_positions(self, positions: np.ndarray) -> BusinessCalendar:
        """A calendar long enough that `instant` finds every one of `positions` (or gives up after
        _MAX_EXTENSION_DAYS, for calendars that close for good)."""
        calendar = self
        needed = int(positions.max()) if positions.size else 0
        while needed > calendar.total and calendar.last_day - self.last_day < _MAX_EXTENSION_DAYS:
            weekly = sum(e - s for day in self.policy.working_hours for s, e in day)
            shortfall_days = (needed - calendar.total) * 7 // max(weekly, 1) + 1
            # Holidays make real weeks shorter than nominal ones: overshoot rather than loop often.
            calendar = calendar.extended(calendar.last_day + max(2 * shortfall_days, 14))
        return calendar


def build_calendar(policy: SlaPolicySpec, first_day: int, last_day: int) -> BusinessCalendar:
    """The business calendar of `policy` for local dates first_day..last_day (epoch days)."""
    days = np.arange(first_day, last_day + 1, dtype=np.int64)
    open_days = days[~np.isin(days, closed_days(policy, first_day, last_day))]
    weekday = (open_days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    wall_starts: list[np.ndarray] = []
    wall_ends: list[np.ndarray] = []
    for day_of_week, intervals in enumerate(policy.working_hours):
        chosen = open_days[weekday == day_of_week] * 86400
        for start, end in intervals:
            wall_starts.append(chosen + start)
            wall_ends.append(chosen + end)
    wall_start = np.concatenate(wall_starts) if wall_starts else np.empty(0, dtype=np.int64)
    wall_end = np.concatenate(wall_ends) if wall_ends else np.empty(0, dtype=np.int64)
    zone = zone_table(policy.timezone, np.array([first_day * 86400, (last_day + 1) * 86400], dtype=np.int64))
    starts, ends = zone.wall_intervals_to_utc(wall_start, wall_end)
    return BusinessCalendar(
        policy=policy,
        first_day=first_day,
        last_day=last_day,
        starts=starts,
        ends=ends,
        cum_end=np.cumsum(ends - starts),
    )


def calendar_for_instants(policy: SlaPolicySpec, instants: np.ndarray) -> BusinessCalendar:
    """A calendar whose span contains every present instant (with a day's margin for offsets)."""
    present = instants[instants != MISSING]
    if present.size == 0:
        return build_calendar(policy, 0, 0)
    return build_calendar(policy, int(present.min()) // 86400 - 2, int(present.max()) // 86400 + 2)
