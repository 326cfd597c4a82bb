"""Reads of the transition: coverage and its matrix, training status and plan, the dashboard; bounded in queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max, Min, Q, QuerySet

from accord.core.permissions import PARTNER_ROLES, Action, Role, can_in_program
from accord.core.timeline import end_of_day
from accord.transition import engine
from accord.transition.choices import (
    Criticality,
    HandoverStage,
    KnowledgeStatus,
    TrainingStatus,
)
from accord.transition.models import (
    KnowledgeItem,
    KnowledgeTemplate,
    Service,
    StageChange,
    StageExitCriteria,
    TrainingModule,
    TrainingRecord,
)

# The checklist a program starts from when it has not written its own criteria for a stage.
DEFAULT_EXIT_CRITERIA = {
    HandoverStage.ACQUISITION: engine.ExitCriteria(min_coverage_percent=Decimal(50)),
    HandoverStage.SHADOW: engine.ExitCriteria(min_coverage_percent=Decimal(80), require_training=True),
    HandoverStage.REVERSE_SHADOW: engine.ExitCriteria(
        min_coverage_percent=Decimal(100), require_training=True, min_incidents_handled=5, sla_weeks=4
    ),
}


# --- Coverage ----------------------------------------------------------------------------------------


def templates_of(program: Any) -> list[KnowledgeTemplate]:
    return list(KnowledgeTemplate.objects.filter(program=program).order_by("kind", "name"))


def coverage_by_service(
    services: Iterable[Service], templates: list[KnowledgeTemplate], items: QuerySet[KnowledgeItem]
) -> dict[int, engine.ServiceCoverage]:
    """Each service's coverage from the approved items in `items` (one query whatever the size).

    `items` decides whose view counts: everything for stage criteria and flags, what the reader may
    see for a page (a count is a read too).
    """
    services = list(services)
    approved: dict[int, set[int]] = defaultdict(set)
    pairs = items.filter(service__in=[s.pk for s in services], status=KnowledgeStatus.APPROVED).values_list(
        "service_id", "template_id"
    )
    for service_id, template_id in pairs:
        approved[service_id].add(template_id)
    return {
        service.pk: engine.coverage_of(
            required=[t.pk for t in templates if t.applies_to(service.kind)],
            approved=approved[service.pk],
            criticality=service.criticality,
            clinical_impact=service.clinical_impact,
        )
        for service in services
    }


def service_coverage(service: Service) -> engine.ServiceCoverage:
    """The coverage every rule is judged by: all of the service's knowledge, whoever reads."""
    return coverage_by_service([service], templates_of(service.program_id), KnowledgeItem.objects.all())[
        service.pk
    ]


@dataclass
class CoverageMatrix:
    """Services by templates: each cell approved, in progress, a gap, or not required."""

    templates: list[KnowledgeTemplate]
    rows: list[dict[str, Any]]
    weighted_percent: Decimal | None
    by_criticality: list[dict[str, Any]]


def coverage_matrix(
    *, program: Any, user: Any, today: dt.date, services: QuerySet[Service] | None = None
) -> CoverageMatrix:
    """The program's coverage as the reader may see it; four queries whatever the program's size.

    `services` narrows it to some services (a page's `ServiceFilterSet`), still only those the reader sees.
    """
    chosen = Service.objects.all() if services is None else services
    services = list(
        chosen.visible_to(user)
        .filter(program=program)
        .select_related("internal_owner")
        .order_by("criticality", "name")
    )
    templates = templates_of(program)
    visible_items = KnowledgeItem.objects.visible_to(user).filter(program=program)
    coverage = coverage_by_service(services, templates, visible_items)
    in_progress: set[tuple[int, int]] = set(
        visible_items.filter(status__in=[KnowledgeStatus.DRAFT, KnowledgeStatus.IN_REVIEW]).values_list(
            "service_id", "template_id"
        )
    )
    rows = []
    for service in services:
        cov = coverage[service.pk]
        cells = []
        for template in templates:
            if template.pk not in cov.required:
                state = "not_required"
            elif template.pk in cov.approved:
                state = "approved"
            elif (service.pk, template.pk) in in_progress:
                state = "in_progress"
            else:
                state = "gap"
            cells.append({"template": template, "state": state})
        overdue = bool(cov.gaps) and service.knowledge_due_on is not None and service.knowledge_due_on < today
        rows.append(
            {"service": service, "coverage": cov, "cells": cells, "overdue": overdue, "weight": cov.weight}
        )
    by_level = []
    for level in Criticality:
        level_rows = [r for r in rows if r["service"].criticality == level]
        by_level.append(
            {
                "criticality": level,
                "services": len(level_rows),
                "percent": engine.weighted_coverage((1, r["coverage"].percent) for r in level_rows),
            }
        )
    return CoverageMatrix(
        templates=templates,
        rows=rows,
        weighted_percent=engine.weighted_coverage((r["weight"], r["coverage"].percent) for r in rows),
        by_criticality=by_level,
    )


