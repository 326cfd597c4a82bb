"""A red flag's owner must be able to see it: the API's generic PATCH keeps the rule the triage applies,
so a flag owned by a vendor cannot be made hospital-internal behind the vendor's back."""

from __future__ import annotations

from typing import Any

import pytest

from accord.core.models import AuditEntry
from accord.governance import services
from accord.governance.models import RedFlag
from tests.governance.factories import raise_flag, triage


def _flag_owned_by(world: Any, owner: str) -> RedFlag:
    flag = raise_flag(world, by="member", visibility="shared")
    return triage(world, flag, owner=owner)


def _audit_rows(flag: RedFlag) -> int:
    return AuditEntry.objects.filter(object_type="governance.redflag", object_id=str(flag.pk)).count()


def test_a_flag_owned_by_a_vendor_cannot_be_made_internal_through_the_api(world: Any, api_for: Any) -> None:
    flag = _flag_owned_by(world, "vendor")
    rows = _audit_rows(flag)
    response = api_for("program_manager").patch(
        f"/api/red-flags/{flag.pk}/", {"visibility": "internal", "title": "Renamed"}, format="json"
    )
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["visibility"])
    assert "cannot see hospital-internal flags" in message
    flag.refresh_from_db()
    assert flag.visibility == "shared" and flag.title != "Renamed"
    assert _audit_rows(flag) == rows
    assert api_for("vendor").get(f"/api/red-flags/{flag.pk}/").status_code == 200


def test_triage_refuses_a_partner_owner_for_an_internal_flag_with_the_same_rule(
    world: Any, api_for: Any
) -> None:
    flag = raise_flag(world, by="member", visibility="internal")
    response = api_for("program_manager").post(
        f"/api/red-flags/{flag.pk}/transition/",
        {"to": "triaged", "owner": world.vendor.pk, "response_due": "2026-03-09"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "cannot see hospital-internal flags" in " ".join(response.json()["owner"])
    flag.refresh_from_db()
    assert flag.state == "raised" and flag.owner_id is None


def test_a_flag_owned_by_hospital_staff_may_still_be_made_internal(world: Any, api_for: Any) -> None:
    flag = _flag_owned_by(world, "stakeholder_lead")
    response = api_for("program_manager").patch(
        f"/api/red-flags/{flag.pk}/", {"visibility": "internal"}, format="json"
    )
    assert response.status_code == 200, response.content
    flag.refresh_from_db()
    assert flag.visibility == "internal"
    assert api_for("vendor").get(f"/api/red-flags/{flag.pk}/").status_code == 404


def test_an_unowned_flag_may_be_made_internal(world: Any, api_for: Any) -> None:
    flag = raise_flag(world, by="member", visibility="shared")
    response = api_for("program_manager").patch(
        f"/api/red-flags/{flag.pk}/", {"visibility": "internal"}, format="json"
    )
    assert response.status_code == 200, response.content


def test_an_amendment_never_moves_the_state_or_the_owner(world: Any) -> None:
    flag = _flag_owned_by(world, "stakeholder_lead")
    with pytest.raises(TypeError, match="owner, state"):
        services.amend_red_flag(
            flag=flag, actor=world.program_manager, data={"state": "closed", "owner": world.vendor}
        )
    flag.refresh_from_db()
    assert flag.state == "triaged" and flag.owner == world.stakeholder_lead
