"""Permission-matrix rows for meetings: everyone in the program reads them, leadership writes them,
an action's owner closes their own action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accord.core.permissions import Visibility
from accord.meetings import services
from accord.meetings.models import AgendaItem
from tests.alignment.factories import alignment_world
from tests.matrix import Endpoint, and_put, expect, only
from tests.meetings.factories import MeetingFactory

LEADERS = ["program_manager", "board_member"]


def program_a(world: Any) -> dict[str, int]:
    return {"program_id": world.program.pk}


def _meeting(world: Any) -> Any:
    return MeetingFactory(program=world.program, title="Board", visibility=Visibility.SHARED)


def meeting(world: Any) -> dict[str, int]:
    return {"program_id": world.program.pk, "pk": _meeting(world).pk}


def agenda_item(world: Any) -> dict[str, int]:
    m = _meeting(world)
    item = services.add_agenda_item(
        meeting=m, actor=world.program_manager, title="AOB", visibility=Visibility.SHARED
    )
    return {"program_id": world.program.pk, "pk": m.pk, "item_pk": item.pk}


def members_action(world: Any) -> dict[str, int]:
    """An action given to the plain member on a shared item: they may close it; leadership may too."""
    kwargs = agenda_item(world)
    item = AgendaItem.objects.get(pk=kwargs["item_pk"])
    action = services.add_action(
        item=item,
        actor=world.program_manager,
        owner=world.member,
        description="Follow up",
        due_date=dt.date(2026, 4, 1),
    )
    return {"program_id": world.program.pk, "pk": action.pk}


def commitment_from_action(world: Any) -> dict[str, Any]:
    return {
        "group": alignment_world(world)["hospital_group"].pk,
        "what": "Follow up",
        "due_date": "2026-04-01",
    }


def api_members_action(world: Any) -> dict[str, int]:
    return {"pk": members_action(world)["pk"]}


# Turning an action into a commitment is adding a commitment: the program manager, or a group's lead.
COMMITTERS = ["program_manager", "stakeholder_lead"]


def new_meeting(world: Any) -> dict[str, Any]:
    return {
        "body": "board",
        "title": "April board",
        "scheduled_at": "2026-04-14T09:00",
        "location": "",
        "visibility": "internal",
    }


def api_meeting(world: Any) -> dict[str, int]:
    return {"pk": _meeting(world).pk}


def action_data(world: Any) -> dict[str, Any]:
    return {"description": "Call the vendor", "owner": world.member.pk, "due_date": "2026-04-01"}


ENDPOINTS = [
    Endpoint("meetings:meeting_list", expect(200), kwargs=program_a),
    Endpoint("meetings:meeting_create", only(LEADERS, 200, 403), kwargs=program_a),
    Endpoint(
        "meetings:meeting_create", only(LEADERS, 302, 403), kwargs=program_a, method="post", data=new_meeting
    ),
    Endpoint("meetings:meeting_detail", expect(200), kwargs=meeting),
    Endpoint("meetings:meeting_edit", only(LEADERS, 200, 403), kwargs=meeting),
    Endpoint(
        "meetings:meeting_edit", only(LEADERS, 302, 403), kwargs=meeting, method="post", data=new_meeting
    ),
    Endpoint(
        "meetings:meeting_draft_agenda",
        only(LEADERS, 302, 403),
        kwargs=meeting,
        method="post",
        data=lambda w: {},
    ),
    Endpoint(
        "meetings:meeting_hold", only(LEADERS, 302, 403), kwargs=meeting, method="post", data=lambda w: {}
    ),
    Endpoint(
        "meetings:agenda_item_add",
        only(LEADERS, 302, 403),
        kwargs=meeting,
        method="post",
        data=lambda w: {"title": "Any other business"},
    ),
    Endpoint(
        "meetings:agenda_item_minutes",
        only(LEADERS, 302, 403),
        kwargs=agenda_item,
        method="post",
        data=lambda w: {"discussion": "Noted."},
    ),
    Endpoint(
        "meetings:agenda_item_decision",
        only(LEADERS, 302, 403),
        kwargs=agenda_item,
        method="post",
        data=lambda w: {"title": "Go", "decision": "Proceed."},
    ),
    Endpoint(
        "meetings:agenda_item_action",
        only(LEADERS, 302, 403),
        kwargs=agenda_item,
        method="post",
        data=action_data,
    ),
    Endpoint("meetings:meeting_minutes", expect(200), kwargs=meeting),
    Endpoint("meetings:meeting_minutes_pdf", expect(200), kwargs=meeting),
    # The board pack: whoever sees the program home (or the meeting) reads it, with their own visibility.
    Endpoint("meetings:board_pack", expect(200), kwargs=program_a),
    Endpoint("meetings:board_pack_pdf", expect(200), kwargs=program_a),
    Endpoint("meetings:meeting_board_pack", expect(200), kwargs=meeting),
    Endpoint("meetings:meeting_board_pack_pdf", expect(200), kwargs=meeting),
    Endpoint("meetings:my_actions", expect(200), kwargs=program_a),
    Endpoint(
        "meetings:action_complete",
        only([*LEADERS, "member"], 302, 403),
        kwargs=members_action,
        method="post",
        data=lambda w: {},
    ),
    Endpoint("meetings:action_commitment", only(COMMITTERS, 200, 403), kwargs=members_action),
    Endpoint(
        "meetings:action_commitment",
        only(COMMITTERS, 302, 403),
        kwargs=members_action,
        method="post",
        data=commitment_from_action,
    ),
    # The API
    Endpoint(
        "meeting-action-list",
        expect(200, anonymous=401, outsider=200),
        api=True,
        query="?program=1",
    ),
    Endpoint("meeting-action-detail", expect(200, anonymous=401), api=True, kwargs=api_members_action),
    Endpoint(
        "meeting-action-commitment",
        only(COMMITTERS, 201, 403, api=True),
        api=True,
        method="post",
        kwargs=api_members_action,
        data=lambda w: {"group": alignment_world(w)["hospital_group"].pk},
    ),
    Endpoint("meeting-list", expect(200, anonymous=401, outsider=200), api=True, query="?program=1"),
    Endpoint(
        "meeting-list",
        only(LEADERS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"program": w.program.pk, **new_meeting(w), "scheduled_at": "2026-04-14T09:00:00Z"},
    ),
    Endpoint("meeting-detail", expect(200, anonymous=401), api=True, kwargs=api_meeting),
    *and_put(
        Endpoint(
            "meeting-detail",
            only(LEADERS, 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=api_meeting,
            data=lambda w: {"location": "Video call"},
        )
    ),
    Endpoint(
        "meeting-draft-agenda", only(LEADERS, 200, 403, api=True), api=True, method="post", kwargs=api_meeting
    ),
]
