"""Reads of the SLA app: the per-contract report (attainment, credits, pauses by party), lists, home panel.

Each function runs a fixed number of queries whatever the number of tickets: aggregates are computed
by the database, grouped by reporting period and priority.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum

from accord.core.permissions import Action, can_in_program
from accord.core.timeline import end_of_day
from accord.sla.choices import (
    Clock,
    ClockStatus,
    DisputedClock,
    DisputeOutcome,
    DisputeStatus,
    Party,
    PeriodStatus,
    TicketChangeKind,
    VendorClaim,
)
from accord.sla.engine_bridge import period_end, period_label
from accord.sla.models import (
    AttainmentTarget,
    Contract,
    SlaDispute,
    SlaPeriod,
    SlaPolicyVersion,
    SlaResult,
    Ticket,
    TicketChange,
    TicketImport,
)

CENT = Decimal("0.01")
ENGINE_TICKET_PREFIX = re.compile(r"^ticket '[^']*': ")
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
    settled_for_vendor: int = 0  # breaches counted as met because a dispute was settled for the vendor

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
    closed: bool = False
    issued_at: dt.datetime | None = None
    version_numbers: list[int] = field(default_factory=list)
    provisional: bool = False  # some of its tickets are still unresolved, so its figures may still change
    uncapped_credit: Decimal = Decimal("0.00")
    credit_cap: Decimal | None = None  # the most the contract owes for one period, when it caps credits

    @property
    def capped(self) -> bool:
        return self.credit_cap is not None and self.uncapped_credit > self.credit_cap


@dataclass(frozen=True)
class UnmeasuredTicket:
    """A ticket whose clocks could not be computed, named by the vendor's ticket number."""

    external_id: str
    priority: str
    period_start: dt.date
    reason: str


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
    unmeasured_count: int = 0
    unmeasured: list[UnmeasuredTicket] = field(default_factory=list)

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
    """The contract's live results: each ticket under its own version, or all under `version`."""
    results = SlaResult.objects.filter(contract=contract)
    return results.filter(version=version) if version is not None else results.filter(effective=True)


def closed_periods(contract: Contract) -> dict[dt.date, SlaPeriod]:
    """The contract's periods whose report was issued, by start date (one query)."""
    return {
        p.start: p
        for p in SlaPeriod.objects.filter(contract=contract, status=PeriodStatus.CLOSED).order_by("start")
    }


def _issued_results(period: SlaPeriod) -> Q:
    """The results a closed period's report stood on: its tickets under the versions in force at issue.

    Versions apply to contiguous ranges of opening instants, so each version's first and last opening
    instant at issue select exactly the tickets it measured, whatever versions were added since; tickets
    imported after the issue (larger ids) are left out, as they are of the issued figures.
    """
    condition = Q(pk__in=[])
    for used in period.versions:
        condition |= Q(
            version_id=used["pk"],
            ticket__opened_at__gte=dt.datetime.fromisoformat(used["first_opened"]),
            ticket__opened_at__lte=dt.datetime.fromisoformat(used["last_opened"]),
            **({"ticket_id__lte": used["last_ticket"]} if "last_ticket" in used else {}),
        )
    return Q(period_start=period.start) & condition


def report_results(
    contract: Contract,
    version: SlaPolicyVersion | None = None,
    closed: dict[dt.date, SlaPeriod] | None = None,
) -> QuerySet[SlaResult]:
    """The results the report stands on: live ones for open periods, the issued ones for closed periods.

    Under a chosen `version` (a comparison) every ticket is read under it, closed periods included.
    """
    if version is not None:
        return results_for(contract, version)
    closed = closed_periods(contract) if closed is None else closed
    condition = Q(effective=True) & ~Q(period_start__in=list(closed))
    for period in closed.values():
        condition |= _issued_results(period)
    return SlaResult.objects.filter(contract=contract).filter(condition)