# --- Training ------------------------------------------------------------------------------------------


def modules_of(program: Any, chosen: QuerySet[TrainingModule] | None = None) -> list[TrainingModule]:
    """The program's training modules, or those of them in `chosen` (a FilterSet's result)."""
    return list(
        (TrainingModule.objects.all() if chosen is None else chosen)
        .filter(program=program)
        .prefetch_related("required_organisations")
        .order_by("kind", "title")
    )


def is_required(module: TrainingModule, *, role: str | None, organisation_id: int | None) -> bool:
    organisation_ids = {o.pk for o in module.required_organisations.all()}
    return (role is not None and role in module.required_roles) or (
        organisation_id is not None and organisation_id in organisation_ids
    )


def latest_records(records: Iterable[TrainingRecord]) -> dict[tuple[int, int], TrainingRecord]:
    """The most recent completion per (person, module): a later one renews an earlier."""
    latest: dict[tuple[int, int], TrainingRecord] = {}
    for record in records:
        key = (record.person_id, record.module_id)
        # Two completions on one day: the one recorded last, whatever order the rows came in.
        if key not in latest or (record.completed_on, record.pk) > (latest[key].completed_on, latest[key].pk):
            latest[key] = record
    return latest


def status_of(
    module: TrainingModule, record: TrainingRecord | None, *, required: bool, today: dt.date
) -> str:
    return engine.training_status(
        required=required,
        completed=record is not None,
        expires_on=record.expires_on if record else None,
        due_on=module.due_on,
        today=today,
    )


def training_gaps(*, person: Any, program_id: int, today: dt.date) -> list[tuple[TrainingModule, str]]:
    """The person's required modules of the program that are missing or expired, with the status of each."""
    from accord.programs.models import Membership

    role = (
        Membership.objects.filter(program_id=program_id, person=person).values_list("role", flat=True).first()
    )
    modules = [
        m
        for m in modules_of(program_id)
        if is_required(m, role=role, organisation_id=getattr(person, "organisation_id", None))
    ]
    latest = latest_records(TrainingRecord.objects.filter(person=person, module__in=modules))
    gaps = []
    for module in modules:
        status = status_of(module, latest.get((person.pk, module.pk)), required=True, today=today)
        if status in engine.BLOCKING_STATUSES:
            gaps.append((module, status))
    return gaps


@dataclass
class TrainingMatrix:
    modules: list[TrainingModule]
    rows: list[dict[str, Any]]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def required_cells(self) -> int:
        return sum(v for k, v in self.counts.items() if k != TrainingStatus.NOT_REQUIRED)

    @property
    def completion_percent(self) -> Decimal:
        done = self.counts.get(TrainingStatus.DONE, 0) + self.counts.get(TrainingStatus.EXPIRING, 0)
        return engine.percent(done, self.required_cells)


def training_matrix(
    *,
    program: Any,
    user: Any,
    today: dt.date,
    modules: QuerySet[TrainingModule] | None = None,
    records: QuerySet[TrainingRecord] | None = None,
) -> TrainingMatrix:
    """People by modules with done, expiring within 30 days, expired, overdue; four queries (five with
    `records`).

    The rows are the people whose records the reader may see: everyone for the hospital, a partner
    their own row. `modules` narrows the columns (a page's `TrainingModuleFilterSet`), all of them without.
    `records` (a page's `TrainingRecordFilterSet` result) narrows the cells to those records: a cell is
    shown only when the person's latest record of the module is one of them (an older completion never
    stands for a renewed one), and only the people and modules with such a cell are kept.
    """
    from accord.programs.models import Membership

    columns = modules_of(program, modules)
    visible = list(TrainingRecord.objects.visible_to(user).filter(program=program).select_related("person"))
    selected = None if records is None else set(records.order_by().values_list("pk", flat=True))
    memberships = (
        Membership.objects.filter(program=program)
        .select_related("person")
        .order_by("person__full_name", "person__pk")
    )
    if not can_in_program(user, Action.VIEW, "training_records", program.pk):
        memberships = memberships.filter(person=user)
    latest = latest_records(visible)
    rows = []
    for membership in memberships:
        person = membership.person
        cells = []
        for module in columns:
            record = latest.get((person.pk, module.pk))
            required = is_required(module, role=membership.role, organisation_id=person.organisation_id)
            status = status_of(module, record, required=required, today=today)
            shown = selected is None or (record is not None and record.pk in selected)
            cells.append(
                {"module": module, "record": record, "status": status, "required": required, "shown": shown}
            )
        rows.append({"person": person, "role": membership.get_role_display(), "cells": cells})
    if selected is not None:
        kept = [i for i in range(len(columns)) if any(row["cells"][i]["shown"] for row in rows)]
        columns = [columns[i] for i in kept]
        rows = [
            {**row, "cells": [row["cells"][i] for i in kept]}
            for row in rows
            if any(cell["shown"] for cell in row["cells"])
        ]
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        for cell in row["cells"]:
            if cell["shown"]:
                counts[cell["status"]] += 1
    return TrainingMatrix(modules=columns, rows=rows, counts=dict(counts))


