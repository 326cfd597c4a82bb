"""Builders for governance records; they write through the services, as the app does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accord.core.permissions import Visibility
from accord.governance import services
from accord.governance.choices import RiskCategory, Severity
from accord.governance.models import Decision, RedFlag, Risk

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def raise_flag(
    world: Any,
    *,
    by: str = "member",
    title: str = "Physicians skip order-set training",
    severity: str = Severity.HIGH,
    visibility: str = Visibility.SHARED,
    now: dt.datetime = T0,
    program: Any = None,
    **extra: Any,
) -> RedFlag:
    return services.raise_red_flag(
        program=program or world.program,
        actor=world.people[by],
        title=title,
        description="Seen on ward 4 during go-live support.",
        severity=severity,
        visibility=visibility,
        now=now,
        **extra,
    )


def triage(
    world: Any,
    flag: RedFlag,
    *,
    owner: str = "stakeholder_lead",
    by: str = "program_manager",
    now: dt.datetime | None = None,
) -> RedFlag:
    return services.transition_red_flag(
        flag=flag,
        to="triaged",
        actor=world.people[by],
        owner=world.people[owner],
        response_due=(now or T0).date() + dt.timedelta(days=7),
        now=now or T0,
    )


def make_risk(
    world: Any,
    *,
    likelihood: int = 3,
    impact: int = 4,
    title: str = "Low CPOE adoption",
    visibility: str = Visibility.SHARED,
    status: str = "open",
    program: Any = None,
    owner: Any = None,
    category: str = RiskCategory.ADOPTION,
) -> Risk:
    from accord.core.services import create_record

    return create_record(
        model=Risk,
        actor=world.program_manager,
        data={
            "program": program or world.program,
            "title": title,
            "category": category,
            "likelihood": likelihood,
            "impact": impact,
            "visibility": visibility,
            "status": status,
            "owner": owner,
        },
    )


def make_decision(
    world: Any,
    *,
    title: str = "Fund physician super-users",
    visibility: str = Visibility.SHARED,
    **links: Any,
) -> Decision:
    return services.create_decision(
        program=world.program,
        actor=world.board_member,
        title=title,
        decision="Fund 12 super-users for six weeks.",
        decided_on=timezone.localdate(),
        visibility=visibility,
        **links,
    )
