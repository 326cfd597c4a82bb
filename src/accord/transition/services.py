"""Writes of the transition with business rules: stages, sign-offs, knowledge review, training, flags, reminders.

Plain creates and edits of services, templates, interviews and modules go through the audited generic
services in core; everything here runs in one transaction, writes its own audit row and notifies on commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, Role, can, can_in_program
from accord.core.services import save_new_record
from accord.notifications.choices import NotificationKind
from accord.notifications.services import notify
from accord.transition import queries
from accord.transition.choices import (
    HandoverStage,
    KnowledgeStatus,
    ReminderKind,
    SignOffParty,
)
from accord.transition.models import (
    KnowledgeAttachment,
    KnowledgeItem,
    Service,
    StageChange,
    StageSignOff,
    TrainingModule,
    TrainingRecord,
    TrainingReminder,
)

STAGES = list(HandoverStage)
# Stages in which the partner does the work: partner staff need their required training to be current.
HANDS_ON_STAGES = frozenset({HandoverStage.REVERSE_SHADOW, HandoverStage.HANDOVER})
MAX_ATTACHMENT_BYTES = 20_000_000
REVIEW_AFTER_MONTHS = 12
SYSTEM = "accord transition"


def _today(now: dt.datetime | None) -> dt.date:
    return timezone.localdate(now or timezone.now())


def _snapshot_update(instance: Any, before: dict[str, Any], actor: Any, action: str, at: dt.datetime) -> None:
    changes = audit.diff(before, audit.snapshot(instance))
    if changes:
        audit.record(actor=actor, action=action, instance=instance, changes=changes, at=at)


def _create_audited(instance: Any, actor: Any, at: dt.datetime | None = None) -> Any:
    return save_new_record(instance=instance, actor=actor, at=at)


# --- Handover stages ----------------------------------------------------------------------------------


def sign_off_stage(
    *, service: Service, actor: Any, note: str = "", now: dt.datetime | None = None
) -> StageSignOff:
    """The internal or the partner owner signs off that the service may leave its current stage."""
    now = now or timezone.now()
    if not can(actor, "signoff", service):
        raise PermissionDenied("Your role in this program may not sign off stages.")
    if actor.pk == service.internal_owner_id:
        party = SignOffParty.INTERNAL
    elif actor.pk == service.partner_owner_id:
        party = SignOffParty.PARTNER
    else:
        raise PermissionDenied("Only the service's internal owner and partner owner sign off its stages.")
    if service.stage == HandoverStage.HANDOVER:
        raise ValidationError("Handover is the last stage: there is nothing to sign off.")
    with transaction.atomic():
        exists = StageSignOff.objects.filter(
            service=service, stage=service.stage, party=party, voided_at__isnull=True
        ).exists()
        if exists:
            raise ValidationError(
                f"You have already signed off {service.get_stage_display()} for this service."
            )
        sign_off = StageSignOff(
            program_id=service.program_id,
            service=service,
            stage=service.stage,
            party=party,
            signed_by=actor,
            signed_at=now,
            note=note,
        )
        return _create_audited(sign_off, actor, now)


def _change_stage(
    *, service: Service, to: str, actor: Any, reason: str, fall_back: bool, now: dt.datetime
) -> Service:
    before = audit.snapshot(service)
    from_stage = service.stage
    service.stage = to
    service.stage_since = timezone.localdate(now)
    service.save(update_fields=["stage", "stage_since", "updated_at"])
    _snapshot_update(service, before, actor, AuditAction.TRANSITION, now)
    _create_audited(
        StageChange(
            program_id=service.program_id,
            service=service,
            from_stage=from_stage,
            to_stage=to,
            fall_back=fall_back,
            reason=reason,
            changed_by=actor,
            changed_at=now,
        ),
        actor,
        now,
    )
    word = "fell back" if fall_back else "moved"
    notify(
        recipients=[p for p in (service.internal_owner, service.partner_owner) if p is not None],
        kind=NotificationKind.OTHER,
        title=f"{service.name} {word} to {service.get_stage_display()}",
        body=reason,
        url=service.get_absolute_url(),
        program=service.program_id,
        actor=actor,
        about=service,
    )
    return service


def advance_stage(*, service: Service, actor: Any, now: dt.datetime | None = None) -> Service:
    """Move the service to its next stage; refused, naming each missing criterion, unless all are met."""
    now = now or timezone.now()
    if not can(actor, "stage", service):
        raise PermissionDenied("Your role in this program may not move handover stages.")
    with transaction.atomic():
        service = (
            Service.objects.select_for_update(of=("self",))
            .select_related("partner_owner", "internal_owner")
            .get(pk=service.pk)
        )
        missing = queries.missing_to_leave_stage(service, today=timezone.localdate(now))
        if missing:
            raise ValidationError(
                [f"{service.name} cannot leave {service.get_stage_display()}:", *missing],
                code="exit_criteria",
            )
        to = STAGES[STAGES.index(HandoverStage(service.stage)) + 1]
        return _change_stage(service=service, to=to, actor=actor, reason="", fall_back=False, now=now)


def fall_back_stage(*, service: Service, actor: Any, reason: str, now: dt.datetime | None = None) -> Service:
    """Move the service back one stage, with the reason; the sign-offs of the stages it left lapse."""
    now = now or timezone.now()
    if not can(actor, "stage", service):
        raise PermissionDenied("Your role in this program may not move handover stages.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the service falls back."})
    with transaction.atomic():
        service = (
            Service.objects.select_for_update(of=("self",))
            .select_related("partner_owner", "internal_owner")
            .get(pk=service.pk)
        )
        position = STAGES.index(HandoverStage(service.stage))
        if position == 0:
            raise ValidationError(
                f"{service.get_stage_display()} is the first stage: there is nowhere to fall back to."
            )
        to = STAGES[position - 1]
        lapsed = STAGES[position - 1 :]
        StageSignOff.objects.filter(service=service, stage__in=lapsed, voided_at__isnull=True).update(
            voided_at=now
        )
        return _change_stage(
            service=service, to=to, actor=actor, reason=reason.strip(), fall_back=True, now=now
        )


def move_stage(
    *, service: Service, to: str, actor: Any, reason: str = "", now: dt.datetime | None = None
) -> Service:
    """One entry point for the page and the API: forward one stage, or back one with a reason."""
    try:
        target = HandoverStage(to)
    except ValueError as error:
        raise ValidationError({"to": f"Unknown stage {to!r}."}) from error
    current = STAGES.index(HandoverStage(service.stage))
    wanted = STAGES.index(target)
    if wanted == current + 1:
        return advance_stage(service=service, actor=actor, now=now)
    if wanted == current - 1:
        return fall_back_stage(service=service, actor=actor, reason=reason, now=now)
    raise ValidationError({"to": "A service moves one stage at a time, forward or back."})


# --- Knowledge ----------------------------------------------------------------------------------------


def create_knowledge_item(*, actor: Any, data: dict[str, Any]) -> KnowledgeItem:
    """A new item is a draft written by the actor."""
    item = KnowledgeItem(**{**data, "author": actor, "status": KnowledgeStatus.DRAFT})
    if not can(actor, Action.ADD, item):
        raise PermissionDenied("Your role in this program may not write knowledge items.")
    with transaction.atomic():
        return _create_audited(item, actor)


EDITABLE_STATUSES = frozenset({KnowledgeStatus.DRAFT, KnowledgeStatus.IN_REVIEW})


def update_knowledge_item(*, item: KnowledgeItem, actor: Any, data: dict[str, Any]) -> KnowledgeItem:
    """Edit a draft or an item in review; approved knowledge is replaced by a new item, never rewritten."""
    if not can(actor, Action.CHANGE, item):
        raise PermissionDenied("You may not change this knowledge item.")
    if item.status not in EDITABLE_STATUSES:
        raise ValidationError(
            f"This item is {item.get_status_display().lower()}: write a new item to supersede it instead."
        )
    protected = {"status", "author", "approved_by", "approved_at", "superseded_by", "program"}
    with transaction.atomic():
        before = audit.snapshot(KnowledgeItem.objects.get(pk=item.pk))
        for name, value in data.items():
            if name not in protected:
                setattr(item, name, value)
        item.full_clean()
        item.save()
        _snapshot_update(item, before, actor, AuditAction.UPDATE, timezone.now())
    return item


def submit_for_review(*, item: KnowledgeItem, actor: Any, now: dt.datetime | None = None) -> KnowledgeItem:
    """A draft goes to its internal owner for review once it has every section its template requires."""
    now = now or timezone.now()
    if not can(actor, Action.CHANGE, item):
        raise PermissionDenied("You may not change this knowledge item.")
    if item.status != KnowledgeStatus.DRAFT:
        raise ValidationError(
            f"Only a draft goes to review; this item is {item.get_status_display().lower()}."
        )
    missing = item.missing_sections()
    if missing:
        raise ValidationError(
            f"The template {item.template} requires these sections (as headings): {', '.join(missing)}."
        )
    with transaction.atomic():
        before = audit.snapshot(item)
        item.status = KnowledgeStatus.IN_REVIEW
        item.save(update_fields=["status", "updated_at"])
        _snapshot_update(item, before, actor, AuditAction.TRANSITION, now)
        notify(
            recipients=[item.service.internal_owner],
            kind=NotificationKind.OTHER,
            title=f"Knowledge to review: {item.title}",
            body=f"{item.service}: {item.template}.",
            url=item.get_absolute_url(),
            program=item.program_id,
            actor=actor,
            about=item,
        )
    return item


def _check_approver(item: KnowledgeItem, actor: Any) -> None:
    if not can(actor, "approve", item):
        raise PermissionDenied("Your role in this program may not approve knowledge.")
    if not getattr(actor, "is_superuser", False) and actor.pk != item.service.internal_owner_id:
        raise PermissionDenied(
            f"Only the internal owner of {item.service} ({item.service.internal_owner}) approves its knowledge."
        )


def approve_knowledge_item(
    *, item: KnowledgeItem, actor: Any, now: dt.datetime | None = None
) -> KnowledgeItem:
    """The service's internal owner approves an item in review; it supersedes the earlier approved one."""
    now = now or timezone.now()
    _check_approver(item, actor)
    if item.status != KnowledgeStatus.IN_REVIEW:
        raise ValidationError(
            f"Only an item in review can be approved; this one is {item.get_status_display().lower()}."
        )
    with transaction.atomic():
        for earlier in (
            KnowledgeItem.objects.select_for_update()
            .filter(service_id=item.service_id, template_id=item.template_id, status=KnowledgeStatus.APPROVED)
            .exclude(pk=item.pk)
        ):
            before = audit.snapshot(earlier)
            earlier.status = KnowledgeStatus.SUPERSEDED
            earlier.superseded_by = item
            earlier.save(update_fields=["status", "superseded_by", "updated_at"])
            _snapshot_update(earlier, before, actor, AuditAction.TRANSITION, now)
        before = audit.snapshot(item)
        item.status = KnowledgeStatus.APPROVED
        item.approved_by = actor
        item.approved_at = now
        if item.review_due_on is None:
            due = TrainingModule(validity_months=REVIEW_AFTER_MONTHS).expiry_for(timezone.localdate(now))
            item.review_due_on = due
        item.save(update_fields=["status", "approved_by", "approved_at", "review_due_on", "updated_at"])
        _snapshot_update(item, before, actor, AuditAction.TRANSITION, now)
        notify(
            recipients=[item.author],
            kind=NotificationKind.OTHER,
            title=f"Approved: {item.title}",
            url=item.get_absolute_url(),
            program=item.program_id,
            actor=actor,
            about=item,
        )
    return item


