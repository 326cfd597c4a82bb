"""The SLA pages and the API filter through the same FilterSets: one query string, the same records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from accord.sla import disputes, services
from tests.factories import OrganisationFactory
from tests.sla.factories import ContractFactory, TicketFactory, policy_for

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def contract(world: Any) -> Any:
    """Round the clock, P1 30 min / 4 h and P2 1 h / 8 h; breaches on each clock in January and February."""
    contract = ContractFactory(program=world.program, vendor=world.vendor_org, name="Service desk")
    policy_for(contract)
    # (ticket, priority, opened, hours to respond, hours to resolve)
    tickets = [
        ("JAN-P1-RESPONSE", "P1", dt.datetime(2024, 1, 3, 8, tzinfo=dt.UTC), 2, 3),
        ("JAN-P2-RESOLUTION", "P2", dt.datetime(2024, 1, 4, 8, tzinfo=dt.UTC), 0.5, 10),
        ("JAN-P2-MET", "P2", dt.datetime(2024, 1, 5, 8, tzinfo=dt.UTC), 0.5, 6),
        ("FEB-P2-BOTH", "P2", dt.datetime(2024, 2, 2, 8, tzinfo=dt.UTC), 2, 12),
        ("FEB-P1-MET", "P1", dt.datetime(2024, 2, 3, 8, tzinfo=dt.UTC), 0.25, 2),
    ]
    for external_id, priority, opened, respond, resolve in tickets:
        TicketFactory(
            contract=contract,
            external_id=external_id,
            priority=priority,
            opened_at=opened,
            first_response_at=opened + respond * HOUR,
            resolved_at=opened + resolve * HOUR,
        )
    services.compute_results(contract=contract, as_of=NOW, actor=world.program_manager)
    return contract


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"JAN-P1-RESPONSE", "JAN-P2-RESOLUTION", "FEB-P2-BOTH"}),
        ("priority=P2", {"JAN-P2-RESOLUTION", "FEB-P2-BOTH"}),
        ("period=2024-02-01", {"FEB-P2-BOTH"}),
        ("clock=response", {"JAN-P1-RESPONSE", "FEB-P2-BOTH"}),
        ("clock=resolution&period=2024-01-01", {"JAN-P2-RESOLUTION"}),
        ("priority=P1&period=2024-02-01", set()),
    ],
)
def test_the_reports_breaches_and_the_results_api_select_the_same_tickets(
    contract: Any, world: Any, client_for: Any, api_for: Any, query: str, expected: set[str]
) -> None:
    # The report lists the breaches of the live results; the API, given the same narrowing, lists them too.
    shared = f"contract={contract.pk}&effective=true&breached=true"
    url = reverse("sla:report", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    page = client_for("program_manager").get(f"{url}?{shared}&{query}")
    assert page.status_code == 200
    on_page = {result.ticket.external_id for result in page.context["breaches"].object_list}
    api = api_for("program_manager").get(f"/api/sla-results/?{shared}&{query}")
    assert api.status_code == 200
    in_api = {row["ticket_external_id"] for row in api.json()["results"]}
    assert on_page == in_api == expected
    html = page.content.decode()
    assert all(external_id in html for external_id in expected)
    assert "JAN-P2-MET" not in html and "FEB-P1-MET" not in html


def test_a_home_tiles_period_and_priority_narrow_the_reports_breaches(
    contract: Any, world: Any, client_for: Any
) -> None:
    url = reverse("sla:report", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    html = client_for("vendor").get(f"{url}?period=2024-01-01&priority=P1").content.decode()
    table = html[html.index("Filter breaches") :]
    assert "JAN-P1-RESPONSE" in table
    assert "JAN-P2-RESOLUTION" not in table and "FEB-P2-BOTH" not in table


def test_a_breach_filter_the_database_cannot_hold_is_shown_as_an_error_and_lists_nothing(
    contract: Any, world: Any, client_for: Any
) -> None:
    url = reverse("sla:report", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    page = client_for("program_manager").get(f"{url}?period=not-a-date")
    assert page.status_code == 400  # as every list page and /api/sla-results/ answer a bad filter value
    assert list(page.context["breaches"].object_list) == []
    assert "Enter a valid date" in page.content.decode()


@pytest.fixture
def raised(contract: Any, world: Any) -> dict[str, Any]:
    """The vendor disputes three breached clocks; the program manager answers one."""
    tickets = {t.external_id: t for t in contract.tickets.all()}
    made = {
        "jan-resolution": disputes.raise_dispute(
            ticket=tickets["JAN-P2-RESOLUTION"],
            clock="resolution",
            reason="Paused",
            actor=world.vendor,
            now=NOW,
        ),
        "jan-response": disputes.raise_dispute(
            ticket=tickets["JAN-P1-RESPONSE"], clock="response", reason="Phoned", actor=world.vendor, now=NOW
        ),
        "feb-response": disputes.raise_dispute(
            ticket=tickets["FEB-P2-BOTH"], clock="response", reason="Phoned", actor=world.vendor, now=NOW
        ),
    }
    disputes.answer_dispute(
        dispute=made["jan-response"], answer="No call logged", actor=world.program_manager, now=NOW
    )
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"jan-resolution", "jan-response", "feb-response"}),
        ("status=open", {"jan-resolution", "feb-response"}),
        ("status=answered", {"jan-response"}),
        ("period=2024-01-01", {"jan-resolution", "jan-response"}),
        ("clock=response&status=open", {"feb-response"}),
        ("ticket=FEB-P2-BOTH", {"feb-response"}),
    ],
)
def test_the_dispute_list_and_the_disputes_api_select_the_same_disputes(
    raised: dict[str, Any],
    contract: Any,
    world: Any,
    client_for: Any,
    api_for: Any,
    query: str,
    expected: set[str],
) -> None:
    names = {dispute.pk: name for name, dispute in raised.items()}
    url = reverse("sla:dispute_list", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    page = client_for("vendor").get(f"{url}?{query}")
    assert page.status_code == 200
    on_page = {names[d.pk] for d in page.context["disputes"]}
    api = api_for("vendor").get(f"/api/sla-disputes/?contract={contract.pk}&{query}")
    in_api = {names[row["id"]] for row in api.json()["results"]}
    assert on_page == in_api == expected


def test_a_dispute_status_that_does_not_exist_is_a_400_on_the_page_and_in_the_api(
    raised: dict[str, Any], contract: Any, world: Any, client_for: Any, api_for: Any
) -> None:
    url = reverse("sla:dispute_list", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    page = client_for("program_manager").get(f"{url}?status=lost")
    assert page.status_code == 400 and list(page.context["disputes"]) == []
    assert "Select a valid choice" in page.content.decode()
    assert api_for("program_manager").get("/api/sla-disputes/?status=lost").status_code == 400


def test_the_contract_list_and_the_contracts_api_select_the_same_contracts_by_vendor(
    contract: Any, world: Any, client_for: Any, api_for: Any
) -> None:
    other_vendor = OrganisationFactory(name="Night shift desk")
    other = ContractFactory(program=world.program, vendor=other_vendor, name="Night desk")
    query = f"program={world.program.pk}&vendor={other_vendor.pk}"
    page = client_for("program_manager").get(
        f"{reverse('sla:contract_list', kwargs={'program_id': world.program.pk})}?{query}"
    )
    assert page.status_code == 200
    assert [c.pk for c in page.context["contracts"]] == [other.pk]
    assert "Night desk" in page.content.decode() and "Show every contract" in page.content.decode()
    api = api_for("program_manager").get(f"/api/contracts/?{query}")
    assert [row["id"] for row in api.json()["results"]] == [other.pk]


def test_a_contract_filter_on_an_id_past_the_columns_range_is_a_400_listing_nothing(
    contract: Any, world: Any, client_for: Any
) -> None:
    url = reverse("sla:contract_list", kwargs={"program_id": world.program.pk})
    page = client_for("program_manager").get(f"{url}?vendor=99999999999999999999999")
    assert page.status_code == 400 and list(page.context["contracts"]) == []
    assert "Service desk" not in page.content.decode().split("</table>")[0].split("<tbody>")[-1]
