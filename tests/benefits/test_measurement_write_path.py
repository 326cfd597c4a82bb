"""The API records a measurement through the same service as the page: a second reading of a KPI on a
date it already has updates that reading (as the page and imports do), never duplicates or refuses it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from accord.benefits.models import Measurement
from accord.core.models import AuditAction, AuditEntry
from tests.benefits.factories import KpiFactory

DAY = dt.date(2025, 4, 1)


def _audit_actions(measurement_id: int) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="benefits.measurement", object_id=str(measurement_id))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def test_posting_a_reading_for_a_date_already_recorded_updates_it(world: Any, api_for: Any) -> None:
    kpi = KpiFactory(program=world.program, benefit__program=world.program)
    api = api_for("program_manager")
    payload = {"program": world.program.pk, "kpi": kpi.pk, "measured_on": DAY.isoformat(), "value": 31}
    first = api.post("/api/measurements/", payload, format="json")
    assert first.status_code == 201, first.content
    second = api.post("/api/measurements/", {**payload, "value": 35, "source": "EHR report"}, format="json")
    assert second.status_code == 200, second.content
    assert second.json()["id"] == first.json()["id"]
    assert float(second.json()["value"]) == 35
    [stored] = Measurement.objects.filter(kpi=kpi, measured_on=DAY)
    assert (float(stored.value), stored.source, stored.entered_by) == (
        35,
        "EHR report",
        world.program_manager,
    )
    assert _audit_actions(stored.pk) == [AuditAction.CREATE, AuditAction.UPDATE]


def test_the_same_reading_sent_again_changes_nothing_and_logs_nothing(world: Any, api_for: Any) -> None:
    kpi = KpiFactory(program=world.program, benefit__program=world.program)
    api = api_for("vendor")
    payload = {"program": world.program.pk, "kpi": kpi.pk, "measured_on": DAY.isoformat(), "value": 31}
    assert api.post("/api/measurements/", payload, format="json").status_code == 201
    again = api.post("/api/measurements/", payload, format="json")
    assert again.status_code == 200
    [stored] = Measurement.objects.filter(kpi=kpi)
    assert _audit_actions(stored.pk) == [AuditAction.CREATE]


def test_page_and_api_agree_on_a_reading_for_an_existing_date(
    world: Any, api_for: Any, client_for: Any
) -> None:
    kpi = KpiFactory(program=world.program, benefit__program=world.program)
    url = reverse("benefits:measurement_add", kwargs={"program_id": world.program.pk, "pk": kpi.pk})
    page = client_for("program_manager").post(url, {"value": "40", "measured_on": DAY.isoformat()})
    assert page.status_code in (200, 302), page.content
    api = api_for("program_manager").post(
        "/api/measurements/",
        {"program": world.program.pk, "kpi": kpi.pk, "measured_on": DAY.isoformat(), "value": 42},
        format="json",
    )
    assert api.status_code == 200, api.content
    assert [float(v) for v in Measurement.objects.filter(kpi=kpi).values_list("value", flat=True)] == [42]


def test_a_reading_the_model_refuses_is_a_400_and_stores_nothing(world: Any, api_for: Any) -> None:
    kpi = KpiFactory(program=world.program, benefit__program=world.program)
    response = api_for("program_manager").post(
        "/api/measurements/",
        {"program": world.other_program.pk, "kpi": kpi.pk, "measured_on": DAY.isoformat(), "value": 1},
        format="json",
    )
    assert response.status_code == 400
    assert not Measurement.objects.filter(kpi=kpi).exists()


def _reading_by_the_vendor(world: Any, api_for: Any, **extra: Any) -> Measurement:
    kpi = KpiFactory(program=world.program, benefit__program=world.program)
    payload = {
        "program": world.program.pk,
        "kpi": kpi.pk,
        "measured_on": DAY.isoformat(),
        "value": 31,
        **extra,
    }
    assert api_for("vendor").post("/api/measurements/", payload, format="json").status_code == 201
    return Measurement.objects.get(kpi=kpi, measured_on=DAY)


def test_correcting_a_reading_through_the_api_names_who_corrected_it_as_the_page_does(
    world: Any, api_for: Any
) -> None:
    reading = _reading_by_the_vendor(world, api_for)
    response = api_for("program_manager").patch(
        f"/api/measurements/{reading.pk}/", {"value": 33}, format="json"
    )
    assert response.status_code == 200, response.content
    assert float(response.json()["value"]) == 33
    assert response.json()["entered_by"] == world.program_manager.pk
    reading.refresh_from_db()
    assert (float(reading.value), reading.entered_by) == (33, world.program_manager)
    assert _audit_actions(reading.pk) == [AuditAction.CREATE, AuditAction.UPDATE]


def test_a_correction_with_a_blank_source_keeps_the_source_recorded_as_the_page_does(
    world: Any, api_for: Any
) -> None:
    reading = _reading_by_the_vendor(world, api_for, source="EHR report")
    response = api_for("program_manager").put(
        f"/api/measurements/{reading.pk}/",
        {
            "program": world.program.pk,
            "kpi": reading.kpi_id,
            "measured_on": DAY.isoformat(),
            "value": 34,
            "source": "",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    reading.refresh_from_db()
    assert (float(reading.value), reading.source, reading.entered_by) == (
        34,
        "EHR report",
        world.program_manager,
    )


def test_a_correction_that_changes_nothing_writes_no_audit_row(world: Any, api_for: Any) -> None:
    reading = _reading_by_the_vendor(world, api_for)
    response = api_for("program_manager").patch(
        f"/api/measurements/{reading.pk}/", {"value": 31}, format="json"
    )
    assert response.status_code == 200, response.content
    reading.refresh_from_db()
    assert reading.entered_by == world.vendor
    assert _audit_actions(reading.pk) == [AuditAction.CREATE]


def test_moving_a_reading_to_another_date_keeps_one_row_and_who_entered_it(world: Any, api_for: Any) -> None:
    reading = _reading_by_the_vendor(world, api_for)
    later = DAY + dt.timedelta(days=1)
    response = api_for("program_manager").patch(
        f"/api/measurements/{reading.pk}/", {"measured_on": later.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.content
    [stored] = Measurement.objects.filter(kpi=reading.kpi)
    assert (stored.pk, stored.measured_on, stored.entered_by) == (reading.pk, later, world.vendor)
