"""The short-term action plan: board approval of each version (with conditions), in effect and superseded,
the diff between versions, slippage per owner, and what may change once a version is approved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.change_control.choices import Decision, ItemStatus, PlanStatus
from accord.change_control.models import ActionItem, ActionPlan
from accord.change_control.queries import compare_versions, slippage
from accord.change_control.services import plans
from accord.core.permissions import Role
from tests.api_helpers import api
from tests.change_control.factories import T0, person_in, plan_with_items

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)


@pytest.fixture
def plan(world: Any) -> ActionPlan:
    return plan_with_items(
        world.program, world.program_manager, [world.vendor, world.stakeholder_lead], starts_on=START
    )


def in_effect(world: Any, plan: ActionPlan, *approvers: Any) -> ActionPlan:
    plans.submit_plan(plan=plan, actor=world.program_manager, now=T0)
    for person in approvers or (world.board_member,):
        plans.decide_on_plan(plan=plan, actor=person, decision=Decision.APPROVE, now=T0)
    return plans.put_plan_in_effect(plan=plan, actor=world.program_manager, now=T0)


def test_a_plan_is_approved_when_every_board_member_has_approved(world: Any, plan: ActionPlan) -> None:
    second = person_in(world.program, Role.BOARD_MEMBER)
    plans.submit_plan(plan=plan, actor=world.program_manager, now=T0)
    plans.decide_on_plan(
        plan=plan,
        actor=world.board_member,
        decision=Decision.APPROVE,
        now=T0,
        conditions="Weekly slippage report",
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    plans.decide_on_plan(plan=plan, actor=second, decision=Decision.APPROVE, now=T0)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.approved_at == T0
    assert [(a.approver, a.conditions) for a in plan.approvals.order_by("pk")] == [
        (world.board_member, "Weekly slippage report"),
        (second, ""),
    ]


def test_only_board_members_decide_on_the_plan(world: Any, plan: ActionPlan) -> None:
    plans.submit_plan(plan=plan, actor=world.program_manager, now=T0)
    for person in (world.program_manager, world.vendor, world.stakeholder_lead):
        with pytest.raises(PermissionDenied):
            plans.decide_on_plan(plan=plan, actor=person, decision=Decision.APPROVE, now=T0)
    response = api(world.vendor).post(
        f"/api/action-plans/{plan.pk}/decide/", {"decision": "approve"}, format="json"
    )
    assert response.status_code == 403


def test_a_rejection_sends_the_version_back_to_draft_and_resubmission_starts_over(
    world: Any, plan: ActionPlan
) -> None:
    plans.submit_plan(plan=plan, actor=world.program_manager, now=T0)
    plans.decide_on_plan(
        plan=plan,
        actor=world.board_member,
        decision=Decision.REJECT,
        now=T0,
        conditions="No owner for backups",
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    plans.submit_plan(plan=plan, actor=world.program_manager, now=T0)
    assert not plan.approvals.exists()
    plans.decide_on_plan(plan=plan, actor=world.board_member, decision=Decision.APPROVE, now=T0)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED


def test_a_plan_without_items_cannot_be_submitted(world: Any) -> None:
    empty = plan_with_items(world.program, world.program_manager, [], starts_on=START)
    with pytest.raises(ValidationError, match="without items"):
        plans.submit_plan(plan=empty, actor=world.program_manager, now=T0)


def test_a_new_version_in_effect_supersedes_the_old_and_the_diff_shows_what_changed(
    world: Any, plan: ActionPlan
) -> None:
    in_effect(world, plan)
    draft = plans.new_plan_version(
        plan=plan, actor=world.program_manager, now=T0, change_note="Backups moved"
    )
    assert (draft.version, draft.status, draft.previous) == (2, PlanStatus.DRAFT, plan)
    moved = draft.items.get(key="item-0")
    plans.update_item(
        item=moved, actor=world.program_manager, data={"due_on": moved.due_on + dt.timedelta(days=14)}
    )
    plans.add_item(
        plan=draft,
        actor=world.program_manager,
        data={"key": "dr-test", "what": "Disaster-recovery test", "owner": world.vendor, "due_on": START},
    )
    draft.items.get(key="item-1").delete()
    diff = compare_versions(plan, draft)
    assert [i.key for i in diff["added"]] == ["dr-test"]
    assert [i.key for i in diff["removed"]] == ["item-1"]
    [(item, fields)] = diff["changed"]
    assert item.key == "item-0" and fields == [
        ("due_on", START + dt.timedelta(days=30), START + dt.timedelta(days=44))
    ]
    in_effect(world, draft)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED
    body = api(world.vendor).get(f"/api/action-plans/{draft.pk}/compare/").json()
    assert body["from_version"] == 1 and body["added"][0]["key"] == "dr-test"


def test_slippage_shows_late_items_and_moved_due_dates_per_owner(world: Any, plan: ActionPlan) -> None:
    in_effect(world, plan)
    draft = plans.new_plan_version(plan=plan, actor=world.program_manager, now=T0)
    item = draft.items.get(key="item-1")
    plans.update_item(
        item=item, actor=world.program_manager, data={"due_on": item.due_on + dt.timedelta(days=10)}
    )
    in_effect(world, draft)
    today = START + dt.timedelta(days=45)  # item-0 was due on day 30
    rows = {row.owner: row for row in slippage(draft, today)}
    assert [i.key for i in rows[world.vendor].late] == ["item-0"]
    assert [(i.key, days) for i, days in rows[world.stakeholder_lead].moved] == [("item-1", 10)]
    assert rows[world.stakeholder_lead].late == [] and rows[world.stakeholder_lead].on_track == 0


def test_after_approval_an_owner_reports_progress_but_cannot_move_the_due_date(
    world: Any, plan: ActionPlan
) -> None:
    in_effect(world, plan)
    item = plan.items.get(owner=world.vendor)
    client = api(world.vendor)
    response = client.patch(
        f"/api/action-items/{item.pk}/",
        {"status": "in_progress", "progress_notes": "Runbook drafted"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    response = client.patch(f"/api/action-items/{item.pk}/", {"due_on": "2026-12-31"}, format="json")
    assert response.status_code == 400 and "new version" in str(response.json())
    item.refresh_from_db()
    assert (item.status, item.due_on) == (ItemStatus.IN_PROGRESS, START + dt.timedelta(days=30))


def test_a_partner_cannot_report_progress_on_someone_elses_item(world: Any, plan: ActionPlan) -> None:
    in_effect(world, plan)
    other = plan.items.get(owner=world.stakeholder_lead)
    # The vendor may change items in general (their own); the row rule is the item's visibility and role.
    response = api(world.consultant).patch(
        f"/api/action-items/{other.pk}/", {"status": "done"}, format="json"
    )
    assert response.status_code == 403


def test_the_plan_is_made_and_approved_over_the_api(world: Any) -> None:
    manager = api(world.program_manager)
    response = manager.post(
        "/api/action-plans/",
        {
            "program": world.program.pk,
            "title": "First 90 days",
            "starts_on": "2026-03-02",
            "horizon_days": 90,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    plan_id = response.json()["id"]
    assert response.json()["version"] == 1
    item = manager.post(
        "/api/action-items/",
        {
            "plan": plan_id,
            "key": "kt",
            "what": "Knowledge transfer",
            "owner": world.vendor.pk,
            "due_on": "2026-04-01",
        },
        format="json",
    )
    assert item.status_code == 201, item.json()
    assert manager.post(f"/api/action-plans/{plan_id}/submit/").json()["status"] == "submitted"
    decided = api(world.board_member).post(
        f"/api/action-plans/{plan_id}/decide/", {"decision": "approve"}, format="json"
    )
    assert decided.status_code == 201 and decided.json()["status"] == "approved"
    assert manager.post(f"/api/action-plans/{plan_id}/put-in-effect/").json()["status"] == "in_effect"
    assert ActionItem.objects.get(pk=item.json()["id"]).baseline_due_on == dt.date(2026, 4, 1)


def test_the_plan_page_shows_items_slippage_and_decisions(
    world: Any, plan: ActionPlan, client_for: Any
) -> None:
    in_effect(world, plan)
    page = client_for("vendor").get(plan.get_absolute_url()).content.decode()
    assert (
        "Hand over runbook 0" in page and "Slippage by owner" in page and world.board_member.full_name in page
    )
