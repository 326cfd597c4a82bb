"""Writes for governance meetings: draft the agenda, record minutes (discussion, decisions, actions), close actions.

Plain meeting and agenda-item edits use the audited generic services; the writes here carry rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, Visibility, can
from accord.core.services import create_record, update_record
from accord.meetings import agenda
from accord.meetings.choices import ActionStatus, AgendaKind, MeetingStatus
from accord.meetings.models import AgendaItem, Meeting, MeetingAction
from accord.notifications.choices import NotificationKind
from accord.notifications.services import notify


def _require(actor: Any, action: str, obj: Any, message: str) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied(message)


def _item_visibility(meeting: Meeting, source_visibility: str) -> str:
    # An item is shared only when both the meeting and what it is about are shared with partners.
    both_shared = meeting.visibility == Visibility.SHARED and source_visibility == Visibility.SHARED
    return Visibility.SHARED if both_shared else Visibility.INTERNAL


def draft_agenda(*, meeting: Meeting, actor: Any, now: dt.datetime) -> list[AgendaItem]:
    """Add to the agenda everything that needs this body now and is not on it yet; returns the new items.

    Drafting again later adds only what is new, so members can edit and reorder the draft freely.
    """
    _require(actor, Action.CHANGE, meeting, "You may not change this meeting's agenda.")
    if meeting.status == MeetingStatus.HELD:
        raise ValidationError("This meeting has been held; its agenda is part of the minutes.")
    candidates = agenda.collect(program=meeting.program, body=meeting.body, user=actor, today=now.date())
    with transaction.atomic():
        existing = set(
            meeting.agenda_items.exclude(source_id__isnull=True).values_list("source_type_id", "source_id")
        )
        order = meeting.agenda_items.aggregate(top=Max("order"))["top"] or 0
        created = []
        for candidate in candidates:
            content_type = ContentType.objects.get_for_model(candidate.source)
            if (content_type.pk, candidate.source.pk) in existing:
                continue
            order += 10
            item = AgendaItem(
                program=meeting.program,
                meeting=meeting,
                order=order,
                title=candidate.title[:300],
                kind=candidate.kind,
                source_type=content_type,
                source_id=candidate.source.pk,
                source_label=str(candidate.source)[:300],
                source_url=candidate.url[:500],
                notes=candidate.notes,
                visibility=_item_visibility(meeting, candidate.visibility),
            )
            item.full_clean()
            item.save()
            existing.add((content_type.pk, candidate.source.pk))
            created.append(item)
        audit.record(
            actor=actor,
            action=AuditAction.EVENT,
            instance=meeting,
            at=now,
            changes={"agenda_drafted": [None, [i.title for i in created]]},
        )
    return created


def add_agenda_item(
    *, meeting: Meeting, actor: Any, title: str, notes: str = "", visibility: str | None = None
) -> AgendaItem:
    """A member-written item (any other business); it goes to the end of the agenda."""
    _require(actor, Action.CHANGE, meeting, "You may not change this meeting's agenda.")
    top = meeting.agenda_items.aggregate(top=Max("order"))["top"] or 0
    return create_record(
        model=AgendaItem,
        actor=actor,
        data={
            "program": meeting.program,
            "meeting": meeting,
            "order": top + 10,
            "title": title,
            "notes": notes,
            "kind": AgendaKind.OTHER,
            "visibility": visibility or meeting.visibility,
        },
    )


def record_discussion(*, item: AgendaItem, actor: Any, discussion: str) -> AgendaItem:
    """The minutes of one item: what was said."""
    _require(actor, Action.CHANGE, item, "You may not record minutes for this meeting.")
    return update_record(instance=item, actor=actor, data={"discussion": discussion})


def record_decision(
    *,
    item: AgendaItem,
    actor: Any,
    title: str,
    decision: str,
    rationale: str = "",
    options_considered: str = "",
    decided_on: dt.date | None = None,
) -> Any:
    """A decision taken on an agenda item: a `governance.Decision` in the log, linked to the item and,
    where the item came from a red flag, a risk or a KPI's benefit, to that record too."""
    from accord.governance import services as governance_services

    _require(actor, Action.CHANGE, item, "You may not record minutes for this meeting.")
    meeting = item.meeting
    links = _decision_links(item)
    with transaction.atomic():
        logged = governance_services.create_decision(
            program=meeting.program,
            actor=actor,
            title=title,
            decision=decision,
            rationale=rationale,
            options_considered=options_considered,
            context=_decision_context(item),
            decided_on=decided_on or meeting.scheduled_at.date(),
            decided_by=meeting.get_body_display(),
            visibility=item.visibility,
            **links,
        )
        item.decisions.add(logged)
        audit.record(
            actor=actor, action=AuditAction.UPDATE, instance=item, changes={"decisions": [None, [logged.pk]]}
        )
    return logged


def _decision_context(item: AgendaItem) -> str:
    parts = [f"Agenda item “{item.title}” of {item.meeting}."]
    if item.notes:
        parts.append(item.notes)
    if item.discussion:
        parts.append(item.discussion)
    return "\n\n".join(parts)


