"""Pages that edit change control's records through its services: the CAB's seats, the items of a draft plan
version and progress notes on any item, the measures' thresholds, and a recurring window."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from accord.change_control import queries
from accord.change_control.choices import Decision, ItemStatus
from accord.change_control.models import (
    ActionItem,
    ChangeAdvisoryBoard,
    ChangeMeasureThresholds,
    ChangeWindow,
)
from accord.change_control.services import plans
from accord.core.models import AuditEntry
from tests.change_control.factories import T0, cab_for, plan_with_items

pytestmark = pytest.mark.django_db


def url(world: Any, tail: str) -> str:
    return f"/programs/{world.program.pk}/changes/{tail}"


# The CAB


def test_the_program_manager_seats_the_cab_on_a_page_and_it_is_audited(world: Any, client_for: Any) -> None:
    response = client_for("program_manager").post(
        url(world, "cab/"),
        {
            "name": "Transition CAB",
            "members": [world.program_manager.pk, world.board_member.pk, world.stakeholder_lead.pk],
            "quorum": 2,
            "emergency_members": [world.board_member.pk],
            "emergency_quorum": 1,
            "clinical_approvers": [world.stakeholder_lead.pk],
        },
    )
    assert response.status_code == 302
    board = ChangeAdvisoryBoard.objects.get(program=world.program)
    assert set(board.members.all()) == {world.program_manager, world.board_member, world.stakeholder_lead}
    assert list(board.clinical_approvers.all()) == [world.stakeholder_lead]
    assert AuditEntry.objects.filter(
        object_type="change_control.changeadvisoryboard", action="create"
    ).exists()
    # Changing the emergency quorum later is one audited update.
    response = client_for("program_manager").post(
        url(world, "cab/"),
        {
            "name": "Transition CAB",
            "members": [world.program_manager.pk, world.board_member.pk],
            "quorum": 2,
            "emergency_members": [world.board_member.pk, world.program_manager.pk],
            "emergency_quorum": 2,
            "clinical_approvers": [world.stakeholder_lead.pk],
        },
    )
    assert response.status_code == 302
    board.refresh_from_db()
    assert board.emergency_quorum == 2 and board.members.count() == 2
    update = AuditEntry.objects.get(object_type="change_control.changeadvisoryboard", action="update")
    assert update.changes["emergency_quorum"] == [1, 2]


def test_the_partner_cannot_sit_on_the_cab_nor_a_quorum_exceed_its_seats(world: Any, client_for: Any) -> None:
    cab_for(world.program, members=[world.board_member], quorum=1)
    response = client_for("program_manager").post(
        url(world, "cab/"),
        {
            "name": "Transition CAB",
            "members": [world.board_member.pk, world.vendor.pk],
            "quorum": 3,
            "emergency_members": [],
            "emergency_quorum": 1,
            "clinical_approvers": [],
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "partners and auditors do not sit on the CAB" in body
    assert "A quorum of 3 cannot be reached by 2 member(s)." in body
    assert list(ChangeAdvisoryBoard.objects.get().members.all()) == [world.board_member]


# Plan items


@pytest.fixture
def plan(world: Any) -> Any:
    return plan_with_items(world.program, world.program_manager, [world.vendor], starts_on=T0.date())


def test_items_are_added_and_edited_on_a_draft_and_a_moved_date_is_recorded_with_its_reason(
    world: Any, plan: Any, client_for: Any
) -> None:
    client = client_for("program_manager")
    response = client.post(
        url(world, f"plans/{plan.pk}/items/new/"),
        {
            "key": "dr-test",
            "what": "Disaster-recovery test",
            "owner": world.vendor.pk,
            "due_on": "2026-05-01",
            "status": "not_started",
        },
    )
    assert response.status_code == 302
    item = plan.items.get(key="dr-test")
    response = client.post(
        url(world, f"plan-items/{item.pk}/edit/"),
        {
            "what": "Disaster-recovery test",
            "owner": world.vendor.pk,
            "due_on": "2026-05-15",
            "status": "not_started",
            "due_date_reason": "Waits for the tape library",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.due_on == dt.date(2026, 5, 15)
    moved = (
        AuditEntry.objects.filter(object_type="change_control.actionitem", object_id=str(item.pk))
        .filter(changes__has_key="due_date_moved")
        .get()
    )
    assert moved.changes["due_date_moved"] == ["2026-05-01", "2026-05-15"]
    assert moved.changes["days"] == [None, 14] and moved.changes["reason"] == [
        None,
        "Waits for the tape library",
    ]


def test_a_duplicate_key_is_refused_on_the_page_and_nothing_is_added(
    world: Any, plan: Any, client_for: Any
) -> None:
    response = client_for("program_manager").post(
        url(world, f"plans/{plan.pk}/items/new/"),
        {
            "key": "item-0",
            "what": "Again",
            "owner": world.vendor.pk,
            "due_on": "2026-05-01",
            "status": "not_started",
        },
    )
    assert response.status_code == 400
    assert plan.items.count() == 1


def test_items_of_an_approved_version_are_not_edited_but_progress_is_noted(
    world: Any, plan: Any, client_for: Any
) -> None:
    plans.submit_plan(plan=plan, actor=world.program_manager, now=T0)
    plans.decide_on_plan(plan=plan, actor=world.board_member, decision=Decision.APPROVE, now=T0)
    plans.put_plan_in_effect(plan=plan, actor=world.program_manager, now=T0)
    item = plan.items.get()
    assert client_for("program_manager").get(url(world, f"plan-items/{item.pk}/edit/")).status_code == 403
    assert client_for("program_manager").get(url(world, f"plans/{plan.pk}/items/new/")).status_code == 403
    response = client_for("vendor").post(
        url(world, f"plan-items/{item.pk}/progress/"), {"note": "Runbook drafted", "status": "in_progress"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS
    assert item.progress_notes.endswith(f"{world.vendor.full_name}: Runbook drafted")
    # The owner of another item (here the member, who owns none) may not note progress on this one.
    assert (
        client_for("member").post(url(world, f"plan-items/{item.pk}/progress/"), {"note": "x"}).status_code
        == 403
    )
    page = client_for("vendor").get(url(world, f"plans/{plan.pk}/"))
    assert "Note progress" in page.content.decode() and "Edit item" not in page.content.decode()


def test_a_progress_note_marking_an_item_done_dates_it(world: Any, plan: Any) -> None:
    item = plan.items.get()
    plans.note_progress(
        item=item, actor=world.vendor, note="Handed over", today=T0.date(), status=ItemStatus.DONE
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.done_on == T0.date()
    assert (
        ActionItem.objects.get(pk=item.pk).progress_notes
        == f"2026-03-02 {world.vendor.full_name}: Handed over"
    )


# Thresholds


def test_thresholds_default_as_before_and_are_validated(world: Any, client_for: Any) -> None:
    limits = queries.thresholds_of(world.program)
    assert (limits.min_success_rate_percent, limits.max_emergency_share_percent) == (90, 15)
    assert (limits.max_changes_causing_incidents, float(limits.max_cab_lead_time_days)) == (2, 10.0)
    response = client_for("program_manager").post(
        url(world, "thresholds/"),
        {
            "min_success_rate_percent": 101,
            "max_emergency_share_percent": 15,
            "max_changes_causing_incidents": 2,
            "max_cab_lead_time_days": "-1",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "less than or equal to 100" in body and "greater than or equal to 0" in body
    assert not ChangeMeasureThresholds.objects.exists()


def test_a_program_moves_a_threshold_and_the_measure_follows(world: Any, client_for: Any) -> None:
    today = timezone.localdate()

    def causing_incidents() -> Any:
        found = queries.measures(program=world.program, user=world.program_manager, today=today)
        return next(m for m in found if m.key == "causing_incidents")

    assert not causing_incidents().over_threshold
    response = client_for("program_manager").post(
        url(world, "thresholds/"),
        {
            "min_success_rate_percent": 80,
            "max_emergency_share_percent": 20,
            "max_changes_causing_incidents": 0,
            "max_cab_lead_time_days": "5.5",
        },
    )
    assert response.status_code == 302
    saved = ChangeMeasureThresholds.objects.get(program=world.program)
    assert saved.min_success_rate_percent == 80 and str(saved.max_cab_lead_time_days) == "5.5"
    measure = causing_incidents()
    assert "(at most 0)" in measure.detail


# A recurring window on the page


def test_the_window_page_takes_a_recurrence_and_refuses_a_bad_one(world: Any, client_for: Any) -> None:
    data = {
        "name": "Month-end billing close",
        "kind": "blackout",
        "time_zone": "America/Chicago",
        "starts_at": "2026-05-29T00:00",
        "ends_at": "2026-06-01T00:00",
        "recurrence": "FREQ=MONTHLY;BYMONTHDAY=-3",
    }
    bad = client_for("program_manager").post(
        url(world, "windows/new/"), {**data, "recurrence": "FREQ=SECONDLY"}
    )
    assert bad.status_code == 400 and "FREQ=SECONDLY is not allowed for a window" in bad.content.decode()
    assert not ChangeWindow.objects.exists()
    assert client_for("program_manager").post(url(world, "windows/new/"), data).status_code == 302
    assert ChangeWindow.objects.get().recurrence == "FREQ=MONTHLY;BYMONTHDAY=-3"
