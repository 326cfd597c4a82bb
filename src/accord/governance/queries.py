"""Read-side selectors for governance: the red-flag register, a flag's history, the home panel, the heat map."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from accord.core.permissions import Action, can_in_program
from accord.governance.choices import OPEN_RISK_STATUSES, SEVERITY_ORDER, EscalationLevel
from accord.governance.models import RedFlag, RedFlagEvent, Risk


def list_red_flags(*, user: Any, program: Any) -> QuerySet[RedFlag]:
    """The register as this person may see it (their own flags included), newest first; bounded in queries.

    Narrowed by `governance.filters.RedFlagFilterSet`, the same filters the API takes.
    """
    flags = RedFlag.objects.visible_to(user).filter(program=program)
    return flags.select_related("raised_by", "owner", "merged_into").order_by("-raised_at", "-pk")


def list_flag_history(flag: RedFlag, user: Any) -> list[RedFlagEvent]:
    """The flag's own events and those of the duplicates merged into it that `user` may see, oldest first."""
    duplicates = RedFlag.objects.visible_to(user).filter(merged_into=flag).values("pk")
    events = (
        RedFlagEvent.objects.filter(Q(flag=flag) | Q(flag__in=duplicates))
        .select_related("actor", "flag")
        .order_by("at", "pk")
    )
    return list(events)


def home_panel(*, program: Any, user: Any) -> dict[str, Any] | None:
    """Open flags by severity, the escalated ones, and the person's own open flags: three queries."""
    flags = RedFlag.objects.visible_to(user).filter(program=program).open()
    counts = dict(flags.values_list("severity").annotate(n=Count("pk")).values_list("severity", "n"))
    escalated = list(
        flags.filter(escalation_level__gt=EscalationLevel.NONE).order_by("-escalation_level", "raised_at")[:5]
    )
    mine = flags.filter(raised_by=user).count()
    return {
        "program": program,
        "by_severity": [(severity, severity.label, counts.get(severity, 0)) for severity in SEVERITY_ORDER],
        "open_total": sum(counts.values()),
        "escalated": escalated,
        "mine_open": mine,
        "can_raise": can_in_program(user, Action.ADD, "red_flags", program.pk),
    }


def risk_heat_map(*, user: Any, program: Any) -> dict[str, Any]:
    """Open risks counted by likelihood x impact: rows impact 5..1, columns likelihood 1..5 (one query)."""
    counts = {
        (row["impact"], row["likelihood"]): row["n"]
        for row in Risk.objects.visible_to(user)
        .filter(program=program, status__in=list(OPEN_RISK_STATUSES))
        .values("impact", "likelihood")
        .annotate(n=Count("pk"))
    }
    rows = []
    for impact in range(5, 0, -1):
        cells = []
        for likelihood in range(1, 6):
            score = impact * likelihood
            band = "red" if score >= 15 else "amber" if score >= 8 else "green"
            cells.append(
                {
                    "likelihood": likelihood,
                    "impact": impact,
                    "score": score,
                    "band": band,
                    "count": counts.get((impact, likelihood), 0),
                }
            )
        rows.append({"impact": impact, "cells": cells})
    return {"rows": rows, "likelihoods": list(range(1, 6)), "total": sum(counts.values())}


def list_risks(
    *, user: Any, program: Any, likelihood: int | None = None, impact: int | None = None, status: str = ""
) -> QuerySet[Risk]:
    risks = Risk.objects.visible_to(user).filter(program=program)
    if likelihood:
        risks = risks.filter(likelihood=likelihood)
    if impact:
        risks = risks.filter(impact=impact)
    if status == "open":
        risks = risks.filter(status__in=list(OPEN_RISK_STATUSES))
    elif status:
        risks = risks.filter(status=status)
    return risks.select_related("owner", "source_flag").order_by("-score", "title")


def count_open_red_flags_by_group(*, program: Any, audience: str) -> dict[int | None, int]:
    """Open red flags per affected stakeholder group (None: flags on no group), for the alignment index,
    counting only the flags the audience sees (partners: shared flags)."""
    rows = (
        RedFlag.objects.filter(program=program)
        .for_audience(audience)
        .open()
        .values("threatens_group_id")
        .annotate(flags=Count("pk"))
        .order_by()
    )
    return {row["threatens_group_id"]: row["flags"] for row in rows}


def flags_as_they_stood(flags: QuerySet[RedFlag], *, at: Any) -> list[RedFlag]:
    """The flags raised by `at`, each with `state` and `escalation_level` as they were then.

    Rebuilt from the append-only history (state changes, merges and escalations up to `at`), so an
    agenda drafted for a past date sees what that meeting could have seen. The values are set on the
    instances only, never saved. Two queries whatever the number of flags.
    """
    from accord.governance.choices import EventKind, FlagState

    rows = list(flags.filter(raised_at__lte=at))
    state: dict[int, str] = {}
    level: dict[int, int] = {}
    events = (
        RedFlagEvent.objects.filter(
            flag__in=[f.pk for f in rows],
            at__lte=at,
            kind__in=[EventKind.TRANSITION, EventKind.MERGE, EventKind.ESCALATION],
        )
        .order_by("at", "pk")
        .values_list("flag_id", "kind", "to_state", "escalation_level")
    )
    for flag_id, kind, to_state, escalation_level in events:
        if to_state:
            state[flag_id] = to_state
        if kind == EventKind.ESCALATION and escalation_level is not None:
            level[flag_id] = escalation_level
    for flag in rows:
        flag.state = state.get(flag.pk, FlagState.RAISED)
        flag.escalation_level = level.get(flag.pk, EscalationLevel.NONE)
    return rows
