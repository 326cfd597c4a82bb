"""The board pack: the dashboard as it stood on a date, its exceptions, the decisions since the last board
meeting and the agenda, built with the reader's visibility; the same HTML is printed and made a PDF."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accord.alignment import queries as alignment_queries
from accord.alignment.models import Commitment
from accord.benefits import queries as benefits_queries
from accord.core.permissions import Action, can_in_program
from accord.core.registry import home_panels, providers, resolve
from accord.core.timeline import end_of_day
from accord.governance import queries as governance_queries
from accord.governance.models import Decision
from accord.meetings.choices import Body
from accord.meetings.models import AgendaItem, Meeting
from accord.meetings.pdf import html_to_pdf


@dataclass
class BoardPack:
    """Everything the pack shows, read as it stood at the end of `as_of` by one reader."""

    program: Any
    as_of: dt.date
    meeting: Meeting | None
    previous_meeting: Meeting | None
    panels: list[dict[str, Any]] = field(default_factory=list)
    flags: list[Any] | None = None  # open red flags, most severe and oldest first (None: not readable)
    risks: list[Any] | None = None
    risk_threshold: int = governance_queries.RISK_THRESHOLD
    late_commitments: list[Commitment] | None = None
    red_kpis: list[Any] | None = None
    other_exceptions: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[Decision] | None = None
    agenda: list[AgendaItem] = field(default_factory=list)
    generated_at: dt.datetime | None = None

    @property
    def decisions_since(self) -> dt.date | None:
        return (
            timezone.localtime(self.previous_meeting.scheduled_at).date() if self.previous_meeting else None
        )

    @property
    def file_name(self) -> str:
        from django.utils.text import slugify

        return f"board-pack-{slugify(self.program.name)}-{self.as_of.isoformat()}.pdf"


def previous_board_meeting(*, program: Any, user: Any, before: dt.datetime) -> Meeting | None:
    """The last board meeting the reader may see that was scheduled before `before`."""
    return (
        Meeting.objects.visible_to(user)
        .filter(program=program, body=Body.BOARD, scheduled_at__lt=before)
        .order_by("-scheduled_at", "-pk")
        .first()
    )


def build_board_pack(*, program: Any, user: Any, as_of: dt.date, meeting: Meeting | None = None) -> BoardPack:
    """The pack for `program` as it stood at the end of `as_of`, as `user` may see it.

    Every part is read through the reader's visibility (a partner's pack never holds an internal record),
    and through the same as-of functions as the program home's panels, so the pack and the dashboard of a
    date agree. The number of queries does not grow with the data (about three per panel and section).
    """
    at = end_of_day(as_of)
    cutoff = meeting.scheduled_at if meeting is not None else at
    pack = BoardPack(
        program=program,
        as_of=as_of,
        meeting=meeting,
        previous_meeting=previous_board_meeting(program=program, user=user, before=cutoff),
        generated_at=timezone.now(),
    )
    for panel in home_panels():
        if not can_in_program(user, Action.VIEW, panel.area, program.pk):
            continue
        context = resolve(panel.context)(program=program, user=user, as_of=as_of)
        if context is not None:
            pack.panels.append({"template": panel.template, "context": context})
    if can_in_program(user, Action.VIEW, "red_flags", program.pk):
        flags = governance_queries.list_open_flags(user=user, program=program, as_of=as_of)
        for flag in flags:
            flag.age_days = (as_of - timezone.localtime(flag.raised_at).date()).days
        pack.flags = flags
    if can_in_program(user, Action.VIEW, "risks", program.pk):
        pack.risks = governance_queries.list_risks_over_threshold(user=user, program=program, as_of=as_of)
    if can_in_program(user, Action.VIEW, "commitments", program.pk):
        visible = Commitment.objects.visible_to(user).filter(program=program)
        pack.late_commitments = alignment_queries.commitments_late_on(visible, as_of)["late"]
    if can_in_program(user, Action.VIEW, "benefits", program.pk):
        benefits = benefits_queries.home_panel(program=program, user=user, as_of=as_of)
        pack.red_kpis = benefits["red"] if benefits else []
    # Apps above meetings (SLA periods with breaches or credits, changes awaiting the CAB) add their own.
    for source in providers("accord_board_pack_exceptions"):
        section = source(program=program, user=user, as_of=as_of)
        if section is not None:
            pack.other_exceptions.append(section)
    if can_in_program(user, Action.VIEW, "governance", program.pk):
        decisions = Decision.objects.visible_to(user).filter(program=program, decided_on__lte=as_of)
        if pack.decisions_since is not None:
            decisions = decisions.filter(decided_on__gt=pack.decisions_since)
        pack.decisions = list(decisions.filter(created_at__lte=at).order_by("decided_on", "pk"))
    if meeting is not None:
        pack.agenda = list(
            AgendaItem.objects.visible_to(user)
            .filter(meeting=meeting)
            .select_related("source_type")
            .order_by("order", "pk")
        )
    return pack


def board_pack_css() -> str:
    """The pack's stylesheet, inlined into the PDF so WeasyPrint never fetches from the server it runs in."""
    path = finders.find("meetings/board_pack.css")
    return Path(path).read_text(encoding="utf-8") if path else ""


def render_board_pack_pdf(pack: BoardPack, *, request: HttpRequest) -> bytes:
    """The pack as a PDF, laid out from the HTML of the printable page's body."""
    html = render_to_string(
        "meetings/board_pack_pdf.html",
        {"pack": pack, "program": pack.program, "css": board_pack_css(), "for_pdf": True},
        request=request,
    )
    return html_to_pdf(html, base_url=request.build_absolute_uri("/"))
