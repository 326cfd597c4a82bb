"""Links on governance records: risk and red-flag owners are members of the program, and a red flag raised by
a vendor or consultant is shared, so they follow it through the ordinary visibility rule."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.urls import reverse

from accord.governance.models import RedFlag, Risk
from tests.governance.factories import make_risk, raise_flag
from tests.link_integrity import northbridge_person, not_a_member

PARTNER_FLAG = "A flag raised by a vendor or consultant is shared with partners."


def _flag_form(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Interface queue backs up every night",
        "description": "Seen three nights running.",
        "severity": "high",
        **extra,
    }


# --- Owners are members -----------------------------------------------------------------------------------


def test_the_api_refuses_a_risk_owner_from_outside_the_program(world: Any, api_for: Any) -> None:
    outsider = northbridge_person(world)
    client = api_for("program_manager")
    response = client.post(
        "/api/risks/",
        {
            "program": world.program.pk,
            "title": "Low CPOE adoption",
            "likelihood": 3,
            "impact": 4,
            "owner": outsider.pk,
        },
        format="json",
    )
    assert response.status_code == 400 and response.json() == {"owner": [not_a_member(outsider)]}
    risk = make_risk(world)
    response = client.patch(f"/api/risks/{risk.pk}/", {"owner": outsider.pk}, format="json")
    assert response.status_code == 400 and response.json() == {"owner": [not_a_member(outsider)]}
    assert Risk.objects.get(pk=risk.pk).owner_id is None


def test_the_risk_form_offers_and_accepts_only_members_as_owner(world: Any, client_for: Any) -> None:
    outsider = northbridge_person(world)
    client = client_for("program_manager")
    url = reverse("governance:risk_create", kwargs={"program_id": world.program.pk})
    assert outsider.full_name not in client.get(url).content.decode()
    form = {
        "title": "Low CPOE adoption",
        "category": "adoption",
        "likelihood": 3,
        "impact": 4,
        "response": "reduce",
        "status": "open",
        "visibility": "internal",
        "owner": outsider.pk,
    }
    response = client.post(url, form)
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert client.post(url, {**form, "owner": world.member.pk}).status_code == 302


def test_a_red_flag_cannot_be_triaged_to_someone_outside_the_program(world: Any, api_for: Any) -> None:
    outsider = northbridge_person(world)
    flag = raise_flag(world)
    response = api_for("program_manager").post(
        f"/api/red-flags/{flag.pk}/transition/",
        {"to": "triaged", "owner": outsider.pk, "response_due": "2026-03-09"},
        format="json",
    )
    assert response.status_code == 400 and response.json() == {"owner": [not_a_member(outsider)]}


# --- A partner's red flag is shared ----------------------------------------------------------------------------


def test_a_consultants_flag_is_shared_and_the_vendor_sees_it_too(world: Any, api_for: Any) -> None:
    response = api_for("consultant").post(
        "/api/red-flags/", {"program": world.program.pk, **_flag_form()}, format="json"
    )
    assert response.status_code == 201 and response.json()["visibility"] == "shared"
    flag = RedFlag.objects.get(pk=response.json()["id"])
    # Seen through the ordinary rule (a shared record), not only as its raiser.
    assert flag in RedFlag.objects.visible_to(world.vendor)
    assert api_for("vendor").get(f"/api/red-flags/{flag.pk}/").status_code == 200


def test_a_partner_cannot_raise_a_hospital_internal_flag(world: Any, api_for: Any, client_for: Any) -> None:
    response = api_for("vendor").post(
        "/api/red-flags/",
        {"program": world.program.pk, **_flag_form(), "visibility": "internal"},
        format="json",
    )
    assert response.status_code == 400 and response.json() == {"visibility": [PARTNER_FLAG]}
    client = client_for("consultant")
    url = reverse("governance:red_flag_raise", kwargs={"program_id": world.program.pk})
    page = client.get(url).content.decode()
    assert 'value="internal"' not in page and "shared with all partners" in page
    response = client.post(url, _flag_form(visibility="internal"))
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not RedFlag.objects.exists()
    assert client.post(url, _flag_form(visibility="shared")).status_code == 302
    assert RedFlag.objects.get().visibility == "shared"


def test_a_hospital_member_still_raises_internal_flags_by_default(world: Any, api_for: Any) -> None:
    response = api_for("member").post(
        "/api/red-flags/", {"program": world.program.pk, **_flag_form()}, format="json"
    )
    assert response.status_code == 201 and response.json()["visibility"] == "internal"


def test_a_partners_flag_cannot_be_made_internal_afterwards(world: Any, api_for: Any) -> None:
    flag = raise_flag(world, by="consultant")
    response = api_for("program_manager").patch(
        f"/api/red-flags/{flag.pk}/", {"visibility": "internal"}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"visibility": [PARTNER_FLAG]}
    flag.refresh_from_db()
    assert flag.visibility == "shared"


def test_the_data_migration_shares_internal_flags_raised_by_partners(world: Any) -> None:
    partners = raise_flag(world, by="consultant", title="Physician engagement is collapsing")
    hospitals = raise_flag(world, by="member", visibility="internal", title="Backups untested")
    RedFlag.objects.filter(pk=partners.pk).update(visibility="internal")  # as stored before the rule
    migration = importlib.import_module("accord.governance.migrations.0003_partner_raised_flags_shared")
    migration.share_partner_flags(apps, None)
    assert RedFlag.objects.get(pk=partners.pk).visibility == "shared"
    assert RedFlag.objects.get(pk=hospitals.pk).visibility == "internal"
