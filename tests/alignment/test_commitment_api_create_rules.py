"""POST /api/commitments/ applies the status rules the commitment service applies to every change:
a delivery date only on a done commitment, a reason only and always on a dropped one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from accord.alignment.models import Commitment
from accord.core.models import AuditAction, AuditEntry
from tests.alignment.factories import alignment_world


def _body(world: Any, **fields: Any) -> dict[str, Any]:
    group = alignment_world(world)["hospital_group"]
    return {
        "program": world.program.pk,
        "group": group.pk,
        "what": "Train every ward on the new order sets",
        "due_date": "2026-12-18",
        **fields,
    }


def _count(world: Any) -> int:
    return Commitment.objects.filter(program=world.program).count()


def _days_from_today(days: int) -> str:
    # Relative to the day the API judges by, so the test reads the same whatever the date it runs on.
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_an_open_commitment_with_a_delivery_date_is_refused(world: Any, api_for: Any) -> None:
    body = _body(world, status="on_track", done_on=_days_from_today(-3))
    before = _count(world)
    response = api_for("program_manager").post("/api/commitments/", body, format="json")
    assert response.status_code == 400, response.content
    assert "done_on" in response.json()
    assert _count(world) == before


def test_a_dropped_commitment_without_a_reason_is_refused(world: Any, api_for: Any) -> None:
    body = _body(world, status="dropped", dropped_reason="   ")
    before = _count(world)
    response = api_for("program_manager").post("/api/commitments/", body, format="json")
    assert response.status_code == 400, response.content
    assert "dropped_reason" in response.json()
    assert _count(world) == before


def test_a_reason_for_dropping_on_a_commitment_that_is_not_dropped_is_refused(
    world: Any, api_for: Any
) -> None:
    body = _body(world, status="at_risk", dropped_reason="No budget")
    before = _count(world)
    response = api_for("program_manager").post("/api/commitments/", body, format="json")
    assert response.status_code == 400, response.content
    assert "dropped_reason" in response.json()
    assert _count(world) == before


def test_a_commitment_created_done_without_a_date_is_delivered_today_like_a_status_change(
    world: Any, api_for: Any
) -> None:
    response = api_for("program_manager").post(
        "/api/commitments/", _body(world, status="done"), format="json"
    )
    assert response.status_code == 201, response.content
    commitment = Commitment.objects.get(pk=response.json()["id"])
    assert commitment.status == "done" and commitment.done_on == timezone.localdate()


def test_a_commitment_created_done_keeps_the_delivery_date_given(world: Any, api_for: Any) -> None:
    delivered = _days_from_today(-3)
    response = api_for("program_manager").post(
        "/api/commitments/", _body(world, status="done", done_on=delivered), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["done_on"] == delivered


def test_a_delivery_date_after_today_is_refused(world: Any, api_for: Any) -> None:
    body = _body(world, status="done", done_on=_days_from_today(30))
    before = _count(world)
    response = api_for("program_manager").post("/api/commitments/", body, format="json")
    assert response.status_code == 400, response.content
    assert "done_on" in response.json()
    assert _count(world) == before


def test_a_plain_new_commitment_is_still_accepted(world: Any, api_for: Any) -> None:
    response = api_for("program_manager").post("/api/commitments/", _body(world), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "not_started" and response.json()["done_on"] is None


def test_a_patch_giving_an_open_commitment_a_delivery_date_is_refused(world: Any, api_for: Any) -> None:
    commitment = alignment_world(world)["commitment"]
    response = api_for("program_manager").patch(
        f"/api/commitments/{commitment.pk}/", {"done_on": _days_from_today(-3)}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "done_on" in response.json()
    commitment.refresh_from_db()
    assert commitment.done_on is None


def test_a_put_of_the_record_read_back_after_dropping_it_may_reopen_it(world: Any, api_for: Any) -> None:
    commitment = alignment_world(world)["commitment"]
    client = api_for("program_manager")
    url = f"/api/commitments/{commitment.pk}/"
    dropped = client.patch(url, {"status": "dropped", "dropped_reason": "No budget"}, format="json")
    assert dropped.status_code == 200, dropped.content
    body = {k: v for k, v in dropped.json().items() if k not in {"notes", "id", "created_at", "updated_at"}}
    response = client.put(url, {**body, "status": "on_track"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "on_track" and response.json()["dropped_reason"] == ""


def test_marking_a_commitment_done_through_the_api_records_today(world: Any, api_for: Any) -> None:
    commitment = alignment_world(world)["commitment"]
    response = api_for("program_manager").patch(
        f"/api/commitments/{commitment.pk}/", {"status": "done"}, format="json"
    )
    assert response.status_code == 200, response.content
    commitment.refresh_from_db()
    assert commitment.done_on == timezone.localdate()


def test_the_page_adds_a_commitment_through_the_same_service(world: Any, client_for: Any) -> None:
    group = alignment_world(world)["hospital_group"]
    url = reverse("alignment:commitment_create", kwargs={"program_id": world.program.pk})
    response = client_for("program_manager").post(
        url, {"group": group.pk, "what": "Staff the night-shift help desk", "due_date": _days_from_today(20)}
    )
    assert response.status_code == 302
    commitment = Commitment.objects.get(what="Staff the night-shift help desk")
    assert commitment.status == "not_started" and commitment.done_on is None
    entry = AuditEntry.objects.get(object_type="alignment.commitment", object_id=str(commitment.pk))
    assert entry.action == AuditAction.CREATE and entry.actor_id == world.program_manager.pk


def test_the_delivery_date_of_a_done_commitment_may_be_corrected_but_not_into_the_future(
    world: Any, api_for: Any
) -> None:
    commitment = alignment_world(world)["commitment"]
    client = api_for("program_manager")
    url = f"/api/commitments/{commitment.pk}/"
    assert client.patch(url, {"status": "done"}, format="json").status_code == 200
    corrected = client.patch(url, {"done_on": _days_from_today(-2)}, format="json")
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["done_on"] == _days_from_today(-2)
    refused = client.patch(url, {"done_on": _days_from_today(5)}, format="json")
    assert refused.status_code == 400 and "done_on" in refused.json()
    commitment.refresh_from_db()
    assert commitment.done_on.isoformat() == _days_from_today(-2)
