"""What the report must not hide: unmeasured tickets, breach targets and due instants, provisional periods,
the credit cap, and due instants in the contract's time zone in exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from accord.sla import services
from accord.sla.choices import Clock
from accord.sla.queries import breach_lines, build_report, list_breaches
from tests.sla.factories import AttainmentTargetFactory, ContractFactory, TicketFactory, policy_for

pytestmark = pytest.mark.django_db

AS_OF = dt.datetime(2024, 3, 10, 12, tzinfo=dt.UTC)
CHICAGO_24X7 = """\
timezone: America/Chicago
pause_states: [Awaiting customer]
targets:
  P1: {response: 30m, resolution: 4h, calendar: 24x7}
  P2: {response: 1h, resolution: 8h, calendar: 24x7}
"""


def _ticket(contract, external_id: str, opened: dt.datetime, hours: float | None, priority: str = "P2"):
    return TicketFactory(
        contract=contract,
        external_id=external_id,
        priority=priority,
        opened_at=opened,
        first_response_at=opened + dt.timedelta(minutes=10),
        resolved_at=None if hours is None else opened + dt.timedelta(hours=hours),
    )


@pytest.fixture
def contract(world):
    """January: 10 P2 tickets, 4 resolved late (60 %, credits 5 % + 10 % of 10,000); one P9 ticket (no such
    priority); February: a P1 breach and one ticket still open (provisional)."""
    contract = ContractFactory(
        program=world.program,
        vendor=world.vendor_org,
        period_fee=Decimal("10000.00"),
        credit_cap_percent=Decimal("12"),
    )
    policy_for(contract, CHICAGO_24X7)
    AttainmentTargetFactory(
        contract=contract, priority="P2", clock=Clock.RESOLUTION, service_credit_percent=Decimal("10")
    )
    AttainmentTargetFactory(
        contract=contract,
        priority="P2",
        clock=Clock.RESPONSE,
        target_percent=Decimal("95"),
        service_credit_percent=Decimal("5"),
    )
    for day in range(1, 11):
        opened = dt.datetime(2024, 1, day + 1, 15, tzinfo=dt.UTC)
        late = day <= 4
        ticket = _ticket(contract, f"JAN{day}", opened, 10 if late else 6)
        if day == 1:  # its response came after 2 h: the response clock is breached too
            ticket.first_response_at = opened + dt.timedelta(hours=2)
            ticket.save()
    _ticket(contract, "VEND-0042", dt.datetime(2024, 1, 20, 15, tzinfo=dt.UTC), 2, priority="P9")
    _ticket(contract, "FEB1", dt.datetime(2024, 2, 5, 15, tzinfo=dt.UTC), 5, priority="P1")
    _ticket(contract, "FEB2", dt.datetime(2024, 2, 6, 15, tzinfo=dt.UTC), None)
    services.compute_results(contract=contract, as_of=AS_OF, actor=world.program_manager)
    return contract


def test_tickets_that_could_not_be_measured_are_counted_and_named_by_the_vendor_s_number(contract) -> None:
    report = build_report(contract)
    assert report.unmeasured_count == 1
    (unmeasured,) = report.unmeasured
    assert unmeasured.external_id == "VEND-0042" and unmeasured.reason.startswith("unknown priority 'P9'")
    assert str(contract.tickets.get(external_id="VEND-0042").pk) not in unmeasured.reason


def test_the_report_page_says_how_many_tickets_could_not_be_measured(contract, world, client_for) -> None:
    url = reverse("sla:report", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    page = client_for("vendor").get(url).content.decode()
    assert "1 ticket could not be measured" in page and "VEND-0042" in page and "unknown priority" in page


def test_credits_are_capped_per_period_and_the_cap_is_shown(contract, world, client_for) -> None:
    january = next(p for p in build_report(contract).periods if p.start == dt.date(2024, 1, 1))
    assert january.uncapped_credit == Decimal("1500.00")  # 10 % resolution + 5 % response
    assert january.credit == Decimal("1200.00") and january.capped
    url = reverse("sla:report", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    page = client_for("program_manager").get(url).content.decode()
    assert "capped at 1200.00" in page and "1500.00 before the cap" in page


def test_a_period_with_open_tickets_is_provisional(contract) -> None:
    by_start = {p.start: p for p in build_report(contract).periods}
    assert by_start[dt.date(2024, 2, 1)].provisional and not by_start[dt.date(2024, 1, 1)].provisional


def test_breaches_show_their_target_and_due_instant_in_the_policy_s_time_zone(contract) -> None:
    lines = {
        (line.result.ticket.external_id, line.clock): line for line in breach_lines(list_breaches(contract))
    }
    jan1 = lines["JAN1", "resolution"]
    assert jan1.target == "8h" and jan1.time_zone == "America/Chicago"
    assert jan1.due == dt.datetime(2024, 1, 2, 23, tzinfo=dt.UTC)  # opened 15:00 UTC + 8 h
    assert jan1.due.utcoffset() == dt.timedelta(hours=-6)
    assert lines["JAN1", "response"].target == "1h"


def test_breaches_filter_by_period_priority_and_clock(contract, world, client_for) -> None:
    ids = lambda qs: sorted(r.ticket.external_id for r in qs)  # noqa: E731
    # FEB2 is still open, 8 h past its target: breached, and its period provisional.
    assert ids(list_breaches(contract, period=dt.date(2024, 2, 1))) == ["FEB1", "FEB2"]
    assert ids(list_breaches(contract, period=dt.date(2024, 2, 1), priority="P1")) == ["FEB1"]
    assert ids(list_breaches(contract, priority="P2")) == ["FEB2", "JAN1", "JAN2", "JAN3", "JAN4"]
    assert ids(list_breaches(contract, clock=Clock.RESPONSE)) == ["JAN1"]
    url = reverse("sla:report", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    page = (
        client_for("program_manager")
        .get(url, {"period": "2024-02-01", "clock": "resolution"})
        .content.decode()
    )
    assert "FEB1" in page and "JAN2" not in page
    bad = client_for("program_manager").get(url, {"period": "not-a-date"})
    # A bad filter value is a 400 with its error on every list page, the report's breaches included.
    assert bad.status_code == 400 and "Enter a valid date" in bad.content.decode()


def test_due_instants_in_the_results_export_are_in_the_contract_s_time_zone(
    contract, world, client_for
) -> None:
    url = reverse("sla:report_export", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    response = client_for("program_manager").get(url, {"table": "results", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    jan1 = next(row for row in rows if row["ticket"] == "JAN1")
    assert jan1["resolution_due"] == "2024-01-02T17:00:00-06:00" and jan1["time_zone"] == "America/Chicago"


def test_the_report_export_carries_the_period_status_and_the_cap(contract, world, client_for) -> None:
    url = reverse("sla:report_export", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    response = client_for("program_manager").get(url, {"table": "report", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    january = [row for row in rows if row["period_start"] == "2024-01-01"]
    assert {row["period_credit"] for row in january} == {"1200.00"}
    assert {row["period_credit_cap"] for row in january} == {"1200.00"}
    assert {row["provisional"] for row in rows if row["period_start"] == "2024-02-01"} == {"yes"}
