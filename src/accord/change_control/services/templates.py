"""Writes on standard-change templates: propose and edit, CAB approval and retirement, raising a change from one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accord.change_control.choices import ChangeType, TemplateStatus
from accord.change_control.models import ChangeAdvisoryBoard, ChangeRequest, StandardChangeTemplate
from accord.change_control.services import changes
from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, can, can_in_program
from accord.core.services import create_record, update_record

AREA = "change_templates"
# What a template's author sets; the CAB's decision (status, approver, dates) is set by the workflow only.
TEMPLATE_FIELDS = frozenset(
    {"name", "description", "services", "configuration_items", "backout_plan", "test_evidence"}
)


def _check_fields(data: Mapping[str, Any]) -> None:
    unknown = set(data) - TEMPLATE_FIELDS
    if unknown:
        raise ValidationError(f"These fields are not set on a template: {', '.join(sorted(unknown))}.")


def _check_services(program_id: int, services: Any) -> None:
    foreign = [str(s) for s in services if s.program_id != program_id]
    if foreign:
        raise ValidationError({"services": f"Not services of this program: {', '.join(foreign)}."})


def propose_template(*, program: Any, actor: Any, data: Mapping[str, Any]) -> StandardChangeTemplate:
    """A new template, proposed until the CAB approves it."""
    _check_fields(data)
    _check_services(program.pk, data.get("services", []))
    return create_record(model=StandardChangeTemplate, actor=actor, data={**data, "program": program})


def update_template(
    *, template: StandardChangeTemplate, actor: Any, data: Mapping[str, Any]
) -> StandardChangeTemplate:
    """Edit a proposed template; what the CAB approved stays as approved (retire it and propose another)."""
    _check_fields(data)
    if template.status != TemplateStatus.PROPOSED:
        raise ValidationError(
            f"Only a proposed template can be edited; this one is {template.get_status_display().lower()}. "
            "Retire it and propose a new one."
        )
    _check_services(template.program_id, data.get("services", []))
    return update_record(instance=template, actor=actor, data=data)


def _require_cab_member(template: StandardChangeTemplate, actor: Any) -> None:
    if not can(actor, Action.VIEW, template) or not can_in_program(
        actor, "approve", AREA, template.program_id
    ):
        raise PermissionDenied("Only members of the CAB approve or retire standard-change templates.")
    board = ChangeAdvisoryBoard.objects.filter(program_id=template.program_id).first()
    if board is None:
        raise ValidationError("This program has no CAB yet; the program manager sets one up first.")
    if not board.members.filter(pk=actor.pk).exists():
        raise PermissionDenied("Only members of the CAB approve or retire standard-change templates.")


def _move(template: StandardChangeTemplate, actor: Any, to: str, now: dt.datetime, **extra: Any) -> None:
    source = template.status
    template.status = to
    template.full_clean()
    template.save()
    audit.record(
        actor=actor,
        action=AuditAction.TRANSITION,
        instance=template,
        at=now,
        changes={"status": [source, to], **{k: [None, v] for k, v in extra.items()}},
    )


def approve_template(
    *, template: StandardChangeTemplate, actor: Any, now: dt.datetime
) -> StandardChangeTemplate:
    """A CAB member approves a proposed template: from now on changes raised from it are pre-approved."""
    _require_cab_member(template, actor)
    given = template
    with transaction.atomic():
        template = StandardChangeTemplate.objects.select_for_update().get(pk=template.pk)
        if template.status != TemplateStatus.PROPOSED:
            raise ValidationError(
                f"Only a proposed template is approved; this one is {template.get_status_display().lower()}."
            )
        if not template.services.exists() and not template.configuration_item_list:
            raise ValidationError(
                {"services": "Name the services or configuration items changes from this template may touch."}
            )
        template.approved_by = actor
        template.approved_at = now
        _move(template, actor, TemplateStatus.ACTIVE, now, approved_by=str(actor))
    given.refresh_from_db()
    return template


def retire_template(
    *, template: StandardChangeTemplate, actor: Any, now: dt.datetime, reason: str
) -> StandardChangeTemplate:
    """A CAB member retires a template (e.g. after a change from it failed): no new change is raised from it,
    and drafts raised from it can no longer be submitted."""
    _require_cab_member(template, actor)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the template is retired."})
    given = template
    with transaction.atomic():
        template = StandardChangeTemplate.objects.select_for_update().get(pk=template.pk)
        if template.status == TemplateStatus.RETIRED:
            raise ValidationError("This template is already retired.")
        template.retired_at = now
        template.retired_reason = reason.strip()
        _move(template, actor, TemplateStatus.RETIRED, now, reason=reason.strip())
    given.refresh_from_db()
    return template


def raise_standard_change(
    *, template: StandardChangeTemplate, actor: Any, data: Mapping[str, Any]
) -> ChangeRequest:
    """A draft standard change from an active template, its description, backout plan, test evidence and
    services taken from the template unless `data` narrows them; its risk is fixed low."""
    if not template.active:
        raise ValidationError(
            {
                "template": f"The template {template.name!r} is {template.get_status_display().lower()}; "
                "only an active template pre-approves a change."
            }
        )
    values = {
        "description": template.description,
        "reason": "",
        "backout_plan": template.backout_plan,
        "test_evidence": template.test_evidence,
        "services": list(template.services.all()),
        "configuration_items": template.configuration_items,
        **data,
        "change_type": ChangeType.STANDARD,
        "template": template,
        "risk_answers": {},
    }
    if not values.get("reason"):
        values["reason"] = f"Standard change: {template.name}."
    return changes.create_change(program=template.program, actor=actor, data=values)