def training_filter_choices(*, program: Any, user: Any) -> dict[str, list[Any]]:
    """What the training page's record filter offers by name (two queries): the people whose records the
    reader may see (a partner only themselves, as in the matrix), their organisations, the modules."""
    from accord.programs.models import Membership

    memberships = Membership.objects.filter(program=program).select_related("person__organisation")
    if not can_in_program(user, Action.VIEW, "training_records", program.pk):
        memberships = memberships.filter(person=user)
    people = sorted({m.person for m in memberships}, key=lambda p: (p.full_name, p.email, p.pk))
    organisations = sorted(
        {p.organisation for p in people if p.organisation is not None}, key=lambda o: (o.name, o.pk)
    )
    modules = list(TrainingModule.objects.filter(program=program).order_by("title", "pk"))
    return {"people": people, "organisations": organisations, "modules": modules}


def training_plan(*, program: Any, modules: list[TrainingModule] | None = None) -> list[dict[str, Any]]:
    """Which modules each role, and each named organisation, must complete (two queries; none when given
    `modules`, e.g. the matrix's columns with their organisations prefetched)."""
    modules = modules_of(program) if modules is None else modules
    plan = []
    for role in Role:
        required = [m for m in modules if role in m.required_roles]
        if required:
            plan.append({"who": role.label, "kind": "role", "modules": required})
    organisations: dict[int, dict[str, Any]] = {}
    for module in modules:
        for organisation in module.required_organisations.all():
            entry = organisations.setdefault(
                organisation.pk, {"who": organisation.name, "kind": "organisation", "modules": []}
            )
            entry["modules"].append(module)
    plan.extend(sorted(organisations.values(), key=lambda e: e["who"]))
    return plan


def is_partner_staff(person: Any, program_id: int) -> bool:
    from accord.core.permissions import role_in

    organisation = getattr(person, "organisation", None)
    return role_in(person, program_id) in PARTNER_ROLES or (
        organisation is not None and not organisation.is_hospital_side
    )


# --- Stage criteria ------------------------------------------------------------------------------------


def exit_criteria_for(service: Service) -> engine.ExitCriteria:
    row = StageExitCriteria.objects.filter(program_id=service.program_id, stage=service.stage).first()
    if row is None:
        return DEFAULT_EXIT_CRITERIA[HandoverStage(service.stage)]
    return engine.ExitCriteria(
        min_coverage_percent=row.min_coverage_percent,
        require_training=row.require_training,
        min_incidents_handled=row.min_incidents_handled,
        sla_weeks=row.sla_weeks,
    )


