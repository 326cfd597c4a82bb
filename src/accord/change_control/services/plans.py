"""Writes on the action plan: submit a version, board decisions, put it in effect, new versions, item progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max

from accord.change_control.choices import Decision, ItemStatus, PlanStatus
from accord.change_control.models import ActionItem, ActionPlan, PlanApproval
from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, Role, can, can_in_program
from accord.core.services import create_record, update_record
from accord.programs.models import Membership

# What an item's owner (or anyone who may change items) reports once the plan is approved; the rest of
# an item is the approved plan itself and changes only in a new version.
PROGRESS_FIELDS = frozenset({"status", "progress_notes", "done_on"})


def _transition(plan: ActionPlan, actor: Any, to: str, now: dt.datetime, **extra: Any) -> None:
    source = plan.status
    plan.status = to
    plan.full_clean()
    plan.save()
    audit.record(
        actor=actor,
        action=AuditAction.TRANSITION,
        instance=plan,
        at=now,
        changes={"status": [source, to], **{k: [None, v] for k, v in extra.items()}},
    )


def board_member_ids(program_id: int) -> set[int]:
    return set(
        Membership.objects.filter(program_id=program_id, role=Role.BOARD_MEMBER).values_list(
            "person_id", flat=True
        )
    )


def add_item(*, plan: ActionPlan, actor: Any, data: Mapping[str, Any]) -> ActionItem:
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(
            "Items are added to a draft version; start a new version to change an approved plan."
        )
    return create_record(model=ActionItem, actor=actor, data={**data, "plan": plan, "program": plan.program})


def update_item(*, item: ActionItem, actor: Any, data: Mapping[str, Any], reason: str = "") -> ActionItem:
    """Any field while the plan is a draft; afterwards only progress (status, notes, done date).

    A moved due date gets its own audit row (from, to, days, the reason given), besides the field
    change, so the history of moves behind the slippage figures can be read back.
    """
    if item.plan.status != PlanStatus.DRAFT:
        fixed = sorted(set(data) - PROGRESS_FIELDS)
        changed = [name for name in fixed if _differs(item, name, data[name])]
        if changed:
            raise ValidationError(
                {name: "Fixed by the approved plan; start a new version to change it." for name in changed}
            )
        if item.plan.status == PlanStatus.SUPERSEDED:
            raise ValidationError("This version has been superseded; report progress on the current one.")
    if data.get("status") == ItemStatus.DONE and not data.get("done_on") and not item.done_on:
        raise ValidationError({"done_on": "Say when the item was done."})
    before = item.due_on
    with transaction.atomic():
        item = update_record(instance=item, actor=actor, data=data)
        if "due_on" in data and item.due_on != before:
            audit.record(
                actor=actor,
                action=AuditAction.EVENT,
                instance=item,
                changes={
                    "due_date_moved": [before.isoformat(), item.due_on.isoformat()],
                    "days": [None, (item.due_on - before).days],
                    **({"reason": [None, reason.strip()]} if reason.strip() else {}),
                },
            )
    return item


def note_progress(
    *,
    item: ActionItem,
    actor: Any,
    note: str,
    today: dt.date,
    status: str = "",
    done_on: dt.date | None = None,
) -> ActionItem:
    """Add a dated progress note (and, if given, a new status) to an item, whatever the version's status
    but superseded: progress is reported on the plan as it stands."""
    if not note.strip():
        raise ValidationError({"note": "Write what happened."})
    line = f"{today:%Y-%m-%d} {getattr(actor, 'full_name', '') or actor}: {note.strip()}"
    notes = f"{item.progress_notes.rstrip()}\n{line}" if item.progress_notes.strip() else line
    data: dict[str, Any] = {"progress_notes": notes}
    if status:
        if status not in ItemStatus.values:
            raise ValidationError({"status": f"Choose one of {', '.join(ItemStatus.values)}."})
        data["status"] = status
        if status == ItemStatus.DONE:
            data["done_on"] = done_on or item.done_on or today
        else:
            # Reopened or not yet done: the done date goes with the done state (ActionItem.clean()).
            data["done_on"] = None
    if done_on is not None and data.get("status", item.status) != ItemStatus.DONE:
        raise ValidationError(
            {"done_on": "Only a done item has a done date; mark the item done to record one."}
        )
    return update_item(item=item, actor=actor, data=data)


def _differs(item: ActionItem, name: str, value: Any) -> bool:
    field = item._meta.get_field(name)
    if field.many_to_many:
        return {getattr(v, "pk", v) for v in value} != set(getattr(item, name).values_list("pk", flat=True))
    current = getattr(item, field.attname)
    return getattr(value, "pk", value) != current


def submit_plan(*, plan: ActionPlan, actor: Any, now: dt.datetime) -> ActionPlan:
    """Send a draft to the board; decisions from an earlier round (before a rejection) start over."""
    if not can(actor, Action.CHANGE, plan):
        raise PermissionDenied("You may not submit this plan.")
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(
            f"Only a draft can be submitted; this version is {plan.get_status_display().lower()}."
        )
    if not plan.items.exists():
        raise ValidationError("A plan without items cannot be approved; add its items first.")
    if not board_member_ids(plan.program_id):
        raise ValidationError("The program has no board members to approve the plan.")
    with transaction.atomic():
        for earlier in plan.approvals.all():
            audit.record(
                actor=actor,
                action=AuditAction.DELETE,
                instance=earlier,
                changes=audit.diff(audit.snapshot(earlier), {}),
            )
            earlier.delete()
        plan.submitted_at = now
        _transition(plan, actor, PlanStatus.SUBMITTED, now)
    return plan


def decide_on_plan(
    *, plan: ActionPlan, actor: Any, decision: str, now: dt.datetime, conditions: str = ""
) -> PlanApproval:
    """A board member approves (with conditions, if any) or rejects; the plan is approved when all have approved.

    A rejection sends the version back to draft so the program manager can answer it and resubmit.
    """
    if not can(actor, Action.VIEW, plan) or not can_in_program(
        actor, "approve", "action_plans", plan.program_id
    ):
        raise PermissionDenied("Only the program's board members approve the action plan.")
    if decision not in Decision.values:
        raise ValidationError({"decision": f"Choose one of {', '.join(Decision.values)}."})
    given = plan
    with transaction.atomic():
        plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.SUBMITTED:
            raise ValidationError(
                f"This version is {plan.get_status_display().lower()}, not awaiting approval."
            )
        if plan.approvals.filter(approver=actor).exists():
            raise ValidationError("You have already decided on this version.")
        approval = create_record(
            model=PlanApproval,
            actor=actor,
            check=False,
            data={
                "program": plan.program,
                "plan": plan,
                "approver": actor,
                "decision": decision,
                "conditions": conditions,
                "decided_at": now,
            },
        )
        if decision == Decision.REJECT:
            _transition(plan, actor, PlanStatus.DRAFT, now, rejected_by=str(actor))
        else:
            approved = set(
                plan.approvals.filter(decision=Decision.APPROVE).values_list("approver_id", flat=True)
            )
            if board_member_ids(plan.program_id) <= approved:
                plan.approved_at = now
                _transition(plan, actor, PlanStatus.APPROVED, now)
    given.refresh_from_db()
    return approval


def put_plan_in_effect(*, plan: ActionPlan, actor: Any, now: dt.datetime) -> ActionPlan:
    """The approved version becomes the plan; the one in effect before it is superseded.

    Due dates are baselined the first time an item takes effect, so later versions that move them show
    as slippage.
    """
    if not can(actor, Action.CHANGE, plan):
        raise PermissionDenied("You may not put this plan in effect.")
    given = plan
    with transaction.atomic():
        plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.APPROVED:
            raise ValidationError(
                f"Only an approved version takes effect; this one is {plan.get_status_display().lower()}."
            )
        for old in ActionPlan.objects.filter(program_id=plan.program_id, status=PlanStatus.IN_EFFECT):
            _transition(old, actor, PlanStatus.SUPERSEDED, now, superseded_by=plan.version)
        plan.items.filter(baseline_due_on__isnull=True).update(baseline_due_on=F("due_on"))
        plan.in_effect_at = now
        _transition(plan, actor, PlanStatus.IN_EFFECT, now)
    given.refresh_from_db()
    return plan


def new_plan_version(*, plan: ActionPlan, actor: Any, now: dt.datetime, change_note: str = "") -> ActionPlan:
    """A draft copy of a version (items, dependencies and baselines included) to be changed and approved anew."""
    if not can_in_program(actor, Action.ADD, "action_plans", plan.program_id):
        raise PermissionDenied("You may not start a new version of the plan.")
    if plan.status not in {PlanStatus.IN_EFFECT, PlanStatus.APPROVED}:
        raise ValidationError("A new version starts from the approved plan or the one in effect.")
    if hasattr(plan, "next_version"):
        raise ValidationError(f"Version {plan.next_version.version} already follows this one.")
    with transaction.atomic():
        top = ActionPlan.objects.filter(program_id=plan.program_id).aggregate(top=Max("version"))["top"]
        draft = create_record(
            model=ActionPlan,
            actor=actor,
            data={
                "program": plan.program,
                "title": plan.title,
                "version": top + 1,
                "horizon_days": plan.horizon_days,
                "starts_on": plan.starts_on,
                "previous": plan,
                "change_note": change_note,
                "visibility": plan.visibility,
            },
        )
        copies: dict[int, ActionItem] = {}
        originals = list(plan.items.prefetch_related("depends_on"))
        for item in originals:
            copy = ActionItem(
                program_id=item.program_id,
                plan=draft,
                key=item.key,
                what=item.what,
                service_id=item.service_id,
                owner_id=item.owner_id,
                due_on=item.due_on,
                baseline_due_on=item.baseline_due_on,
                status=item.status,
                progress_notes=item.progress_notes,
                done_on=item.done_on,
            )
            copy.save()
            copies[item.pk] = copy
        for item in originals:
            copies[item.pk].depends_on.set([copies[d.pk] for d in item.depends_on.all() if d.pk in copies])
        audit.record(
            actor=actor,
            action=AuditAction.EVENT,
            instance=draft,
            at=now,
            changes={"copied_items": [None, len(copies)]},
        )
    return draft
