"""A benefit that is not abandoned keeps no abandoned reason, and an internal benefit cannot be owned by a
vendor or consultant: refused by the page and the API, naming the field, nothing saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.benefits.models import Benefit
from accord.core.models import AuditEntry
from tests.benefits.factories import BenefitFactory

pytestmark = pytest.mark.django_db


def _rows(benefit: Benefit) -> int:
    return AuditEntry.objects.filter(object_type="benefits.benefit", object_id=str(benefit.pk)).count()


def _form(benefit: Benefit, **extra: Any) -> dict[str, Any]:
    return {
        "title": benefit.title,
        "category": benefit.category,
        "window_start": benefit.window_start.isoformat(),
        "window_end": benefit.window_end.isoformat(),
        "status": benefit.status,
        "visibility": benefit.visibility,
        **extra,
    }


def test_the_api_refuses_an_abandoned_reason_on_a_benefit_taken_up_again(world: Any, api_for: Any) -> None:
    benefit = BenefitFactory(program=world.program, status="abandoned", abandoned_reason="Vendor dropped it")
    rows = _rows(benefit)
    client = api_for("program_manager")
    response = client.patch(f"/api/benefits/{benefit.pk}/", {"status": "tracking"}, format="json")
    assert response.status_code == 400, response.content
    assert "Only an abandoned benefit has a reason" in " ".join(response.json()["abandoned_reason"])
    benefit.refresh_from_db()
    assert benefit.status == "abandoned" and _rows(benefit) == rows
    cleared = client.patch(
        f"/api/benefits/{benefit.pk}/", {"status": "tracking", "abandoned_reason": ""}, format="json"
    )
    assert cleared.status_code == 200, cleared.content


def test_the_api_refuses_a_new_benefit_with_a_reason_it_is_not_abandoned_for(
    world: Any, api_for: Any
) -> None:
    response = api_for("program_manager").post(
        "/api/benefits/",
        {
            "program": world.program.pk,
            "title": "Fewer duplicate tests",
            "category": "treatment",
            "window_start": "2026-01-01",
            "window_end": "2027-12-31",
            "status": "planned",
            "abandoned_reason": "Not needed",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"abandoned_reason"}
    assert not Benefit.objects.filter(title="Fewer duplicate tests").exists()


def test_the_page_refuses_an_abandoned_reason_on_a_benefit_not_abandoned(world: Any, client_for: Any) -> None:
    benefit = BenefitFactory(program=world.program, status="planned")
    response = client_for("program_manager").post(
        reverse("benefits:benefit_edit", kwargs={"program_id": world.program.pk, "pk": benefit.pk}),
        _form(benefit, abandoned_reason="Given up"),
    )
    assert response.status_code == 400
    assert "abandoned_reason" in response.context["form"].errors
    benefit.refresh_from_db()
    assert benefit.abandoned_reason == ""


def test_the_api_and_the_page_refuse_a_vendor_owner_for_an_internal_benefit(
    world: Any, api_for: Any, client_for: Any
) -> None:
    benefit = BenefitFactory(program=world.program, visibility="shared", owner=world.vendor)
    response = api_for("program_manager").patch(
        f"/api/benefits/{benefit.pk}/", {"visibility": "internal"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert str(world.vendor) in " ".join(response.json()["visibility"])
    page = client_for("program_manager").post(
        reverse("benefits:benefit_edit", kwargs={"program_id": world.program.pk, "pk": benefit.pk}),
        _form(benefit, owner=world.vendor.pk, visibility="internal"),
    )
    assert page.status_code == 400
    assert "visibility" in page.context["form"].errors
    benefit.refresh_from_db()
    assert benefit.visibility == "shared"
