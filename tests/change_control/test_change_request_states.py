"""The change request's state machine: every state reachable through the services, illegal moves refused
with the allowed next states (a 400 over the API), and what each move needs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accord.change_control.choices import ChangeState, ChangeType, Decision
from accord.change_control.models import ChangeRequest
from accord.change_control.services import changes
from accord.change_control.services.changes import IllegalMove
from accord.core.models import AuditEntry
from accord.core.permissions import Role
from tests.api_helpers import api
from tests.change_control.factories import T0, bring_to, cab_for, draft_change, person_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world: Any) -> dict[str, Any]:
    cab_for(
        world.program,
        members=[world.board_member, world.stakeholder_lead],
        emergency_members=[world.board_member],
        quorum=2,
    )
    return {
        "requester": world.vendor,
        "manager": world.program_manager,
        "voters": [world.board_member, world.stakeholder_lead],
        "implementer": world.vendor,
    }


def test_a_normal_change_goes_from_draft_to_closed_with_an_audit_row_for_each_move(
    world: Any, setup: dict
) -> None:
    change = draft_change(world.program, world.vendor)
    assert change.reference == "RFC-0001" and change.state == ChangeState.DRAFT
    change = bring_to(change, ChangeState.CLOSED, **setup)
    assert change.state == ChangeState.CLOSED
    assert change.review_result == "successful" and change.decided_at is not None
    moves = AuditEntry.objects.filter(
        object_type="change_control.changerequest", object_id=str(change.pk), action="transition"
    )
    assert [e.changes["state"] for e in moves.order_by("sequence")] == [
        ["draft", "submitted"],
        ["submitted", "assessed"],
        ["assessed", "approved"],
        ["approved", "scheduled"],
        ["scheduled", "implemented"],
        ["implemented", "reviewed"],
        ["reviewed", "closed"],
    ]


def test_an_illegal_move_is_refused_and_names_the_allowed_next_states(world: Any, setup: dict) -> None:
    change = draft_change(world.program, world.vendor)
    with pytest.raises(IllegalMove) as caught:
        changes.transition_change(change=change, to=ChangeState.IMPLEMENTED, actor=world.vendor, now=T0)
    assert caught.value.allowed == ["submitted"]
    assert "allowed next states: submitted" in caught.value.messages[0]
    change.refresh_from_db()
    assert change.state == ChangeState.DRAFT


def test_an_illegal_move_over_the_api_is_a_400_with_the_allowed_next_states(world: Any, setup: dict) -> None:
    change = bring_to(draft_change(world.program, world.vendor), ChangeState.SCHEDULED, **setup)
    response = api(world.program_manager).post(
        f"/api/change-requests/{change.pk}/transition/", {"to": "closed"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["state"] == "scheduled"
    assert response.json()["allowed_next_states"] == ["scheduled", "implemented"]


def test_approval_is_not_a_move_anyone_can_make_it_comes_from_votes(world: Any, setup: dict) -> None:
    change = bring_to(draft_change(world.program, world.vendor), ChangeState.ASSESSED, **setup)
    response = api(world.program_manager).post(
        f"/api/change-requests/{change.pk}/transition/", {"to": "approved"}, format="json"
    )
    assert response.status_code == 400
    assert "decided by CAB votes" in response.json()["detail"]
    assert response.json()["allowed_next_states"] == ["approved", "rejected", "draft"]


def test_the_api_lists_the_allowed_next_states_of_each_request(world: Any, setup: dict) -> None:
    change = draft_change(world.program, world.vendor)
    body = api(world.vendor).get(f"/api/change-requests/{change.pk}/").json()
    assert body["allowed_next_states"] == ["submitted"] and body["reference"] == "RFC-0001"


def test_submitting_an_incomplete_request_says_what_is_missing_and_keeps_it_a_draft(
    world: Any, setup: dict
) -> None:
    change = draft_change(world.program, world.vendor, planned_start=None, planned_end=None, backout_plan="")
    with pytest.raises(ValidationError) as caught:
        changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    assert set(caught.value.message_dict) == {"planned_start", "backout_plan"}
    change.refresh_from_db()
    assert change.state == ChangeState.DRAFT and change.submitted_at is None


def test_a_standard_change_is_pre_approved_on_submission(world: Any, setup: dict) -> None:
    change = draft_change(world.program, world.vendor, change_type=ChangeType.STANDARD, backout_plan="")
    change = changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    assert change.state == ChangeState.APPROVED and change.decided_at == T0


def test_an_emergency_change_is_approved_by_the_emergency_cab_without_assessment(
    world: Any, setup: dict
) -> None:
    change = draft_change(world.program, world.vendor, change_type=ChangeType.EMERGENCY)
    changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    changes.vote_on_change(change=change, actor=world.board_member, decision=Decision.APPROVE, now=T0)
    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED


def test_only_a_draft_is_edited_and_the_api_says_so(world: Any, setup: dict) -> None:
    change = bring_to(draft_change(world.program, world.vendor), ChangeState.SUBMITTED, **setup)
    response = api(world.vendor).patch(
        f"/api/change-requests/{change.pk}/", {"title": "Other"}, format="json"
    )
    assert response.status_code == 400
    assert "Only a draft can be edited" in str(response.json())
    assert ChangeRequest.objects.get(pk=change.pk).title == "Patch the interface engine"


def test_a_request_is_raised_over_the_api_with_its_risk_scored_from_the_questionnaire(
    world: Any, setup: dict
) -> None:
    from tests.change_control.factories import service_in

    service = service_in(world.program)
    response = api(world.vendor).post(
        "/api/change-requests/",
        {
            "program": world.program.pk,
            "title": "Upgrade the PACS viewer",
            "description": "Viewer 8.1",
            "reason": "End of support",
            "services": [service.pk],
            "risk_answers": {"not_tested": True, "first_time": True, "patient_care": True},
            "backout_plan": "Reinstall 8.0",
            "planned_start": "2026-05-02T22:00:00",
            "planned_end": "2026-05-02T23:00:00",
            "time_zone": "America/Chicago",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["likelihood"], body["impact"], body["risk_score"]) == (3, 2, 6)
    # The wall-clock window was read in Chicago (CDT, UTC-5 in May).
    assert body["planned_start"].startswith("2026-05-03T03:00:00")
    assert body["requester"] == world.vendor.pk and body["state"] == "draft"


def test_unknown_risk_questions_are_refused_by_name(world: Any, setup: dict) -> None:
    response = api(world.vendor).post(
        "/api/change-requests/",
        {
            "program": world.program.pk,
            "title": "x",
            "description": "x",
            "reason": "x",
            "risk_answers": {"maybe": "yes"},
        },
        format="json",
    )
    assert response.status_code == 400
    assert "Unknown question 'maybe'." in response.json()["risk_answers"]


def test_a_scheduled_change_needs_its_actual_times_to_be_implemented(world: Any, setup: dict) -> None:
    change = bring_to(draft_change(world.program, world.vendor), ChangeState.SCHEDULED, **setup)
    with pytest.raises(ValidationError):
        changes.transition_change(
            change=change, to=ChangeState.IMPLEMENTED, actor=world.vendor, now=T0 + dt.timedelta(days=9)
        )
    future = T0 + dt.timedelta(days=30)
    with pytest.raises(ValidationError):
        changes.transition_change(
            change=change,
            to=ChangeState.IMPLEMENTED,
            actor=world.vendor,
            now=T0,
            actual_start=future,
            actual_end=future,
        )


def test_a_consultant_cannot_submit_and_a_partner_cannot_assess(world: Any, setup: dict) -> None:
    change = draft_change(world.program, world.vendor)
    response = api(world.consultant).post(
        f"/api/change-requests/{change.pk}/transition/", {"to": "submitted"}, format="json"
    )
    assert response.status_code == 403
    changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    response = api(world.vendor).post(
        f"/api/change-requests/{change.pk}/transition/", {"to": "assessed"}, format="json"
    )
    assert response.status_code == 403


def test_numbers_run_per_program(world: Any, setup: dict) -> None:
    draft_change(world.program, world.vendor)
    second = draft_change(world.program, world.vendor)
    other_manager = person_in(world.other_program, Role.PROGRAM_MANAGER)
    elsewhere = draft_change(world.other_program, other_manager)
    assert (second.number, elsewhere.number) == (2, 1)
