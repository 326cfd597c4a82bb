"""The IANA zone names this installation knows, read once per process.

`zoneinfo.available_timezones()` walks the whole tzdata tree on every call (about 10 ms); the names
cannot change while a process runs, since new tzdata needs a restart to be read anyway.
"""

from __future__ import annotations

import zoneinfo
from functools import cache


@cache
def zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@cache
def sorted_zone_names() -> tuple[str, ...]:
    return tuple(sorted(zone_names()))
