"""The risk register filters through the API's RiskFilterSet: the same query string lists the same risks, and
`status=open` means what the domain means (not closed: open or monitoring) on both."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.governance.factories import make_risk

TITLES = ("Interface backlog", "Training slips", "Vendor staffing", "Data migration")


@pytest.fixture
def register(world: Any) -> None:
    make_risk(world, likelihood=4, impact=5, title="Interface backlog")
    make_risk(world, likelihood=2, impact=3, title="Training slips", status="monitoring")
    make_risk(world, likelihood=4, impact=5, title="Vendor staffing", status="closed")
    make_risk(world, likelihood=1, impact=2, title="Data migration")


def page_titles(client: Any, world: Any, query: str) -> set[str]:
    response = client.get(f"/programs/{world.program.pk}/governance/risks/{query}")
    assert response.status_code == 200
    return set(re.findall("|".join(TITLES), response.content.decode()))


def api_titles(api: Any, world: Any, query: str) -> set[str]:
    joined = f"{query}&program={world.program.pk}" if query else f"?program={world.program.pk}"
    response = api.get(f"/api/risks/{joined}")
    assert response.status_code == 200
    return {row["title"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=open", {"Interface backlog", "Training slips", "Data migration"}),
        ("?status=monitoring", {"Training slips"}),
        ("?status=closed", {"Vendor staffing"}),
        ("?status=all", set(TITLES)),
        ("?status=all&likelihood=4&impact=5", {"Interface backlog", "Vendor staffing"}),
        ("?status=open&likelihood=4&impact=5", {"Interface backlog"}),
        ("?status=open&min_score=6", {"Interface backlog", "Training slips"}),
    ],
)
def test_the_register_and_the_api_list_the_same_risks_for_a_query(
    world: Any, register: None, client_for: Any, api_for: Any, query: str, expected: set[str]
) -> None:
    assert page_titles(client_for("program_manager"), world, query) == expected
    assert api_titles(api_for("program_manager"), world, query) == expected


def test_the_register_shows_open_risks_when_no_status_is_asked(
    world: Any, register: None, client_for: Any, api_for: Any
) -> None:
    # The heat map's cells link here without a status: they count open risks, and so does the list.
    assert page_titles(client_for("member"), world, "?likelihood=4&impact=5") == {"Interface backlog"}
    assert page_titles(client_for("member"), world, "") == {
        "Interface backlog",
        "Training slips",
        "Data migration",
    }


def test_an_unknown_status_is_refused_by_the_api(world: Any, api_for: Any) -> None:
    response = api_for("program_manager").get(f"/api/risks/?program={world.program.pk}&status=pending")
    assert response.status_code == 400 and "status" in response.json()
