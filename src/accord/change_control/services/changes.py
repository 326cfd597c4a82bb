"""Writes on change requests: create and edit drafts, move through the states, CAB votes, clinical sign-off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q

from accord.change_control import states, windows
from accord.change_control.choices import (
    AWAITING_DECISION,
    ChangeState,
    ChangeType,
    Decision,
    ReviewResult,
    WindowKind,
)
from accord.change_control.models import (
    CabVote,
    ChangeAdvisoryBoard,
    ChangeRequest,
    ChangeWindow,
    StandardChangeTemplate,
)
from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, can, can_in_program

AREA = "changes"
# Fields a requester sets while the request is a draft; the workflow sets the rest.
DRAFT_FIELDS = (
    "title",
    "change_type",
    "description",
    "reason",
    "external_reference",
    "configuration_items",
    "risk_answers",
    "backout_plan",
    "test_evidence",
    "planned_start",
    "planned_end",
    "time_zone",
    "implementer",
    "visibility",
    "services",
    "template",
)
# States whose planned window occupies its services (a new change colliding with one is a conflict).
OCCUPYING_STATES = frozenset(
    {
        ChangeState.SUBMITTED,
        ChangeState.ASSESSED,
        ChangeState.APPROVED,
        ChangeState.SCHEDULED,
        ChangeState.IMPLEMENTED,
    }
)


class IllegalMove(ValidationError):
    """A move the state machine does not have from the change's state; carries the moves it does have."""

    def __init__(self, change: ChangeRequest, target: str, reason: str = "") -> None:
        self.state = change.state
        self.target = str(target)
        self.allowed = states.next_states(change.state)
        label = change.get_state_display().lower()
        message = reason or (
            f"{'An' if label[0] in 'aeiou' else 'A'} {label} change cannot move to '{target}'; "
            f"allowed next states: {', '.join(self.allowed) or 'none'}."
        )
        super().__init__(message)


def _require(actor: Any, action: str, change: ChangeRequest, message: str) -> None:
    if not can(actor, Action.VIEW, change) or not can_in_program(actor, action, AREA, change.program_id):
        raise PermissionDenied(message)


def _audit_move(change: ChangeRequest, actor: Any, source: str, now: dt.datetime, **extra: Any) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.TRANSITION,
        instance=change,
        at=now,
        changes={"state": [source, change.state], **{k: [None, v] for k, v in extra.items()}},
    )


def _save(change: ChangeRequest) -> None:
    change.full_clean()
    change.save()


def create_change(*, program: Any, actor: Any, data: Mapping[str, Any]) -> ChangeRequest:
    """A new draft request numbered in its program; the actor is its requester unless data names one."""
    if not can_in_program(actor, Action.ADD, AREA, program.pk):
        raise PermissionDenied("Your role in this program may not raise change requests.")
    unknown = set(data) - set(DRAFT_FIELDS) - {"requester"}
    if unknown:
        raise ValidationError(f"These fields are not set on a draft: {', '.join(sorted(unknown))}.")
    services = data.get("services", [])
    with transaction.atomic():
        top = ChangeRequest.objects.select_for_update().filter(program=program).aggregate(top=Max("number"))
        change = ChangeRequest(
            program=program,
            number=(top["top"] or 0) + 1,
            requester=data.get("requester") or actor,
            **{k: v for k, v in data.items() if k not in {"services", "requester"}},
        )
        _check_services(change, services)
        _check_template_scope(change, services)
        _save(change)
        change.services.set(services)
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=change,
            changes=audit.diff({}, {**audit.snapshot(change), "services": [s.pk for s in services]}),
        )
    return change


def _check_services(change: ChangeRequest, services: Any) -> None:
    foreign = [str(s) for s in services if s.program_id != change.program_id]
    if foreign:
        raise ValidationError({"services": f"Not services of this program: {', '.join(foreign)}."})