def return_to_draft(
    *, item: KnowledgeItem, actor: Any, note: str, now: dt.datetime | None = None
) -> KnowledgeItem:
    """The internal owner sends an item in review back to its author with what is to change."""
    now = now or timezone.now()
    _check_approver(item, actor)
    if item.status != KnowledgeStatus.IN_REVIEW:
        raise ValidationError("Only an item in review can be returned to its author.")
    if not (note or "").strip():
        raise ValidationError({"note": "Say what the author should change."})
    with transaction.atomic():
        before = audit.snapshot(item)
        item.status = KnowledgeStatus.DRAFT
        item.save(update_fields=["status", "updated_at"])
        changes = audit.diff(before, audit.snapshot(item))
        changes["note"] = ["", note.strip()]
        audit.record(actor=actor, action=AuditAction.TRANSITION, instance=item, changes=changes, at=now)
        notify(
            recipients=[item.author],
            kind=NotificationKind.OTHER,
            title=f"Returned for changes: {item.title}",
            body=note.strip(),
            url=item.get_absolute_url(),
            program=item.program_id,
            actor=actor,
            about=item,
        )
    return item


def supersede_knowledge_item(
    *, item: KnowledgeItem, actor: Any, now: dt.datetime | None = None
) -> KnowledgeItem:
    """Retire approved knowledge that no longer holds (the system it describes was replaced)."""
    now = now or timezone.now()
    _check_approver(item, actor)
    if item.status != KnowledgeStatus.APPROVED:
        raise ValidationError("Only approved knowledge can be superseded.")
    with transaction.atomic():
        before = audit.snapshot(item)
        item.status = KnowledgeStatus.SUPERSEDED
        item.save(update_fields=["status", "updated_at"])
        _snapshot_update(item, before, actor, AuditAction.TRANSITION, now)
    return item


