"""A benefit's accountable group, and its page showing what concerns it: flags, risks, decisions,
commitments, the groups it serves or costs, with the KPI charts; partners see only what is shared."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accord.alignment.models import Impact
from accord.core.permissions import Visibility
from accord.core.services import create_record
from accord.governance import services as governance
from accord.governance.choices import RiskCategory
from tests.alignment.factories import CommitmentFactory, StakeholderGroupFactory
from tests.benefits.factories import BenefitFactory, InitiativeFactory, KpiFactory, ObjectiveFactory

NOW = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)


def test_the_accountable_group_must_belong_to_the_benefits_program(world: Any) -> None:
    stranger = StakeholderGroupFactory(program=world.other_program)
    benefit = BenefitFactory(program=world.program)
    benefit.accountable_group = stranger
    with pytest.raises(ValidationError, match="same program"):
        benefit.full_clean()


def test_the_form_and_the_api_set_the_accountable_group(world: Any, client_for: Any, api_for: Any) -> None:
    group = StakeholderGroupFactory(program=world.program, name="Pharmacy", visibility=Visibility.SHARED)
    benefit = BenefitFactory(program=world.program, title="Fewer medication errors")
    response = client_for("program_manager").post(
        reverse("benefits:benefit_edit", kwargs={"program_id": world.program.pk, "pk": benefit.pk}),
        {
            "title": benefit.title,
            "category": benefit.category,
            "window_start": "2025-01-01",
            "window_end": "2028-12-31",
            "status": benefit.status,
            "visibility": benefit.visibility,
            "accountable_group": group.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    benefit.refresh_from_db()
    assert benefit.accountable_group == group
    api = api_for("program_manager")
    assert api.get(f"/api/benefits/{benefit.pk}/").json()["accountable_group"] == group.pk
    stranger = StakeholderGroupFactory(program=world.other_program)
    refused = api.patch(f"/api/benefits/{benefit.pk}/", {"accountable_group": stranger.pk}, format="json")
    assert refused.status_code == 400
    benefit.refresh_from_db()
    assert benefit.accountable_group == group


@pytest.fixture
def concerned(world: Any) -> dict[str, Any]:
    program = world.program
    benefit = BenefitFactory(program=program, title="Fewer medication errors", visibility=Visibility.SHARED)
    KpiFactory(benefit=benefit, name="Medication errors per 1,000 doses")
    pharmacy = StakeholderGroupFactory(program=program, name="Pharmacy", visibility=Visibility.SHARED)
    nursing = StakeholderGroupFactory(program=program, name="Nursing", visibility=Visibility.INTERNAL)
    benefit.accountable_group = pharmacy
    benefit.save()
    governance.raise_red_flag(
        program=program,
        actor=world.vendor,
        title="Scanner firmware drops barcodes",
        description="Ward 3.",
        now=NOW,
        threatens_benefit=benefit,
    )
    internal_flag = governance.raise_red_flag(
        program=program,
        actor=world.member,
        title="Nurses bypass the scanner",
        description="Ward 5.",
        visibility=Visibility.INTERNAL,
        now=NOW,
        threatens_benefit=benefit,
    )
    risk = governance.convert_red_flag_to_risk(
        flag=internal_flag,
        actor=world.program_manager,
        likelihood=4,
        impact=4,
        category=RiskCategory.ADOPTION,
        title="Scanner workarounds persist",
        now=NOW,
    )
    governance.create_decision(
        program=program,
        actor=world.board_member,
        title="Retrain night shift on scanning",
        decision="Two sessions a week.",
        decided_on=dt.date(2026, 3, 10),
        visibility=Visibility.INTERNAL,
        benefits=[benefit],
    )
    governance.create_decision(
        program=program,
        actor=world.board_member,
        title="Vendor patches the scanner firmware",
        decision="By April.",
        decided_on=dt.date(2026, 3, 10),
        visibility=Visibility.SHARED,
        benefits=[benefit],
    )
    CommitmentFactory(group=pharmacy, what="Pharmacists audit scanning weekly", benefit=benefit)
    CommitmentFactory(group=nursing, what="Charge nurses check scanning at handover", benefit=benefit)
    objective = ObjectiveFactory(program=program)
    objective.benefits.add(benefit)
    initiative = InitiativeFactory(program=program, title="Barcode rollout")
    initiative.objectives.add(objective)
    for group, score in ((pharmacy, 2), (nursing, -2)):
        create_record(
            model=Impact,
            actor=world.program_manager,
            data={"program": program, "group": group, "initiative": initiative, "score": score},
        )
    return {"benefit": benefit, "risk": risk}


def _section(html: str, heading: str) -> str:
    match = re.search(rf">{re.escape(heading)}</h3>(.*?)</section>", html, re.S)
    assert match, heading
    return match.group(1)


def test_the_benefit_page_shows_everything_that_concerns_it(
    world: Any, concerned: dict[str, Any], client_for: Any
) -> None:
    html = client_for("program_manager").get(concerned["benefit"].get_absolute_url()).content.decode()
    assert 'data-kpi-chart="kpi-chart-data-' in html and "Medication errors per 1,000 doses" in html
    assert "Accountable group" in html and ">Pharmacy</a>" in html
    flags = _section(html, "Red flags that threaten it")
    assert "Scanner firmware drops barcodes" in flags and "Nurses bypass the scanner" in flags
    assert "Scanner workarounds persist" in _section(html, "Risks")
    decisions = _section(html, "Decisions")
    assert (
        "Retrain night shift on scanning" in decisions and "Vendor patches the scanner firmware" in decisions
    )
    commitments = _section(html, "Commitments")
    assert "Pharmacists audit scanning weekly" in commitments
    assert "Charge nurses check scanning at handover" in commitments
    ledger = _section(html, "Groups it serves or costs")
    serves, costs = ledger.split("<h4>Costs</h4>")
    assert "Pharmacy" in serves and "+2" in serves and "Nursing" not in serves
    assert "Nursing" in costs and "-2" in costs


def test_a_partner_sees_only_the_shared_records_on_the_benefit_page(
    world: Any, concerned: dict[str, Any], client_for: Any
) -> None:
    html = client_for("vendor").get(concerned["benefit"].get_absolute_url()).content.decode()
    assert "Scanner firmware drops barcodes" in html
    assert "Vendor patches the scanner firmware" in html
    assert "Pharmacists audit scanning weekly" in html
    for internal in (
        "Nurses bypass the scanner",
        "Scanner workarounds persist",
        "Retrain night shift on scanning",
        "Charge nurses check scanning at handover",
        ">Nursing</a>",
    ):
        assert internal not in html, internal


def test_the_benefit_page_stays_within_its_query_budget_as_concerns_grow(
    world: Any, concerned: dict[str, Any], client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for("program_manager")
    url = concerned["benefit"].get_absolute_url()
    client.get(url)
    for n in range(15):
        governance.raise_red_flag(
            program=world.program,
            actor=world.member,
            title=f"Another flag {n}",
            description="More.",
            now=NOW,
            threatens_benefit=concerned["benefit"],
        )
        group = StakeholderGroupFactory(program=world.program, name=f"Unit {n}")
        CommitmentFactory(group=group, benefit=concerned["benefit"])
        create_record(
            model=Impact,
            actor=world.program_manager,
            data={"program": world.program, "group": group, "change": f"Change {n}", "score": 1},
        ).benefits.add(concerned["benefit"])
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert "Another flag 14" in response.content.decode()
    assert "Unit 14" in response.content.decode()
