"""A transition service with a partner owner cannot be made hospital-internal, nor an internal service given
a partner owner (core `owner_fields`): refused by the page and the API, naming the field, nothing saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from accord.core.models import AuditEntry
from accord.transition.models import Service
from tests.transition.factories import ServiceFactory


def _service(world: Any, **extra: Any) -> Service:
    return ServiceFactory(
        program=world.program, name="Lab results", internal_owner=world.program_manager, **extra
    )


def test_the_api_refuses_to_make_a_service_with_a_vendor_owner_internal(world: Any, api_for: Any) -> None:
    service = _service(world, partner_owner=world.vendor, visibility="shared")
    rows = AuditEntry.objects.filter(object_type="transition.service", object_id=str(service.pk)).count()
    response = api_for("program_manager").patch(
        f"/api/services/{service.pk}/", {"visibility": "internal", "description": "Renamed"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert str(world.vendor) in " ".join(response.json()["visibility"])
    service.refresh_from_db()
    assert service.visibility == "shared" and service.description != "Renamed"
    assert (
        AuditEntry.objects.filter(object_type="transition.service", object_id=str(service.pk)).count() == rows
    )


def test_the_api_refuses_a_new_internal_service_with_a_partner_owner(world: Any, api_for: Any) -> None:
    response = api_for("program_manager").post(
        "/api/services/",
        {
            "program": world.program.pk,
            "name": "Radiology PACS",
            "kind": "application",
            "criticality": 2,
            "internal_owner": world.program_manager.pk,
            "partner_owner": world.consultant.pk,
            "visibility": "internal",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"partner_owner"}
    assert not Service.objects.filter(name="Radiology PACS").exists()


def test_an_internal_service_owned_by_the_hospital_alone_is_taken(world: Any, api_for: Any) -> None:
    service = _service(world, visibility="shared")
    response = api_for("program_manager").patch(
        f"/api/services/{service.pk}/", {"visibility": "internal"}, format="json"
    )
    assert response.status_code == 200, response.content


def test_the_page_refuses_a_partner_owner_for_an_internal_service(world: Any, client_for: Any) -> None:
    service = _service(world, visibility="internal")
    body = {
        "name": service.name,
        "kind": service.kind,
        "criticality": service.criticality,
        "internal_owner": world.program_manager.pk,
        "partner_owner": world.vendor.pk,
        "partner_incidents_handled": 0,
        "visibility": "internal",
    }
    response = client_for("program_manager").post(
        reverse("transition:service_edit", kwargs={"program_id": world.program.pk, "pk": service.pk}), body
    )
    assert response.status_code == 400
    assert "cannot see hospital-internal" in " ".join(response.context["form"].errors["partner_owner"])
    service.refresh_from_db()
    assert service.partner_owner is None


def test_a_service_a_vendor_is_assigned_to_cannot_be_made_internal(world: Any, api_for: Any) -> None:
    from accord.transparency.models import Assignment

    service = _service(world, visibility="shared")
    Assignment.objects.create(
        program=world.program,
        service=service,
        person=world.vendor,
        role_on_service="Primary support",
        starts_on=dt.date(2026, 1, 5),
    )
    response = api_for("program_manager").patch(
        f"/api/services/{service.pk}/", {"visibility": "internal"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "is assigned to this service" in " ".join(response.json()["visibility"])
    service.refresh_from_db()
    assert service.visibility == "shared"


def test_an_ended_vendor_assignment_does_not_keep_the_service_shared(world: Any, api_for: Any) -> None:
    from accord.transparency.models import Assignment

    service = _service(world, visibility="shared")
    Assignment.objects.create(
        program=world.program,
        service=service,
        person=world.vendor,
        role_on_service="Primary support",
        starts_on=dt.date(2020, 1, 6),
        ends_on=dt.date(2020, 6, 30),
    )
    response = api_for("program_manager").patch(
        f"/api/services/{service.pk}/", {"visibility": "internal"}, format="json"
    )
    assert response.status_code == 200, response.content
