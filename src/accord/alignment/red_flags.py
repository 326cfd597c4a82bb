"""How the alignment index learns about open red flags, without depending on the governance app.

Governance plugs in by calling `register_red_flag_counter(fn)` from its AppConfig.ready(); `fn(program=…)`
returns {group id (or None for flags on no group): number of open red flags the audience sees}. Until something is registered,
every group has 0 open red flags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RedFlagCounter = Callable[..., dict[int | None, int]]

_counter: RedFlagCounter | None = None


def register_red_flag_counter(counter: RedFlagCounter | None) -> None:
    """Install (or, with None, remove) the function that counts open red flags per stakeholder group."""
    global _counter
    _counter = counter


def open_red_flags_by_group(*, program: Any, audience: str) -> dict[int | None, int]:
    """Open red flags per stakeholder group id of `program` that `audience` (internal or shared) sees;
    empty when no red-flag register is plugged in."""
    if _counter is None:
        return {}
    return dict(_counter(program=program, audience=audience))
