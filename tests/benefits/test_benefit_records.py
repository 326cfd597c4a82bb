"""Rules on benefits records: zero-span KPIs, strategy-map cycles, abandoned benefits, default success
factors, what partners see, and the dashboard's query budget."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accord.benefits import services
from accord.benefits.choices import DEFAULT_DIMENSIONS, BenefitStatus
from accord.benefits.models import Kpi, ObjectiveLink, SuccessFactor
from accord.core.permissions import Visibility
from accord.core.services import create_record
from accord.programs.services import create_program
from tests.benefits.factories import BenefitFactory, KpiFactory, MeasurementFactory, ObjectiveFactory


def test_a_kpi_whose_target_equals_its_baseline_is_refused_with_a_clear_error(world: Any) -> None:
    benefit = BenefitFactory(program=world.program)
    kpi = Kpi(
        program=world.program,
        benefit=benefit,
        name="Flat",
        unit="%",
        direction="increase",
        baseline_value=50,
        baseline_date=dt.date(2025, 1, 1),
        target_value=50,
        target_date=dt.date(2026, 1, 1),
        amber_tolerance=1,
        red_tolerance=2,
        frequency="monthly",
    )
    with pytest.raises(ValidationError) as error:
        kpi.full_clean()
    assert "The target equals the baseline" in str(error.value.message_dict["target_value"])


def test_the_api_refuses_a_zero_span_kpi_and_milestones_outside_the_window(world: Any, api_for: Any) -> None:
    benefit = BenefitFactory(program=world.program)
    payload = {
        "program": world.program.pk,
        "benefit": benefit.pk,
        "name": "Flat",
        "unit": "%",
        "direction": "increase",
        "baseline_value": 50,
        "baseline_date": "2025-01-01",
        "target_value": 50,
        "target_date": "2026-01-01",
        "amber_tolerance": 1,
        "red_tolerance": 2,
        "frequency": "monthly",
        "milestones": [{"date": "2027-01-01", "value": 60}],
    }
    response = api_for("program_manager").post("/api/kpis/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "target equals the baseline" in body["target_value"][0]
    assert "must fall between the baseline and target dates" in body["milestones"][0]


def test_a_link_that_would_close_a_cycle_on_the_strategy_map_is_refused(world: Any) -> None:
    training, trust, cpoe = (
        ObjectiveFactory(program=world.program, title=t) for t in ("Training", "Trust", "CPOE")
    )
    for cause, effect in ((training, trust), (trust, cpoe)):
        create_record(
            model=ObjectiveLink,
            actor=world.program_manager,
            data={"program": world.program, "cause": cause, "effect": effect},
        )
    with pytest.raises(ValidationError) as error:
        create_record(
            model=ObjectiveLink,
            actor=world.program_manager,
            data={"program": world.program, "cause": cpoe, "effect": training},
        )
    assert "cycle on the strategy map: CPOE → Training → Trust → CPOE" in str(error.value)
    assert ObjectiveLink.objects.count() == 2


def test_an_abandoned_benefit_needs_a_reason(world: Any) -> None:
    benefit = BenefitFactory(program=world.program)
    benefit.status = BenefitStatus.ABANDONED
    with pytest.raises(ValidationError, match="Say why the benefit is abandoned"):
        benefit.full_clean()


def test_every_new_program_gets_the_seven_default_success_factors_once(world: Any) -> None:
    program = create_program(
        actor=world.program_manager,
        check=False,
        manager=world.program_manager,
        name="New EMR",
        kind="emr_deployment",
    )
    names = list(SuccessFactor.objects.filter(program=program).values_list("name", flat=True))
    assert names == [
        "Process change",
        "Training",
        "Physician engagement",
        "System design and configuration",
        "Data integration",
        "Reporting and analysis tools",
        "Other",
    ]
    assert services.create_default_success_factors(program=program, actor=world.program_manager) == []
    assert SuccessFactor.objects.filter(program=program).count() == len(DEFAULT_DIMENSIONS)


def test_vendors_and_consultants_see_only_shared_benefits_and_their_kpis(world: Any, api_for: Any) -> None:
    shared = KpiFactory(benefit=BenefitFactory(program=world.program, title="Shared"), name="E-prescribing")
    internal = KpiFactory(
        benefit=BenefitFactory(program=world.program, title="Internal", visibility=Visibility.INTERNAL),
        name="Transcription spend",
    )
    MeasurementFactory(kpi=internal)
    for persona in ("vendor", "consultant"):
        api = api_for(persona)
        assert [k["name"] for k in api.get("/api/kpis/").json()["results"]] == [shared.name]
        assert [b["title"] for b in api.get("/api/benefits/").json()["results"]] == ["Shared"]
        assert api.get("/api/measurements/").json()["results"] == []
    names = {k["name"] for k in api_for("member").get("/api/kpis/").json()["results"]}
    assert names == {shared.name, internal.name}


def test_the_kpi_api_shows_derived_readings(world: Any, api_for: Any) -> None:
    kpi = KpiFactory(
        benefit=BenefitFactory(program=world.program),
        baseline_date=dt.date(2025, 1, 1),
        target_date=dt.date(2025, 1, 1) + dt.timedelta(days=100),
        frequency="annual",
    )
    MeasurementFactory(kpi=kpi, value=38.0, measured_on=dt.date(2025, 1, 1) + dt.timedelta(days=50))
    body = api_for("vendor").get(f"/api/kpis/{kpi.pk}/").json()
    assert body["latest_value"] == 38.0
    assert body["expected_value"] == 50.0
    assert body["realisation_percent"] == 30.0
    assert body["status"] == "red"


def build_program_data(program: Any, benefits: int) -> None:
    objective = ObjectiveFactory(program=program)
    for _ in range(benefits):
        benefit = BenefitFactory(program=program)
        benefit.objectives.add(objective)
        for _ in range(2):
            kpi = KpiFactory(benefit=benefit)
            for month in range(1, 4):
                MeasurementFactory(kpi=kpi, measured_on=dt.date(2025, month, 28), value=20 + month * 5)


@pytest.mark.parametrize("benefits", [2, 8])
def test_the_dashboard_and_strategy_map_load_in_a_bounded_number_of_queries(
    world: Any, client_for: Any, api_for: Any, django_assert_max_num_queries: Any, benefits: int
) -> None:
    build_program_data(world.program, benefits)
    client = client_for("program_manager")
    with django_assert_max_num_queries(16):
        page = client.get(f"/programs/{world.program.pk}/benefits/")
    assert page.status_code == 200
    assert page.content.count(b"Off track or overdue") == 1
    with django_assert_max_num_queries(14):
        assert client.get(f"/programs/{world.program.pk}/benefits/strategy-map/").status_code == 200
    api = api_for("member")
    with django_assert_max_num_queries(8):
        response = api.get(f"/api/kpis/?program={world.program.pk}")
    assert response.json()["count"] == benefits * 2


def test_recording_the_same_day_twice_updates_the_measurement(world: Any) -> None:
    kpi = KpiFactory(benefit=BenefitFactory(program=world.program))
    first = services.record_measurement(
        kpi=kpi, value=30, measured_on=dt.date(2025, 2, 1), actor=world.member
    )
    second = services.record_measurement(
        kpi=kpi, value=32, measured_on=dt.date(2025, 2, 1), actor=world.member
    )
    assert (first.result, second.result) == ("created", "updated")
    assert kpi.measurements.get().value == 32
