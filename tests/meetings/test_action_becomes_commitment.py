"""A minute's action becomes a stakeholder group's commitment that keeps its origin, shown on both ends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accord.alignment.models import Commitment
from accord.core.models import AuditEntry
from accord.core.permissions import Visibility
from accord.governance import services as governance
from accord.meetings import services
from tests.alignment.factories import StakeholderGroupFactory, alignment_world
from tests.benefits.factories import BenefitFactory
from tests.meetings.factories import MeetingFactory

NOW = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def minuted(world: Any) -> dict[str, Any]:
    groups = alignment_world(world)
    benefit = BenefitFactory(program=world.program, title="Fewer falls")
    flag = governance.raise_red_flag(
        program=world.program,
        actor=world.member,
        title="Night shift skips the falls checklist",
        description="Seen on ward 4.",
        now=NOW,
        threatens_benefit=benefit,
    )
    meeting = MeetingFactory(program=world.program, title="Board meeting March", visibility=Visibility.SHARED)
    items = services.draft_agenda(meeting=meeting, actor=world.program_manager, now=NOW)
    [item] = [i for i in items if i.source == flag]
    decision = services.record_decision(
        item=item, actor=world.board_member, title="Falls checklist at handover", decision="Every shift."
    )
    action = services.add_action(
        item=item,
        actor=world.program_manager,
        owner=world.stakeholder_lead,
        description="Nursing runs the falls checklist at every handover",
        due_date=dt.date(2026, 4, 30),
    )
    return {**groups, "benefit": benefit, "meeting": meeting, "decision": decision, "action": action}


def test_the_commitment_keeps_the_action_the_decision_and_its_benefit(
    world: Any, minuted: dict[str, Any]
) -> None:
    commitment = services.turn_action_into_commitment(
        action=minuted["action"], group=minuted["hospital_group"], actor=world.program_manager
    )
    commitment.refresh_from_db()
    assert commitment.origin_action == minuted["action"]
    assert commitment.origin_decision == minuted["decision"]
    assert commitment.benefit == minuted["benefit"]
    assert commitment.what == "Nursing runs the falls checklist at every handover"
    assert commitment.owner == world.stakeholder_lead
    assert commitment.due_date == dt.date(2026, 4, 30)
    assert AuditEntry.objects.filter(object_id=str(commitment.pk), action="create").exists()


def test_a_group_lead_commits_their_own_group_but_not_another(world: Any, minuted: dict[str, Any]) -> None:
    services.turn_action_into_commitment(
        action=minuted["action"], group=minuted["hospital_group"], actor=world.stakeholder_lead
    )
    with pytest.raises(PermissionDenied):
        services.turn_action_into_commitment(
            action=minuted["action"], group=minuted["vendor_group"], actor=world.stakeholder_lead
        )
    assert Commitment.objects.filter(origin_action=minuted["action"]).count() == 1


def test_the_same_action_is_not_committed_twice_by_one_group(world: Any, minuted: dict[str, Any]) -> None:
    services.turn_action_into_commitment(
        action=minuted["action"], group=minuted["hospital_group"], actor=world.program_manager
    )
    with pytest.raises(ValidationError, match="already a commitment"):
        services.turn_action_into_commitment(
            action=minuted["action"], group=minuted["hospital_group"], actor=world.program_manager
        )


def test_a_group_of_another_program_is_refused(world: Any, minuted: dict[str, Any]) -> None:
    stranger = StakeholderGroupFactory(program=world.other_program)
    with pytest.raises(ValidationError):
        services.turn_action_into_commitment(
            action=minuted["action"], group=stranger, actor=world.program_manager
        )
    assert not Commitment.objects.filter(origin_action=minuted["action"]).exists()


def test_the_page_creates_it_and_both_pages_show_the_link(
    world: Any, minuted: dict[str, Any], client_for: Any
) -> None:
    client = client_for("program_manager")
    url = reverse(
        "meetings:action_commitment", kwargs={"program_id": world.program.pk, "pk": minuted["action"].pk}
    )
    form = client.get(url).content.decode()
    assert "Nursing" in form and "EHR vendor" in form
    response = client.post(
        url,
        {
            "group": minuted["hospital_group"].pk,
            "what": "Falls checklist at every handover",
            "owner": world.stakeholder_lead.pk,
            "due_date": "2026-04-30",
        },
    )
    commitment = Commitment.objects.get(origin_action=minuted["action"])
    assert response.status_code == 302 and response["Location"] == commitment.get_absolute_url()
    page = client.get(commitment.get_absolute_url()).content.decode()
    assert "Came from" in page and "Board meeting March" in page and "Falls checklist at handover" in page
    meeting_page = client.get(minuted["meeting"].get_absolute_url()).content.decode()
    assert "Commitment of Nursing" in meeting_page and "Falls checklist at every handover" in meeting_page


def test_the_page_keeps_the_input_when_the_due_date_is_missing(
    world: Any, minuted: dict[str, Any], client_for: Any
) -> None:
    url = reverse(
        "meetings:action_commitment", kwargs={"program_id": world.program.pk, "pk": minuted["action"].pk}
    )
    response = client_for("program_manager").post(
        url, {"group": minuted["hospital_group"].pk, "what": "Keep me", "due_date": ""}
    )
    assert response.status_code == 400
    assert "Keep me" in response.content.decode()
    assert not Commitment.objects.exists() or not Commitment.objects.filter(what="Keep me").exists()


def test_the_lead_is_offered_only_their_own_group(
    world: Any, minuted: dict[str, Any], client_for: Any
) -> None:
    url = reverse(
        "meetings:action_commitment", kwargs={"program_id": world.program.pk, "pk": minuted["action"].pk}
    )
    page = client_for("stakeholder_lead").get(url).content.decode()
    assert "Nursing" in page and "EHR vendor" not in page


def test_the_api_turns_an_action_into_a_commitment(world: Any, minuted: dict[str, Any], api_for: Any) -> None:
    api = api_for("program_manager")
    url = f"/api/meeting-actions/{minuted['action'].pk}/commitment/"
    refused = api.post(url, {"group": 999999}, format="json")
    assert refused.status_code == 400
    created = api.post(url, {"group": minuted["hospital_group"].pk}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["origin_action"] == minuted["action"].pk
    assert body["origin_decision"] == minuted["decision"].pk
    detail = api.get(f"/api/commitments/{body['id']}/").json()
    assert detail["origin_action"] == minuted["action"].pk
    assert (
        api_for("member").post(url, {"group": minuted["hospital_group"].pk}, format="json").status_code == 403
    )
