"""The service list and /api/services/ filter through the same FilterSet: one query string, the same services."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.core.permissions import Visibility
from accord.transition.choices import Criticality, HandoverStage, ServiceKind
from tests.personas import World
from tests.transition.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def services(world: World) -> None:
    for name, kind, stage, criticality, clinical, visibility in [
        (
            "PACS",
            ServiceKind.CLINICAL_SYSTEM,
            HandoverStage.SHADOW,
            Criticality.CRITICAL,
            True,
            Visibility.SHARED,
        ),
        ("Email", ServiceKind.APPLICATION, HandoverStage.SHADOW, Criticality.LOW, False, Visibility.SHARED),
        (
            "Core switches",
            ServiceKind.INFRASTRUCTURE,
            HandoverStage.ACQUISITION,
            Criticality.CRITICAL,
            False,
            Visibility.SHARED,
        ),
        (
            "Payroll",
            ServiceKind.APPLICATION,
            HandoverStage.SHADOW,
            Criticality.HIGH,
            False,
            Visibility.INTERNAL,
        ),
    ]:
        ServiceFactory(
            program=world.program,
            name=name,
            kind=kind,
            stage=stage,
            criticality=criticality,
            clinical_impact=clinical,
            visibility=visibility,
        )


def _listed(world: World, client_for: Any, api_for: Any, persona: str, query: str) -> tuple[set, set]:
    url = reverse("transition:service_list", kwargs={"program_id": world.program.pk})
    page = client_for(persona).get(f"{url}?{query}")
    assert page.status_code == 200
    on_page = {row["service"].name for row in page.context["rows"]}
    html = page.content.decode()
    assert all(name in html for name in on_page)
    api = api_for(persona).get(f"/api/services/?program={world.program.pk}&{query}")
    assert api.status_code == 200
    return on_page, {row["name"] for row in api.json()["results"]}


@pytest.mark.parametrize(
    ("persona", "query", "expected"),
    [
        ("program_manager", "stage=shadow", {"PACS", "Email", "Payroll"}),
        ("vendor", "stage=shadow", {"PACS", "Email"}),
        ("program_manager", "criticality=1", {"PACS", "Core switches"}),
        ("program_manager", "stage=shadow&criticality=1", {"PACS"}),
        ("program_manager", "kind=application", {"Email", "Payroll"}),
        ("program_manager", "clinical_impact=true", {"PACS"}),
        ("vendor", "stage=handover", set()),
    ],
)
def test_the_service_list_and_the_services_api_select_the_same_services(
    services: None,
    world: World,
    client_for: Any,
    api_for: Any,
    persona: str,
    query: str,
    expected: set[str],
) -> None:
    on_page, in_api = _listed(world, client_for, api_for, persona, query)
    assert on_page == in_api == expected


def test_the_service_list_without_a_filter_lists_every_visible_service(
    services: None, world: World, client_for: Any
) -> None:
    page = client_for("program_manager").get(
        reverse("transition:service_list", kwargs={"program_id": world.program.pk})
    )
    assert {row["service"].name for row in page.context["rows"]} == {
        "PACS",
        "Email",
        "Core switches",
        "Payroll",
    }
    assert "Show every service" not in page.content.decode()


def test_a_stage_that_does_not_exist_is_a_400_naming_the_error_and_lists_no_service(
    services: None, world: World, client_for: Any, api_for: Any
) -> None:
    url = reverse("transition:service_list", kwargs={"program_id": world.program.pk})
    page = client_for("program_manager").get(f"{url}?stage=retired")
    assert page.status_code == 400 and page.context["rows"] == []
    assert "Select a valid choice" in page.content.decode()
    assert api_for("program_manager").get("/api/services/?stage=retired").status_code == 400


def test_the_coverage_matrix_covers_the_services_the_same_filter_selects(
    services: None, world: World, client_for: Any, api_for: Any
) -> None:
    query = "criticality=1"
    url = reverse("transition:coverage", kwargs={"program_id": world.program.pk})
    page = client_for("vendor").get(f"{url}?{query}")
    assert page.status_code == 200
    matrix = page.context["matrix"]
    api = api_for("vendor").get(f"/api/services/?program={world.program.pk}&{query}")
    in_api = {row["name"] for row in api.json()["results"]}
    assert {row["service"].name for row in matrix.rows} == in_api == {"PACS", "Core switches"}
    # The totals are those of the selected services: only the critical level has any.
    assert {level["criticality"]: level["services"] for level in matrix.by_criticality}[
        Criticality.CRITICAL
    ] == 2
    assert sum(level["services"] for level in matrix.by_criticality) == 2
    assert "Show every service" in page.content.decode()


def test_the_service_list_stays_within_its_query_budget_when_filtered(
    services: None, world: World, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    url = reverse("transition:service_list", kwargs={"program_id": world.program.pk})
    client = client_for("program_manager")
    client.get(url)  # warms the session and the roles cache
    with django_assert_max_num_queries(10):
        assert client.get(f"{url}?stage=shadow&criticality=1").status_code == 200
