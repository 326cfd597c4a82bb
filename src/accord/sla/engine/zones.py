"""UTC offsets of one IANA time zone as arrays, so wall-clock conversions run vectorised.

The offsets come from the standard library's zoneinfo (one time-zone database for the whole
engine), sampled and bisected to the exact second of every transition within a span of years.
"Wall seconds" are local wall-clock times counted as if they were UTC epoch seconds: the wall
time of instant u is u + offset(u).
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

MISSING = np.iinfo(np.int64).min
"""Sentinel for a missing instant in int64 epoch-second arrays (the bit pattern of NaT)."""

_FAR_FUTURE = np.int64(2**62)
_SAMPLE_STEP = 6 * 3600  # no zone has had two transitions within six hours
_EPOCH_DATE = dt.date(1970, 1, 1)
_FIRST_4_DIGIT_YEAR = int(dt.datetime(1000, 1, 1, tzinfo=dt.UTC).timestamp())
_AFTER_9999 = int(dt.datetime(9999, 12, 31, tzinfo=dt.UTC).timestamp()) + 86400
_DIGIT_PAIRS = np.array([ord(f"{n:02d}"[0]) | ord(f"{n:02d}"[1]) << 8 for n in range(100)], dtype="<u2")


def days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm), vectorised."""
    y = year.astype(np.int64) - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (month.astype(np.int64) + 9) % 12
    doy = (153 * mp + 2) // 5 + day.astype(np.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) of days since 1970-01-01, proleptic Gregorian (inverse of days_from_civil)."""
    z = days.astype(np.int64) + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, day


def days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    lengths = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    return lengths[np.clip(month, 0, 12)] + ((month == 2) & leap)


class BucketedSearch:
    """np.searchsorted over fixed sorted int64 `values`, faster for millions of queries.

    The count of values before the edge of each `width`-long bucket is kept; a query looks its
    bucket's count up and steps over the few values inside the bucket (at most `steps`), all
    vectorised. A binary search mispredicts a branch at every level; this is about three times
    cheaper when few values share a bucket (interval starts by the day, zone changes by the
    month). Leading MISSING sentinels are fine; queries may lie anywhere, MISSING included.
    """

    _MAX_BUCKETS = 1 << 22

    def __init__(self, values: np.ndarray, width: int, side: str) -> None:
        self.values = values
        self.side = side
        finite = values[values != MISSING]
        self.first = int(finite[0]) - width if finite.size else 0
        self.width = width
        self.count = (int(finite[-1]) - self.first) // width + 2 if finite.size else 0
        self.usable = 0 < self.count <= self._MAX_BUCKETS
        if self.usable:
            edges = self.first + np.arange(self.count, dtype=np.int64) * width
            self.before = np.searchsorted(values, edges, side=side)
            self.steps = int(np.diff(np.append(self.before, values.size)).max())
            # Past the last value: the largest int64, once per step, so no step reads past the end.
            self.padded = np.append(values, np.full(self.steps + 1, np.iinfo(np.int64).max))

    def __call__(self, queries: np.ndarray) -> np.ndarray:
        if not self.usable:
            return np.searchsorted(self.values, queries, side=self.side)
        bucket = np.clip(queries, self.first, self.first + (self.count - 1) * self.width).astype(
            np.int64, copy=False
        )
        bucket -= self.first
        bucket //= self.width
        index = self.before.take(bucket)
        # The steps reuse two buffers (the bucket array holds each step's values): this runs on
        # millions of queries, where every fresh array costs its page faults.
        reached = np.empty(queries.shape, dtype=bool)
        compare = np.less_equal if self.side == "right" else np.less
        for _ in range(self.steps):  # sorted values: once one is past the query, all later ones are
            np.take(self.padded, index, out=bucket, mode="clip")  # (padded: always in bounds)
            compare(bucket, queries, out=reached)
            index += reached
        np.minimum(index, self.values.size, out=index)  # a query of the largest int64 itself
        below = queries < self.first  # only sentinels lie there: ask the binary search
        if below.any():
            index[below] = np.searchsorted(self.values, queries[below], side=self.side)
        return index


