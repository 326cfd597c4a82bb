"""Pure arithmetic of the transition: knowledge coverage, its criticality weighting, stage exit criteria.

No Django here, so the rules can be read, tested and benchmarked alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

# A criticality-1 service counts four times a criticality-4 one in the program's coverage; a service
# whose outage touches patient care counts twice again, because a gap there is a clinical risk.
CRITICALITY_WEIGHT = {1: 4, 2: 3, 3: 2, 4: 1}
CLINICAL_IMPACT_FACTOR = 2
HUNDRED = Decimal(100)


def service_weight(criticality: int, clinical_impact: bool) -> int:
    return CRITICALITY_WEIGHT[criticality] * (CLINICAL_IMPACT_FACTOR if clinical_impact else 1)


def percent(part: int, whole: int) -> Decimal:
    """part/whole as a percentage with one decimal; nothing required counts as fully covered."""
    if whole <= 0:
        return HUNDRED
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def weighted_coverage(rows: Iterable[tuple[int, Decimal]]) -> Decimal | None:
    """sum(weight * coverage) / sum(weight) over (weight, coverage %) rows; None when there are none."""
    total_weight = 0
    total = Decimal(0)
    for weight, coverage in rows:
        total_weight += weight
        total += weight * coverage
    if not total_weight:
        return None
    return (total / total_weight).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ServiceCoverage:
    """Which required templates a service has approved knowledge for, and which are gaps."""

    required: tuple[int, ...]
    approved: frozenset[int]
    weight: int

    @property
    def gaps(self) -> tuple[int, ...]:
        return tuple(t for t in self.required if t not in self.approved)

    @property
    def percent(self) -> Decimal:
        return percent(len(self.required) - len(self.gaps), len(self.required))


def coverage_of(
    *, required: Iterable[int], approved: Iterable[int], criticality: int, clinical_impact: bool
) -> ServiceCoverage:
    return ServiceCoverage(
        required=tuple(required),
        approved=frozenset(approved),
        weight=service_weight(criticality, clinical_impact),
    )


@dataclass(frozen=True)
class ExitCriteria:
    min_coverage_percent: Decimal = Decimal(0)
    require_training: bool = False
    min_incidents_handled: int = 0
    sla_weeks: int = 0


@dataclass
class ExitEvidence:
    """What a service shows at the moment it asks to leave its stage."""

    coverage_percent: Decimal
    training_missing: list[str] = field(default_factory=list)
    incidents_handled: int = 0
    has_contract: bool = False
    weeks_without_breach: int = 0
    internal_signed: bool = False
    partner_signed: bool = False
    has_partner_owner: bool = True


def missing_exit_criteria(criteria: ExitCriteria, evidence: ExitEvidence) -> list[str]:
    """Each unmet criterion, named so that the person moving the stage knows what to do next."""
    missing: list[str] = []
    if evidence.coverage_percent < criteria.min_coverage_percent:
        missing.append(
            f"Knowledge coverage is {evidence.coverage_percent} %; at least "
            f"{criteria.min_coverage_percent.normalize():f} % is required."
        )
    if criteria.require_training and evidence.training_missing:
        missing.append(
            f"The partner owner's required training is missing or expired: {', '.join(evidence.training_missing)}."
        )
    if evidence.incidents_handled < criteria.min_incidents_handled:
        missing.append(
            f"The partner has handled {evidence.incidents_handled} incident(s) in reverse shadow; "
            f"{criteria.min_incidents_handled} are required."
        )
    if criteria.sla_weeks and evidence.has_contract and evidence.weeks_without_breach < criteria.sla_weeks:
        missing.append(
            f"The SLA has been met for {evidence.weeks_without_breach} week(s) in a row; "
            f"{criteria.sla_weeks} are required."
        )
    if not evidence.has_partner_owner:
        missing.append("The service has no partner owner to sign off.")
    if not evidence.internal_signed:
        missing.append("The internal owner has not signed off this stage.")
    if evidence.has_partner_owner and not evidence.partner_signed:
        missing.append("The partner owner has not signed off this stage.")
    return missing


EXPIRING_WITHIN_DAYS = 30


def training_status(
    *,
    required: bool,
    completed: bool,
    expires_on: dt.date | None,
    due_on: dt.date | None,
    today: dt.date,
) -> str:
    """One cell of the completion matrix (the values of `choices.TrainingStatus`)."""
    if completed:
        if expires_on is not None and expires_on < today:
            return "expired"
        if expires_on is not None and expires_on <= today + dt.timedelta(days=EXPIRING_WITHIN_DAYS):
            return "expiring"
        return "done"
    if not required:
        return "not_required"
    if due_on is not None and due_on < today:
        return "overdue"
    return "to_do"


# Statuses that keep partner staff off a service in reverse shadow or handover.
BLOCKING_STATUSES = frozenset({"expired", "overdue", "to_do"})
