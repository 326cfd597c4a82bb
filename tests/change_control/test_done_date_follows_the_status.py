"""An action item that is not done keeps no done date (ActionItem.clean()): the API refuses one naming done_on
and saves nothing; the item page and the progress note clear it when the item is reopened."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accord.change_control.choices import ItemStatus
from accord.change_control.models import ActionItem
from accord.change_control.services import plans
from accord.core.models import AuditEntry
from tests.change_control.factories import plan_with_items

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)


def _item(world: Any) -> ActionItem:
    plan = plan_with_items(world.program, world.program_manager, [world.stakeholder_lead], starts_on=START)
    return plan.items.get()


def _done(world: Any, item: ActionItem) -> ActionItem:
    return plans.update_item(
        item=item, actor=world.program_manager, data={"status": ItemStatus.DONE, "done_on": START}
    )


def _rows(item: ActionItem) -> int:
    return AuditEntry.objects.filter(object_type="change_control.actionitem", object_id=str(item.pk)).count()


def test_the_api_refuses_a_done_date_on_an_item_not_done(world: Any, api_for: Any) -> None:
    item = _item(world)
    rows = _rows(item)
    response = api_for("program_manager").patch(
        f"/api/action-items/{item.pk}/", {"done_on": "2026-03-05", "what": "Renamed"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "Only a done item has a done date" in " ".join(response.json()["done_on"])
    item.refresh_from_db()
    assert item.done_on is None and item.what != "Renamed"
    assert _rows(item) == rows


def test_the_api_refuses_to_reopen_an_item_keeping_its_done_date_and_takes_it_cleared(
    world: Any, api_for: Any
) -> None:
    item = _done(world, _item(world))
    client = api_for("program_manager")
    kept = client.patch(f"/api/action-items/{item.pk}/", {"status": "in_progress"}, format="json")
    assert kept.status_code == 400, kept.content
    assert set(kept.json()) == {"done_on"}
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.done_on == START
    cleared = client.patch(
        f"/api/action-items/{item.pk}/", {"status": "in_progress", "done_on": None}, format="json"
    )
    assert cleared.status_code == 200, cleared.content
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS and item.done_on is None


def test_the_item_page_clears_the_done_date_of_an_item_set_back_to_in_progress(
    world: Any, client_for: Any
) -> None:
    item = _done(world, _item(world))
    body = {
        "what": item.what,
        "owner": item.owner_id,
        "due_on": item.due_on.isoformat(),
        "status": "in_progress",
    }
    response = client_for("program_manager").post(
        reverse("change_control:item_edit", kwargs={"program_id": world.program.pk, "pk": item.pk}), body
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS and item.done_on is None


def test_the_item_page_dates_an_item_it_marks_done(world: Any, client_for: Any) -> None:
    item = _item(world)
    body = {"what": item.what, "owner": item.owner_id, "due_on": item.due_on.isoformat(), "status": "done"}
    response = client_for("program_manager").post(
        reverse("change_control:item_edit", kwargs={"program_id": world.program.pk, "pk": item.pk}), body
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.done_on is not None


def test_a_progress_note_refuses_a_done_date_with_another_status(world: Any, client_for: Any) -> None:
    item = _item(world)
    rows = _rows(item)
    client = client_for("program_manager")
    response = client.post(
        reverse("change_control:item_progress", kwargs={"program_id": world.program.pk, "pk": item.pk}),
        {"note": "Started", "status": "in_progress", "done_on": "2026-03-05"},
    )
    assert response.status_code == 302
    assert any("Only a done item has a done date" in str(m) for m in get_messages(response.wsgi_request))
    item.refresh_from_db()
    assert item.status == ItemStatus.NOT_STARTED and item.done_on is None and not item.progress_notes
    assert _rows(item) == rows


def test_a_progress_note_reopening_a_done_item_clears_its_date(world: Any) -> None:
    item = _done(world, _item(world))
    plans.note_progress(
        item=item,
        actor=world.program_manager,
        note="Failed the test",
        today=START,
        status=ItemStatus.IN_PROGRESS,
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS and item.done_on is None
