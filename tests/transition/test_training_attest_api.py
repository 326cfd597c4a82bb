"""POST /api/training-records/{id}/attest/: the trained person confirms a completion someone else recorded,
through the service the training page's "confirm" uses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.admin.sites import site

from accord.core.models import AuditEntry
from accord.transition import services
from accord.transition.models import TrainingRecord
from tests.transition.factories import TrainingModuleFactory


def _recorded_for_the_vendor(world: Any) -> TrainingRecord:
    module = TrainingModuleFactory(program=world.program, title="HIPAA privacy")
    return services.record_training(
        module=module, person=world.vendor, completed_on=dt.date(2026, 10, 1), actor=world.program_manager
    )


def test_the_trained_person_attests_their_record_through_the_api(world: Any, api_for: Any) -> None:
    record = _recorded_for_the_vendor(world)
    assert not record.attested
    response = api_for("vendor").post(f"/api/training-records/{record.pk}/attest/", {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == record.pk and body["attested"] is True and body["attested_at"]
    record.refresh_from_db()
    assert record.attested and record.attested_at is not None
    entry = (
        AuditEntry.objects.filter(object_type="transition.trainingrecord", object_id=str(record.pk))
        .order_by("sequence")
        .last()
    )
    assert entry.actor_id == world.vendor.pk and "attested" in entry.changes


def test_attesting_twice_changes_nothing_the_second_time(world: Any, api_for: Any) -> None:
    record = _recorded_for_the_vendor(world)
    client = api_for("vendor")
    first = client.post(f"/api/training-records/{record.pk}/attest/", {}, format="json").json()
    rows = AuditEntry.objects.filter(
        object_type="transition.trainingrecord", object_id=str(record.pk)
    ).count()
    second = client.post(f"/api/training-records/{record.pk}/attest/", {}, format="json")
    assert second.status_code == 200
    assert second.json()["attested_at"] == first["attested_at"]
    assert (
        AuditEntry.objects.filter(object_type="transition.trainingrecord", object_id=str(record.pk)).count()
        == rows
    )


def test_nobody_else_attests_a_persons_record(world: Any, api_for: Any) -> None:
    record = _recorded_for_the_vendor(world)
    assert api_for("program_manager").post(f"/api/training-records/{record.pk}/attest/").status_code == 403
    assert api_for("consultant").post(f"/api/training-records/{record.pk}/attest/").status_code == 404
    assert api_for("outsider").post(f"/api/training-records/{record.pk}/attest/").status_code == 404
    record.refresh_from_db()
    assert not record.attested


def test_the_admin_neither_attests_for_someone_nor_adds_a_completion(world: Any, rf: Any) -> None:
    admin = site._registry[TrainingRecord]
    request = rf.get("/admin/")
    request.user = world.program_manager
    record = _recorded_for_the_vendor(world)
    assert {"attested", "attested_at", "completed_on", "person"} <= set(
        admin.get_readonly_fields(request, record)
    )
    assert not admin.has_add_permission(request)
