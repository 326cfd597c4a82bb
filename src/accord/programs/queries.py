"""Read-side selectors for programs: the list with roles, the home page, the audit trail."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from accord.core.models import AuditEntry
from accord.core.permissions import Role, roles_by_program
from accord.programs.models import Membership, Program


def list_programs_for(user: Any) -> list[dict[str, Any]]:
    roles = roles_by_program(user)
    programs = (
        Program.objects.visible_to(user).select_related("sponsor").annotate(member_count=Count("memberships"))
    )
    return [
        {"program": p, "role": Role(roles[p.pk]).label if p.pk in roles else "Administrator"}
        for p in programs
    ]


def summarise_members(program: Program) -> list[tuple[str, int]]:
    counts = Counter(Membership.objects.filter(program=program).values_list("role", flat=True))
    return [(label, counts[value]) for value, label in Role.choices if counts[value]]


def go_live_status(program: Program, today: dt.date | None = None) -> str:
    if program.go_live_date is None:
        return "No go-live date set"
    today = today or timezone.localdate()
    delta = (today - program.go_live_date).days
    if delta == 0:
        return "Go-live is today"
    if delta > 0:
        return f"{delta} days since go-live ({program.go_live_date:%d %b %Y})"
    return f"{-delta} days to go-live ({program.go_live_date:%d %b %Y})"


def list_audit_entries(
    *,
    user: Any,
    program: Program,
    person: Any = None,
    object_type: str = "",
    action: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    object_id: str = "",
) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.visible_to(user).filter(program=program)
    if person is not None:
        entries = entries.filter(actor=person)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if action:
        entries = entries.filter(action=action)
    tz = timezone.get_current_timezone()
    if since:
        entries = entries.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
    if until:
        entries = entries.filter(
            at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return entries.select_related("actor").order_by("-sequence")


def list_audited_types(program: Program) -> list[str]:
    return list(
        AuditEntry.objects.filter(program=program)
        .exclude(object_type="")
        .values_list("object_type", flat=True)
        .distinct()
        .order_by("object_type")
    )
