"""Owners of objectives, benefits, initiatives and success factors are members of the record's program, through
the page forms and the API alike; a departed owner does not block an unrelated edit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accord.benefits.choices import ValueStepsCategory
from accord.benefits.models import Benefit, SuccessFactor
from accord.core.permissions import Visibility
from accord.programs.models import Membership
from accord.programs.services import remove_member
from tests.benefits.factories import BenefitFactory, InitiativeFactory, ObjectiveFactory
from tests.link_integrity import northbridge_person, not_a_member


def _benefit_payload(world: Any, **extra: Any) -> dict[str, Any]:
    return {
        "program": world.program.pk,
        "title": "Fewer medication errors",
        "category": ValueStepsCategory.TREATMENT,
        "window_start": "2026-01-01",
        "window_end": "2028-12-31",
        "visibility": Visibility.INTERNAL,
        **extra,
    }


def test_the_api_refuses_a_benefit_owned_by_someone_outside_the_program(world: Any, api_for: Any) -> None:
    outsider = northbridge_person(world)
    response = api_for("program_manager").post(
        "/api/benefits/", _benefit_payload(world, owner=outsider.pk), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"owner": [not_a_member(outsider)]}
    assert not Benefit.objects.filter(title="Fewer medication errors").exists()


@pytest.mark.parametrize(
    "endpoint, make",
    [
        ("benefits", lambda world: BenefitFactory(program=world.program)),
        ("objectives", lambda world: ObjectiveFactory(program=world.program)),
        ("initiatives", lambda world: InitiativeFactory(program=world.program)),
        (
            "success-factors",
            lambda world: (
                SuccessFactor.objects.filter(program=world.program).first()
                or SuccessFactor.objects.create(program=world.program, name="Training")
            ),
        ),
    ],
)
def test_the_api_refuses_to_hand_a_record_to_someone_outside_the_program(
    world: Any, api_for: Any, endpoint: str, make: Any
) -> None:
    record = make(world)
    outsider = northbridge_person(world)
    client = api_for("program_manager")
    response = client.patch(f"/api/{endpoint}/{record.pk}/", {"owner": outsider.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"owner": [not_a_member(outsider)]}
    record.refresh_from_db()
    assert record.owner_id is None
    assert (
        client.patch(f"/api/{endpoint}/{record.pk}/", {"owner": world.member.pk}, format="json").status_code
        == 200
    )


def test_the_benefit_form_offers_and_accepts_only_members_of_the_program(world: Any, client_for: Any) -> None:
    outsider = northbridge_person(world)
    client = client_for("program_manager")
    url = reverse("benefits:benefit_create", kwargs={"program_id": world.program.pk})
    page = client.get(url).content.decode()
    assert world.member.full_name in page and outsider.full_name not in page
    response = client.post(url, {**_benefit_payload(world, owner=outsider.pk), "program": ""})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Benefit.objects.filter(title="Fewer medication errors").exists()


def test_a_benefit_keeps_its_departed_owner_and_still_saves(
    world: Any, api_for: Any, client_for: Any
) -> None:
    benefit = BenefitFactory(program=world.program, owner=world.member)
    remove_member(
        actor=world.program_manager,
        membership=Membership.objects.get(program=world.program, person=world.member),
    )
    response = api_for("program_manager").patch(
        f"/api/benefits/{benefit.pk}/", {"title": "Renamed"}, format="json"
    )
    assert response.status_code == 200 and response.json()["owner"] == world.member.pk
    # The edit page still shows (and keeps) the departed owner rather than refusing its own initial value.
    url = reverse("benefits:benefit_edit", kwargs={"program_id": world.program.pk, "pk": benefit.pk})
    form = _benefit_payload(
        world,
        title="Renamed again",
        owner=world.member.pk,
        status=benefit.status,
        visibility=benefit.visibility,
    )
    assert client_for("program_manager").post(url, form).status_code == 302
    benefit.refresh_from_db()
    assert (benefit.title, benefit.owner_id) == ("Renamed again", world.member.pk)
    # But nobody can be newly named owner once they have left.
    other = BenefitFactory(program=world.program)
    response = api_for("program_manager").patch(
        f"/api/benefits/{other.pk}/", {"owner": world.member.pk}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"owner": [not_a_member(world.member)]}


def test_model_validation_names_the_non_member_whatever_the_caller(world: Any) -> None:
    outsider = northbridge_person(world)
    benefit = Benefit(
        program=world.program,
        title="Shorter A/R days",
        category=ValueStepsCategory.SAVINGS,
        window_start="2026-01-01",
        window_end="2027-01-01",
        owner=outsider,
    )
    with pytest.raises(ValidationError) as error:
        benefit.full_clean()
    assert error.value.message_dict == {"owner": [not_a_member(outsider)]}
