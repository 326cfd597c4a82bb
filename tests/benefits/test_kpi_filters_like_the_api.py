"""The KPI list filters through the API's KpiFilterSet: the same `?rag=` lists the same KPIs on the page and in
/api/kpis/, read from each KPI's latest measurement as the program home counts them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.benefits.factories import KpiFactory, MeasurementFactory


@pytest.fixture
def kpis(world: Any) -> None:
    recently = timezone.localdate() - dt.timedelta(days=5)
    # Past the target date the plan expects the target (80 %): 79 is on track, 72 slipping, 50 off track.
    for name, value in [
        ("On plan", 79.0),
        ("A little behind", 72.0),
        ("Far behind", 50.0),
        ("Unmeasured", None),
    ]:
        kpi = KpiFactory(program=world.program, benefit__program=world.program, name=name)
        if value is not None:
            MeasurementFactory(kpi=kpi, measured_on=recently, value=value)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"On plan", "A little behind", "Far behind", "Unmeasured"}),
        ("?rag=green", {"On plan"}),
        ("?rag=amber", {"A little behind"}),
        ("?rag=red", {"Far behind"}),
        ("?rag=no_data", {"Unmeasured"}),
    ],
)
def test_the_kpi_list_and_the_api_list_the_same_kpis_for_a_status(
    world: Any, kpis: None, client_for: Any, api_for: Any, query: str, expected: set[str]
) -> None:
    page = client_for("member").get(
        reverse("benefits:kpi_list", kwargs={"program_id": world.program.pk}) + query
    )
    assert page.status_code == 200
    assert {k.name for k in page.context["kpis"]} == expected
    joined = f"{query}&program={world.program.pk}" if query else f"?program={world.program.pk}"
    api = api_for("member").get(f"/api/kpis/{joined}")
    assert api.status_code == 200
    assert {row["name"] for row in api.json()["results"]} == expected


def test_an_unknown_status_is_refused_by_the_api(world: Any, api_for: Any) -> None:
    response = api_for("member").get(f"/api/kpis/?program={world.program.pk}&rag=purple")
    assert response.status_code == 400 and "rag" in response.json()


def test_an_unknown_status_is_refused_on_the_page_with_the_error_and_no_rows(
    world: Any, kpis: None, client_for: Any
) -> None:
    client = client_for("member")
    url = reverse("benefits:kpi_list", kwargs={"program_id": world.program.pk})
    response = client.get(url + "?rag=purple")
    assert response.status_code == 400
    html = response.content.decode()
    assert "rag: Select a valid choice. purple is not one of the available choices." in html
    assert response.context["kpis"] == []
    assert 'name="rag"' in html  # the form is still there to correct the value

    good = client.get(url + "?rag=red")
    assert good.status_code == 200
    assert [k.name for k in good.context["kpis"]] == ["Far behind"]
