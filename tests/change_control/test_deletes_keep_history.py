"""API deletes of change-control records: a plan put to the board, a CAB that voted, a submitted change and a
template changes were raised from are refused with a reason and kept; a draft plan's items are audited one by
one when the plan goes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from accord.change_control.choices import ChangeState, ChangeType, Decision
from accord.change_control.models import ActionItem, ActionPlan, CabVote, ChangeAdvisoryBoard, ChangeRequest
from accord.change_control.services import changes, plans
from accord.core.models import AuditAction, AuditEntry
from tests.api_helpers import api, refusal
from tests.change_control.factories import T0, active_template, cab_for, draft_change, plan_with_items

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)


def deletions(model: type) -> dict[str, dict[str, Any]]:
    return {
        entry.object_id: entry.changes
        for entry in AuditEntry.objects.filter(action=AuditAction.DELETE, object_type=model._meta.label_lower)
    }


@pytest.fixture
def plan(world: Any) -> ActionPlan:
    return plan_with_items(
        world.program, world.program_manager, [world.vendor, world.stakeholder_lead], starts_on=START
    )


def test_deleting_a_draft_plan_audits_each_of_its_items(world: Any, plan: ActionPlan) -> None:
    items = {str(item.pk): item.what for item in plan.items.all()}
    assert len(items) == 2
    response = api(world.program_manager).delete(f"/api/action-plans/{plan.pk}/")
    assert response.status_code == 204, response.content
    assert not ActionItem.objects.filter(pk__in=items).exists()
    gone = deletions(ActionItem)
    assert {pk: gone[pk]["what"][0] for pk in items} == items
    assert str(plan.pk) in deletions(ActionPlan)


def test_a_plan_in_effect_is_refused_and_keeps_its_items(world: Any, plan: ActionPlan) -> None:
    plans.submit_plan(plan=plan, actor=world.program_manager, now=T0)
    plans.decide_on_plan(plan=plan, actor=world.board_member, decision=Decision.APPROVE, now=T0)
    plans.put_plan_in_effect(plan=plan, actor=world.program_manager, now=T0)
    message = refusal(api(world.program_manager).delete(f"/api/action-plans/{plan.pk}/"))
    assert "this version is in effect" in message and "new version" in message
    assert plan.items.count() == 2 and plan.approvals.count() == 1
    item = plan.items.first()
    message = refusal(api(world.program_manager).delete(f"/api/action-items/{item.pk}/"))
    assert "Drop it in a new version instead" in message
    assert ActionItem.objects.filter(pk=item.pk).exists()


def test_a_draft_plan_the_board_rejected_is_refused(world: Any, plan: ActionPlan) -> None:
    plans.submit_plan(plan=plan, actor=world.program_manager, now=T0)
    plans.decide_on_plan(plan=plan, actor=world.board_member, decision=Decision.REJECT, now=T0)
    message = refusal(api(world.program_manager).delete(f"/api/action-plans/{plan.pk}/"))
    assert "the board's decision on it" in message
    assert plan.approvals.count() == 1 and plan.items.count() == 2


def test_a_cab_that_voted_is_refused_and_keeps_its_seats_and_votes(world: Any) -> None:
    board = cab_for(world.program, members=[world.board_member, world.program_manager], quorum=2)
    change = draft_change(world.program, world.vendor)
    changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    changes.transition_change(change=change, to=ChangeState.ASSESSED, actor=world.program_manager, now=T0)
    changes.vote_on_change(change=change, actor=world.board_member, decision=Decision.APPROVE, now=T0)
    message = refusal(api(world.program_manager).delete(f"/api/change-boards/{board.pk}/"))
    assert "CAB votes on this program's changes are on record" in message
    assert "Change its seats or quorums instead" in message
    board = ChangeAdvisoryBoard.objects.get(pk=board.pk)
    assert set(board.members.all()) == {world.board_member, world.program_manager}
    assert CabVote.objects.filter(change=change).count() == 1


def test_a_cab_that_decided_nothing_may_be_deleted_and_its_seats_are_audited(world: Any) -> None:
    board = cab_for(world.program, members=[world.board_member, world.program_manager], quorum=2)
    response = api(world.program_manager).delete(f"/api/change-boards/{board.pk}/")
    assert response.status_code == 204, response.content
    gone = deletions(ChangeAdvisoryBoard)[str(board.pk)]
    assert gone["members"] == [sorted([world.board_member.pk, world.program_manager.pk]), None]


def test_a_submitted_change_is_refused(world: Any) -> None:
    change = draft_change(world.program, world.vendor)
    changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    message = refusal(api(world.program_manager).delete(f"/api/change-requests/{change.pk}/"))
    assert "only a draft can be deleted" in message
    assert ChangeRequest.objects.filter(pk=change.pk).exists()


def test_a_template_changes_were_raised_from_is_refused_with_retire_instead(world: Any) -> None:
    cab_for(world.program, members=[world.board_member], quorum=1)
    change = draft_change(world.program, world.vendor, change_type=ChangeType.STANDARD)
    message = refusal(
        api(world.program_manager).delete(f"/api/standard-change-templates/{change.template_id}/")
    )
    assert "Retire it instead" in message
    assert ChangeRequest.objects.get(pk=change.pk).template_id is not None


def test_a_template_nothing_was_raised_from_may_be_deleted(world: Any) -> None:
    template = active_template(world.program, services=[])
    response = api(world.program_manager).delete(f"/api/standard-change-templates/{template.pk}/")
    assert response.status_code == 204, response.content
    assert str(template.pk) in deletions(type(template))


def test_a_cab_that_approved_a_standard_change_template_is_refused(world: Any) -> None:
    board = cab_for(world.program, members=[world.board_member], quorum=1)
    active_template(world.program, services=[])
    message = refusal(api(world.program_manager).delete(f"/api/change-boards/{board.pk}/"))
    assert "it approved standard change templates" in message
    assert ChangeAdvisoryBoard.objects.filter(pk=board.pk).exists()