def _check_template_scope(change: ChangeRequest, services: Any) -> None:
    """A standard change is pre-approved only for what its template names: an active template, its services,
    its configuration items."""
    if change.change_type != ChangeType.STANDARD or not change.template_id:
        return
    template = StandardChangeTemplate.objects.prefetch_related("services").get(pk=change.template_id)
    errors: dict[str, str] = {}
    if not template.active:
        errors["template"] = (
            f"The template {template.name!r} is {template.get_status_display().lower()}; "
            "only an active template pre-approves a change."
        )
    allowed = {s.pk: s for s in template.services.all()}
    outside = [str(s) for s in services if s.pk not in allowed]
    if outside:
        named = ", ".join(str(s) for s in allowed.values()) or "no service"
        errors["services"] = (
            f"The template {template.name!r} allows only {named}; not {', '.join(outside)}. "
            "Raise a normal change for the CAB instead."
        )
    allowed_items = windows.normalise_items(template.configuration_item_list)
    extra_items = [
        name for name in change.configuration_item_list if windows.normalise_items([name]) - allowed_items
    ]
    if extra_items:
        named = ", ".join(template.configuration_item_list) or "no configuration item"
        errors["configuration_items"] = (
            f"The template {template.name!r} allows only {named}; not {', '.join(extra_items)}."
        )
    if errors:
        raise ValidationError(errors)