def weeks_without_breach(contract: Any, *, today: dt.date) -> int:
    """Whole weeks since the last ticket with a breached clock was opened (or since the first ticket)."""
    from accord.sla.choices import ClockStatus
    from accord.sla.models import SlaResult, Ticket

    breached = Q(response_status=ClockStatus.BREACHED) | Q(resolution_status=ClockStatus.BREACHED)
    last_breach = (
        SlaResult.objects.filter(contract=contract, effective=True)
        .filter(breached)
        .aggregate(at=Max("ticket__opened_at"))["at"]
    )
    start = last_breach or Ticket.objects.filter(contract=contract).aggregate(at=Min("opened_at"))["at"]
    if start is None:
        return 0
    return max((today - start.date()).days // 7, 0)


def exit_evidence(service: Service, *, today: dt.date) -> engine.ExitEvidence:
    from accord.transition.choices import SignOffParty
    from accord.transition.models import StageSignOff

    live = set(
        StageSignOff.objects.filter(service=service, stage=service.stage, voided_at__isnull=True).values_list(
            "party", flat=True
        )
    )
    partner = service.partner_owner
    training_missing = (
        [m.title for m, _status in training_gaps(person=partner, program_id=service.program_id, today=today)]
        if partner is not None
        else []
    )
    return engine.ExitEvidence(
        coverage_percent=service_coverage(service).percent,
        training_missing=training_missing,
        incidents_handled=service.partner_incidents_handled,
        has_contract=service.contract_id is not None,
        weeks_without_breach=weeks_without_breach(service.contract, today=today)
        if service.contract_id
        else 0,
        internal_signed=SignOffParty.INTERNAL in live,
        partner_signed=SignOffParty.PARTNER in live,
        has_partner_owner=partner is not None,
    )


def missing_to_leave_stage(service: Service, *, today: dt.date) -> list[str]:
    if service.stage == HandoverStage.HANDOVER:
        return ["Handover is the last stage."]
    return engine.missing_exit_criteria(exit_criteria_for(service), exit_evidence(service, today=today))


# --- Dashboard and home ----------------------------------------------------------------------------------


def summarise_dashboard(*, program: Any, user: Any, today: dt.date) -> dict[str, Any]:
    """The transition dashboard: services by stage, coverage by criticality, training, reviews due, flags."""
    matrix = coverage_matrix(program=program, user=user, today=today)
    by_stage = {stage: [] for stage in HandoverStage}
    for row in matrix.rows:
        by_stage[HandoverStage(row["service"].stage)].append(row["service"])
    training = training_matrix(program=program, user=user, today=today)
    review_due = list(
        KnowledgeItem.objects.visible_to(user)
        .filter(
            program=program, status=KnowledgeStatus.APPROVED, review_due_on__lte=today + dt.timedelta(days=30)
        )
        .select_related("service", "template")
        .order_by("review_due_on")[:20]
    )
    flagged = [row for row in matrix.rows if row["service"].coverage_red_flag_id]
    return {
        "matrix": matrix,
        "by_stage": [{"stage": stage, "services": services} for stage, services in by_stage.items()],
        "training": training,
        "review_due": review_due,
        "flagged": flagged,
        "overdue_gaps": [row for row in matrix.rows if row["overdue"]],
        "today": today,
    }


def stages_as_they_stood(services: Sequence[Service], *, at: dt.datetime) -> dict[int, str]:
    """Each service's handover stage at `at`, from its stage changes (one query).

    The last move made by then gives the stage; a service that only moved later stood at the stage its
    first later move left; one that never moved stands where it is now.
    """
    stage = {s.pk: s.stage for s in services}
    earliest_later: dict[int, str] = {}
    latest_before: dict[int, str] = {}
    moves = (
        StageChange.objects.filter(service_id__in=list(stage))
        .order_by("changed_at", "pk")
        .values_list("service_id", "changed_at", "from_stage", "to_stage")
    )
    for service_id, changed_at, from_stage, to_stage in moves:
        if changed_at <= at:
            latest_before[service_id] = to_stage
        else:
            earliest_later.setdefault(service_id, from_stage)
    for service_id in stage:
        if service_id in latest_before:
            stage[service_id] = latest_before[service_id]
        elif service_id in earliest_later:
            stage[service_id] = earliest_later[service_id]
    return stage


def summarise_for_home(*, program: Any, user: Any, as_of: dt.date | None = None) -> dict[str, Any] | None:
    """The program home's transition panel; hidden for programs without services (e.g. an EMR deployment).

    With `as_of`, the services taken on by the end of that day at the stage they stood at then (from their
    stage changes); the knowledge coverage is the present one, measured against that day's due dates.
    """
    from django.utils import timezone

    services = Service.objects.visible_to(user).filter(program=program)
    if as_of is None:
        stages = list(services.values_list("stage", flat=True))
    else:
        at = end_of_day(as_of)
        stages = list(stages_as_they_stood(list(services.filter(created_at__lte=at)), at=at).values())
    if not stages:
        return None
    counts = {stage: 0 for stage in HandoverStage}
    for stage in stages:
        counts[HandoverStage(stage)] += 1
    matrix = coverage_matrix(program=program, user=user, today=as_of or timezone.localdate())
    return {
        "as_of": as_of,
        "stage_counts": [{"stage": stage, "count": count} for stage, count in counts.items()],
        "weighted_percent": matrix.weighted_percent,
        "overdue_gaps": sum(1 for row in matrix.rows if row["overdue"]),
    }
