"""Reporting periods: issuing a period's report closes it with its figures; reopening is explicit and audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min

from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, can_in_program
from accord.sla import queries
from accord.sla.choices import ClockStatus, PeriodStatus, ReportingFrequency
from accord.sla.engine_bridge import period_end, period_label
from accord.sla.models import AttainmentTarget, Contract, SlaPeriod


def _check(actor: Any, contract: Contract) -> None:
    if not can_in_program(actor, Action.CHANGE, "sla", contract.program_id):
        raise PermissionDenied("Your role may not issue or reopen SLA reports.")


def live_figures(contract: Contract, start: dt.date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The period's figures as the live results give them now, and the versions they used (three queries)."""
    targets = {(t.priority, t.clock): t for t in AttainmentTarget.objects.filter(contract=contract)}
    results = queries.results_for(contract).filter(period_start=start)
    rows: list[dict[str, Any]] = []
    paused = dict.fromkeys(queries.PARTY_FIELDS, 0)
    ticket_count = open_tickets = 0
    last_as_of = None
    for line in queries._counts(results):
        rows.extend(queries.figures_from_counts(line, targets))
        ticket_count += line["tickets"]
        open_tickets += line["open_tickets"]
        last_as_of = max(filter(None, [last_as_of, line["last_as_of"]]), default=None)
        for party in paused:
            paused[party] += line[f"paused_{party}"] or 0
    versions = [
        {
            "pk": used["version_id"],
            "number": used["version__number"],
            "first_opened": used["first"].isoformat(),
            "last_opened": used["last"].isoformat(),
            "tickets": used["n"],
            # Tickets get ever larger ids: one imported after the issue is not part of the issued report.
            "last_ticket": used["last_ticket"],
        }
        for used in results.values("version_id", "version__number")
        .order_by("version__number")
        .annotate(
            first=Min("ticket__opened_at"),
            last=Max("ticket__opened_at"),
            n=Count("pk"),
            last_ticket=Max("ticket_id"),
        )
    ]
    figures = {
        "rows": rows,
        "paused": paused,
        "ticket_count": ticket_count,
        "unmeasured": results.filter(response_status=ClockStatus.ERROR).count(),
        "provisional": open_tickets > 0,
        "period_fee": str(contract.period_fee),
        "credit_cap_percent": None
        if contract.credit_cap_percent is None
        else str(contract.credit_cap_percent),
        "as_of": last_as_of.isoformat() if last_as_of else None,
    }
    return figures, versions


def _credit(contract: Contract, start: dt.date, figures: dict[str, Any]) -> str:
    period = queries.ReportPeriod(start=start, end=start, label="")
    fee = Decimal(figures["period_fee"])
    period.rows = [queries._attainment_row(start, row, fee, {}) for row in figures["rows"]]
    queries._settle_credit(period, fee, queries._decimal(figures.get("credit_cap_percent")))
    return str(period.credit)


def issue_period_report(
    *, contract: Contract, start: dt.date, actor: Any, now: dt.datetime, check: bool = True
) -> SlaPeriod:
    """Issue the report of the period starting on `start`: it closes with its figures and policy versions.

    From then on neither a back-dated policy version nor a re-import changes what the report says of it.
    """
    if check:
        _check(actor, contract)
    frequency = contract.reporting_frequency
    if not _starts_a_period(start, frequency):
        raise ValidationError({"start": f"{start:%Y-%m-%d} is not the first day of a reporting period."})
    end = period_end(start, frequency)
    if end >= now.date():
        raise ValidationError(
            {"start": f"The period runs until {end:%d %b %Y}; its report is issued once it has ended."}
        )
    with transaction.atomic():
        period, _ = SlaPeriod.objects.select_for_update().get_or_create(
            contract=contract,
            start=start,
            defaults={"program_id": contract.program_id, "end": end},
        )
        if period.is_closed:
            raise ValidationError(
                {
                    "start": f"The report of {period_label(start, frequency)} was already issued; reopen it first."
                }
            )
        figures, versions = live_figures(contract, start)
        if not figures["rows"] and not figures["unmeasured"]:
            raise ValidationError({"start": "The period has no measured tickets; compute the results first."})
        before = audit.snapshot(period)
        period.status = PeriodStatus.CLOSED
        period.figures, period.versions = figures, versions
        period.issued_at = now
        period.issued_by = actor if getattr(actor, "is_authenticated", False) else None
        period.full_clean()
        period.save()
        changes = audit.diff(before, audit.snapshot(period))
        changes.pop("figures", None)
        changes["credit"] = [None, _credit(contract, start, figures)]
        audit.record(actor=actor, action=AuditAction.TRANSITION, instance=period, changes=changes)
    return period


