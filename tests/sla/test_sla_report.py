"""The SLA report: attainment against target, credits owed per period, pauses by party, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from accord.sla import services
from accord.sla.choices import Clock
from accord.sla.queries import build_report, list_at_risk, list_breaches
from tests.sla.factories import AttainmentTargetFactory, ContractFactory, events_csv, policy_for, tickets_csv

pytestmark = pytest.mark.django_db

AS_OF = dt.datetime(2024, 3, 10, 12, tzinfo=dt.UTC)


def _tickets() -> tuple[list[tuple[str, str, str, str, str]], list[tuple[str, str, str]]]:
    """January: 8 of 10 P2 tickets resolved within 8 h (80 %); February: 10 of 10; March: one open."""
    rows = []
    for day in range(1, 11):
        hours = 10 if day in (3, 7) else 6  # two January tickets take 10 h: breached
        rows.append(
            (
                f"JAN{day}",
                "P2",
                f"2024-01-{day:02d}T08:00Z",
                f"2024-01-{day:02d}T08:20Z",
                f"2024-01-{day:02d}T{8 + hours:02d}:00Z",
            )
        )
        rows.append(
            (
                f"FEB{day}",
                "P2",
                f"2024-02-{day:02d}T08:00Z",
                f"2024-02-{day:02d}T08:20Z",
                f"2024-02-{day:02d}T12:00Z",
            )
        )
    # Open since 04:00: 8 h of an 8 h target gone at 12:00 would breach; 7 h in is at risk (warn_at 0.75).
    rows.append(("MAR1", "P2", "2024-03-10T05:00Z", "2024-03-10T05:10Z", ""))
    rows.append(("=1+2", "P2", "2024-02-20T08:00Z", "2024-02-20T08:20Z", "2024-02-20T09:00Z"))
    events = [
        ("FEB1", "2024-02-01T09:00Z", "Awaiting customer"),
        ("FEB1", "2024-02-01T11:00Z", "In progress"),
        ("FEB2", "2024-02-02T09:00Z", "Vendor hold"),
        ("FEB2", "2024-02-02T10:00Z", "In progress"),
    ]
    return rows, events


@pytest.fixture
def contract(world):
    contract = ContractFactory(program=world.program, vendor=world.vendor_org, period_fee=Decimal("10000.00"))
    policy_for(contract)
    AttainmentTargetFactory(
        contract=contract,
        priority="P2",
        clock=Clock.RESOLUTION,
        target_percent=Decimal("90"),
        service_credit_percent=Decimal("5"),
    )
    rows, events = _tickets()
    services.import_tickets(
        contract=contract,
        source=tickets_csv(rows),
        file_name="desk.csv",
        actor=world.program_manager,
        events_source=events_csv(events),
    )
    services.compute_results(contract=contract, as_of=AS_OF, actor=world.program_manager)
    return contract


def _line(report, month: int, clock: str = Clock.RESOLUTION):
    return next(r for r in report.rows if r.period_start == dt.date(2024, month, 1) and r.clock == clock)


def test_a_missed_attainment_target_owes_the_period_s_service_credit(contract) -> None:
    report = build_report(contract)
    january = _line(report, 1)
    assert (january.tickets, january.met, january.breached) == (10, 8, 2)
    assert january.attainment == Decimal("80.00") and january.target == Decimal("90")
    assert january.missed and january.shortfall == Decimal("10.00")
    assert january.credit == Decimal("500.00")  # 5 % of the 10,000.00 period fee


def test_a_period_that_meets_its_target_owes_nothing(contract) -> None:
    report = build_report(contract)
    february = _line(report, 2)
    assert (february.met, february.breached, february.attainment) == (11, 0, Decimal("100.00"))
    assert february.credit == Decimal("0.00")
    assert report.credit_total == Decimal("500.00")


def test_a_clock_without_an_attainment_target_is_reported_but_owes_nothing(contract) -> None:
    response_line = _line(build_report(contract), 1, Clock.RESPONSE)
    assert (
        response_line.met == 10 and response_line.target is None and response_line.credit == Decimal("0.00")
    )


def test_paused_time_is_attributed_to_the_party_that_held_the_ticket(contract) -> None:
    report = build_report(contract)
    assert report.paused_total["hospital"] == 7200  # FEB1 awaiting the customer for 2 h
    assert report.paused_total["vendor"] == 3600  # FEB2 on vendor hold for 1 h
    assert report.paused_total["third_party"] == 0
    february = next(p for p in report.periods if p.start == dt.date(2024, 2, 1))
    assert february.paused["hospital"] == 7200


def test_breaches_and_at_risk_open_tickets_are_listed_with_their_tickets(contract) -> None:
    assert sorted(r.ticket.external_id for r in list_breaches(contract)) == ["JAN3", "JAN7"]
    assert [r.ticket.external_id for r in list_at_risk(contract)] == ["MAR1"]  # 7 h of 8 h at 12:00


def test_the_report_page_shows_attainment_credits_and_breaches(contract, world, client_for) -> None:
    url = reverse("sla:report", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    page = client_for("board_member").get(url).content.decode()
    assert "80.00" in page and "500.00" in page
    assert "JAN3" in page and "MAR1" in page


def test_the_csv_export_neutralises_cells_that_would_run_as_formulas(contract, world, client_for) -> None:
    url = reverse("sla:report_export", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    response = client_for("program_manager").get(url, {"table": "results", "format": "csv"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    ids = [row[0] for row in rows[1:]]
    assert "'=1+2" in ids and "=1+2" not in ids
    assert len(rows) == 1 + 22


def test_the_xlsx_report_export_has_one_row_per_period_priority_and_clock(
    contract, world, client_for
) -> None:
    url = reverse("sla:report_export", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    response = client_for("program_manager").get(url, {"table": "report", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    body = [row for row in rows[1:] if row[0] == "2024-01-01" and row[3] == Clock.RESOLUTION]
    assert len(rows) == 1 + 3 * 2  # three months, two clocks, one priority
    assert body and float(body[0][8]) == 80.0 and float(body[0][12]) == 500.0


def test_an_export_with_an_unknown_format_is_a_clear_400(contract, world, client_for) -> None:
    url = reverse("sla:report_export", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    response = client_for("program_manager").get(url, {"table": "report", "format": "pdf"})
    assert response.status_code == 400 and b"format=csv|xlsx" in response.content


def test_the_report_page_runs_a_bounded_number_of_queries(
    contract, world, client_for, django_assert_max_num_queries
) -> None:
    url = reverse("sla:report", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    client = client_for("program_manager")
    client.get(url)
    with django_assert_max_num_queries(30):
        assert client.get(url).status_code == 200