class ZoneTable:
    """Offsets of `name` from the start of `first_year` to the end of `last_year` (UTC years).

    `starts[k]` is the first instant of the k-th constant-offset segment and `offsets[k]` its UTC
    offset in seconds; segment 0 reaches back indefinitely and the last one forward.
    """

    def __init__(self, name: str, first_year: int, last_year: int) -> None:
        self.name = name
        self.first_year = first_year
        self.last_year = last_year
        self.zone = ZoneInfo(name)
        lo = int(dt.datetime(first_year, 1, 1, tzinfo=dt.UTC).timestamp())
        hi = int(dt.datetime(last_year + 1, 1, 1, tzinfo=dt.UTC).timestamp())
        starts = [MISSING]
        offsets = [self._offset(lo)]
        previous = lo
        for sample in range(lo + _SAMPLE_STEP, hi + _SAMPLE_STEP, _SAMPLE_STEP):
            offset = self._offset(sample)
            if offset != offsets[-1]:
                starts.append(self._transition(previous, sample, offsets[-1]))
                offsets.append(offset)
            previous = sample
        self.starts = np.array(starts, dtype=np.int64)
        self.offsets = np.array(offsets, dtype=np.int64)
        self.distinct_offsets = np.unique(self.offsets)
        # Wall time at which each segment starts (the first reaches back indefinitely), for
        # `from_wall`'s one-search path; kept only where no segment is shorter than the spread of
        # the offsets (true of every real zone), which is what makes that path exact.
        self._segment_ends = np.append(self.starts[1:], _FAR_FUTURE)
        lengths = np.diff(self.starts[1:])
        spread = int(self.offsets.max() - self.offsets.min())
        self._wall_starts: np.ndarray | None = None
        if not lengths.size or int(lengths.min()) > spread:
            self._wall_starts = np.append(MISSING, self.starts[1:] + self.offsets[1:])
        self._search_starts = BucketedSearch(self.starts, 86400, "right")
        self._search_wall_starts = (
            BucketedSearch(self._wall_starts, 86400, "right") if self._wall_starts is not None else None
        )
        self._suffixes = pl.Series([_format_offset(int(o)) for o in self.offsets], dtype=pl.String)
        self._whole_minutes = bool((self.offsets % 60 == 0).all() and (np.abs(self.offsets) < 86400).all())

    def covers(self, first_year: int, last_year: int) -> bool:
        return self.first_year <= first_year and last_year <= self.last_year

    def _offset(self, instant: int) -> int:
        moment = dt.datetime.fromtimestamp(instant, dt.UTC).astimezone(self.zone)
        offset = moment.utcoffset()
        assert offset is not None
        return int(offset.total_seconds())

    def _transition(self, before: int, after: int, old_offset: int) -> int:
        """The first second in (before, after] whose offset is no longer `old_offset`."""
        while after - before > 1:
            middle = (before + after) // 2
            if self._offset(middle) == old_offset:
                before = middle
            else:
                after = middle
        return after

    def offset_at(self, instants: np.ndarray) -> np.ndarray:
        segment = self._search_starts(instants) - 1
        return self.offsets[np.maximum(segment, 0)]

    def to_wall(self, instants: np.ndarray) -> np.ndarray:
        return instants + self.offset_at(instants)

    def from_wall(self, wall: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Instants showing wall time `wall`: the earlier one where it occurs twice (a DST fold).

        Returns (instants, exists); where the wall time falls in a DST gap, exists is False and
        the instant is MISSING.
        """
        if self._wall_starts is not None:
            return self._from_wall_adjacent(wall)
        best = np.full(wall.shape, MISSING, dtype=np.int64)
        exists = np.zeros(wall.shape, dtype=bool)
        for offset in self.distinct_offsets:
            candidate = wall - offset
            valid = self.offset_at(candidate) == offset
            take = valid & (~exists | (candidate < best))
            best[take] = candidate[take]
            exists |= valid
        return best, exists

    def _from_wall_adjacent(self, wall: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`from_wall` with one search: when every segment outlasts the spread of the offsets, the
        segments whose wall times hold `wall` are at most the last one starting (in wall time) at
        or before it and the one before that."""
        assert self._wall_starts is not None
        # In-place arithmetic on gathered copies: a column holds millions of cells, and each
        # full-size temporary is fresh memory. (The first wall start is MISSING: segment >= 0.)
        assert self._search_wall_starts is not None
        segment = self._search_wall_starts(wall)
        segment -= 1
        later = self.offsets.take(segment)
        np.subtract(wall, later, out=later)
        later_ok = later < self._segment_ends.take(segment)
        segment_start = self.starts.take(segment)
        earlier_ok = segment > 0
        segment -= 1
        np.maximum(segment, 0, out=segment)
        earlier = self.offsets.take(segment)
        np.subtract(wall, earlier, out=earlier)
        earlier_ok &= earlier < segment_start
        # Both hold in a fold: the earlier instant (fold=0); neither in a gap.
        instants = later
        instants[~later_ok] = MISSING
        np.copyto(instants, earlier, where=earlier_ok)
        later_ok |= earlier_ok
        return instants, later_ok

    def wall_intervals_to_utc(
        self, wall_start: np.ndarray, wall_end: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """UTC pieces of the instants whose wall time lies in [wall_start, wall_end).

        In a DST gap the missing wall times contribute nothing; in a fold the repeated wall times
        contribute twice, so an interval across a change counts the real seconds that elapsed.
        Returns sorted, disjoint (start, end) arrays.
        """
        if wall_start.size == 0:
            return wall_start.copy(), wall_end.copy()
        segment_end = np.append(self.starts[1:], _FAR_FUTURE)
        first = np.maximum(
            np.searchsorted(self.starts, wall_start - self.distinct_offsets.max(), side="right") - 1, 0
        )
        last = np.maximum(
            np.searchsorted(self.starts, wall_end - self.distinct_offsets.min(), side="right") - 1, 0
        )
        piece_starts: list[np.ndarray] = []
        piece_ends: list[np.ndarray] = []
        for step in range(int((last - first).max()) + 1):
            k = first + step
            live = k <= last
            k = np.minimum(k, self.starts.size - 1)
            offset = self.offsets[k]
            lo = np.maximum(self.starts[k], wall_start - offset)
            hi = np.minimum(segment_end[k], wall_end - offset)
            keep = live & (lo < hi)
            piece_starts.append(lo[keep])
            piece_ends.append(hi[keep])
        starts = np.concatenate(piece_starts)
        ends = np.concatenate(piece_ends)
        order = np.argsort(starts, kind="stable")
        return starts[order], ends[order]

    def format_iso(self, instants: np.ndarray) -> pl.Series:
        """ISO 8601 local times with offset ('2026-03-09T08:00:00-05:00'); null for MISSING."""
        missing = instants == MISSING
        utc = np.where(missing, 0, instants)
        segment = self._search_starts(utc)
        segment -= 1
        np.maximum(segment, 0, out=segment)
        wall = utc + self.offsets[segment]
        if (
            self._whole_minutes
            and wall.size
            and wall.min() >= _FIRST_4_DIGIT_YEAR
            and wall.max() < _AFTER_9999
        ):
            text = self._format_fixed(wall, segment)
        else:
            local = pl.from_epoch(pl.Series(wall), time_unit="s")
            text = local.dt.to_string("%Y-%m-%dT%H:%M:%S") + self._suffixes.gather(segment)
        return pl.select(pl.when(pl.lit(pl.Series(missing))).then(None).otherwise(text)).to_series()

    def _format_fixed(self, wall: np.ndarray, segment: np.ndarray) -> pl.Series:
        """'YYYY-MM-DDTHH:MM:SS±HH:MM' of wall times in years 1000-9999 (offsets in whole minutes),
        written into one buffer at a 25-byte stride two digits at a time, then read as one column."""
        size = wall.size
        days, seconds = np.divmod(wall, 86400)
        year, month, day = civil_from_days(days)
        rows = np.empty(size * 25, dtype=np.uint8)
        rows.reshape(size, 25)[:] = np.frombuffer(b"0000-00-00T00:00:00+00:00", dtype=np.uint8)

        def pairs_at(position: int, values: np.ndarray) -> None:
            view = np.ndarray((size,), "<u2", rows, offset=position, strides=(25,))
            view[:] = _DIGIT_PAIRS[values]

        pairs_at(0, year // 100)
        pairs_at(2, year % 100)
        pairs_at(5, month)
        pairs_at(8, day)
        pairs_at(11, seconds // 3600)
        pairs_at(14, seconds // 60 % 60)
        pairs_at(17, seconds % 60)
        offset = self.offsets[segment]
        rows[19::25] = np.where(offset < 0, ord("-"), ord("+"))
        pairs_at(20, np.abs(offset) // 3600)
        pairs_at(23, np.abs(offset) // 60 % 60)
        # As fixed-size byte lists to Binary: several times cheaper than numpy's 'S25' conversion.
        return pl.Series(rows).reshape((size, 25)).cast(pl.List(pl.UInt8)).cast(pl.Binary).cast(pl.String)


def _format_offset(offset: int) -> str:
    sign = "-" if offset < 0 else "+"
    hours, rest = divmod(abs(offset), 3600)
    minutes, seconds = divmod(rest, 60)
    # Whole-minute offsets are the norm since 1972; Monrovia's -00:44:30 before that needs seconds.
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def year_of(instant: int) -> int:
    """UTC year of an epoch second (the zone table's spans are in UTC years)."""
    return (_EPOCH_DATE + dt.timedelta(days=int(instant) // 86400)).year


@functools.lru_cache(maxsize=64)
def _cached_table(name: str, first_year: int, last_year: int) -> ZoneTable:
    return ZoneTable(name, first_year, last_year)


def zone_table(name: str, instants: np.ndarray | None = None, *, margin_years: int = 1) -> ZoneTable:
    """A (cached) zone table covering every present instant in `instants`, plus a margin.

    Spans are rounded out to whole decades so that successive calls share one cached table.
    """
    if instants is None:
        present = np.empty(0, dtype=np.int64)
    elif instants.size and instants.min() != MISSING:  # nothing missing: no copy needed
        present = instants
    else:
        present = instants[instants != MISSING]
    if present.size:
        first, last = year_of(int(present.min())) - margin_years, year_of(int(present.max())) + margin_years
    else:
        first = last = 2020  # any table will do when nothing needs converting
    return _cached_table(name, max(first // 10 * 10, 1900), last // 10 * 10 + 9)


def format_instants(instants: np.ndarray, timezone: str) -> pl.Series:
    """ISO 8601 local times with offset in `timezone`; null where MISSING."""
    return zone_table(timezone, instants).format_iso(instants)
