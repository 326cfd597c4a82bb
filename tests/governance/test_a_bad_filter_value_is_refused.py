"""A value the FilterSet rejects gets a 400 on the risk register, the heat map and the red-flag list, with the
error beside the filter form and no rows (as /api/risks/ and /api/red-flags/ answer), never the default list."""

from __future__ import annotations

from typing import Any

import pytest

from accord.governance.choices import Severity
from tests.governance.factories import make_risk, raise_flag


@pytest.fixture
def governance_records(world: Any) -> None:
    make_risk(world, likelihood=4, impact=5, title="Interface backlog")
    make_risk(world, likelihood=2, impact=3, title="Vendor staffing", status="closed")
    raise_flag(world, title="Ward 4 skips training", severity=Severity.HIGH)
    raise_flag(world, title="Badge printer slow", severity=Severity.LOW)


@pytest.mark.parametrize("page", ["risks/", "risks/heat-map/"])
def test_an_unknown_risk_status_is_refused_on_the_register_pages(
    world: Any, governance_records: None, client_for: Any, page: str
) -> None:
    client = client_for("program_manager")
    response = client.get(f"/programs/{world.program.pk}/governance/{page}?status=pending")
    assert response.status_code == 400
    html = response.content.decode()
    assert "status: Select a valid choice. pending is not one of the available choices." in html
    assert "Interface backlog" not in html and "Vendor staffing" not in html


def test_the_register_still_filters_on_a_known_status(
    world: Any, governance_records: None, client_for: Any
) -> None:
    response = client_for("program_manager").get(
        f"/programs/{world.program.pk}/governance/risks/?status=closed"
    )
    assert response.status_code == 200
    assert [risk.title for risk in response.context["risks"]] == ["Vendor staffing"]
    assert "Select a valid choice" not in response.content.decode()


def test_an_unknown_severity_is_refused_on_the_red_flag_list(
    world: Any, governance_records: None, client_for: Any
) -> None:
    url = f"/programs/{world.program.pk}/governance/red-flags/"
    client = client_for("program_manager")
    response = client.get(url + "?severity=urgent")
    assert response.status_code == 400
    html = response.content.decode()
    assert "severity: Select a valid choice. urgent is not one of the available choices." in html
    assert list(response.context["page"]) == []
    assert 'name="severity"' in html  # the form is still there to correct the value

    good = client.get(url + "?severity=low")
    assert good.status_code == 200
    assert [flag.title for flag in good.context["page"]] == ["Badge printer slow"]
