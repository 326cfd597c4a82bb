"""A KPI's numerator and denominator are fields of their own: moved out of definitions written the old way
(and back), carried through program templates both ways, edited on the form and through the API with an
audit row, and shown on the KPI's page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from accord.benefits import demo
from accord.benefits.models import Kpi
from accord.core.models import AuditAction, AuditEntry
from accord.programs import services as program_services
from accord.programs.models import ProgramTemplate
from tests.benefits.factories import BenefitFactory, KpiFactory
from tests.factories import UserFactory

CPOE_NUMERATOR = "Medication orders entered by a licensed prescriber through CPOE in the period"
CPOE_DENOMINATOR = "All medication orders in the period"
GUIDANCE = "Take the baseline from the last full month before go-live."
# Exactly what program templates wrote into a KPI's definition before the fields existed.
FOLDED = (
    "Share of medication orders entered directly by the prescriber in the EHR.\n"
    f"Numerator: {CPOE_NUMERATOR}\n"
    f"Denominator: {CPOE_DENOMINATOR}\n"
    f"Baseline and target: {GUIDANCE}"
)
BEFORE_FIELDS = "0004_benefit_accountable_group"


def _migrate_benefits(target: str | None = None) -> None:
    if target is None:
        call_command("migrate", "benefits", verbosity=0)
    else:
        call_command("migrate", "benefits", target, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_folded_lines_into_the_fields_and_back() -> None:
    written_the_old_way = KpiFactory(name="CPOE adoption", definition=FOLDED)
    without_definition = KpiFactory(
        name="Satisfaction", definition="Numerator: Satisfied respondents\nDenominator: All respondents"
    )
    # Two "Numerator:" lines: which one is meant is not for a migration to guess, so the text stays.
    ambiguous = "Orders.\nNumerator: first reading\nNumerator: second reading"
    twice = KpiFactory(name="Typed twice", definition=ambiguous)
    plain = KpiFactory(name="Days in A/R", definition="Net A/R divided by average daily net revenue.")
    try:
        _migrate_benefits(BEFORE_FIELDS)
        _migrate_benefits()

        moved = Kpi.objects.get(pk=written_the_old_way.pk)
        assert (moved.numerator, moved.denominator) == (CPOE_NUMERATOR, CPOE_DENOMINATOR)
        assert moved.definition == (
            "Share of medication orders entered directly by the prescriber in the EHR.\n"
            f"Baseline and target: {GUIDANCE}"
        )
        only_lines = Kpi.objects.get(pk=without_definition.pk)
        assert (only_lines.definition, only_lines.numerator, only_lines.denominator) == (
            "",
            "Satisfied respondents",
            "All respondents",
        )
        left = Kpi.objects.get(pk=twice.pk)
        assert (left.definition, left.numerator, left.denominator) == (ambiguous, "", "")
        untouched = Kpi.objects.get(pk=plain.pk)
        assert (untouched.definition, untouched.numerator) == (plain.definition, "")

        # A KPI given its fields after the migration is folded back too, where templates put the lines.
        Kpi.objects.filter(pk=plain.pk).update(numerator="Net A/R", denominator="Average daily net revenue")
        _migrate_benefits(BEFORE_FIELDS)
        _migrate_benefits("0005_kpi_numerator_denominator")
        definitions = dict(Kpi.objects.values_list("pk", "definition"))
        assert definitions[written_the_old_way.pk] == FOLDED
        assert definitions[without_definition.pk] == without_definition.definition
        assert definitions[twice.pk] == ambiguous
        assert definitions[plain.pk] == (
            "Net A/R divided by average daily net revenue.\n"
            "Numerator: Net A/R\n"
            "Denominator: Average daily net revenue"
        )
        assert not Kpi.objects.exclude(numerator="", denominator="").exists()
    finally:
        _migrate_benefits()


@pytest.fixture
def creator(db: Any) -> Any:
    """A platform administrator: the one who may create programs and save them as templates."""
    return UserFactory(email="platform.admin@example.org", full_name="Platform Admin", is_staff=True)


def _body(kpi: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": 1,
        "benefits": [
            {
                "title": "Safer medication ordering",
                "category": "treatment",
                "kpis": [
                    {
                        "name": "CPOE adoption",
                        "unit": "%",
                        "direction": "increase",
                        "baseline_value": 20,
                        "target_value": 90,
                        **kpi,
                    }
                ],
            }
        ],
    }


def _template(name: str, body: dict[str, Any]) -> ProgramTemplate:
    template = ProgramTemplate(name=name, kind="emr_deployment", body=body)
    template.full_clean()
    template.save()
    return template


def test_a_program_saved_as_a_template_and_applied_again_keeps_numerator_and_denominator(
    creator: Any,
) -> None:
    template = _template(
        "Ordering",
        _body(
            {
                "definition": "Share of medication orders entered by the prescriber.",
                "numerator": CPOE_NUMERATOR,
                "denominator": CPOE_DENOMINATOR,
                "guidance": GUIDANCE,
            }
        ),
    )
    first = program_services.create_program(
        actor=creator, template=template, name="Riverside EHR", go_live_date=dt.date(2031, 3, 1)
    )
    made = Kpi.objects.get(program=first)
    assert (made.numerator, made.denominator) == (CPOE_NUMERATOR, CPOE_DENOMINATOR)
    assert made.definition == (
        f"Share of medication orders entered by the prescriber.\nBaseline and target: {GUIDANCE}"
    )

    saved = program_services.save_program_as_template(actor=creator, program=first, name="Riverside recipe")
    [captured] = saved.body["benefits"][0]["kpis"]
    assert (captured["numerator"], captured["denominator"]) == (CPOE_NUMERATOR, CPOE_DENOMINATOR)
    second = program_services.create_program(
        actor=creator, template=saved, name="Lakeside EHR", go_live_date=dt.date(2031, 3, 1)
    )
    again = Kpi.objects.get(program=second)
    assert (again.definition, again.numerator, again.denominator) == (
        made.definition,
        CPOE_NUMERATOR,
        CPOE_DENOMINATOR,
    )


def test_a_template_saved_before_the_fields_existed_still_applies_with_the_lines_taken_out(
    creator: Any,
) -> None:
    # What "save as template" captured before: the lines folded into the definition, no numerator key.
    old = _template("Saved last year", _body({"definition": FOLDED}))
    program = program_services.create_program(actor=creator, template=old, name="Old recipe EHR")
    kpi = Kpi.objects.get(program=program)
    assert (kpi.numerator, kpi.denominator) == (CPOE_NUMERATOR, CPOE_DENOMINATOR)
    assert kpi.definition == (
        "Share of medication orders entered directly by the prescriber in the EHR.\n"
        f"Baseline and target: {GUIDANCE}"
    )


def test_a_template_that_names_its_numerator_keeps_a_numerator_line_its_definition_quotes(
    creator: Any,
) -> None:
    definition = "Orders by prescribers.\nNumerator: as the pharmacy counts it"
    template = _template("Explicit", _body({"definition": definition, "numerator": CPOE_NUMERATOR}))
    program = program_services.create_program(actor=creator, template=template, name="Explicit EHR")
    kpi = Kpi.objects.get(program=program)
    assert (kpi.definition, kpi.numerator, kpi.denominator) == (definition, CPOE_NUMERATOR, "")


def test_a_template_whose_numerator_is_not_text_is_refused_and_says_where(db: Any) -> None:
    template = ProgramTemplate(name="Counted", kind="emr_deployment", body=_body({"numerator": ["orders"]}))
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert (
        "benefits 1 (“Safer medication ordering”), kpis 1 (“CPOE adoption”): numerator must be text, "
        "not ['orders']."
    ) in error.value.message_dict["body"]


def _form_data(kpi: Kpi, **changes: Any) -> dict[str, Any]:
    data = {
        "benefit": kpi.benefit_id,
        "name": kpi.name,
        "definition": kpi.definition,
        "numerator": kpi.numerator,
        "denominator": kpi.denominator,
        "unit": kpi.unit,
        "direction": kpi.direction,
        "baseline_value": kpi.baseline_value,
        "baseline_date": kpi.baseline_date.isoformat(),
        "target_value": kpi.target_value,
        "target_date": kpi.target_date.isoformat(),
        "milestones": "[]",
        "amber_tolerance": kpi.amber_tolerance,
        "red_tolerance": kpi.red_tolerance,
        "frequency": kpi.frequency,
        "data_source": "",
        "fhir_measure_url": "",
        "fhir_group_code": "",
    }
    return {**data, **changes}


def _update_entries(kpi: Kpi) -> list[dict[str, Any]]:
    entries = AuditEntry.objects.filter(object_id=str(kpi.pk), action=AuditAction.UPDATE).order_by("sequence")
    return [entry.changes for entry in entries]


def test_the_kpi_form_offers_numerator_and_denominator_and_saves_them_with_an_audit_row(
    world: Any, client_for: Any
) -> None:
    kpi = KpiFactory(benefit=BenefitFactory(program=world.program), name="CPOE adoption")
    url = reverse("benefits:kpi_edit", args=[world.program.pk, kpi.pk])
    client = client_for("program_manager")

    page = client.get(url).content.decode()
    assert 'name="numerator"' in page and 'name="denominator"' in page
    assert "What is counted" in page and "Out of what" in page

    response = client.post(
        url, _form_data(kpi, numerator=f"  {CPOE_NUMERATOR} ", denominator=CPOE_DENOMINATOR)
    )
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert (kpi.numerator, kpi.denominator) == (CPOE_NUMERATOR, CPOE_DENOMINATOR)
    assert _update_entries(kpi) == [
        {"numerator": ["", CPOE_NUMERATOR], "denominator": ["", CPOE_DENOMINATOR]}
    ]


def test_the_kpi_form_refuses_bad_input_and_keeps_the_numerator_typed(world: Any, client_for: Any) -> None:
    kpi = KpiFactory(benefit=BenefitFactory(program=world.program), name="CPOE adoption")
    url = reverse("benefits:kpi_edit", args=[world.program.pk, kpi.pk])
    response = client_for("program_manager").post(
        url, _form_data(kpi, numerator=CPOE_NUMERATOR, target_value=kpi.baseline_value)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The target equals the baseline" in page and CPOE_NUMERATOR in page
    kpi.refresh_from_db()
    assert kpi.numerator == ""
    assert _update_entries(kpi) == []


def test_the_kpi_api_reads_and_writes_numerator_and_denominator(world: Any, api_for: Any) -> None:
    kpi = KpiFactory(
        benefit=BenefitFactory(program=world.program), numerator="Satisfied", denominator="All respondents"
    )
    body = api_for("vendor").get(f"/api/kpis/{kpi.pk}/").json()
    assert (body["numerator"], body["denominator"]) == ("Satisfied", "All respondents")

    api = api_for("program_manager")
    changed = api.patch(
        f"/api/kpis/{kpi.pk}/", {"numerator": CPOE_NUMERATOR, "denominator": ""}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["numerator"], changed.json()["denominator"]) == (CPOE_NUMERATOR, "")
    kpi.refresh_from_db()
    assert (kpi.numerator, kpi.denominator) == (CPOE_NUMERATOR, "")
    assert _update_entries(kpi) == [
        {"numerator": ["Satisfied", CPOE_NUMERATOR], "denominator": ["All respondents", ""]}
    ]

    # The same model validation as the form: a bad value elsewhere refuses the whole write.
    refused = api.patch(
        f"/api/kpis/{kpi.pk}/",
        {"numerator": "Something else", "target_value": kpi.baseline_value},
        format="json",
    )
    assert refused.status_code == 400
    assert "target equals the baseline" in refused.json()["target_value"][0]
    kpi.refresh_from_db()
    assert kpi.numerator == CPOE_NUMERATOR
    refused_type = api.patch(f"/api/kpis/{kpi.pk}/", {"numerator": {"count": 1}}, format="json")
    assert refused_type.status_code == 400 and "numerator" in refused_type.json()


def test_the_kpi_api_creates_a_kpi_with_its_numerator_and_denominator(world: Any, api_for: Any) -> None:
    benefit = BenefitFactory(program=world.program)
    payload = {
        "program": world.program.pk,
        "benefit": benefit.pk,
        "name": "E-prescribing rate",
        "numerator": "Prescriptions sent electronically",
        "denominator": "All prescriptions written",
        "unit": "%",
        "direction": "increase",
        "baseline_value": 35,
        "baseline_date": "2025-01-01",
        "target_value": 95,
        "target_date": "2026-01-01",
        "amber_tolerance": 5,
        "red_tolerance": 10,
        "frequency": "monthly",
    }
    response = api_for("program_manager").post("/api/kpis/", payload, format="json")
    assert response.status_code == 201, response.json()
    kpi = Kpi.objects.get(pk=response.json()["id"])
    assert (kpi.numerator, kpi.denominator) == (
        "Prescriptions sent electronically",
        "All prescriptions written",
    )


def test_the_kpi_page_shows_what_is_counted_and_out_of_what(world: Any, client_for: Any) -> None:
    ratio = KpiFactory(
        benefit=BenefitFactory(program=world.program),
        numerator=CPOE_NUMERATOR,
        denominator=CPOE_DENOMINATOR,
    )
    page = client_for("member").get(ratio.get_absolute_url()).content.decode()
    assert "Numerator <small>(what is counted)</small></dt><dd>" + CPOE_NUMERATOR in page
    assert "Denominator <small>(out of what)</small></dt><dd>" + CPOE_DENOMINATOR in page

    not_a_ratio = KpiFactory(benefit=BenefitFactory(program=world.program), unit="minutes")
    page = client_for("member").get(not_a_ratio.get_absolute_url()).content.decode()
    assert "what is counted" not in page and "out of what" not in page


def test_every_demo_kpi_given_a_numerator_and_denominator_exists_in_the_demo() -> None:
    names = {spec["kpi"][0] for spec in demo.BENEFITS}
    assert set(demo.COUNTING) <= names
    assert all(numerator and denominator for numerator, denominator in demo.COUNTING.values())
    assert {"CPOE adoption", "E-prescribing rate", "Medication error rate"} <= set(demo.COUNTING)
