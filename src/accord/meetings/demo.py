"""Demo meetings: two past board meetings per program with minutes (decisions and actions), and the next one.

Runs after the governance, benefits and alignment demos, so the drafted agendas pick up their red
flags, risks, KPIs, commitments and endorsements; with none of those it falls back to written items.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accord.core.demo import DemoContext
from accord.core.permissions import Visibility
from accord.core.services import create_record
from accord.meetings import services
from accord.meetings.choices import Body
from accord.meetings.models import Meeting
from accord.programs.models import Membership

# Per program: (program manager key, board member who chairs, people who own actions)
CAST: dict[str, tuple[str, str, list[str]]] = {
    "emr": ("emr_pm", "cio", ["cmio", "nursing_lead", "it_director", "emr_pm"]),
    "outsourcing": ("transition_pm", "cio", ["it_director", "transition_pm", "cfo"]),
}

FALLBACK_ITEMS = {
    "emr": ["Go-live readiness checkpoint", "Physician engagement in order-set design"],
    "outsourcing": ["Knowledge-transfer progress", "SLA baseline agreed before service start"],
}

DISCUSSIONS = [
    "The program manager set out the facts and the options; members asked for the impact on benefits.",
    "Members agreed the concern is real and needs an owner with a date; the vendor's view was noted.",
    "Discussed against the benefits it threatens; the board wants evidence of progress at the next meeting.",
]


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _members(program: Any, keys: list[str], demo: DemoContext) -> list[Any]:
    people = [demo.people[k] for k in keys if k in demo.people]
    member_ids = set(
        Membership.objects.filter(program=program, person__in=people).values_list("person_id", flat=True)
    )
    return [p for p in people if p.pk in member_ids]


def _board_meeting(demo: DemoContext, key: str, *, number: int, day: dt.date, held: bool) -> Meeting:
    program = demo.programs[key]
    pm_key, chair_key, owner_keys = CAST[key]
    pm, chair = demo.people[pm_key], demo.people[chair_key]
    board = list(
        Membership.objects.filter(program=program, role__in=["board_member", "program_manager"]).values_list(
            "person", flat=True
        )
    )
    meeting = create_record(
        model=Meeting,
        actor=pm,
        data={
            "program": program,
            "body": Body.BOARD,
            "title": f"Governance board #{number}",
            "scheduled_at": _at(day),
            "location": "Executive boardroom, Lakeshore General",
            "visibility": Visibility.INTERNAL,
            "attendees": board,
        },
    )
    items = services.draft_agenda(meeting=meeting, actor=pm, now=_at(day - dt.timedelta(days=3)))
    if not items:
        items = [
            services.add_agenda_item(meeting=meeting, actor=pm, title=title) for title in FALLBACK_ITEMS[key]
        ]
    if not held:
        return meeting
    owners = _members(program, owner_keys, demo) or [pm]
    for index, item in enumerate(items[:6]):
        services.record_discussion(item=item, actor=pm, discussion=DISCUSSIONS[index % len(DISCUSSIONS)])
        if index < 2:
            services.record_decision(
                item=item,
                actor=chair,
                title=f"Board direction on {item.source_label or item.title}"[:200],
                decision="Fund the remediation proposed by the program manager and report progress monthly."
                if index == 0
                else "Accept the plan as presented; the owner reports back at the next board.",
                rationale="Protects the benefits the program was bought for at a cost the board accepts.",
                options_considered="Do nothing; defer to after go-live; act now (chosen).",
                decided_on=day,
            )
        action = services.add_action(
            item=item,
            actor=pm,
            owner=owners[index % len(owners)],
            description=f"Report on “{item.title[:120]}” with evidence",
            due_date=day + dt.timedelta(days=14 + 7 * (index % 2)),
        )
        if day + dt.timedelta(days=21) < demo.today and index % 3 != 2:
            services.complete_action(action=action, actor=action.owner, done_on=day + dt.timedelta(days=12))
    services.mark_held(meeting=meeting, actor=pm)
    return meeting


def seed(demo: DemoContext) -> None:
    made: dict[str, list[int]] = {}
    for key in ("emr", "outsourcing"):
        if key not in demo.programs:
            continue
        meetings = [
            _board_meeting(demo, key, number=1, day=demo.today - dt.timedelta(days=56), held=True),
            _board_meeting(demo, key, number=2, day=demo.today - dt.timedelta(days=28), held=True),
            _board_meeting(demo, key, number=3, day=demo.today + dt.timedelta(days=14), held=False),
        ]
        made[key] = [m.pk for m in meetings]
    demo.extra["meetings"] = made
