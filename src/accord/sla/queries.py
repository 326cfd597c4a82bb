"""Reads of the SLA app: the per-contract report (attainment, credits, pauses by party), lists, home panel.

Each function runs a fixed number of queries whatever the number of tickets: aggregates are computed
by the database, grouped by reporting period and priority.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum

from accord.core.permissions import Action
from accord.sla.choices import Clock, ClockStatus, Party, TicketChangeKind
from accord.sla.engine_bridge import period_end, period_label
from accord.sla.models import (
    AttainmentTarget,
    Contract,
    SlaPolicyVersion,
    SlaResult,
    Ticket,
    TicketChange,
    TicketImport,
)

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
PARTY_FIELDS = {
    Party.HOSPITAL: "paused_hospital_s",
    Party.VENDOR: "paused_vendor_s",
    Party.THIRD_PARTY: "paused_third_party_s",
    Party.UNATTRIBUTED: "paused_unattributed_s",
}


@dataclass(frozen=True)
class AttainmentRow:
    """One line of the report: a period, a priority and a clock of the report."""

    period_start: dt.date
    priority: str
    clock: str
    tickets: int
    met: int
    breached: int
    running: int
    attainment: Decimal | None  # % of decided clocks (met + breached) that were met; None when none decided
    target: Decimal | None
    credit_percent: Decimal | None
    credit: Decimal  # owed for this line in the contract's currency

    @property
    def missed(self) -> bool:
        return self.attainment is not None and self.target is not None and self.attainment < self.target

    @property
    def shortfall(self) -> Decimal | None:
        if self.attainment is None or self.target is None:
            return None
        return max(Decimal("0"), self.target - self.attainment)


@dataclass
class ReportPeriod:
    start: dt.date
    end: dt.date
    label: str
    rows: list[AttainmentRow] = field(default_factory=list)
    credit: Decimal = Decimal("0.00")
    paused: dict[str, int] = field(default_factory=dict)


@dataclass
class SlaReport:
    """Everything the report page and its exports show for one contract and one version choice."""

    contract: Contract
    version: SlaPolicyVersion | None
    periods: list[ReportPeriod]
    paused_total: dict[str, int]
    credit_total: Decimal
    result_count: int
    as_of: dt.datetime | None

    @property
    def rows(self) -> list[AttainmentRow]:
        return [row for period in self.periods for row in period.rows]

    def trend(self) -> dict[str, Any]:
        """Chart data: resolution attainment % per period for each priority, and the targets."""
        labels = [p.label for p in self.periods]
        priorities = sorted({r.priority for r in self.rows})
        series = []
        for priority in priorities:
            by_period = {
                r.period_start: r for r in self.rows if r.priority == priority and r.clock == Clock.RESOLUTION
            }
            values = [
                float(by_period[p.start].attainment)
                if p.start in by_period and by_period[p.start].attainment is not None
                else None
                for p in self.periods
            ]
            target = next((r.target for r in by_period.values() if r.target is not None), None)
            series.append(
                {
                    "priority": priority,
                    "values": values,
                    "target": float(target) if target is not None else None,
                }
            )
        return {"labels": labels, "series": series}


def results_for(contract: Contract, version: SlaPolicyVersion | None = None) -> QuerySet[SlaResult]:
    """The contract's report results: each ticket under its own version, or all under `version`."""
    results = SlaResult.objects.filter(contract=contract)
    return results.filter(version=version) if version is not None else results.filter(effective=True)


