"""The plus-sum ledger: each group's net over every change, the groups that lose overall with what costs them
most and what they gain, and the verdict: plus-sum when no group's net is below zero."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from accord.alignment import engine
from accord.benefits.models import Benefit, Initiative, Objective
from accord.core.permissions import Visibility
from accord.core.services import create_record
from tests.alignment.builders import add_impact, make_group


def _ledger(client, world) -> str:
    response = client.get(f"/programs/{world.program.pk}/alignment/ledger/")
    assert response.status_code == 200
    return response.content.decode()


def _nets(html: str) -> list[str]:
    footer = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)
    return re.findall(r"<strong>([+-]\d+)</strong>", footer)


def _initiative_serving(
    world, title: str, benefit_title: str, *, visibility: str = Visibility.SHARED
) -> Initiative:
    actor = world.program_manager
    objective = create_record(
        model=Objective,
        actor=actor,
        data={"program": world.program, "title": f"Objective of {title}", "perspective": "patients_quality"},
    )
    create_record(
        model=Benefit,
        actor=actor,
        data={
            "program": world.program,
            "title": benefit_title,
            "category": "treatment",
            "objectives": [objective],
            "window_start": dt.date(2026, 1, 1),
            "window_end": dt.date(2028, 12, 31),
            "visibility": visibility,
        },
    )
    return create_record(
        model=Initiative,
        actor=actor,
        data={
            "program": world.program,
            "title": title,
            "start": dt.date(2026, 1, 1),
            "end": dt.date(2026, 12, 31),
            "objectives": [objective],
        },
    )


@pytest.fixture
def ledger_world(world):
    """Nursing loses overall (-3 -1 +2 = -2); IT gains (+2); Pharmacy has no impact yet (0)."""
    nursing = make_group(world, "Nursing", lead=world.stakeholder_lead)
    it = make_group(world, "Information technology")
    make_group(world, "Pharmacy")
    barcode = _initiative_serving(world, "Barcode medication rollout", "Fewer medication errors")
    add_impact(world, nursing, -1, "Chart at the bedside", rationale="Extra minutes per round")
    add_impact(world, nursing, -3, "Scan every dose", rationale="Scanners are missing on two wards")
    add_impact(world, nursing, 2, initiative=barcode)
    add_impact(world, it, 2, "Scan every dose")
    return {"nursing": nursing, "it": it}


def test_each_group_has_the_net_of_its_impacts_and_a_group_without_impacts_nets_zero(
    ledger_world, world, client_for
) -> None:
    html = _ledger(client_for("member"), world)
    heads = re.findall(r'<th scope="col"><a href="[^"]+">([^<]+)</a></th>', html)
    assert heads == ["Information technology", "Nursing", "Pharmacy"]
    assert _nets(html) == ["+2", "-2", "+0"]


def test_a_net_negative_group_is_flagged_with_its_costliest_changes_first_and_what_it_gains(
    ledger_world, world, client_for
) -> None:
    html = _ledger(client_for("member"), world)
    assert html.count('<span class="badge red">net negative</span>') == 1
    section = re.search(r'<section class="card" aria-labelledby="neg-\d+">(.*?)</section>', html, re.S).group(
        1
    )
    assert "Nursing: net -2" in section
    costs, gains = re.findall(r'<ul class="plain">(.*?)</ul>', section, re.S)
    assert re.findall(r'<span class="rag-red">([+-]\d)</span> ([^<]+?) <span', costs) == [
        ("-3", "Scan every dose"),
        ("-1", "Chart at the bedside"),
    ]
    assert "Scanners are missing on two wards" in costs
    assert "+2</span> Barcode medication rollout" in gains
    assert "benefits: Fewer medication errors" in gains
    assert "Information technology: net" not in html and "Pharmacy: net" not in html


def test_the_verdict_is_not_plus_sum_while_any_group_loses_overall(ledger_world, world, client_for) -> None:
    html = _ledger(client_for("member"), world)
    assert "Not yet plus-sum:</strong> 1 group loses overall" in html


def test_a_compensating_gain_makes_the_strategy_plus_sum_though_single_changes_still_cost(
    ledger_world, world, client_for
) -> None:
    add_impact(world, ledger_world["nursing"], 2, "Two extra scanners per ward")
    html = _ledger(client_for("member"), world)
    assert _nets(html) == ["+2", "+0", "+0"]
    assert "<strong>Plus-sum:</strong> every group gains overall" in html
    assert "net negative" not in html
    assert '<td class="rag-red">-3</td>' in html  # the cost is still on the ledger


def test_two_impacts_of_the_same_change_on_one_group_add_up_in_its_cell(world, client_for) -> None:
    nursing = make_group(world, "Nursing")
    add_impact(world, nursing, -2, "Scan every dose")
    add_impact(world, nursing, 1, "scan every dose ")
    html = _ledger(client_for("member"), world)
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    assert re.findall(r'<tr><th scope="row">([^<]+)</th>', body) == ["Scan every dose"]
    assert '<td class="rag-red">-1</td>' in html
    assert _nets(html) == ["-1"]


def test_the_engine_ledger_sorts_costs_and_gains_and_gives_the_verdict() -> None:
    rows = [
        engine.ImpactRow("a", "g1", -1),
        engine.ImpactRow("b", "g1", -3),
        engine.ImpactRow("c", "g1", 2),
        engine.ImpactRow("d", "g1", 3),
        engine.ImpactRow("a", "g2", 1),
    ]
    result = engine.ledger(rows, ["g1", "g2", "g3"])
    assert result.nets == {"g1": 1, "g2": 1, "g3": 0}
    assert [r.change for r in result.costs["g1"]] == ["b", "a"]
    assert [r.change for r in result.gains["g1"]] == ["d", "c"]
    assert result.plus_sum is True and result.negative_groups == []
    lost = engine.ledger([*rows, engine.ImpactRow("e", "g3", -1)], ["g1", "g2", "g3"])
    assert lost.plus_sum is False and lost.negative_groups == ["g3"]


def test_an_impact_names_either_an_initiative_or_a_change_and_scores_from_minus_three_to_three(world) -> None:
    nursing = make_group(world, "Nursing")
    initiative = _initiative_serving(world, "Barcode medication rollout", "Fewer medication errors")
    with pytest.raises(ValidationError, match="one of the two"):
        add_impact(world, nursing, 1, "Scan every dose", initiative=initiative)
    with pytest.raises(ValidationError, match="one of the two"):
        add_impact(world, nursing, 1, "  ")
    with pytest.raises(ValidationError) as error:
        add_impact(world, nursing, -4, "Scan every dose")
    assert "score" in error.value.message_dict
    assert not nursing.impacts.exists()


def test_partners_see_only_shared_groups_on_the_ledger_and_no_internal_benefits(world, client_for) -> None:
    nursing = make_group(world, "Nursing")
    vendor = make_group(world, "EHR vendor", lead=world.vendor, visibility=Visibility.SHARED, kind="vendor")
    internal = _initiative_serving(
        world, "Internal savings plan", "Confidential staffing savings", visibility=Visibility.INTERNAL
    )
    add_impact(world, nursing, -3, "Scan every dose")
    add_impact(world, vendor, -3, "Fix defects within the SLA")
    add_impact(world, vendor, 1, initiative=internal)
    hospital_view = _ledger(client_for("member"), world)
    assert "Confidential staffing savings" in hospital_view and "Nursing" in hospital_view
    html = _ledger(client_for("vendor"), world)
    assert "Nursing" not in html and "Scan every dose" not in html
    assert "EHR vendor: net -2" in html
    assert "Confidential staffing savings" not in html
    assert _nets(html) == ["-2"]
