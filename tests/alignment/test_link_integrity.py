"""Links a stakeholder group or a commitment may carry: leads and owners are members of the program, a group's
organisation is one its editor works with, and a commitment stays in its group unless the editor may move it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from accord.alignment.models import Commitment, StakeholderGroup
from accord.core.permissions import Visibility
from tests.alignment.builders import commit, make_group
from tests.alignment.factories import alignment_world
from tests.factories import OrganisationFactory
from tests.link_integrity import northbridge_person, not_a_member


def _group_form(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Pharmacy",
        "kind": "department",
        "power": 3,
        "interest": 2,
        "visibility": "internal",
        **extra,
    }


def _commitment_form(commitment: Commitment, **extra: Any) -> dict[str, Any]:
    return {
        "group": commitment.group_id,
        "what": commitment.what,
        "owner": commitment.owner_id or "",
        "due_date": commitment.due_date.isoformat(),
        **extra,
    }


# --- Leads and owners are members ------------------------------------------------------------------------


def test_the_api_refuses_a_group_lead_or_commitment_owner_from_outside_the_program(
    world: Any, api_for: Any
) -> None:
    data = alignment_world(world)
    outsider = northbridge_person(world)
    client = api_for("program_manager")
    response = client.patch(
        f"/api/stakeholder-groups/{data['hospital_group'].pk}/", {"lead": outsider.pk}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"lead": [not_a_member(outsider)]}
    response = client.post(
        "/api/stakeholder-groups/",
        {"program": world.program.pk, **_group_form(), "lead": outsider.pk},
        format="json",
    )
    assert response.status_code == 400 and response.json() == {"lead": [not_a_member(outsider)]}
    response = client.patch(
        f"/api/commitments/{data['commitment'].pk}/", {"owner": outsider.pk}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"owner": [not_a_member(outsider)]}
    assert Commitment.objects.get(pk=data["commitment"].pk).owner == world.stakeholder_lead


def test_the_api_refuses_group_members_from_outside_the_program(world: Any, api_for: Any) -> None:
    group = alignment_world(world)["hospital_group"]
    outsider = northbridge_person(world)
    response = api_for("program_manager").patch(
        f"/api/stakeholder-groups/{group.pk}/", {"members": [world.member.pk, outsider.pk]}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"members": [not_a_member(outsider)]}
    assert list(group.members.all()) == []


def test_the_group_form_offers_and_accepts_only_members_as_lead(world: Any, client_for: Any) -> None:
    outsider = northbridge_person(world)
    client = client_for("program_manager")
    url = reverse("alignment:group_create", kwargs={"program_id": world.program.pk})
    assert outsider.full_name not in client.get(url).content.decode()
    response = client.post(url, _group_form(lead=outsider.pk))
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert client.post(url, _group_form(lead=world.member.pk)).status_code == 302


# --- A group's organisation is one the editor works with ------------------------------------------------------


def test_a_group_cannot_name_an_organisation_its_editor_does_not_work_with(
    world: Any, api_for: Any, client_for: Any
) -> None:
    hidden = OrganisationFactory(name="St. Elsewhere Clinic")  # nobody in the lead's programs belongs to it
    response = api_for("stakeholder_lead").post(
        "/api/stakeholder-groups/",
        {"program": world.program.pk, **_group_form(), "organisation": hidden.pk},
        format="json",
    )
    assert response.status_code == 400 and list(response.json()) == ["organisation"]
    url = reverse("alignment:group_create", kwargs={"program_id": world.program.pk})
    client = client_for("stakeholder_lead")
    assert "St. Elsewhere Clinic" not in client.get(url).content.decode()
    response = client.post(url, _group_form(organisation=hidden.pk))
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not StakeholderGroup.objects.filter(name="Pharmacy").exists()
    # The hospital the lead works for is fine, through both.
    response = api_for("stakeholder_lead").post(
        "/api/stakeholder-groups/",
        {"program": world.program.pk, **_group_form(), "organisation": world.hospital.pk},
        format="json",
    )
    assert response.status_code == 201 and response.json()["organisation"] == world.hospital.pk


def test_an_existing_group_cannot_be_pointed_at_a_hidden_organisation_through_the_api(
    world: Any, api_for: Any
) -> None:
    group = alignment_world(world)["hospital_group"]
    hidden = OrganisationFactory(name="St. Elsewhere Clinic")
    response = api_for("stakeholder_lead").patch(
        f"/api/stakeholder-groups/{group.pk}/", {"organisation": hidden.pk}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["organisation"]
    group.refresh_from_db()
    assert group.organisation_id is None


# --- Who may move a commitment to another group --------------------------------------------------------------


@pytest.fixture
def consultants(world: Any) -> StakeholderGroup:
    alignment_world(world)
    return make_group(
        world, "Clinical advisors", lead=world.consultant, visibility=Visibility.SHARED, kind="consultants"
    )


def test_a_vendor_cannot_move_its_commitment_into_another_group(
    world: Any, api_for: Any, client_for: Any, consultants: StakeholderGroup
) -> None:
    mine = alignment_world(world)["vendor_commitment"]
    response = api_for("vendor").patch(
        f"/api/commitments/{mine.pk}/", {"group": consultants.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"group": ["A vendor or consultant cannot move a commitment to another group."]}
    url = reverse("alignment:commitment_edit", kwargs={"program_id": world.program.pk, "pk": mine.pk})
    response = client_for("vendor").post(url, _commitment_form(mine, group=consultants.pk))
    assert response.status_code == 400
    assert "A vendor or consultant cannot move a commitment to another group." in response.content.decode()
    mine.refresh_from_db()
    assert mine.group == alignment_world(world)["vendor_group"]
    # The rest of their own commitment they still keep up to date.
    response = api_for("vendor").patch(
        f"/api/commitments/{mine.pk}/", {"what": "Deliver the build by March"}, format="json"
    )
    assert response.status_code == 200 and response.json()["group"] == mine.group_id


def test_a_stakeholder_lead_moves_a_commitment_only_between_groups_they_lead(
    world: Any, api_for: Any, client_for: Any
) -> None:
    data = alignment_world(world)
    theirs = make_group(world, "Nursing education", lead=world.stakeholder_lead)
    peers = make_group(world, "Pharmacy", lead=world.member)
    commitment = data["commitment"]
    client = api_for("stakeholder_lead")
    response = client.patch(f"/api/commitments/{commitment.pk}/", {"group": peers.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"group": ["You can only move a commitment between groups you lead."]}
    url = reverse("alignment:commitment_edit", kwargs={"program_id": world.program.pk, "pk": commitment.pk})
    response = client_for("stakeholder_lead").post(url, _commitment_form(commitment, group=peers.pk))
    assert response.status_code == 400
    assert "You can only move a commitment between groups you lead." in response.content.decode()
    assert (
        client.patch(f"/api/commitments/{commitment.pk}/", {"group": theirs.pk}, format="json").status_code
        == 200
    )
    commitment.refresh_from_db()
    assert commitment.group == theirs


def test_a_stakeholder_lead_cannot_pull_a_peers_commitment_into_their_own_group(
    world: Any, api_for: Any
) -> None:
    alignment_world(world)
    peers = make_group(world, "Pharmacy", lead=world.member)
    theirs = commit(world, peers, "Load the formulary", dt.date(2026, 4, 1), owner=world.stakeholder_lead)
    response = api_for("stakeholder_lead").patch(
        f"/api/commitments/{theirs.pk}/",
        {"group": alignment_world(world)["hospital_group"].pk},
        format="json",
    )
    assert response.status_code == 400 and list(response.json()) == ["group"]


def test_the_program_manager_moves_any_commitment(
    world: Any, api_for: Any, consultants: StakeholderGroup
) -> None:
    mine = alignment_world(world)["vendor_commitment"]
    response = api_for("program_manager").patch(
        f"/api/commitments/{mine.pk}/", {"group": consultants.pk}, format="json"
    )
    assert response.status_code == 200 and response.json()["group"] == consultants.pk
