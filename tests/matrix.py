"""The permission matrix: every endpoint, every persona, the status each must get.

Each app lists its endpoints in `tests/<app>/matrix.py` as `ENDPOINTS`; `tests/test_permission_matrix.py`
collects them all and fails when a URL exists without a row, so a new endpoint cannot skip the matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from tests.personas import PERSONAS, World

MEMBERS = ["program_manager", "board_member", "stakeholder_lead", "member", "vendor", "consultant", "auditor"]
HOSPITAL = ["program_manager", "board_member", "stakeholder_lead", "member", "auditor"]
PARTNERS = ["vendor", "consultant"]


def expect(
    default: int, *, anonymous: int | None = None, outsider: int | None = None, **by_persona: int
) -> dict[str, int]:
    """Expected status per persona: `default` for members unless overridden by persona name."""
    table = {persona: default for persona in MEMBERS}
    table.update(by_persona)
    table["outsider"] = outsider if outsider is not None else 404
    table["anonymous"] = anonymous if anonymous is not None else 302
    return table


def only(
    allowed: list[str] | str,
    ok: int,
    denied: int,
    *,
    api: bool = False,
    outsider: int = 404,
    **overrides: int,
) -> dict[str, int]:
    """`ok` for the allowed personas, `denied` for the other members."""
    allowed = [allowed] if isinstance(allowed, str) else allowed
    table = {persona: (ok if persona in allowed else denied) for persona in MEMBERS}
    table.update(overrides)
    table["outsider"] = outsider
    table["anonymous"] = 401 if api else 302
    return table


@dataclass(frozen=True)
class Endpoint:
    """One URL name and method, how to build its arguments, and what each persona gets."""

    name: str
    expect: dict[str, int]
    method: str = "get"
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda world: {})
    data: Callable[[World], Any] | None = None
    api: bool = False
    format: str = "json"
    query: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        missing = set(PERSONAS) - set(self.expect)
        if missing:
            raise ValueError(f"{self.name}: no expectation for {sorted(missing)}")

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.name}{' ' + self.label if self.label else ''}"


def and_put(patch: Endpoint) -> list[Endpoint]:
    """An API PATCH row and the same change as a PUT (the record's whole representation with the change applied):
    a route that takes PATCH takes PUT as well, and each must be guarded alike."""
    return [patch, replace(patch, method="put")]
