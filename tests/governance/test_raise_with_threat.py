"""Raising a red flag from the page with what it threatens: the flag keeps the benefit it names."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accord.governance.models import RedFlag
from tests.benefits.factories import BenefitFactory


def test_a_consultant_raises_a_flag_that_threatens_a_benefit_of_the_program(client: Any, world: Any) -> None:
    benefit = BenefitFactory(program=world.program, title="Physicians enter their own orders")
    client.force_login(world.consultant)
    response = client.post(
        reverse("governance:red_flag_raise", kwargs={"program_id": world.program.pk}),
        {
            "title": "Order sets bypass CPOE",
            "description": "Admission orders are still on paper on ward 4.",
            "severity": "high",
            "visibility": "shared",
            "threatens_benefit": benefit.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert RedFlag.objects.get(title="Order sets bypass CPOE").threatens_benefit == benefit


def test_a_benefit_of_another_program_is_not_offered(client: Any, world: Any) -> None:
    elsewhere = BenefitFactory(program=world.other_program, title="Elsewhere")
    client.force_login(world.consultant)
    response = client.post(
        reverse("governance:red_flag_raise", kwargs={"program_id": world.program.pk}),
        {
            "title": "T",
            "description": "D",
            "severity": "low",
            "visibility": "shared",
            "threatens_benefit": elsewhere.pk,
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not RedFlag.objects.filter(title="T").exists()
