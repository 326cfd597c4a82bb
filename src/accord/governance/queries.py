"""Read-side selectors for governance: the red-flag register, a flag's history, the home panel, the heat map."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from accord.core.permissions import Action, can_in_program
from accord.core.timeline import as_of_day, end_of_day, wind_back
from accord.governance.choices import OPEN_RISK_STATUSES, OPEN_STATES, SEVERITY_ORDER, EscalationLevel
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


# Risks at or above this likelihood x impact score are "over threshold": the red band of the 5 x 5 matrix.
RISK_THRESHOLD = 15
# An open flag older than this many days is counted as ageing on the dashboard and in the board pack.
AGEING_DAYS = 30


def home_panel(*, program: Any, user: Any, as_of: dt.date | None = None) -> dict[str, Any] | None:
    """Open flags by severity and age, the escalated ones, the person's own, and risks over threshold.

    Today it reads the stored state (three queries); with `as_of` the flags and risks as they stood at the
    end of that day, rebuilt from the flags' history and the risks' audit rows (five queries).
    """
    visible = RedFlag.objects.visible_to(user).filter(program=program)
    day = as_of_day(as_of)
    ageing_before = end_of_day(day - dt.timedelta(days=AGEING_DAYS))
    if as_of is None:
        flags = visible.open()
        # One query for the three figures: per severity, all, the reader's own and the ageing ones.
        rows = list(
            flags.order_by()
            .values("severity")
            .annotate(
                n=Count("pk"),
                mine=Count("pk", filter=Q(raised_by=user)),
                ageing=Count("pk", filter=Q(raised_at__lte=ageing_before)),
            )
        )
        counts = {row["severity"]: row["n"] for row in rows}
        mine = sum(row["mine"] for row in rows)
        ageing = sum(row["ageing"] for row in rows)
        escalated = list(
            flags.filter(escalation_level__gt=EscalationLevel.NONE).order_by(
                "-escalation_level", "raised_at"
            )[:5]
        )
    else:
        open_flags = [f for f in flags_as_they_stood(visible, at=end_of_day(as_of)) if f.state in OPEN_STATES]
        counts = Counter(f.severity for f in open_flags)
        escalated = sorted(
            (f for f in open_flags if f.escalation_level > EscalationLevel.NONE),
            key=lambda f: (-f.escalation_level, f.raised_at, f.pk),
        )[:5]
        mine = sum(1 for f in open_flags if f.raised_by_id == user.pk)
        ageing = sum(1 for f in open_flags if f.raised_at <= ageing_before)
    risks = (
        list_risks_over_threshold(user=user, program=program, as_of=as_of)
        if can_in_program(user, Action.VIEW, "risks", program.pk)
        else None
    )
    return {
        "program": program,
        "as_of": as_of,
        "by_severity": [(severity, severity.label, counts.get(severity, 0)) for severity in SEVERITY_ORDER],
        "open_total": sum(counts.values()),
        "ageing": ageing,
        "ageing_days": AGEING_DAYS,
        # The last raising day counted as ageing: the register's `raised_before` lists exactly those flags.
        "ageing_raised_before": day - dt.timedelta(days=AGEING_DAYS),
        "escalated": escalated,
        "mine_open": mine,
        "risks_over_threshold": risks,
        "risk_threshold": RISK_THRESHOLD,
        "can_raise": as_of is None and can_in_program(user, Action.ADD, "red_flags", program.pk),
    }


def list_open_flags(*, user: Any, program: Any, as_of: dt.date | None = None) -> list[RedFlag]:
    """The open flags the reader may see, most severe and oldest first; with `as_of`, as they stood then."""
    visible = RedFlag.objects.visible_to(user).filter(program=program).select_related("owner")
    if as_of is None:
        rows = list(visible.open())
    else:
        rows = [f for f in flags_as_they_stood(visible, at=end_of_day(as_of)) if f.state in OPEN_STATES]
    rank = {severity: i for i, severity in enumerate(SEVERITY_ORDER)}
    return sorted(rows, key=lambda f: (rank.get(f.severity, len(rank)), f.raised_at, f.pk))


def risks_as_they_stood(risks: QuerySet[Risk], *, at: dt.datetime) -> list[Risk]:
    """The risks registered by `at`, each with likelihood, impact, score and status as they were then.

    Every change to a risk goes through an audited write (the register's form and API use
    `update_record`), whose audit row keeps each changed field before and after, so the stored row is wound
    back exactly; title, owner and visibility are read as they are now. Two queries whatever the number.
    """
    rows = list(risks.filter(created_at__lte=at))
    wind_back(rows, at=at, fields=("likelihood", "impact", "score", "status"))
    return rows


def list_risks_over_threshold(*, user: Any, program: Any, as_of: dt.date | None = None) -> list[Risk]:
    """Open or monitored risks scoring at least RISK_THRESHOLD, highest first; with `as_of`, as they stood."""
    visible = Risk.objects.visible_to(user).filter(program=program)
    if as_of is None:
        rows = list(
            visible.filter(status__in=list(OPEN_RISK_STATUSES), score__gte=RISK_THRESHOLD).select_related(
                "owner"
            )
        )
    else:
        rows = [
            r
            for r in risks_as_they_stood(visible, at=end_of_day(as_of))
            if r.status in OPEN_RISK_STATUSES and r.score >= RISK_THRESHOLD
        ]
    return sorted(rows, key=lambda r: (-r.score, r.title, r.pk))


def risk_heat_map(
    *, user: Any = None, program: Any = None, risks: QuerySet[Risk] | None = None
) -> dict[str, Any]:
    """Risks counted by likelihood x impact: rows impact 5..1, columns likelihood 1..5 (one query).

    `risks` are the rows to count: a page passes what its `RiskFilterSet` selects, so each cell counts
    exactly what the register lists for the same filter and that cell. Without it, the open risks `user`
    sees in `program`.
    """
    if risks is None:
        risks = Risk.objects.visible_to(user).filter(program=program, status__in=list(OPEN_RISK_STATUSES))
    counts = {
        (row["impact"], row["likelihood"]): row["n"]
        # order_by(): a Meta or page ordering would otherwise split the groups.
        for row in risks.order_by().values("impact", "likelihood").annotate(n=Count("pk"))
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


def list_risk_owners(*, risks: QuerySet[Risk]) -> QuerySet[Any]:
    """The people who own one of `risks` (those the reader sees), by name: the register's owner choices."""
    return (
        get_user_model()
        .objects.filter(pk__in=risks.order_by().values("owner_id"))
        .order_by("full_name", "email")
    )


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