def _starts_a_period(day: dt.date, frequency: str) -> bool:
    if frequency == ReportingFrequency.WEEKLY:
        return day.weekday() == 0
    if frequency == ReportingFrequency.QUARTERLY:
        return day.day == 1 and day.month in (1, 4, 7, 10)
    return day.day == 1


@dataclass(frozen=True)
class FigureChange:
    """One line of a closed period, as issued and as the live results would now make it."""

    priority: str
    clock: str
    before: queries.AttainmentRow | None
    after: queries.AttainmentRow | None

    @property
    def changed(self) -> bool:
        keys = ("tickets", "met", "breached", "attainment", "credit")
        if self.before is None or self.after is None:
            return True
        return any(getattr(self.before, k) != getattr(self.after, k) for k in keys)


@dataclass(frozen=True)
class PeriodComparison:
    period: SlaPeriod
    lines: list[FigureChange]
    credit_before: str
    credit_after: str
    versions_before: list[int]
    versions_after: list[int]


def compare_period(period: SlaPeriod) -> PeriodComparison:
    """What reopening would change: the issued figures beside the live ones, line by line."""
    contract = period.contract
    after, versions_after = live_figures(contract, period.start)
    before = period.figures

    def rows(figures: dict[str, Any]) -> dict[tuple[str, str], queries.AttainmentRow]:
        fee = Decimal(figures.get("period_fee", "0"))
        return {
            (r["priority"], r["clock"]): queries._attainment_row(period.start, r, fee, {})
            for r in figures.get("rows", [])
        }

    old, new = rows(before), rows(after)
    lines = [FigureChange(p, c, old.get((p, c)), new.get((p, c))) for p, c in sorted(old.keys() | new.keys())]
    return PeriodComparison(
        period=period,
        lines=lines,
        credit_before=_credit(contract, period.start, before) if before.get("rows") is not None else "0.00",
        credit_after=_credit(contract, period.start, after),
        versions_before=sorted(v["number"] for v in period.versions),
        versions_after=sorted(v["number"] for v in versions_after),
    )


def reopen_period(*, period: SlaPeriod, actor: Any, reason: str, check: bool = True) -> SlaPeriod:
    """Reopen a closed period so the live results (and newer policy versions) apply to it again.

    The audit entry keeps the issued figures and the live ones the period takes instead.
    """
    if check:
        _check(actor, period.contract)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the issued report is reopened."})
    with transaction.atomic():
        period = SlaPeriod.objects.select_for_update().select_related("contract").get(pk=period.pk)
        if not period.is_closed:
            raise ValidationError({"start": "This period is open; there is no issued report to reopen."})
        comparison = compare_period(period)
        audit.record(
            actor=actor,
            action=AuditAction.TRANSITION,
            instance=period,
            changes={
                "status": [PeriodStatus.CLOSED, PeriodStatus.OPEN],
                "credit": [comparison.credit_before, comparison.credit_after],
                "versions": [comparison.versions_before, comparison.versions_after],
                "figures": [period.figures, live_figures(period.contract, period.start)[0]],
                "reason": [None, reason.strip()],
            },
        )
        period.status = PeriodStatus.OPEN
        period.figures, period.versions = {}, []
        period.issued_at, period.issued_by = None, None
        period.save()
    return period


def list_periods(contract: Contract) -> dict[dt.date, SlaPeriod]:
    """Every period with a record (issued or reopened), by start."""
    return {p.start: p for p in SlaPeriod.objects.filter(contract=contract).order_by("start")}


__all__ = [
    "PeriodComparison",
    "compare_period",
    "issue_period_report",
    "list_periods",
    "live_figures",
    "reopen_period",
]
