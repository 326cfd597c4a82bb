"""How the alignment index learns about open red flags, without depending on the governance app.

An app answers by declaring `accord_red_flag_counters` on its AppConfig (see `accord.core.registry`):
dotted paths to `fn(*, program, audience)` returning {group id (or None for flags on no group): number of
open red flags the audience sees}. With no such app installed, every group has 0 open red flags.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from accord.core.registry import providers


def open_red_flags_by_group(*, program: Any, audience: str) -> dict[int | None, int]:
    """Open red flags per stakeholder group id of `program` that `audience` (internal or shared) sees."""
    total: Counter[int | None] = Counter()
    for counter in providers("accord_red_flag_counters"):
        total.update(counter(program=program, audience=audience))
    return dict(total)
