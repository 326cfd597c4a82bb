"""A hospital-internal change cannot be given a vendor or consultant implementer, nor a change a vendor
implements made internal (core `owner_fields`): the API refuses it naming the field, nothing saved."""

from __future__ import annotations

from typing import Any

import pytest

from accord.change_control.models import ChangeRequest
from tests.change_control.factories import draft_change

pytestmark = pytest.mark.django_db


def test_a_change_a_vendor_implements_cannot_be_made_internal(world: Any, api_for: Any) -> None:
    change = draft_change(world.program, world.program_manager, implementer=world.vendor, visibility="shared")
    response = api_for("program_manager").patch(
        f"/api/change-requests/{change.pk}/", {"visibility": "internal"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert str(world.vendor) in " ".join(response.json()["visibility"])
    change.refresh_from_db()
    assert change.visibility == "shared"


def test_an_internal_change_refuses_a_consultant_implementer(world: Any, api_for: Any) -> None:
    change = draft_change(world.program, world.program_manager, visibility="internal")
    response = api_for("program_manager").patch(
        f"/api/change-requests/{change.pk}/", {"implementer": world.consultant.pk}, format="json"
    )
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"implementer"}
    assert not ChangeRequest.objects.filter(implementer=world.consultant).exists()
