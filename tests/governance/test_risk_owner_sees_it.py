"""An internal risk cannot be owned by a vendor or consultant (core `owner_fields`): refused by the page and
the API, naming the field, with nothing saved."""

from __future__ import annotations

from typing import Any

from accord.core.models import AuditEntry
from accord.governance.models import Risk
from tests.governance.factories import make_risk


def _body(world: Any, **extra: Any) -> dict[str, Any]:
    return {
        "program": world.program.pk,
        "title": "Interface backlog",
        "category": "technical",
        "likelihood": 3,
        "impact": 4,
        "response": "reduce",
        "status": "open",
        **extra,
    }


def test_the_api_refuses_a_new_internal_risk_owned_by_the_vendor(world: Any, api_for: Any) -> None:
    response = api_for("program_manager").post(
        "/api/risks/", _body(world, visibility="internal", owner=world.vendor.pk), format="json"
    )
    assert response.status_code == 400, response.content
    assert "cannot see hospital-internal risks" in " ".join(response.json()["owner"])
    assert not Risk.objects.filter(title="Interface backlog").exists()


def test_the_api_takes_a_shared_risk_owned_by_the_vendor_or_an_internal_one_owned_by_the_hospital(
    world: Any, api_for: Any
) -> None:
    client = api_for("program_manager")
    shared = client.post(
        "/api/risks/", _body(world, visibility="shared", owner=world.vendor.pk), format="json"
    )
    assert shared.status_code == 201, shared.content
    internal = client.post(
        "/api/risks/",
        _body(world, title="Staffing", visibility="internal", owner=world.program_manager.pk),
        format="json",
    )
    assert internal.status_code == 201, internal.content


def test_the_api_refuses_to_make_a_consultant_owned_risk_internal(world: Any, api_for: Any) -> None:
    risk = make_risk(world, owner=world.consultant, visibility="shared")
    rows = AuditEntry.objects.filter(object_type="governance.risk", object_id=str(risk.pk)).count()
    response = api_for("program_manager").patch(
        f"/api/risks/{risk.pk}/", {"visibility": "internal", "title": "Renamed"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "Consultant" in " ".join(response.json()["visibility"])
    risk.refresh_from_db()
    assert risk.visibility == "shared" and risk.title != "Renamed"
    assert AuditEntry.objects.filter(object_type="governance.risk", object_id=str(risk.pk)).count() == rows


def test_the_api_refuses_to_give_an_internal_risk_to_the_vendor(world: Any, api_for: Any) -> None:
    risk = make_risk(world, owner=world.program_manager, visibility="internal")
    response = api_for("program_manager").patch(
        f"/api/risks/{risk.pk}/", {"owner": world.vendor.pk}, format="json"
    )
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"owner"}
    risk.refresh_from_db()
    assert risk.owner == world.program_manager


def test_the_page_refuses_a_new_internal_risk_owned_by_the_vendor(world: Any, client_for: Any) -> None:
    body = _body(world, visibility="internal", owner=world.vendor.pk)
    body.pop("program")
    response = client_for("program_manager").post(f"/programs/{world.program.pk}/governance/risks/new/", body)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "cannot see hospital-internal risks" in " ".join(errors["owner"])
    assert not Risk.objects.filter(title="Interface backlog").exists()


def test_the_page_refuses_to_make_a_vendor_owned_risk_internal(world: Any, client_for: Any) -> None:
    risk = make_risk(world, owner=world.vendor, visibility="shared", title="Go-live date")
    body = _body(world, title="Go-live date", visibility="internal", owner=world.vendor.pk)
    body.pop("program")
    response = client_for("program_manager").post(
        f"/programs/{world.program.pk}/governance/risks/{risk.pk}/edit/", body
    )
    assert response.status_code == 400
    assert "visibility" in response.context["form"].errors
    risk.refresh_from_db()
    assert risk.visibility == "shared"
