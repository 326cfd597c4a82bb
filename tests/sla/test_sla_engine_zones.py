"""Wall-clock to instant conversion of the SLA engine's zone tables, checked against the standard
library: every wall second around every transition of zones with unusual rules (half-hour DST,
a skipped day, negative DST, two-hour DST, Ramadan suspensions), both by the one-search path and
by the general per-offset path."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from accord.sla.engine.zones import MISSING, BucketedSearch, ZoneTable, format_instants

ZONES = (
    "America/Chicago",
    "Europe/London",
    "Europe/Dublin",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "Africa/Casablanca",
    "Antarctica/Troll",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "UTC",
)


def _expected(zone: ZoneInfo, wall: int) -> int:
    """The instant Python gives a naive wall time with fold=0, MISSING when that wall time never
    occurs (it does not survive the round trip through UTC)."""
    naive = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=wall)
    instant = int(naive.replace(tzinfo=zone).timestamp())
    back = dt.datetime.fromtimestamp(instant, zone).replace(tzinfo=None)
    return instant if back == naive else int(MISSING)


def _walls_around_transitions(table: ZoneTable) -> np.ndarray:
    spread = int(table.offsets.max() - table.offsets.min()) + 3600
    walls = [
        np.arange(start + offset - spread, start + offset + spread, 60)
        for start in table.starts[1:]
        for offset in np.unique(table.offsets)
    ]
    # The seconds next to each transition's wall times, where an off-by-one would show.
    edges = [
        start + offset + delta
        for start in table.starts[1:]
        for offset in np.unique(table.offsets)
        for delta in (-2, -1, 0, 1, 2)
    ]
    return np.unique(np.concatenate([*walls, np.array(edges, dtype=np.int64)]))


@pytest.mark.parametrize("name", ZONES)
def test_wall_times_convert_as_python_does_around_every_transition(name: str) -> None:
    table = ZoneTable(name, 2008, 2013)
    zone = ZoneInfo(name)
    walls = _walls_around_transitions(table) if table.starts.size > 1 else np.arange(0, 86400 * 3, 997)
    walls = walls + (0 if table.starts.size > 1 else int(dt.datetime(2010, 1, 1).timestamp()))
    instants, exists = table.from_wall(walls)
    expected = np.array([_expected(zone, int(w)) for w in walls], dtype=np.int64)
    assert np.array_equal(instants, expected)
    assert np.array_equal(exists, expected != MISSING)


@pytest.mark.parametrize("name", ZONES)
def test_the_one_search_path_agrees_with_the_per_offset_path(name: str) -> None:
    table = ZoneTable(name, 1990, 2039)
    assert table._wall_starts is not None, "every real zone's segments outlast its offsets' spread"
    rng = np.random.default_rng(11)
    walls = rng.integers(631152000, 2208988800, 200_000)  # 1990 to 2040
    if table.starts.size > 1:
        walls = np.concatenate([walls, _walls_around_transitions(table)])
    fast = table.from_wall(walls)
    table._wall_starts = None  # the general path, as for a zone with segments shorter than its spread
    general = table.from_wall(walls)
    assert np.array_equal(fast[0], general[0])
    assert np.array_equal(fast[1], general[1])


@pytest.mark.parametrize("name", [*ZONES, "Africa/Monrovia", "Asia/Kathmandu", "Pacific/Kiritimati"])
def test_instants_are_written_as_python_writes_them(name: str) -> None:
    rng = np.random.default_rng(7)
    instants = rng.integers(-2_000_000_000, 4_000_000_000, 20_000)
    instants[::97] = MISSING
    zone = ZoneInfo(name)
    written = format_instants(instants, name).to_list()
    expected = [
        None if instant == MISSING else dt.datetime.fromtimestamp(int(instant), zone).isoformat()
        for instant in instants
    ]
    assert written == expected


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("width", [1, 7, 3600, 86400])
def test_the_bucketed_search_finds_what_a_binary_search_finds(side, width):
    # Zone changes and calendar intervals are looked up by bucket and a few steps; any query,
    # repeated values, a leading MISSING sentinel and queries outside the values included.
    rng = np.random.default_rng(width)
    for trial in range(40):
        values = np.sort(rng.integers(0, 10 * width + 50, int(rng.integers(1, 60))))
        if trial % 3 == 0:
            values = np.append(MISSING, values)
        queries = np.concatenate(
            [
                values,
                values - 1,
                values + 1,
                rng.integers(-3 * width - 10, 14 * width + 60, 200),
                [MISSING, np.iinfo(np.int64).max],
            ]
        )
        search = BucketedSearch(values, width, side)
        assert (search(queries) == np.searchsorted(values, queries, side=side)).all()
