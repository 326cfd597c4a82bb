"""What needs a governance body's attention: the candidates `draft_agenda` turns into agenda items.

Meetings sits above governance, benefits and alignment, so it reads their records directly; its own
sources are a fixed tuple, in agenda order, and other apps add theirs through `accord_agenda_sources`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from accord.alignment import queries as alignment_queries
from accord.alignment.choices import EndorsementStatus
from accord.alignment.models import Commitment, Endorsement
from accord.benefits import queries as benefits_queries
from accord.core.permissions import Visibility
from accord.core.registry import providers
from accord.governance import queries as governance_queries
from accord.governance.choices import OPEN_RISK_STATUSES, EscalationLevel, FlagState
from accord.governance.models import RedFlag, Risk
from accord.meetings.choices import AgendaKind, Body

logger = logging.getLogger(__name__)

# Risks at or above this likelihood x impact score go to the board (the red band of a 5 x 5 matrix).
RISK_SCORE_THRESHOLD = 15


@dataclass(frozen=True)
class Candidate:
    """One record that needs the body, and why."""

    kind: str
    title: str
    source: models.Model
    notes: str
    visibility: str
    url: str


def _url(obj: Any) -> str:
    getter = getattr(obj, "get_absolute_url", None)
    try:
        return getter() if getter else ""
    except Exception:  # a source app without its detail page yet: the item is still worth listing
        return ""


def _visibility(obj: Any, default: str = Visibility.INTERNAL) -> str:
    return getattr(obj, "visibility", default) or default


def red_flags(*, program: Any, body: str, user: Any, today: dt.date) -> list[Candidate]:
    """New (raised, not yet triaged) flags, and open flags escalated to this body's level or above.

    The board takes flags escalated to the board; other bodies take any escalated flag.
    """
    min_level = EscalationLevel.BOARD if body == Body.BOARD else EscalationLevel.PROGRAM_MANAGER
    open_states = [FlagState.RAISED, FlagState.TRIAGED, FlagState.IN_PROGRESS]
    if today < timezone.localdate():
        # A past agenda: the flags raised by then, in the state and at the level they had then.
        stood = governance_queries.flags_as_they_stood(
            RedFlag.objects.visible_to(user).filter(program=program).select_related("raised_by", "owner"),
            at=end_of(today),
        )
        flags = sorted(
            (
                f
                for f in stood
                if f.state == FlagState.RAISED or (f.state in open_states and f.escalation_level >= min_level)
            ),
            key=lambda f: (-f.escalation_level, f.raised_at, f.pk),
        )
    else:
        flags = (
            RedFlag.objects.visible_to(user)
            .filter(program=program, merged_into__isnull=True)
            .filter(
                models.Q(state=FlagState.RAISED)
                | models.Q(state__in=open_states, escalation_level__gte=min_level)
            )
            .select_related("raised_by", "owner")
            .order_by("-escalation_level", "raised_at", "pk")
        )
    result = []
    for flag in flags:
        escalated = flag.escalation_level >= min_level
        kind = AgendaKind.ESCALATED_RED_FLAG if escalated else AgendaKind.NEW_RED_FLAG
        why = (
            f"Escalated to the {flag.get_escalation_level_display().lower()}"
            if escalated
            else "Raised, not yet triaged"
        )
        notes = (
            f"{why}. {flag.get_severity_display()} severity, raised by {flag.raised_by} on "
            f"{flag.raised_at:%d %b %Y}; state: {flag.get_state_display().lower()}"
            f"{'; owner: ' + str(flag.owner) if flag.owner else ''}."
        )
        result.append(Candidate(kind, f"Red flag: {flag.title}", flag, notes, _visibility(flag), _url(flag)))
    return result


def risks(*, program: Any, body: str, user: Any, today: dt.date) -> list[Candidate]:
    """Open or monitored risks scoring at least RISK_SCORE_THRESHOLD."""
    rows = (
        Risk.objects.visible_to(user)
        .filter(program=program, score__gte=RISK_SCORE_THRESHOLD, status__in=list(OPEN_RISK_STATUSES))
        .select_related("owner")
        .order_by("-score", "title")
    )
    return [
        Candidate(
            AgendaKind.RISK,
            f"Risk: {risk.title}",
            risk,
            f"Score {risk.score} (likelihood {risk.likelihood} x impact {risk.impact}); response: "
            f"{risk.get_response_display().lower()}{'; owner: ' + str(risk.owner) if risk.owner else ''}.",
            _visibility(risk),
            _url(risk),
        )
        for risk in rows
    ]


def kpis_off_track(*, program: Any, body: str, user: Any, today: dt.date) -> list[Candidate]:
    """KPIs whose status is red today, or whose measurement is overdue."""
    result = []
    for kpi in benefits_queries.list_kpis(program=program, user=user, today=today):
        reading = kpi.reading
        if reading.status != "red" and not reading.overdue:
            continue
        parts = []
        if reading.status == "red":
            parts.append(
                f"red: latest {reading.latest_value:g} {kpi.unit} against {reading.expected_value:g} expected"
                if reading.latest_value is not None and reading.expected_value is not None
                else "red"
            )
        if reading.overdue:
            parts.append(f"measurement overdue since {reading.next_due:%d %b %Y}")
        result.append(
            Candidate(
                AgendaKind.KPI_OFF_TRACK,
                f"KPI off track: {kpi.name}",
                kpi,
                f"{kpi.benefit}: {'; '.join(parts)}.",
                _visibility(kpi.benefit),
                _url(kpi),
            )
        )
    return result


def late_commitments(*, program: Any, body: str, user: Any, today: dt.date) -> list[Candidate]:
    """Open commitments past their due date, or marked late by their group."""
    late = alignment_queries.commitments_needing_attention(
        Commitment.objects.visible_to(user).filter(program=program), today
    )["late"]
    return [
        Candidate(
            AgendaKind.LATE_COMMITMENT,
            f"Late commitment: {c.what}",
            c,
            f"{c.group} promised this by {c.due_date:%d %b %Y}; status: {c.get_status_display().lower()}"
            f"{'; owner: ' + str(c.owner) if c.owner else ''}.",
            _visibility(c.group),
            _url(c),
        )
        for c in late
    ]


def pending_endorsements(*, program: Any, body: str, user: Any, today: dt.date) -> list[Candidate]:
    """Groups that have not yet answered the current published strategy version."""
    version = alignment_queries.current_version(program)
    if version is None:
        return []
    rows = (
        Endorsement.objects.visible_to(user)
        .filter(
            program=program,
            version=version,
            status=EndorsementStatus.REQUESTED,
            lapsed_at__isnull=True,
        )
        .select_related("group", "group__lead", "version")
        .order_by("group__name")
    )
    return [
        Candidate(
            AgendaKind.PENDING_ENDORSEMENT,
            f"Pending endorsement: {e.group} on {version}",
            e,
            f"Requested on publication of {version}"
            f"{' on ' + format(version.published_at, '%d %b %Y') if version.published_at else ''}; "
            f"lead: {getattr(e.group, 'lead', None) or 'none named'}.",
            _visibility(e.group),
            _url(e),
        )
        for e in rows
    ]


# In agenda order: what threatens the program first, then what the stakeholders owe.
SOURCES: tuple[tuple[str, Callable[..., list[Candidate]]], ...] = (
    ("red flags", red_flags),
    ("risks", risks),
    ("KPIs", kpis_off_track),
    ("commitments", late_commitments),
    ("endorsements", pending_endorsements),
)


def end_of(day: dt.date) -> dt.datetime:
    """The last moment of `day` in the current time zone: what an agenda drafted that day could know."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def _existed_by(record: Any, at: dt.datetime) -> bool:
    # Records say when they came to be (a flag when it was raised, anything else when it was created);
    # one that came later cannot be on a past agenda, whichever source proposed it.
    came = getattr(record, "raised_at", None) or getattr(record, "created_at", None)
    return came is None or came <= at


def collect(*, program: Any, body: str, user: Any, today: dt.date) -> list[Candidate]:
    candidates: list[Candidate] = []
    for _name, source in SOURCES:
        candidates.extend(source(program=program, body=body, user=user, today=today))
    # Other apps add sources of their own without meetings importing them (change control drafts the
    # CAB's agenda from the changes awaiting its decision).
    for source in providers("accord_agenda_sources"):
        candidates.extend(source(program=program, body=body, user=user, today=today))
    if today < timezone.localdate():
        cutoff = end_of(today)
        candidates = [c for c in candidates if _existed_by(c.source, cutoff)]
    return candidates