def _decision_links(item: AgendaItem) -> dict[str, list[Any]]:
    source = item.source
    if source is None:
        return {}
    label = source._meta.label_lower
    if label == "governance.redflag":
        # A decision on a flag concerns what the flag threatens too, so it shows on those records' pages.
        threatened = {
            "benefits": source.threatens_benefit,
            "groups": source.threatens_group,
            "initiatives": source.threatens_initiative,
            "success_factors": source.threatens_success_factor,
        }
        return {"flags": [source], **{name: [record] for name, record in threatened.items() if record}}
    if label == "governance.risk":
        return {"risks": [source]}
    if label == "benefits.kpi":
        return {"benefits": [source.benefit]}
    return {}


def add_action(
    *, item: AgendaItem, actor: Any, description: str, owner: Any, due_date: dt.date
) -> MeetingAction:
    """An action from the minutes; it appears on the owner's pages and they are notified."""
    _require(actor, Action.CHANGE, item, "You may not record minutes for this meeting.")
    with transaction.atomic():
        action = create_record(
            model=MeetingAction,
            actor=actor,
            data={
                "program": item.program,
                "agenda_item": item,
                "description": description,
                "owner": owner,
                "due_date": due_date,
                "visibility": item.visibility,
            },
        )
        notify(
            recipients=[owner],
            kind=NotificationKind.MEETING_ACTION,
            program=item.program,
            actor=actor,
            about=action,
            title=f"Action for you from {item.meeting.title}, due {due_date:%d %b %Y}",
            body=description,
            url=reverse("meetings:my_actions", kwargs={"program_id": item.program_id}),
        )
    return action


def turn_action_into_commitment(
    *,
    action: MeetingAction,
    group: Any,
    actor: Any,
    what: str = "",
    due_date: dt.date | None = None,
    owner: Any = None,
    decision: Any = None,
) -> Any:
    """A minute's action becomes what a stakeholder group promises, keeping where it came from.

    The commitment points at the action and at the decision taken on the same agenda item (the latest
    one when none is named), and serves that decision's benefit when the decision names exactly one.
    Who may commit a group is the commitment's own rule: the program manager, or the group's lead.
    """
    from accord.alignment.models import Commitment
    from accord.alignment.services import create_commitment

    if not can(actor, Action.VIEW, action):
        raise PermissionDenied("You may not see this action.")
    if group.program_id != action.program_id:
        raise ValidationError({"group": "The group belongs to another program."})
    decisions = list(action.agenda_item.decisions.order_by("-decided_on", "-pk"))
    if decision is None:
        decision = decisions[0] if decisions else None
    elif decision.pk not in {d.pk for d in decisions}:
        raise ValidationError({"decision": "That decision was not taken on this action's agenda item."})
    # Judged without the owner: naming oneself owner must not let anyone commit a group they are not in.
    if not Commitment(program_id=action.program_id, group=group).permits(actor, Action.ADD):
        raise PermissionDenied(f"You may not commit {group}: its lead or the program manager does.")
    if Commitment.objects.filter(origin_action=action, group=group).exists():
        raise ValidationError({"group": f"This action is already a commitment of {group}."})
    benefits = list(decision.benefits.all()) if decision is not None else []
    with transaction.atomic():
        commitment = create_commitment(
            actor=actor,
            today=timezone.localdate(),
            data={
                "program": action.program,
                "group": group,
                "what": (what or action.description).strip()[:300],
                "owner": owner if owner is not None else action.owner,
                "due_date": due_date or action.due_date,
                "benefit": benefits[0] if len(benefits) == 1 else None,
                "origin_action": action,
                "origin_decision": decision,
            },
        )
        audit.record(
            actor=actor,
            action=AuditAction.EVENT,
            instance=action,
            changes={"turned_into_commitment": [None, commitment.pk]},
        )
    return commitment


def complete_action(*, action: MeetingAction, actor: Any, done_on: dt.date) -> MeetingAction:
    """The owner (or the meeting's leadership) reports an action done."""
    if action.status == ActionStatus.DONE:
        raise ValidationError("This action is already done.")
    _require(
        actor, Action.CHANGE, action, "Only the action's owner or the program's leadership may close it."
    )
    return update_record(
        instance=action, actor=actor, check=False, data={"status": ActionStatus.DONE, "done_on": done_on}
    )


def reopen_action(*, action: MeetingAction, actor: Any) -> MeetingAction:
    if action.status == ActionStatus.OPEN:
        raise ValidationError("This action is still open.")
    _require(
        actor, Action.CHANGE, action, "Only the action's owner or the program's leadership may reopen it."
    )
    return update_record(
        instance=action, actor=actor, check=False, data={"status": ActionStatus.OPEN, "done_on": None}
    )


def mark_held(*, meeting: Meeting, actor: Any) -> Meeting:
    """The meeting took place: its agenda and minutes become the record."""
    _require(actor, Action.CHANGE, meeting, "You may not change this meeting.")
    if meeting.status == MeetingStatus.HELD:
        raise ValidationError("This meeting is already marked held.")
    with transaction.atomic():
        meeting.status = MeetingStatus.HELD
        meeting.full_clean()
        meeting.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditAction.TRANSITION,
            instance=meeting,
            changes={"status": [MeetingStatus.PLANNED, MeetingStatus.HELD]},
        )
    return meeting