def update_draft(*, change: ChangeRequest, actor: Any, data: Mapping[str, Any]) -> ChangeRequest:
    """Edit a request while it is a draft (or sent back); afterwards what the CAB decided on stays fixed."""
    if not can(actor, Action.CHANGE, change):
        raise PermissionDenied("You may not change this change request.")
    if change.state != ChangeState.DRAFT:
        raise ValidationError(
            f"Only a draft can be edited; this request is {change.get_state_display().lower()}."
        )
    unknown = set(data) - set(DRAFT_FIELDS)
    if unknown:
        raise ValidationError(f"These fields are not set on a draft: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        locked = ChangeRequest.objects.select_for_update().get(pk=change.pk)
        before = {**audit.snapshot(locked), "services": sorted(locked.services.values_list("pk", flat=True))}
        for name, value in data.items():
            if name != "services":
                setattr(change, name, value)
        if "services" in data:
            _check_services(change, data["services"])
        _check_template_scope(change, data["services"] if "services" in data else list(locked.services.all()))
        _save(change)
        if "services" in data:
            change.services.set(data["services"])
        after = {**audit.snapshot(change), "services": sorted(change.services.values_list("pk", flat=True))}
        changes = audit.diff(before, after)
        if changes:
            audit.record(actor=actor, action=AuditAction.UPDATE, instance=change, changes=changes)
    return change


def requires_clinical_signoff(change: ChangeRequest) -> bool:
    """A change to any service flagged as touching patient care needs a named clinician's sign-off."""
    return change.services.filter(clinical_impact=True).exists()


def windows_blocking(change: ChangeRequest) -> list[ChangeWindow]:
    """The blackout and freeze windows the change's planned window falls into (program-wide or its services).

    A recurring window is expanded around the change's window; each window returned carries the
    occurrence hit as `occurrence` (start, end), which for a one-off window is the window itself.
    """
    if not change.planned_start or not change.planned_end:
        return []
    service_ids = frozenset(change.services.values_list("pk", flat=True))
    candidates = list(
        ChangeWindow.objects.filter(program_id=change.program_id, starts_at__lt=change.planned_end)
        .exclude(kind=WindowKind.MAINTENANCE)
        .filter(Q(ends_at__gt=change.planned_start) | ~Q(recurrence=""))
        .prefetch_related("services")
    )
    spans = [
        windows.Span(w.pk, start, end, frozenset(s.pk for s in w.services.all()))
        for w in candidates
        for start, end in windows.occurrences(
            w.starts_at, w.ends_at, w.time_zone, w.recurrence, change.planned_start, change.planned_end
        )
    ]
    hit: dict[Any, tuple[dt.datetime, dt.datetime]] = {}
    for span in windows.blocking(change.planned_start, change.planned_end, spans, service_ids):
        hit.setdefault(span.key, (span.start, span.end))
    found = [w for w in candidates if w.pk in hit]
    for window in found:
        window.occurrence = hit[window.pk]
    return found


def describe_windows(found: list[ChangeWindow]) -> str:
    return "; ".join(
        f"{w.name} ({w.occurrence[0]:%Y-%m-%d %H:%M} to {w.occurrence[1]:%Y-%m-%d %H:%M} UTC)" for w in found
    )


def colliding_changes(change: ChangeRequest) -> list[ChangeRequest]:
    """Every other change (whoever may see it) on a shared service or CI whose planned window overlaps."""
    if not change.planned_start or not change.planned_end:
        return []
    others = (
        ChangeRequest.objects.filter(
            program_id=change.program_id,
            state__in=OCCUPYING_STATES,
            planned_start__lt=change.planned_end,
            planned_end__gt=change.planned_start,
        )
        .exclude(pk=change.pk)
        .prefetch_related("services")
    )

    def span(c: ChangeRequest) -> windows.Span:
        return windows.Span(
            c.pk,
            c.planned_start,
            c.planned_end,
            frozenset(s.pk for s in c.services.all()),
            windows.normalise_items(c.configuration_item_list),
        )

    mine = span(change)
    return [other for other in others if mine.touches(span(other))]


def _refuse_unreviewed_risk(change: ChangeRequest, actor: Any) -> None:
    """A standard change skips the CAB, so nobody would weigh a freeze or a collision: refuse them instead."""
    errors: dict[str, str] = {}
    blocked = windows_blocking(change)
    if blocked:
        errors["planned_start"] = (
            f"The window falls into: {describe_windows(blocked)}. A standard change is never made in a "
            "blackout or freeze; choose another window."
        )
    collisions = colliding_changes(change)
    if collisions:
        seen = set(
            ChangeRequest.objects.visible_to(actor)
            .filter(pk__in=[c.pk for c in collisions])
            .values_list("pk", flat=True)
        )
        named = [c.reference for c in collisions if c.pk in seen]
        hidden = len(collisions) - len(named)
        listed = ", ".join(named + ([f"{hidden} change(s) not shared with you"] if hidden else []))
        errors["planned_end"] = (
            f"The window collides with {listed} on the same service or configuration item. A standard "
            "change goes ahead without the CAB only when nothing else is planned there; choose another "
            "window or raise a normal change."
        )
    if errors:
        raise ValidationError(errors)


def _check_ready_to_submit(change: ChangeRequest) -> None:
    missing = {}
    if not change.planned_start or not change.planned_end:
        missing["planned_start"] = "Plan the window (start and end) before submitting."
    if change.change_type != ChangeType.STANDARD and not change.backout_plan.strip():
        missing["backout_plan"] = "Say how the change is backed out if it fails."
    if not change.services.exists() and not change.configuration_item_list:
        missing["services"] = "Name the services or configuration items the change touches."
    if missing:
        raise ValidationError(missing)


def transition_change(
    *,
    change: ChangeRequest,
    to: str,
    actor: Any,
    now: dt.datetime,
    note: str = "",
    planned_start: dt.datetime | None = None,
    planned_end: dt.datetime | None = None,
    actual_start: dt.datetime | None = None,
    actual_end: dt.datetime | None = None,
    result: str = "",
    incidents_caused: int = 0,
) -> ChangeRequest:
    """One move a person makes (approval and rejection come from votes); an illegal move lists the legal ones."""
    move = states.find(change.state, to)
    if move is None:
        raise IllegalMove(change, to)
    if move.by_vote:
        raise IllegalMove(
            change,
            to,
            "Approval and rejection are decided by CAB votes (POST a vote), not set directly; "
            f"allowed next states: {', '.join(states.next_states(change.state))}.",
        )
    _require(actor, move.permission, change, f"Your role may not {move.permission} change requests.")
    given = change
    with transaction.atomic():
        change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
        if states.find(change.state, to) is None:  # moved by someone else meanwhile
            raise IllegalMove(change, to)
        source = change.state
        extra: dict[str, Any] = {"note": note} if note else {}
        if to == ChangeState.SUBMITTED:
            _check_ready_to_submit(change)
            change.submitted_at = now
            change.state = ChangeState.SUBMITTED
            if change.change_type == ChangeType.STANDARD:
                # A standard change follows a pre-approved template: submitting it is its approval, so
                # the template's scope, freezes and collisions are checked here instead of by the CAB.
                _check_template_scope(change, list(change.services.all()))
                _refuse_unreviewed_risk(change, actor)
                template = change.template
                change.state = ChangeState.APPROVED
                change.decided_at = now
                extra["approval"] = (
                    f"pre-approved by standard change template {template.name!r} (#{template.pk}), "
                    f"approved by the CAB ({template.approved_by}) on {template.approved_at:%Y-%m-%d}"
                )
                extra["template"] = template.pk
        elif to == ChangeState.SCHEDULED:
            change.planned_start = planned_start or change.planned_start
            change.planned_end = planned_end or change.planned_end
            if not change.planned_start or not change.planned_end:
                raise ValidationError({"planned_start": "A schedule needs a start and an end."})
            if change.planned_end <= change.planned_start:
                raise ValidationError({"planned_end": "The window must end after it starts."})
            if change.change_type == ChangeType.STANDARD:
                _refuse_unreviewed_risk(change, actor)
            blocked = windows_blocking(change)
            if blocked and change.change_type != ChangeType.EMERGENCY:
                raise ValidationError(
                    {
                        "planned_start": f"The window falls into: {describe_windows(blocked)}. Only an emergency may."
                    }
                )
            change.in_freeze = bool(blocked)
            change.state = ChangeState.SCHEDULED
            extra["window"] = [change.planned_start.isoformat(), change.planned_end.isoformat()]
        elif to == ChangeState.IMPLEMENTED:
            if actual_start is None or actual_end is None:
                raise ValidationError({"actual_start": "Say when the change was actually carried out."})
            if actual_end < actual_start:
                raise ValidationError({"actual_end": "Cannot end before it started."})
            if actual_start > now:
                raise ValidationError({"actual_start": "Cannot be in the future."})
            change.actual_start, change.actual_end = actual_start, actual_end
            change.state = ChangeState.IMPLEMENTED
        elif to == ChangeState.REVIEWED:
            if result not in ReviewResult.values:
                raise ValidationError({"result": f"Choose one of {', '.join(ReviewResult.values)}."})
            if incidents_caused < 0:
                raise ValidationError({"incidents_caused": "Cannot be negative."})
            change.review_result = result
            change.incidents_caused = incidents_caused
            change.review_notes = note
            change.reviewed_at = now
            change.state = ChangeState.REVIEWED
            extra["result"] = result
        else:
            change.state = to
        _save(change)
        _audit_move(change, actor, source, now, **extra)
    # The caller's instance reads as the database does now, so a second move from it starts right.
    given.refresh_from_db()
    return change


def _board(change: ChangeRequest) -> ChangeAdvisoryBoard:
    board = ChangeAdvisoryBoard.objects.filter(program_id=change.program_id).first()
    if board is None:
        raise ValidationError("This program has no CAB yet; the program manager sets one up first.")
    return board


def _decide_if_due(change: ChangeRequest, board: ChangeAdvisoryBoard, actor: Any, now: dt.datetime) -> None:
    """Approve or reject once the votes reach the quorum (approval also waits for a clinical sign-off)."""
    emergency = change.change_type == ChangeType.EMERGENCY
    voters = set((board.emergency_members if emergency else board.members).values_list("pk", flat=True))
    quorum = board.emergency_quorum if emergency else board.quorum
    votes = list(change.votes.filter(member_id__in=voters).values_list("decision", flat=True))
    source = change.state
    if votes.count(Decision.REJECT) >= quorum:
        change.state = ChangeState.REJECTED
    elif votes.count(Decision.APPROVE) >= quorum:
        if requires_clinical_signoff(change) and change.clinical_signoff_at is None:
            return
        change.state = ChangeState.APPROVED
    else:
        return
    change.decided_at = now
    _save(change)
    _audit_move(change, actor, source, now, quorum=quorum, votes=votes)


def vote_on_change(
    *, change: ChangeRequest, actor: Any, decision: str, now: dt.datetime, note: str = ""
) -> CabVote:
    """A CAB member's vote; emergency changes are voted by the emergency CAB, before any assessment."""
    if not can(actor, Action.VIEW, change) or not can_in_program(actor, "decide", AREA, change.program_id):
        raise PermissionDenied("Only CAB members decide on change requests.")
    if decision not in Decision.values:
        raise ValidationError({"decision": f"Choose one of {', '.join(Decision.values)}."})
    given = change
    with transaction.atomic():
        change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
        board = _board(change)
        emergency = change.change_type == ChangeType.EMERGENCY
        seats = board.emergency_members if emergency else board.members
        if not seats.filter(pk=actor.pk).exists():
            which = "the emergency CAB" if emergency else "the CAB"
            raise PermissionDenied(f"Only members of {which} vote on this change.")
        ready = AWAITING_DECISION if emergency else {ChangeState.ASSESSED}
        if change.change_type == ChangeType.STANDARD or change.state not in ready:
            reason = (
                "A standard change is pre-approved; there is nothing to vote on."
                if change.change_type == ChangeType.STANDARD
                else f"The CAB votes on assessed changes; this one is {change.get_state_display().lower()}."
            )
            raise IllegalMove(
                change,
                ChangeState.APPROVED,
                f"{reason} Allowed next states: {', '.join(states.next_states(change.state))}.",
            )
        if change.votes.filter(member=actor).exists():
            raise ValidationError("You have already voted on this change.")
        vote = CabVote(
            program_id=change.program_id,
            change=change,
            member=actor,
            decision=decision,
            note=note,
            emergency=emergency,
            voted_at=now,
        )
        vote.full_clean()
        vote.save()
        audit.record(
            actor=actor,
            action=AuditAction.EVENT,
            instance=change,
            at=now,
            changes={"cab_vote": [None, decision], **({"note": [None, note]} if note else {})},
        )
        _decide_if_due(change, board, actor, now)
    given.refresh_from_db()
    return vote


def sign_off_clinically(
    *, change: ChangeRequest, actor: Any, now: dt.datetime, note: str = ""
) -> ChangeRequest:
    """A named clinical approver signs off a change to a clinical service (before or after the CAB votes)."""
    if not can(actor, Action.VIEW, change) or not can_in_program(actor, "decide", AREA, change.program_id):
        raise PermissionDenied("Only the CAB's named clinical approvers sign off clinical changes.")
    given = change
    with transaction.atomic():
        change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
        board = _board(change)
        if not board.clinical_approvers.filter(pk=actor.pk).exists():
            raise PermissionDenied("Only the CAB's named clinical approvers sign off clinical changes.")
        if not requires_clinical_signoff(change):
            raise ValidationError("This change touches no clinical service; it needs no clinical sign-off.")
        if change.state not in AWAITING_DECISION:
            raise IllegalMove(
                change,
                ChangeState.APPROVED,
                f"A {change.get_state_display().lower()} change is past its sign-off; allowed next states: "
                f"{', '.join(states.next_states(change.state))}.",
            )
        if change.clinical_signoff_at is not None:
            raise ValidationError(f"Already signed off by {change.clinical_signoff_by}.")
        change.clinical_signoff_by = actor
        change.clinical_signoff_at = now
        _save(change)
        audit.record(
            actor=actor,
            action=AuditAction.EVENT,
            instance=change,
            at=now,
            changes={"clinical_signoff": [None, str(actor)], **({"note": [None, note]} if note else {})},
        )
        _decide_if_due(change, board, actor, now)
    given.refresh_from_db()
    return change
