"""A stakeholder group cannot turn hospital-internal while a vendor or consultant owns one of its commitments
or leads it, and an internal group's commitment cannot be given to one (core `check_owners_see`): refused by
the page and the API, naming the field, with nothing saved."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accord.alignment.models import Commitment, StakeholderGroup
from accord.core.models import AuditEntry
from tests.alignment.factories import CommitmentFactory, StakeholderGroupFactory


def _shared_group_with_vendor_commitment(world: Any) -> StakeholderGroup:
    group = StakeholderGroupFactory(program=world.program, name="Interfaces team", visibility="shared")
    CommitmentFactory(group=group, program=world.program, owner=world.vendor, what="Deliver the HL7 feed")
    return group


def _rows(group: StakeholderGroup) -> int:
    return AuditEntry.objects.filter(
        object_type="alignment.stakeholdergroup", object_id=str(group.pk)
    ).count()


def test_the_api_refuses_to_make_internal_a_group_whose_commitment_a_vendor_owns(
    world: Any, api_for: Any
) -> None:
    group = _shared_group_with_vendor_commitment(world)
    rows = _rows(group)
    response = api_for("program_manager").patch(
        f"/api/stakeholder-groups/{group.pk}/",
        {"visibility": "internal", "wiifm": "Less paper"},
        format="json",
    )
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["visibility"])
    assert "owns a commitment of this group" in message and str(world.vendor) in message
    group.refresh_from_db()
    assert group.visibility == "shared" and group.wiifm != "Less paper"
    assert _rows(group) == rows


def test_a_group_whose_commitments_the_hospital_owns_may_turn_internal(world: Any, api_for: Any) -> None:
    group = StakeholderGroupFactory(program=world.program, visibility="shared")
    CommitmentFactory(group=group, program=world.program, owner=world.program_manager)
    response = api_for("program_manager").patch(
        f"/api/stakeholder-groups/{group.pk}/", {"visibility": "internal"}, format="json"
    )
    assert response.status_code == 200, response.content


def test_the_page_refuses_to_make_internal_a_group_whose_commitment_a_vendor_owns(
    world: Any, client_for: Any
) -> None:
    group = _shared_group_with_vendor_commitment(world)
    body = {"name": group.name, "kind": group.kind, "power": 3, "interest": 3, "visibility": "internal"}
    response = client_for("program_manager").post(
        reverse("alignment:group_edit", kwargs={"program_id": world.program.pk, "pk": group.pk}), body
    )
    assert response.status_code == 400
    assert "owns a commitment of this group" in " ".join(response.context["form"].errors["visibility"])
    group.refresh_from_db()
    assert group.visibility == "shared"


def test_the_api_refuses_a_vendor_lead_for_an_internal_group(world: Any, api_for: Any) -> None:
    response = api_for("program_manager").post(
        "/api/stakeholder-groups/",
        {
            "program": world.program.pk,
            "name": "Night nurses",
            "kind": "department",
            "power": 2,
            "interest": 4,
            "visibility": "internal",
            "lead": world.vendor.pk,
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"lead"}
    assert not StakeholderGroup.objects.filter(name="Night nurses").exists()


def test_the_api_refuses_to_give_a_commitment_of_an_internal_group_to_the_consultant(
    world: Any, api_for: Any
) -> None:
    group = StakeholderGroupFactory(program=world.program, visibility="internal")
    commitment = CommitmentFactory(group=group, program=world.program, owner=world.program_manager)
    response = api_for("program_manager").patch(
        f"/api/commitments/{commitment.pk}/", {"owner": world.consultant.pk}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "cannot see hospital-internal" in " ".join(response.json()["owner"])
    commitment.refresh_from_db()
    assert commitment.owner == world.program_manager
    assert not Commitment.objects.filter(owner=world.consultant).exists()
