"""The risk heat map counts what the register's filter selects: each cell's count, its link to the register
(the same filter plus the cell's likelihood and impact) and the register's count behind that link agree,
and match /api/risks/ for the same query."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from accord.governance.choices import RiskCategory
from tests.governance.factories import make_risk

pytestmark = pytest.mark.django_db

CELL_LINK = re.compile(r'<a href="([^"]+)" aria-label="(\d+) risks? with likelihood (\d) and impact (\d)">')


@pytest.fixture
def register(world: Any) -> dict[str, Any]:
    lead, member = world.stakeholder_lead, world.member
    make_risk(world, likelihood=4, impact=5, title="Interface backlog", owner=lead)
    make_risk(
        world, likelihood=4, impact=5, title="Vendor staffing", owner=member, category=RiskCategory.VENDOR
    )
    make_risk(world, likelihood=4, impact=5, title="Old outage", owner=lead, status="closed")
    make_risk(world, likelihood=2, impact=3, title="Training slips", owner=lead, status="monitoring")
    make_risk(world, likelihood=1, impact=2, title="Data migration", owner=member)
    make_risk(world, likelihood=5, impact=5, title="Pharmacy go-live", owner=lead, visibility="internal")
    return {"lead": lead, "member": member}


def heat_map_cells(client: Any, world: Any, query: str, page: str = "risks/heat-map/") -> dict[tuple, tuple]:
    """(likelihood, impact) -> (count, link) for every cell the page links, read from its HTML."""
    response = client.get(f"/programs/{world.program.pk}/governance/{page}{query}")
    assert response.status_code == 200
    return {
        (int(likelihood), int(impact)): (int(n), html.unescape(href))
        for href, n, likelihood, impact in CELL_LINK.findall(response.content.decode())
    }


def api_count(api: Any, world: Any, query: str) -> int:
    joined = f"{query}&program={world.program.pk}" if query else f"?program={world.program.pk}"
    response = api.get(f"/api/risks/{joined}")
    assert response.status_code == 200
    return response.json()["count"]


def test_the_heat_map_counts_only_the_risks_the_filter_selects(
    world: Any, register: dict[str, Any], client_for: Any
) -> None:
    client = client_for("program_manager")
    lead = register["lead"].pk
    # Without a filter: the open and monitored risks, as before.
    assert {k: n for k, (n, _) in heat_map_cells(client, world, "").items()} == {
        (4, 5): 2,
        (2, 3): 1,
        (1, 2): 1,
        (5, 5): 1,
    }
    assert {k: n for k, (n, _) in heat_map_cells(client, world, f"?status=open&owner={lead}").items()} == {
        (4, 5): 1,
        (2, 3): 1,
        (5, 5): 1,
    }
    assert {k: n for k, (n, _) in heat_map_cells(client, world, "?status=all&likelihood=4").items()} == {
        (4, 5): 3
    }
    assert {k: n for k, (n, _) in heat_map_cells(client, world, "?category=vendor").items()} == {(4, 5): 1}
    assert heat_map_cells(client, world, "?status=closed&category=vendor") == {}


QUERIES = [
    "",
    "?status=open",
    "?status=all",
    "?status=monitoring",
    "?status=closed",
    "?status=all&owner={lead}",
    "?owner={member}",
    "?category=adoption&min_score=6",
    "?status=all&impact=5",
    "?response=reduce&status=all",
]


@pytest.mark.parametrize("page", ["risks/heat-map/", "risks/"])
@pytest.mark.parametrize("persona", ["program_manager", "vendor"])
@pytest.mark.parametrize("query", QUERIES)
def test_every_cells_link_lists_as_many_risks_as_the_cell_counts_and_the_api_agrees(
    world: Any,
    register: dict[str, Any],
    client_for: Any,
    api_for: Any,
    page: str,
    persona: str,
    query: str,
) -> None:
    query = query.format(lead=register["lead"].pk, member=register["member"].pk)
    client = client_for(persona)
    cells = heat_map_cells(client, world, query, page)
    for (likelihood, impact), (count, link) in cells.items():
        assert link.startswith(f"/programs/{world.program.pk}/governance/risks/?")
        assert f"likelihood={likelihood}" in link and f"impact={impact}" in link
        listed = client.get(link)
        assert listed.status_code == 200
        risks = list(listed.context["risks"])
        assert len(risks) == count
        assert {(r.likelihood, r.impact) for r in risks} == {(likelihood, impact)}
        noun = "risk matches" if count == 1 else "risks match"
        assert f"{count} {noun}." in listed.content.decode()
    # The whole map counts what the API lists for the same query (the page's default status is "open").
    api_query = query if "status=" in query else (f"{query}&status=open" if query else "?status=open")
    assert sum(n for n, _ in cells.values()) == api_count(api_for(persona), world, api_query)


def test_the_vendor_map_never_counts_internal_risks_whatever_the_filter(
    world: Any, register: dict[str, Any], client_for: Any
) -> None:
    cells = heat_map_cells(client_for("vendor"), world, "?status=all&min_score=20")
    assert {k: n for k, (n, _) in cells.items()} == {(4, 5): 3}
    assert "Pharmacy go-live" not in client_for("vendor").get(cells[(4, 5)][1]).content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?category=weather", "category"),
        ("?owner=99999999999999999999999", "owner"),
        ("?min_score=lots", "min_score"),
        ("?likelihood=1e30", "likelihood"),
    ],
)
def test_a_bad_filter_value_on_the_heat_map_is_a_400_with_the_error_and_an_empty_map(
    world: Any, register: dict[str, Any], client_for: Any, api_for: Any, query: str, field: str
) -> None:
    response = client_for("program_manager").get(
        f"/programs/{world.program.pk}/governance/risks/heat-map/{query}"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(rf'<p class="error" role="alert">{field}: ', page)
    assert response.context["heat_map"]["total"] == 0 and not CELL_LINK.search(page)
    assert f'name="{field}"' in page  # the form is still there to correct the value
    assert api_for("program_manager").get(f"/api/risks/{query}").status_code == 400


def test_the_filter_form_labels_every_field_and_offers_only_owners_of_risks_the_reader_sees(
    world: Any, register: dict[str, Any], client_for: Any
) -> None:
    page = (
        client_for("vendor").get(f"/programs/{world.program.pk}/governance/risks/heat-map/").content.decode()
    )
    start = page.index('<form method="get" class="filters"')
    form = page[start : page.index("</form>", start)]
    for name in ("status", "category", "likelihood", "impact", "response", "owner", "min_score"):
        assert f'<label for="id_{name}">' in form and f'id="id_{name}"' in form
    owners = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', form[form.index('name="owner"') :])
    # The lead owns the internal risk too, but also shared ones; nobody who owns no visible risk is offered.
    assert {name for _, name in owners} == {"Stakeholder lead", "Member"}
    assert "Outsider" not in form and "Program manager" not in form


def test_the_heat_map_page_stays_within_its_query_budget_whatever_the_number_of_risks(
    world: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for("program_manager")
    url = f"/programs/{world.program.pk}/governance/risks/heat-map/?status=all&owner={world.member.pk}"
    for i in range(3):
        make_risk(world, title=f"Risk {i}", likelihood=1 + i % 5, impact=1 + (i * 2) % 5, owner=world.member)
    client.get(url)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    for i in range(3, 40):
        owner = world.member if i % 2 else world.stakeholder_lead
        make_risk(world, title=f"Risk {i}", likelihood=1 + i % 5, impact=1 + (i * 2) % 5, owner=owner)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert (
        sum(n for row in response.context["heat_map"]["rows"] for n in [c["count"] for c in row["cells"]])
        == 22
    )
