"""Who approves: only people on the CAB record vote, the quorum decides, emergencies go to the emergency
CAB, and a change to a clinical service also needs a named clinical approver's sign-off."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from accord.change_control.choices import ChangeState, ChangeType, Decision
from accord.change_control.models import CabVote, ChangeRequest
from accord.change_control.services import changes
from accord.change_control.services.changes import IllegalMove
from tests.change_control.factories import T0, bring_to, cab_for, draft_change, service_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(world: Any) -> Any:
    return cab_for(
        world.program,
        members=[world.board_member, world.stakeholder_lead, world.program_manager],
        emergency_members=[world.program_manager],
        clinical_approvers=[world.stakeholder_lead],
        quorum=2,
        emergency_quorum=1,
    )


def assessed(world: Any, **data: Any) -> ChangeRequest:
    change = draft_change(world.program, world.vendor, **data)
    changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    return changes.transition_change(
        change=change, to=ChangeState.ASSESSED, actor=world.program_manager, now=T0
    )


def vote(change: ChangeRequest, person: Any, decision: str = Decision.APPROVE) -> ChangeRequest:
    changes.vote_on_change(change=change, actor=person, decision=decision, now=T0)
    return ChangeRequest.objects.get(pk=change.pk)


def test_one_vote_below_the_quorum_leaves_the_change_waiting(world: Any, board: Any) -> None:
    change = vote(assessed(world), world.board_member)
    assert change.state == ChangeState.ASSESSED and change.decided_at is None


def test_the_quorum_of_approvals_approves(world: Any, board: Any) -> None:
    change = assessed(world)
    vote(change, world.board_member)
    change = vote(change, world.stakeholder_lead)
    assert change.state == ChangeState.APPROVED and change.decided_at == T0


def test_the_quorum_of_rejections_rejects(world: Any, board: Any) -> None:
    change = assessed(world)
    vote(change, world.board_member, Decision.REJECT)
    vote(change, world.stakeholder_lead, Decision.APPROVE)
    change = vote(change, world.program_manager, Decision.REJECT)
    assert change.state == ChangeState.REJECTED


def test_a_member_votes_once(world: Any, board: Any) -> None:
    change = vote(assessed(world), world.board_member)
    with pytest.raises(ValidationError, match="already voted"):
        vote(change, world.board_member)
    assert CabVote.objects.filter(change=change).count() == 1


def test_a_hospital_member_not_on_the_cab_cannot_vote(world: Any, board: Any) -> None:
    change = assessed(world)
    with pytest.raises(PermissionDenied, match="members of the CAB"):
        vote(change, world.member)


def test_a_partner_never_votes_even_if_named_on_the_cab(world: Any, board: Any) -> None:
    board.members.add(world.vendor)  # written past the API's check, which refuses it (below)
    change = assessed(world)
    with pytest.raises(PermissionDenied):
        vote(change, world.vendor)


def test_the_api_refuses_to_seat_a_partner_or_an_auditor_on_the_cab(world: Any, board: Any) -> None:
    client = APIClient()
    client.force_authenticate(world.program_manager)
    response = client.patch(
        f"/api/change-boards/{board.pk}/",
        {"members": [world.board_member.pk, world.vendor.pk, world.auditor.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert "partners and auditors do not sit on the CAB" in response.json()["members"][0]
    assert world.vendor not in board.members.all()


def test_an_unreachable_quorum_is_refused(world: Any, board: Any) -> None:
    client = APIClient()
    client.force_authenticate(world.program_manager)
    response = client.patch(f"/api/change-boards/{board.pk}/", {"quorum": 4}, format="json")
    assert response.status_code == 400 and "cannot be reached by 3" in response.json()["quorum"][0]


def test_a_normal_change_is_voted_on_only_after_assessment(world: Any, board: Any) -> None:
    change = draft_change(world.program, world.vendor)
    changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    with pytest.raises(IllegalMove) as caught:
        vote(change, world.board_member)
    assert caught.value.allowed == ["assessed", "approved", "rejected"]


def test_an_emergency_change_is_decided_by_the_emergency_cab_only(world: Any, board: Any) -> None:
    change = draft_change(world.program, world.vendor, change_type=ChangeType.EMERGENCY)
    changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    with pytest.raises(PermissionDenied, match="emergency CAB"):
        vote(change, world.board_member)
    change = vote(change, world.program_manager)
    assert change.state == ChangeState.APPROVED
    assert CabVote.objects.get(change=change).emergency is True


def test_a_clinical_change_waits_for_the_clinical_sign_off_after_the_cab_approves(
    world: Any, board: Any
) -> None:
    clinical = service_in(world.program, name="Medication dispensing interface", clinical_impact=True)
    change = assessed(world, services=[clinical])
    vote(change, world.board_member)
    change = vote(change, world.program_manager)
    assert change.state == ChangeState.ASSESSED, "the CAB's quorum alone does not approve a clinical change"
    changes.sign_off_clinically(change=change, actor=world.stakeholder_lead, now=T0)
    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED
    assert change.clinical_signoff_by == world.stakeholder_lead


def test_a_clinical_sign_off_given_first_lets_the_quorum_approve(world: Any, board: Any) -> None:
    clinical = service_in(world.program, clinical_impact=True)
    change = assessed(world, services=[clinical])
    changes.sign_off_clinically(change=change, actor=world.stakeholder_lead, now=T0)
    vote(change, world.board_member)
    assert vote(change, world.program_manager).state == ChangeState.APPROVED


def test_only_a_named_clinical_approver_signs_off(world: Any, board: Any) -> None:
    change = assessed(world, services=[service_in(world.program, clinical_impact=True)])
    with pytest.raises(PermissionDenied, match="clinical approvers"):
        changes.sign_off_clinically(change=change, actor=world.board_member, now=T0)
    client = APIClient()
    client.force_authenticate(world.board_member)
    assert (
        client.post(f"/api/change-requests/{change.pk}/clinical-signoff/", {}, format="json").status_code
        == 403
    )


def test_a_change_to_no_clinical_service_needs_no_sign_off(world: Any, board: Any) -> None:
    change = assessed(world)
    with pytest.raises(ValidationError, match="no clinical service"):
        changes.sign_off_clinically(change=change, actor=world.stakeholder_lead, now=T0)


def test_a_standard_change_has_nothing_to_vote_on(world: Any, board: Any) -> None:
    change = draft_change(world.program, world.vendor, change_type=ChangeType.STANDARD)
    changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    with pytest.raises(IllegalMove, match="pre-approved"):
        vote(change, world.board_member)


def test_votes_over_the_api_reach_the_decision(world: Any, board: Any) -> None:
    change = assessed(world)
    for person in (world.board_member, world.stakeholder_lead):
        client = APIClient()
        client.force_authenticate(person)
        response = client.post(
            f"/api/change-requests/{change.pk}/vote/", {"decision": "approve"}, format="json"
        )
        assert response.status_code == 201
    assert response.json()["state"] == "approved"
    assert [v["decision"] for v in response.json()["votes"]] == ["approve", "approve"]


def test_the_whole_path_with_votes_stays_approved_when_scheduled(world: Any, board: Any) -> None:
    change = bring_to(
        draft_change(world.program, world.vendor),
        ChangeState.SCHEDULED,
        requester=world.vendor,
        manager=world.program_manager,
        voters=[world.board_member, world.stakeholder_lead],
    )
    assert change.state == ChangeState.SCHEDULED and change.decided_at is not None


def test_the_api_writes_the_cab_through_the_pages_service_with_one_audit_row(world: Any, board: Any) -> None:
    from accord.core.models import AuditEntry

    client = APIClient()
    client.force_authenticate(world.program_manager)
    before = AuditEntry.objects.filter(object_id=str(board.pk)).count()
    response = client.patch(
        f"/api/change-boards/{board.pk}/", {"name": "Clinical systems CAB"}, format="json"
    )
    assert response.status_code == 200, response.content
    board.refresh_from_db()
    assert board.name == "Clinical systems CAB"
    entries = AuditEntry.objects.filter(object_id=str(board.pk)).order_by("pk")
    assert entries.count() == before + 1
    assert entries.last().changes["name"][1] == "Clinical systems CAB"


def test_a_second_cab_for_a_program_is_refused_and_the_first_is_kept(world: Any, board: Any) -> None:
    client = APIClient()
    client.force_authenticate(world.program_manager)
    response = client.post(
        "/api/change-boards/",
        {"program": world.program.pk, "name": "Another CAB", "quorum": 1},
        format="json",
    )
    assert response.status_code == 400
    board.refresh_from_db()
    assert board.name != "Another CAB"


def test_a_cab_cannot_be_moved_to_another_program(world: Any, board: Any) -> None:
    from tests.factories import ProgramFactory

    other = ProgramFactory()
    client = APIClient()
    client.force_authenticate(world.program_manager)
    response = client.patch(f"/api/change-boards/{board.pk}/", {"program": other.pk}, format="json")
    assert response.status_code == 400
    board.refresh_from_db()
    assert board.program_id == world.program.pk
