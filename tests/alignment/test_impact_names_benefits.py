"""An impact whose change is described in words may name the benefits it serves; the ledger then says
what a net-negative group gains, and a partner never reads an internal benefit there."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from accord.alignment.models import Impact
from accord.core.permissions import Visibility
from accord.core.services import create_record
from tests.alignment.builders import make_group
from tests.benefits.factories import BenefitFactory


def _impact(world: Any, group: Any, score: int, change: str, benefits: list[Any] = ()) -> Impact:
    return create_record(
        model=Impact,
        actor=world.program_manager,
        data={
            "program": world.program,
            "group": group,
            "change": change,
            "score": score,
            "benefits": list(benefits),
        },
    )


def _gains(html: str) -> str:
    section = re.search(r'<section class="card" aria-labelledby="neg-\d+">(.*?)</section>', html, re.S).group(
        1
    )
    return re.findall(r'<ul class="plain">(.*?)</ul>', section, re.S)[1]


def test_a_free_text_change_that_names_benefits_shows_them_among_what_the_group_gains(
    world: Any, client_for: Any
) -> None:
    hospitalists = make_group(world, "Hospitalists")
    burden = BenefitFactory(program=world.program, title="Less documentation burden")
    _impact(world, hospitalists, -3, "Computerised order sets")
    _impact(world, hospitalists, 1, "Mobile handover lists", [burden])
    _impact(world, hospitalists, 1, "Protected optimisation time")
    html = (
        client_for("program_manager")
        .get(reverse("alignment:ledger", kwargs={"program_id": world.program.pk}))
        .content.decode()
    )
    gains = _gains(html)
    assert re.search(
        r"Mobile handover lists <span class=\"muted\">— benefits: Less documentation burden", gains
    )
    assert re.search(r"Protected optimisation time</li>", gains)


def test_a_partner_does_not_read_an_internal_benefit_in_the_ledger(world: Any, client_for: Any) -> None:
    vendor_group = make_group(world, "EHR vendor", visibility=Visibility.SHARED)
    secret = BenefitFactory(program=world.program, title="Lower vendor spend", visibility=Visibility.INTERNAL)
    shared = BenefitFactory(
        program=world.program, title="Faster go-live support", visibility=Visibility.SHARED
    )
    _impact(world, vendor_group, -2, "Fixed-price support")
    _impact(world, vendor_group, 1, "Longer contract", [secret, shared])
    html = (
        client_for("vendor")
        .get(reverse("alignment:ledger", kwargs={"program_id": world.program.pk}))
        .content.decode()
    )
    gains = _gains(html)
    assert "Faster go-live support" in gains and "Lower vendor spend" not in html


def test_the_api_names_benefits_of_the_same_program_only(world: Any, api_for: Any) -> None:
    group = make_group(world, "Nursing")
    mine = BenefitFactory(program=world.program)
    theirs = BenefitFactory(program=world.other_program)
    api = api_for("program_manager")
    payload = {"program": world.program.pk, "group": group.pk, "change": "Bedside scanning", "score": 2}
    assert api.post("/api/impacts/", {**payload, "benefits": [theirs.pk]}, format="json").status_code == 400
    created = api.post("/api/impacts/", {**payload, "benefits": [mine.pk]}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["benefits"] == [mine.pk]
    assert list(Impact.objects.get(pk=created.json()["id"]).benefits.all()) == [mine]


def test_the_impact_form_saves_the_benefits(world: Any, client_for: Any) -> None:
    group = make_group(world, "Nursing")
    benefit = BenefitFactory(program=world.program, title="Fewer falls")
    response = client_for("program_manager").post(
        reverse("alignment:impact_create", kwargs={"program_id": world.program.pk}),
        {"group": group.pk, "change": "Bed alarms", "score": 1, "benefits": [benefit.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert list(Impact.objects.get(change="Bed alarms").benefits.all()) == [benefit]