def percent(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


def build_report(contract: Contract, version: SlaPolicyVersion | None = None) -> SlaReport:
    """Attainment against target and credits owed per period and priority; paused time by party (2 queries)."""
    targets = {(t.priority, t.clock): t for t in AttainmentTarget.objects.filter(contract=contract)}

    def counted(clock: str, status: str) -> Count:
        return Count("pk", filter=Q(**{f"{clock}_status": status}))

    aggregates = (
        results_for(contract, version)
        .exclude(response_status=ClockStatus.ERROR)
        .values("period_start", "priority")
        .order_by("period_start", "priority")
        .annotate(
            tickets=Count("pk"),
            last_as_of=Max("as_of"),
            **{
                f"{clock}_{status}": counted(clock, status)
                for clock in Clock.values
                for status in (
                    ClockStatus.MET,
                    ClockStatus.BREACHED,
                    ClockStatus.RUNNING,
                    ClockStatus.AT_RISK,
                )
            },
            **{f"paused_{party}": Sum(column) for party, column in PARTY_FIELDS.items()},
        )
    )
    periods: dict[dt.date, ReportPeriod] = {}
    paused_total = dict.fromkeys(PARTY_FIELDS, 0)
    result_count = 0
    as_of = None
    frequency = contract.reporting_frequency
    for line in aggregates:
        start = line["period_start"]
        period = periods.get(start)
        if period is None:
            period = periods[start] = ReportPeriod(
                start=start,
                end=period_end(start, frequency),
                label=period_label(start, frequency),
                paused=dict.fromkeys(PARTY_FIELDS, 0),
            )
        result_count += line["tickets"]
        as_of = max(filter(None, [as_of, line["last_as_of"]]), default=None)
        for party in PARTY_FIELDS:
            seconds = line[f"paused_{party}"] or 0
            period.paused[party] += seconds
            paused_total[party] += seconds
        for clock in Clock.values:
            met, breached = line[f"{clock}_met"], line[f"{clock}_breached"]
            target = targets.get((line["priority"], clock))
            attainment = percent(met, met + breached)
            missed = attainment is not None and target is not None and attainment < target.target_percent
            credit = (
                (contract.period_fee * target.service_credit_percent / HUNDRED).quantize(CENT)
                if missed and target is not None
                else Decimal("0.00")
            )
            period.rows.append(
                AttainmentRow(
                    period_start=start,
                    priority=line["priority"],
                    clock=clock,
                    tickets=line["tickets"],
                    met=met,
                    breached=breached,
                    running=line[f"{clock}_running"] + line[f"{clock}_at_risk"],
                    attainment=attainment,
                    target=target.target_percent if target else None,
                    credit_percent=target.service_credit_percent if target else None,
                    credit=credit,
                )
            )
            period.credit += credit
    ordered = [periods[k] for k in sorted(periods)]
    return SlaReport(
        contract=contract,
        version=version,
        periods=ordered,
        paused_total=paused_total,
        credit_total=sum((p.credit for p in ordered), Decimal("0.00")),
        result_count=result_count,
        as_of=as_of,
    )


def list_breaches(contract: Contract, version: SlaPolicyVersion | None = None) -> QuerySet[SlaResult]:
    return (
        results_for(contract, version)
        .filter(Q(response_status=ClockStatus.BREACHED) | Q(resolution_status=ClockStatus.BREACHED))
        .select_related("ticket", "version")
        .order_by("-period_start", "-ticket__opened_at")
    )


def list_at_risk(contract: Contract, version: SlaPolicyVersion | None = None) -> QuerySet[SlaResult]:
    """Open tickets past the warning threshold of a clock and not yet breached."""
    return (
        results_for(contract, version)
        .filter(Q(response_status=ClockStatus.AT_RISK) | Q(resolution_status=ClockStatus.AT_RISK))
        .select_related("ticket", "version")
        .order_by("resolution_due")
    )


def list_contracts(*, user: Any, program: Any) -> QuerySet[Contract]:
    return (
        Contract.objects.visible_to(user, Action.VIEW)
        .filter(program=program)
        .select_related("vendor")
        .annotate(ticket_count=Count("tickets", distinct=True))
        .order_by("name")
    )


def summarise_for_home(*, program: Any, user: Any) -> dict[str, Any] | None:
    """Program home: per visible contract, the latest period's credits and breaches (None hides the panel)."""
    contracts = list(Contract.objects.visible_to(user).filter(program=program).order_by("name")[:5])
    if not contracts:
        return None
    latest = (
        SlaResult.objects.filter(contract__in=contracts, effective=True)
        .values("contract_id")
        .annotate(last=Max("period_start"))
    )
    last_period = {row["contract_id"]: row["last"] for row in latest}
    breaches = dict(
        SlaResult.objects.filter(contract__in=contracts, effective=True)
        .filter(Q(response_status=ClockStatus.BREACHED) | Q(resolution_status=ClockStatus.BREACHED))
        .values("contract_id")
        .annotate(n=Count("pk"))
        .values_list("contract_id", "n")
    )
    return {
        "contracts": [
            {"contract": c, "last_period": last_period.get(c.pk), "breaches": breaches.get(c.pk, 0)}
            for c in contracts
        ]
    }


# --- Ticket history --------------------------------------------------------------------------------

MAX_HISTORY = 200
MAX_IMPORT_CHANGES = 50
CHANGE_LABELS = {
    "priority": "Priority",
    "opened_at": "Opened",
    "first_response_at": "First response",
    "resolved_at": "Resolved",
    "events": "State changes",
}


@dataclass(frozen=True)
class FieldChange:
    """One field of a ticket as an import found it and as it left it."""

    label: str
    before: str
    after: str


def _shown(name: str, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if name == "events":
        return "; ".join(f"{at.replace('T', ' ').removesuffix('Z')} UTC {state}" for at, state in value)
    if name == "priority":
        return str(value)
    return f"{str(value).replace('T', ' ').removesuffix('Z')} UTC"


def field_changes(change: TicketChange) -> list[FieldChange]:
    return [
        FieldChange(CHANGE_LABELS.get(name, name), _shown(name, before), _shown(name, after))
        for name, (before, after) in sorted(
            change.changes.items(),
            key=lambda item: list(CHANGE_LABELS).index(item[0]) if item[0] in CHANGE_LABELS else 99,
        )
    ]


def list_ticket_changes(ticket: Ticket) -> list[dict[str, Any]]:
    """The imports that created or changed `ticket`, newest first, with who ran them (two queries)."""
    changes = (
        TicketChange.objects.filter(ticket=ticket)
        .select_related("ticket_import__actor")
        .order_by("-pk")[:MAX_HISTORY]
    )
    return [
        {"change": change, "import": change.ticket_import, "fields": field_changes(change)}
        for change in changes
    ]


def list_import_changes(ticket_import: TicketImport) -> list[dict[str, Any]]:
    """The first tickets an import changed (not merely created), with their before and after values."""
    changes = (
        TicketChange.objects.filter(ticket_import=ticket_import, kind=TicketChangeKind.UPDATED)
        .select_related("ticket")
        .order_by("pk")[:MAX_IMPORT_CHANGES]
    )
    return [
        {"change": change, "ticket": change.ticket, "fields": field_changes(change)} for change in changes
    ]