def attach_file(*, item: KnowledgeItem, upload: Any, actor: Any) -> KnowledgeAttachment:
    if not can(actor, Action.CHANGE, item):
        raise PermissionDenied("You may not change this knowledge item.")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {
                "file": f"The file is {upload.size / 1_000_000:.1f} MB; an attachment may be at most {MAX_ATTACHMENT_BYTES // 1_000_000} MB."
            }
        )
    with transaction.atomic():
        attachment = KnowledgeAttachment(
            program_id=item.program_id, item=item, file=upload, name=upload.name[:200], uploaded_by=actor
        )
        return _create_audited(attachment, actor)


# --- Coverage red flags --------------------------------------------------------------------------------


def _flag_raiser(service: Service) -> Any:
    """Who the automatic flag is raised in the name of: the internal owner, answerable for the knowledge,
    or else a program manager (an owner who left the program or is an auditor cannot raise flags)."""
    from accord.programs.models import Membership

    if can_in_program(service.internal_owner, Action.ADD, "red_flags", service.program_id):
        return service.internal_owner
    manager = (
        Membership.objects.filter(program_id=service.program_id, role=Role.PROGRAM_MANAGER)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    return manager.person if manager else None


def flag_overdue_knowledge_gaps(
    *, now: dt.datetime | None = None, services: Iterable[Service] | None = None
) -> list[Service]:
    """Raise one red flag per critical service whose required knowledge is still missing after its due date.

    A service is flagged once: the flag is claimed on the service row in the same transaction, so a
    second run, or two runs at the same time, raise nothing more.
    """
    from accord.governance.choices import Severity
    from accord.governance.services import raise_red_flag

    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = (
        Service.objects.filter(criticality=1, knowledge_due_on__lt=today, coverage_red_flag__isnull=True)
        if services is None
        else [s for s in services]
    )
    flagged = []
    for candidate in candidates:
        with transaction.atomic():
            service = (
                Service.objects.select_for_update(of=("self",))
                .select_related("internal_owner", "program")
                .filter(
                    pk=candidate.pk, criticality=1, knowledge_due_on__lt=today, coverage_red_flag__isnull=True
                )
                .first()
            )
            if service is None:
                continue
            coverage = queries.service_coverage(service)
            if not coverage.gaps:
                continue
            raiser = _flag_raiser(service)
            if raiser is None:
                continue
            templates = {t.pk: t.name for t in queries.templates_of(service.program_id)}
            missing = ", ".join(templates[t] for t in coverage.gaps)
            flag = raise_red_flag(
                program=service.program,
                actor=raiser,
                title=f"Knowledge gap on critical service {service.name}"[:200],
                description=(
                    f"Raised automatically by Accord: {service.name} (criticality 1) still lacks approved "
                    f"knowledge for {missing}, due on {service.knowledge_due_on:%d %b %Y}. Coverage is "
                    f"{coverage.percent} %."
                ),
                severity=Severity.HIGH,
                visibility=service.visibility,
                now=now,
            )
            before = audit.snapshot(service)
            service.coverage_red_flag = flag
            service.save(update_fields=["coverage_red_flag", "updated_at"])
            _snapshot_update(service, before, SYSTEM, AuditAction.UPDATE, now)
            flagged.append(service)
    return flagged


# --- Training -----------------------------------------------------------------------------------------


def record_training(
    *,
    module: TrainingModule,
    person: Any,
    completed_on: dt.date,
    actor: Any,
    evidence: str = "",
    now: dt.datetime | None = None,
) -> TrainingRecord:
    """Record a completion; people record their own (attested at once), a program manager anyone's."""
    now = now or timezone.now()
    own = person is not None and actor.pk == person.pk
    if not can_in_program(actor, Action.ADD if own else Action.CHANGE, "training_records", module.program_id):
        raise PermissionDenied(
            "You may record your own training; only a program manager records training for someone else."
        )
    if completed_on > timezone.localdate(now):
        raise ValidationError({"completed_on": "A training cannot be completed in the future."})
    with transaction.atomic():
        record = TrainingRecord(
            program_id=module.program_id,
            module=module,
            person=person,
            completed_on=completed_on,
            evidence=evidence,
            recorded_by=actor,
            attested=own,
            attested_at=now if own else None,
        )
        return _create_audited(record, actor, now)


def attest_training(*, record: TrainingRecord, actor: Any, now: dt.datetime | None = None) -> TrainingRecord:
    """The person confirms a completion someone else recorded for them."""
    now = now or timezone.now()
    if actor.pk != record.person_id or not can(actor, "attest", record):
        raise PermissionDenied("Only the person who took the training attests it.")
    if record.attested:
        return record
    with transaction.atomic():
        before = audit.snapshot(record)
        record.attested = True
        record.attested_at = now
        record.save(update_fields=["attested", "attested_at", "updated_at"])
        _snapshot_update(record, before, actor, AuditAction.UPDATE, now)
    return record


def check_partner_may_work_on(person: Any, service: Service, *, today: dt.date | None = None) -> None:
    """Refuse (ValidationError naming the modules) partner staff on a service in reverse shadow or
    handover while a training module required of them is missing or expired.

    Hospital staff, and services still in acquisition or shadow, pass. Called by whatever assigns
    people to services (the transparency app's assignments).
    """
    if service.stage not in HANDS_ON_STAGES or person is None:
        return
    if not queries.is_partner_staff(person, service.program_id):
        return
    gaps = queries.training_gaps(
        person=person, program_id=service.program_id, today=today or timezone.localdate()
    )
    if gaps:
        words = {"expired": "expired", "overdue": "missing (overdue)", "to_do": "missing"}
        listed = "; ".join(f"{module.title} ({words[status]})" for module, status in gaps)
        raise ValidationError(
            f"{person} cannot work on {service.name} while it is in {service.get_stage_display().split(' (')[0].lower()}: "
            f"required training {listed}.",
            code="training_missing",
        )


def _week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def send_training_reminders(*, now: dt.datetime | None = None) -> int:
    """Tell each person, in the app and by e-mail unless they opted out, of required training that is
    missing, expired or expiring within 30 days; at most one reminder per person, module and week.

    Each reminder is claimed by inserting its row under a unique key before anyone is told, so running
    the command twice (or two workers at once) sends nothing twice.
    """
    from accord.programs.models import Membership, Program

    now = now or timezone.now()
    today = timezone.localdate(now)
    week = _week_of(today)
    sent = 0
    program_ids = TrainingModule.objects.values_list("program_id", flat=True).distinct()
    for program in Program.objects.filter(pk__in=list(program_ids)):
        modules = queries.modules_of(program)
        memberships = list(Membership.objects.filter(program=program).select_related("person"))
        records = queries.latest_records(TrainingRecord.objects.filter(program=program))
        for membership in memberships:
            person = membership.person
            if not person.is_active:
                continue
            for module in modules:
                required = queries.is_required(
                    module, role=membership.role, organisation_id=person.organisation_id
                )
                if not required:
                    continue
                status = queries.status_of(
                    module, records.get((person.pk, module.pk)), required=True, today=today
                )
                kind = {
                    "expired": ReminderKind.EXPIRED,
                    "expiring": ReminderKind.EXPIRING,
                    "overdue": ReminderKind.MISSING,
                    "to_do": ReminderKind.MISSING,
                }.get(status)
                if kind is None:
                    continue
                with transaction.atomic():
                    try:
                        with transaction.atomic():
                            TrainingReminder.objects.create(
                                program=program,
                                person=person,
                                module=module,
                                kind=kind,
                                week_of=week,
                                sent_at=now,
                            )
                    except IntegrityError:
                        continue  # already reminded this week
                    record = records.get((person.pk, module.pk))
                    title = {
                        ReminderKind.MISSING: f"Training required: {module.title}",
                        ReminderKind.EXPIRED: f"Training expired: {module.title}",
                        ReminderKind.EXPIRING: f"Training expires soon: {module.title}",
                    }[kind]
                    detail = (
                        f"Your completion of {record.completed_on:%d %b %Y} expires on {record.expires_on:%d %b %Y}."
                        if record is not None and record.expires_on
                        else (f"Due by {module.due_on:%d %b %Y}." if module.due_on else "")
                    )
                    notify(
                        recipients=[person],
                        kind=NotificationKind.TRAINING_DUE,
                        title=title,
                        body=f"{program.name} requires {module.title} ({module.get_kind_display()}). {detail}".strip(),
                        url=_training_url(program.pk),
                        program=program,
                        actor=None,
                        about=module,
                    )
                    sent += 1
    return sent


def _training_url(program_id: int) -> str:
    from django.urls import reverse

    return reverse("transition:training_matrix", kwargs={"program_id": program_id})