def percent(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


DECIDED = (ClockStatus.MET, ClockStatus.BREACHED, ClockStatus.RUNNING, ClockStatus.AT_RISK)


def _counts(results: QuerySet[SlaResult]) -> QuerySet:
    """Per period and priority: tickets, each clock's statuses and paused seconds by party (one query)."""

    def counted(clock: str, status: str) -> Count:
        return Count("pk", filter=Q(**{f"{clock}_status": status}))

    return (
        results.exclude(response_status=ClockStatus.ERROR)
        .exclude(resolution_status=ClockStatus.ERROR)
        .values("period_start", "priority")
        .order_by("period_start", "priority")
        .annotate(
            tickets=Count("pk"),
            # Unresolved tickets: even one already breached can still change its period's figures (a
            # late resolution, a correction), so the period stays provisional while any is open.
            open_tickets=Count("pk", filter=Q(ticket__resolved_at__isnull=True)),
            last_as_of=Max("as_of"),
            **{f"{clock}_{status}": counted(clock, status) for clock in Clock.values for status in DECIDED},
            **{f"paused_{party}": Sum(column) for party, column in PARTY_FIELDS.items()},
        )
    )


def _settled_for_vendor(results: QuerySet[SlaResult]) -> dict[tuple[dt.date, str, str], int]:
    """(period, priority, clock) -> breaches that count as met after a dispute settled for the vendor."""
    won = SlaDispute.objects.filter(
        ticket=OuterRef("ticket"), status=DisputeStatus.SETTLED, outcome=DisputeOutcome.VENDOR
    )
    rows = (
        results.filter(Exists(won))
        .values("period_start", "priority")
        .order_by()
        .annotate(
            **{
                clock: Count(
                    "pk",
                    filter=Q(**{f"{clock}_status": ClockStatus.BREACHED})
                    & Q(Exists(won.filter(clock__in=[clock, DisputedClock.OVERALL]))),
                )
                for clock in Clock.values
            }
        )
    )
    return {
        (row["period_start"], row["priority"], clock): row[clock]
        for row in rows
        for clock in Clock.values
        if row[clock]
    }


def figures_from_counts(line: dict[str, Any], targets: dict[tuple[str, str], AttainmentTarget]) -> list[dict]:
    """The stored form of one period-and-priority line: raw counts and the target in force (per clock)."""
    rows = []
    for clock in Clock.values:
        target = targets.get((line["priority"], clock))
        rows.append(
            {
                "priority": line["priority"],
                "clock": clock,
                "tickets": line["tickets"],
                "met": line[f"{clock}_met"],
                "breached": line[f"{clock}_breached"],
                "running": line[f"{clock}_running"] + line[f"{clock}_at_risk"],
                "target": str(target.target_percent) if target else None,
                "credit_percent": str(target.service_credit_percent) if target else None,
            }
        )
    return rows


def _attainment_row(
    start: dt.date, figures: dict[str, Any], fee: Decimal, settled: dict[tuple[dt.date, str, str], int]
) -> AttainmentRow:
    flipped = min(settled.get((start, figures["priority"], figures["clock"]), 0), figures["breached"])
    met, breached = figures["met"] + flipped, figures["breached"] - flipped
    target, credit_percent = _decimal(figures["target"]), _decimal(figures["credit_percent"])
    attainment = percent(met, met + breached)
    missed = attainment is not None and target is not None and attainment < target
    credit = (
        (fee * credit_percent / HUNDRED).quantize(CENT)
        if missed and credit_percent is not None
        else Decimal("0.00")
    )
    return AttainmentRow(
        period_start=start,
        priority=figures["priority"],
        clock=figures["clock"],
        tickets=figures["tickets"],
        met=met,
        breached=breached,
        running=figures["running"],
        attainment=attainment,
        target=target,
        credit_percent=credit_percent,
        credit=credit,
        settled_for_vendor=flipped,
    )


def _settle_credit(period: ReportPeriod, fee: Decimal, cap_percent: Decimal | None) -> None:
    period.uncapped_credit = sum((r.credit for r in period.rows), Decimal("0.00"))
    period.credit_cap = (fee * cap_percent / HUNDRED).quantize(CENT) if cap_percent is not None else None
    period.credit = (
        min(period.uncapped_credit, period.credit_cap)
        if period.credit_cap is not None
        else period.uncapped_credit
    )


def list_unmeasured(results: QuerySet[SlaResult], limit: int = 200) -> tuple[int, list[UnmeasuredTicket]]:
    """Tickets whose clocks could not be computed, with the reason, named by their vendor ticket number."""
    failing = results.filter(Q(response_status=ClockStatus.ERROR) | Q(resolution_status=ClockStatus.ERROR))
    rows = list(
        failing.order_by("ticket__external_id").values_list(
            "ticket__external_id", "priority", "period_start", "error"
        )[: limit + 1]
    )
    count = len(rows) if len(rows) <= limit else failing.count()
    return count, [
        # The engine names a ticket by the database id it was given; the reader knows the vendor's number.
        UnmeasuredTicket(external_id, priority, start, ENGINE_TICKET_PREFIX.sub("", error) or "not measured")
        for external_id, priority, start, error in rows[:limit]
    ]


def build_report(contract: Contract, version: SlaPolicyVersion | None = None) -> SlaReport:
    """Attainment against target and credits owed per period and priority; paused time by party.

    Open periods are read live; a closed period from the figures issued with its report (settled disputes
    still count in its credits). Credits are capped per period when the contract caps them. Six queries.
    """
    targets = {(t.priority, t.clock): t for t in AttainmentTarget.objects.filter(contract=contract)}
    closed = closed_periods(contract) if version is None else {}
    results = report_results(contract, version, closed)
    live = results_for(contract, version)
    if closed:
        live = live.exclude(period_start__in=list(closed))
    settled = _settled_for_vendor(results)
    periods: dict[dt.date, ReportPeriod] = {}
    paused_total = dict.fromkeys(PARTY_FIELDS, 0)
    result_count = 0
    as_of = None
    frequency = contract.reporting_frequency

    def period_for(start: dt.date) -> ReportPeriod:
        if start not in periods:
            periods[start] = ReportPeriod(
                start=start,
                end=period_end(start, frequency),
                label=period_label(start, frequency),
                paused=dict.fromkeys(PARTY_FIELDS, 0),
            )
        return periods[start]

    for line in _counts(live):
        period = period_for(line["period_start"])
        result_count += line["tickets"]
        as_of = max(filter(None, [as_of, line["last_as_of"]]), default=None)
        for party in PARTY_FIELDS:
            seconds = line[f"paused_{party}"] or 0
            period.paused[party] += seconds
            paused_total[party] += seconds
        for figures in figures_from_counts(line, targets):
            row = _attainment_row(period.start, figures, contract.period_fee, settled)
            period.rows.append(row)
        period.provisional = period.provisional or line["open_tickets"] > 0
    for period in periods.values():
        _settle_credit(period, contract.period_fee, contract.credit_cap_percent)
    for start, issued in closed.items():
        period = period_for(start)
        figures = issued.figures
        fee = Decimal(figures.get("period_fee", "0"))
        period.closed, period.issued_at = True, issued.issued_at
        period.version_numbers = sorted(v["number"] for v in issued.versions)
        period.provisional = bool(figures.get("provisional"))
        period.rows = [_attainment_row(start, row, fee, settled) for row in figures.get("rows", [])]
        for party in PARTY_FIELDS:
            period.paused[party] = figures.get("paused", {}).get(party, 0)
            paused_total[party] += period.paused[party]
        result_count += figures.get("ticket_count", 0)
        _settle_credit(period, fee, _decimal(figures.get("credit_cap_percent")))
    unmeasured_count, unmeasured = list_unmeasured(results)
    ordered = [periods[k] for k in sorted(periods)]
    return SlaReport(
        contract=contract,
        version=version,
        periods=ordered,
        paused_total=paused_total,
        credit_total=sum((p.credit for p in ordered), Decimal("0.00")),
        result_count=result_count,
        as_of=as_of,
        unmeasured_count=unmeasured_count,
        unmeasured=unmeasured,
    )


def target_clause(spec: dict[str, Any], priority: str, clock: str) -> str:
    """The policy clause that decides one clock: target, calendar, time zone and pause states."""
    target = spec.get("targets", {}).get(priority)
    if not target:
        return f"No target for priority {priority} in this policy version."
    clocks = [Clock.RESPONSE, Clock.RESOLUTION] if clock == DisputedClock.OVERALL else [clock]
    within = " and ".join(f"{c} within {target[c]}" for c in clocks)
    hours = ", ".join(f"{day} {' '.join(spans)}" for day, spans in spec.get("working_hours", {}).items())
    calendar = "round the clock" if target.get("calendar") == "24x7" else f"in working hours ({hours})"
    states = spec.get("pause_states") or []
    paused = f"; paused while {', '.join(states)}" if states else "; never paused"
    return f"{priority}: {within}, {calendar}, {spec.get('timezone', 'UTC')}{paused}."


def target_seconds(spec: dict[str, Any], priority: str, clock: str) -> str | None:
    target = spec.get("targets", {}).get(priority) or {}
    return target.get(clock)


def list_breaches(
    contract: Contract,
    version: SlaPolicyVersion | None = None,
    *,
    period: dt.date | None = None,
    priority: str = "",
    clock: str = "",
) -> QuerySet[SlaResult]:
    """Breached tickets of the report (closed periods as issued), narrowed by period, priority and clock."""
    results = report_results(contract, version)
    if clock in Clock.values:
        results = results.filter(**{f"{clock}_status": ClockStatus.BREACHED})
    else:
        results = results.filter(
            Q(response_status=ClockStatus.BREACHED) | Q(resolution_status=ClockStatus.BREACHED)
        )
    if period is not None:
        results = results.filter(period_start=period)
    if priority:
        results = results.filter(priority=priority)
    return results.select_related("ticket", "version").order_by("-period_start", "-ticket__opened_at", "pk")


@dataclass(frozen=True)
class BreachLine:
    """A breach as the report lists it: each breached clock with its target and due instant (local time)."""

    result: SlaResult
    clock: str
    target: str | None
    due: dt.datetime | None
    elapsed_s: int | None
    time_zone: str


def breach_lines(results: Iterable[SlaResult], clock: str = "") -> list[BreachLine]:
    """One line per breached clock of each result, its due instant in the policy's time zone."""
    lines = []
    for result in results:
        spec = result.version.spec
        zone = spec.get("timezone", "UTC")
        for name in Clock.values:
            if clock and name != clock:
                continue
            if getattr(result, f"{name}_status") != ClockStatus.BREACHED:
                continue
            due = getattr(result, f"{name}_due")
            lines.append(
                BreachLine(
                    result=result,
                    clock=name,
                    target=target_seconds(spec, result.priority, name),
                    due=due.astimezone(ZoneInfo(zone)) if due else None,
                    elapsed_s=getattr(result, f"{name}_elapsed_s"),
                    time_zone=zone,
                )
            )
    return lines


# --- Disagreements between the vendor's verdicts and Accord's measurement ------------------------------

CLAIM_FIELDS = {
    DisputedClock.RESPONSE: "ticket__vendor_response_claim",
    DisputedClock.RESOLUTION: "ticket__vendor_resolution_claim",
    DisputedClock.OVERALL: "ticket__vendor_overall_claim",
}


def _disagreeing() -> Q:
    met, breached = VendorClaim.MET, VendorClaim.BREACHED
    either_breached = Q(response_status=ClockStatus.BREACHED) | Q(resolution_status=ClockStatus.BREACHED)
    both_met = Q(response_status=ClockStatus.MET) & Q(resolution_status=ClockStatus.MET)
    condition = Q()
    for clock in Clock.values:
        claim = CLAIM_FIELDS[clock]
        condition |= Q(**{claim: met, f"{clock}_status": ClockStatus.BREACHED})
        condition |= Q(**{claim: breached, f"{clock}_status": ClockStatus.MET})
    overall = CLAIM_FIELDS[DisputedClock.OVERALL]
    condition |= Q(**{overall: met}) & either_breached
    condition |= Q(**{overall: breached}) & both_met
    return condition


def measured_status(result: SlaResult, clock: str) -> str:
    """Accord's verdict on a clock; overall is met when both clocks are met, breached when either is."""
    if clock != DisputedClock.OVERALL:
        return getattr(result, f"{clock}_status")
    statuses = {result.response_status, result.resolution_status}
    if ClockStatus.BREACHED in statuses:
        return ClockStatus.BREACHED
    return ClockStatus.MET if statuses == {ClockStatus.MET} else result.resolution_status


@dataclass(frozen=True)
class Disagreement:
    """One ticket clock where the vendor's verdict differs from Accord's, with the rule that decides it."""

    result: SlaResult
    clock: str
    vendor_claim: str
    measured: str
    elapsed_s: int | None
    target: str | None
    rule: str
    dispute: SlaDispute | None

    @property
    def external_id(self) -> str:
        return self.result.ticket.external_id


def list_disagreements(
    contract: Contract, *, limit: int = 500, results: QuerySet[SlaResult] | None = None
) -> list[Disagreement]:
    """Each clock of the report's tickets where the vendor claims met and Accord measured a breach, or the
    reverse (three queries)."""
    results = report_results(contract) if results is None else results
    rows = list(
        results.filter(_disagreeing())
        .select_related("ticket", "version")
        .order_by("period_start", "ticket__external_id")[:limit]
    )
    disputes = {
        (d.ticket_id, d.clock): d
        for d in SlaDispute.objects.filter(contract=contract, ticket_id__in=[r.ticket_id for r in rows])
    }
    found = []
    for result in rows:
        for clock, claim_field in CLAIM_FIELDS.items():
            claim = getattr(result.ticket, claim_field.removeprefix("ticket__"))
            measured = measured_status(result, clock)
            if claim not in VendorClaim.values or measured not in (ClockStatus.MET, ClockStatus.BREACHED):
                continue
            if claim == measured:
                continue
            found.append(
                Disagreement(
                    result=result,
                    clock=clock,
                    vendor_claim=claim,
                    measured=measured,
                    elapsed_s=None
                    if clock == DisputedClock.OVERALL
                    else getattr(result, f"{clock}_elapsed_s"),
                    target=None
                    if clock == DisputedClock.OVERALL
                    else target_seconds(result.version.spec, result.priority, clock),
                    rule=f"Policy version {result.version.number}, "
                    + target_clause(result.version.spec, result.priority, clock),
                    dispute=disputes.get((result.ticket_id, clock)),
                )
            )
    return found


def list_disputes(contract: Contract, *, user: Any) -> QuerySet[SlaDispute]:
    return (
        SlaDispute.objects.visible_to(user)
        .filter(contract=contract)
        .select_related("ticket", "raised_by", "answered_by", "settled_by")
        .order_by("-created_at", "-pk")
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


@dataclass(frozen=True)
class IssuedPeriod:
    """An issued (closed) reporting period as the home page and the board pack show it, from its figures."""

    contract: Contract
    start: dt.date
    label: str
    issued_at: dt.datetime | None
    tickets: int
    met: int
    breached: int
    missed_targets: int  # lines (priority x clock) whose attainment fell short of the target
    credit: Decimal

    @property
    def attainment(self) -> Decimal | None:
        return percent(self.met, self.met + self.breached)

    @property
    def has_exceptions(self) -> bool:
        return self.breached > 0 or self.credit > 0


def issued_period(contract: Contract, period: SlaPeriod) -> IssuedPeriod:
    """Read one closed period from the figures stored when its report was issued (no query)."""
    figures = period.figures or {}
    fee = _decimal(figures.get("period_fee")) or Decimal("0")
    report_period = ReportPeriod(start=period.start, end=period.end, label="")
    report_period.rows = [_attainment_row(period.start, row, fee, {}) for row in figures.get("rows", [])]
    _settle_credit(report_period, fee, _decimal(figures.get("credit_cap_percent")))
    return IssuedPeriod(
        contract=contract,
        start=period.start,
        label=period_label(period.start, contract.reporting_frequency),
        issued_at=period.issued_at,
        tickets=figures.get("ticket_count", 0),
        met=sum(r.met for r in report_period.rows),
        breached=sum(r.breached for r in report_period.rows),
        missed_targets=sum(1 for r in report_period.rows if r.missed),
        credit=report_period.credit,
    )


def list_issued_periods(*, program: Any, user: Any, as_of: dt.date | None = None) -> list[IssuedPeriod]:
    """The reporting periods of the contracts the reader may see whose reports were issued by the end of
    `as_of` (by now without it), newest first: two queries, from the stored figures, never the results.

    A period reopened after `as_of` and not issued again is left out, and one issued again after `as_of`
    counts from its later issue: the figures of an earlier issue are kept only in the audit trail.
    """
    contracts = {c.pk: c for c in Contract.objects.visible_to(user).filter(program=program)}
    periods = SlaPeriod.objects.filter(contract_id__in=list(contracts), status=PeriodStatus.CLOSED)
    if as_of is not None:
        periods = periods.filter(issued_at__lte=end_of_day(as_of))
    return [
        issued_period(contracts[p.contract_id], p) for p in periods.order_by("-start", "contract__name", "pk")
    ]


def summarise_for_home(*, program: Any, user: Any, as_of: dt.date | None = None) -> dict[str, Any] | None:
    """Program home: per visible contract, the latest issued period's attainment, breaches and credit, and
    the credits of every period issued by `as_of` (None hides the panel). Three queries: the figures are
    read from the issued periods, so the cost does not grow with the number of tickets."""
    contracts = list(Contract.objects.visible_to(user).filter(program=program).order_by("name"))
    if not contracts:
        return None
    issued = list_issued_periods(program=program, user=user, as_of=as_of)
    rows = []
    for contract in contracts[:5]:
        own = [p for p in issued if p.contract.pk == contract.pk]
        rows.append(
            {
                "contract": contract,
                "latest": own[0] if own else None,
                "issued_count": len(own),
                "with_exceptions": sum(1 for p in own if p.has_exceptions),
                "credit_total": sum((p.credit for p in own), Decimal("0.00")),
            }
        )
    return {"as_of": as_of, "contracts": rows, "more_contracts": max(0, len(contracts) - 5)}


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


def board_pack_exceptions(*, program: Any, user: Any, as_of: dt.date) -> dict[str, Any] | None:
    """The board pack's SLA exceptions: the periods issued by `as_of` with breaches or service credits
    (None when the reader sees no contract, or may not read SLAs)."""
    if not can_in_program(user, Action.VIEW, "sla", program.pk):
        return None
    if not Contract.objects.visible_to(user).filter(program=program).exists():
        return None
    periods = [p for p in list_issued_periods(program=program, user=user, as_of=as_of) if p.has_exceptions]
    return {
        "title": "SLA periods with breaches or credits",
        "template": "sla/_board_pack_exceptions.html",
        "periods": periods,
    }
