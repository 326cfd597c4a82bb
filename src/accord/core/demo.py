"""The shared state of `accord demo`: each app's `demo.seed(demo)` reads and extends it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib.auth.hashers import make_password

DEMO_PASSWORD = "Accord-demo-2026!"
SYSTEM_ACTOR = "accord demo"


@dataclass
class DemoContext:
    """What the demo has created so far, by short keys, so later apps can refer to it."""

    today: dt.date
    organisations: dict[str, Any] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)
    programs: dict[str, Any] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (email, who, what they see)
    extra: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def password_hash(self) -> str:
        # Every demo login shares one published password, so one hash (with its salt) serves them all; hashing
        # it for each of the 45 people cost about half of `accord demo` with Argon2.
        return make_password(DEMO_PASSWORD)

    @property
    def emr(self) -> Any:
        return self.programs["emr"]

    @property
    def outsourcing(self) -> Any:
        return self.programs["outsourcing"]
