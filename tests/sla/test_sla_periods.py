"""Reporting periods: an issued report keeps its figures and policy version until it is reopened."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accord.core.models import AuditEntry
from accord.sla import periods, services
from accord.sla.choices import Clock, PeriodStatus
from accord.sla.models import SlaPeriod
from accord.sla.queries import build_report, list_breaches
from tests.sla.factories import AttainmentTargetFactory, ContractFactory, TicketFactory, policy_for

pytestmark = pytest.mark.django_db

POLICY_V1 = """\
timezone: UTC
targets:
  P3: {response: 1h, resolution: 8h, calendar: 24x7}
"""
# Back-dated and stricter: P3 must now be resolved within 4 h.
POLICY_V2 = POLICY_V1.replace("resolution: 8h", "resolution: 4h")
ISSUED_ON = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
DECEMBER = dt.date(2025, 12, 1)


def _december_tickets(contract) -> None:
    """20 P3 tickets in December 2025: 19 resolved in 6 h, one in 10 h (95 % within 8 h, 0 % within 4 h)."""
    for n in range(1, 21):
        opened = dt.datetime(2025, 12, n, 8, tzinfo=dt.UTC)
        TicketFactory(
            contract=contract,
            external_id=f"INC{n:03d}",
            priority="P3",
            opened_at=opened,
            first_response_at=opened + dt.timedelta(minutes=20),
            resolved_at=opened + dt.timedelta(hours=10 if n == 7 else 6),
        )


@pytest.fixture
def contract(world):
    contract = ContractFactory(program=world.program, vendor=world.vendor_org, period_fee=Decimal("10000.00"))
    policy_for(contract, POLICY_V1, effective_from=dt.date(2025, 1, 1))
    AttainmentTargetFactory(
        contract=contract,
        priority="P3",
        clock=Clock.RESOLUTION,
        target_percent=Decimal("90"),
        service_credit_percent=Decimal("8.5"),
    )
    _december_tickets(contract)
    services.compute_results(contract=contract, as_of=ISSUED_ON, actor=world.program_manager)
    return contract


def _december(report):
    period = next(p for p in report.periods if p.start == DECEMBER)
    return period, next(r for r in period.rows if r.clock == Clock.RESOLUTION)


def _back_dated_version_and_an_unrelated_upload(contract, world) -> None:
    services.create_policy_version(
        policy=contract.policy,
        yaml_text=POLICY_V2,
        effective_from=dt.date(2025, 11, 1),
        note="Stricter P3, back-dated",
        actor=world.program_manager,
    )
    january = dt.datetime(2026, 1, 2, 8, tzinfo=dt.UTC)
    TicketFactory(
        contract=contract,
        external_id="INC900",
        priority="P3",
        opened_at=january,
        first_response_at=january + dt.timedelta(minutes=10),
        resolved_at=january + dt.timedelta(hours=1),
    )
    services.compute_results(contract=contract, as_of=ISSUED_ON, actor=world.program_manager)


def test_without_an_issued_report_a_back_dated_version_rewrites_the_period(contract, world) -> None:
    """The live figures do follow a new version while the period is open: that is what issuing guards."""
    _back_dated_version_and_an_unrelated_upload(contract, world)
    _, row = _december(build_report(contract))
    assert row.attainment == Decimal("0.00")


def test_an_issued_period_keeps_its_figures_and_version_after_a_back_dated_version(contract, world) -> None:
    period = periods.issue_period_report(
        contract=contract, start=DECEMBER, actor=world.program_manager, now=ISSUED_ON
    )
    assert period.status == PeriodStatus.CLOSED and [v["number"] for v in period.versions] == [1]
    _, before = _december(build_report(contract))
    assert (before.attainment, before.credit) == (Decimal("95.00"), Decimal("0.00"))

    _back_dated_version_and_an_unrelated_upload(contract, world)

    report = build_report(contract)
    december, row = _december(report)
    assert (row.met, row.breached, row.attainment, row.credit) == (19, 1, Decimal("95.00"), Decimal("0.00"))
    assert december.closed and december.version_numbers == [1]
    january = next(p for p in report.periods if p.start == dt.date(2026, 1, 1))
    assert not january.closed and january.rows  # the new version applies to the open period
    # The breaches of the closed period are the ones issued (INC007 under version 1), not version 2's.
    breaches = list(list_breaches(contract, period=DECEMBER))
    assert [(r.ticket.external_id, r.version.number) for r in breaches] == [("INC007", 1)]


def test_a_ticket_imported_late_into_a_closed_period_stays_out_of_its_report(contract, world) -> None:
    periods.issue_period_report(contract=contract, start=DECEMBER, actor=world.program_manager, now=ISSUED_ON)
    opened = dt.datetime(2025, 12, 10, 20, tzinfo=dt.UTC)  # within the issued tickets' opening range
    TicketFactory(
        contract=contract,
        external_id="LATE1",
        priority="P3",
        opened_at=opened,
        resolved_at=opened + dt.timedelta(hours=30),
    )
    services.compute_results(contract=contract, as_of=ISSUED_ON, actor=world.program_manager)
    _, row = _december(build_report(contract))
    assert (row.tickets, row.breached) == (20, 1)
    assert [r.ticket.external_id for r in list_breaches(contract, period=DECEMBER)] == ["INC007"]


def test_reopening_shows_before_and_after_and_then_applies_the_new_version(contract, world) -> None:
    period = periods.issue_period_report(
        contract=contract, start=DECEMBER, actor=world.program_manager, now=ISSUED_ON
    )
    _back_dated_version_and_an_unrelated_upload(contract, world)
    comparison = periods.compare_period(period)
    line = next(line for line in comparison.lines if line.clock == Clock.RESOLUTION)
    assert line.before.attainment == Decimal("95.00") and line.after.attainment == Decimal("0.00")
    assert (comparison.credit_before, comparison.credit_after) == ("0.00", "850.00")
    assert (comparison.versions_before, comparison.versions_after) == ([1], [2])

    periods.reopen_period(
        period=period, actor=world.program_manager, reason="Version 2 was agreed for December"
    )

    _, row = _december(build_report(contract))
    assert row.attainment == Decimal("0.00") and row.credit == Decimal("850.00")
    entry = AuditEntry.objects.filter(object_type__endswith="slaperiod").order_by("-sequence").first()
    assert entry.changes["credit"] == ["0.00", "850.00"] and entry.changes["status"] == ["closed", "open"]


def test_a_period_is_issued_only_once_and_only_after_it_ended(contract, world) -> None:
    with pytest.raises(ValidationError, match="once it has ended"):
        periods.issue_period_report(
            contract=contract,
            start=DECEMBER,
            actor=world.program_manager,
            now=dt.datetime(2025, 12, 20, tzinfo=dt.UTC),
        )
    with pytest.raises(ValidationError, match="first day of a reporting period"):
        periods.issue_period_report(
            contract=contract, start=dt.date(2025, 12, 2), actor=world.program_manager, now=ISSUED_ON
        )
    periods.issue_period_report(contract=contract, start=DECEMBER, actor=world.program_manager, now=ISSUED_ON)
    with pytest.raises(ValidationError, match="already issued"):
        periods.issue_period_report(
            contract=contract, start=DECEMBER, actor=world.program_manager, now=ISSUED_ON
        )
    assert SlaPeriod.objects.filter(contract=contract).count() == 1


def test_only_the_program_manager_issues_and_reopens_reports(contract, world) -> None:
    with pytest.raises(PermissionDenied):
        periods.issue_period_report(contract=contract, start=DECEMBER, actor=world.vendor, now=ISSUED_ON)
    period = periods.issue_period_report(
        contract=contract, start=DECEMBER, actor=world.program_manager, now=ISSUED_ON
    )
    with pytest.raises(PermissionDenied):
        periods.reopen_period(period=period, actor=world.board_member, reason="no")
    with pytest.raises(ValidationError, match="Say why"):
        periods.reopen_period(period=period, actor=world.program_manager, reason=" ")


def test_the_reopen_page_shows_the_figures_side_by_side_before_confirming(
    contract, world, client_for
) -> None:
    client = client_for("program_manager")
    issue = reverse("sla:period_issue", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    response = client.post(issue, {"start": "2025-12-01"})
    assert response.status_code == 302
    period = SlaPeriod.objects.get(contract=contract)
    _back_dated_version_and_an_unrelated_upload(contract, world)
    url = reverse("sla:period_reopen", kwargs={"program_id": world.program.pk, "pk": period.pk})
    page = client.get(url).content.decode()
    assert "95.00 %" in page and "0.00 %" in page and "850.00" in page
    assert SlaPeriod.objects.get(pk=period.pk).status == PeriodStatus.CLOSED  # looking changes nothing
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Agreed at the service review"}).status_code == 302
    assert SlaPeriod.objects.get(pk=period.pk).status == PeriodStatus.OPEN


def test_the_report_with_closed_periods_runs_a_bounded_number_of_queries(
    contract, world, client_for, django_assert_max_num_queries
) -> None:
    periods.issue_period_report(contract=contract, start=DECEMBER, actor=world.program_manager, now=ISSUED_ON)
    _back_dated_version_and_an_unrelated_upload(contract, world)
    with django_assert_max_num_queries(6):
        build_report(contract)
    client = client_for("program_manager")
    url = reverse("sla:report", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    client.get(url)
    with django_assert_max_num_queries(30):
        page = client.get(url).content.decode()
    assert "issued 05 Jan 2026, version 1" in page and "Reopen" in page


def test_the_api_issues_compares_and_reopens_a_period(contract, world, api_for) -> None:
    manager = api_for("program_manager")
    issued = manager.post("/api/sla-periods/", {}, format="json")
    assert issued.status_code == 405  # periods are issued, never created field by field
    issued = manager.post(
        "/api/sla-periods/issue/", {"contract": contract.pk, "start": "2025-12-01"}, format="json"
    )
    assert issued.status_code == 201 and issued.json()["status"] == "closed"
    pk = issued.json()["id"]
    not_a_start = manager.post(
        "/api/sla-periods/issue/", {"contract": contract.pk, "start": "2025-12-02"}, format="json"
    )
    assert not_a_start.status_code == 400 and "first day" in not_a_start.content.decode()
    _back_dated_version_and_an_unrelated_upload(contract, world)
    comparison = api_for("vendor").get(f"/api/sla-periods/{pk}/comparison/").json()
    assert (comparison["credit_before"], comparison["credit_after"]) == ("0.00", "850.00")
    line = next(line for line in comparison["lines"] if line["clock"] == "resolution")
    assert (line["before_attainment"], line["after_attainment"]) == ("95.00", "0.00")
    assert manager.post(f"/api/sla-periods/{pk}/reopen/", {"reason": ""}, format="json").status_code == 400
    reopened = manager.post(f"/api/sla-periods/{pk}/reopen/", {"reason": "Version 2 agreed"}, format="json")
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
