"""Alignment writes with business rules: drafting and publishing strategy versions, endorsing them,
commenting with mentions, moving commitments, setting weights, taking snapshots and sending digests."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accord.alignment import engine, queries
from accord.alignment.choices import DECISIONS, CommitmentStatus, EndorsementStatus
from accord.alignment.models import (
    AlignmentSnapshot,
    AlignmentWeights,
    Commitment,
    CommitmentNote,
    DigestDelivery,
    Endorsement,
    StakeholderGroup,
    StrategyComment,
    StrategyVersion,
)
from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, Role, Visibility, can, can_in_program, role_in, sees_internal
from accord.core.services import create_record, save_changed_record, save_new_record

logger = logging.getLogger(__name__)


def _notify(**kwargs: Any) -> None:
    """In-app notification (with the recipient's e-mail choice) through the notifications app."""
    from accord.notifications.services import notify

    notify(**kwargs)


# --- Strategy versions ------------------------------------------------------------------------------------


def create_strategy_draft(*, program: Any, summary: str, actor: Any) -> StrategyVersion:
    """Open the next version as a draft; there is at most one draft at a time."""
    if not can_in_program(actor, Action.ADD, "alignment", program.pk):
        raise PermissionDenied("Your role may not draft strategy versions.")
    with transaction.atomic():
        if StrategyVersion.objects.filter(program=program, published_at__isnull=True).exists():
            raise ValidationError("A draft is already open; edit it or publish it first.")
        number = (StrategyVersion.objects.filter(program=program).aggregate(n=Max("number"))["n"] or 0) + 1
        version = save_new_record(
            instance=StrategyVersion(program=program, number=number, summary=summary), actor=actor
        )
    return version


def publish_strategy_version(*, version: StrategyVersion, actor: Any, now: dt.datetime) -> StrategyVersion:
    """Freeze the strategy's elements into the version, lapse the endorsements of every older version and
    ask each group's lead for an endorsement of this one."""
    if not can_in_program(actor, "publish", "alignment", version.program_id):
        raise PermissionDenied("Only the program manager publishes strategy versions.")
    with transaction.atomic():
        version = StrategyVersion.objects.select_for_update().get(pk=version.pk)
        if version.is_published:
            raise ValidationError("This version is already published.")
        version.snapshot = queries.build_strategy_snapshot(version.program)
        version.published_at = now
        version.published_by = actor if getattr(actor, "is_authenticated", False) else None
        version.full_clean()
        version.save()
        lapsed = (
            Endorsement.objects.filter(program_id=version.program_id, lapsed_at__isnull=True)
            .exclude(version=version)
            .update(lapsed_at=now)
        )
        groups = list(StakeholderGroup.objects.filter(program_id=version.program_id).select_related("lead"))
        Endorsement.objects.bulk_create(
            [Endorsement(program_id=version.program_id, version=version, group=group) for group in groups]
        )
        audit.record(
            actor=actor,
            action=AuditAction.TRANSITION,
            instance=version,
            at=now,
            changes={
                "published_at": [None, audit.to_json_value(now)],
                "endorsements_requested": [None, len(groups)],
                "endorsements_lapsed": [None, lapsed],
            },
        )
        leads = [g.lead for g in groups if g.lead is not None]
        url = version.get_absolute_url()
        _notify(
            recipients=leads,
            kind="endorsement_requested",
            program=version.program,
            actor=actor,
            url=url,
            about=version,
            title=f"Please endorse strategy v{version.number}",
            body=f"{version.summary}\n\nEndorse it, endorse it with conditions, or object, with your reasons.",
        )
    return version


def decide_endorsement(
    *,
    version: StrategyVersion,
    group: StakeholderGroup,
    status: str,
    text: str = "",
    actor: Any,
    now: dt.datetime,
) -> Endorsement:
    """A group's answer to a published version, by its lead or by the program manager on their behalf."""
    if status not in DECISIONS:
        raise ValidationError({"status": "Choose endorse, endorse with conditions, or object."})
    with transaction.atomic():
        endorsement = (
            Endorsement.objects.select_for_update()
            .select_related("group", "version")
            .filter(version=version, group=group)
            .first()
        )
        if endorsement is None:
            raise ValidationError({"group": "This group was not asked to endorse this version."})
        if not can(actor, Action.CHANGE, endorsement):
            raise PermissionDenied(
                "Only the group's lead (or the program manager on their behalf) answers for it."
            )
        if endorsement.lapsed_at is not None:
            raise ValidationError("This version has been superseded; endorse the current version instead.")
        before = audit.snapshot(endorsement)
        endorsement.status = status
        endorsement.text = text.strip()
        endorsement.decided_by = actor
        endorsement.decided_at = now
        endorsement.on_behalf = group.lead_id != actor.pk
        save_changed_record(
            instance=endorsement, actor=actor, before=before, action=AuditAction.TRANSITION, at=now
        )
    return endorsement


# --- Comments and mentions ---------------------------------------------------------------------------------

MENTION_NAME = re.compile(r"@\[([^\]]{1,200})\]")
MENTION_EMAIL = re.compile(r"(?<![\w.])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+)")


def resolve_mentions(*, body: str, program_id: int) -> list[Any]:
    """People mentioned as `@email` or `@[Full Name]` who are members of the program (others are ignored)."""
    from accord.accounts.models import User

    names = {m.strip().lower() for m in MENTION_NAME.findall(body)}
    emails = {m.lower() for m in MENTION_EMAIL.findall(body)}
    if not names and not emails:
        return []
    members = User.objects.filter(memberships__program_id=program_id, is_active=True)
    return [p for p in members if p.email.lower() in emails or p.full_name.strip().lower() in names]


def add_comment(
    *, version: StrategyVersion, element: str, body: str, actor: Any, visibility: str = Visibility.INTERNAL
) -> StrategyComment:
    """Comment on one element of a draft (or published) version; mentioned members are notified."""
    role = role_in(actor, version.program_id)
    if role is not None and not sees_internal(role):
        visibility = Visibility.SHARED  # a partner's comment is for partners to read too
    comment = StrategyComment(
        program_id=version.program_id,
        version=version,
        element=element or "summary",
        author=actor,
        body=body.strip(),
        visibility=visibility,
    )
    if not can(actor, Action.ADD, comment):
        raise PermissionDenied("Your role may not comment on the strategy.")
    with transaction.atomic():
        mentioned = resolve_mentions(body=comment.body, program_id=version.program_id)
        if visibility != Visibility.SHARED:
            # An internal comment must not reach partners, even by a mention.
            mentioned = [p for p in mentioned if sees_internal(role_in(p, version.program_id) or Role.MEMBER)]
        save_new_record(instance=comment, actor=actor, related={"mentions": mentioned})
        _notify(
            recipients=mentioned,
            kind="mention",
            program=version.program,
            actor=actor,
            about=comment,
            url=f"{version.get_absolute_url()}#comment-{comment.pk}",
            title=f"{actor} mentioned you on strategy v{version.number}",
            body=comment.body,
        )
    return comment


# --- Commitments -----------------------------------------------------------------------------------------


def check_commitment_move(*, commitment: Commitment, group: StakeholderGroup | None, actor: Any) -> None:
    """Refuse moving a commitment to another group unless the actor may: a commitment is a group's promise.

    The program manager moves any commitment; a vendor or consultant never moves theirs (it would turn
    their promise into another party's); a stakeholder lead moves one only between groups they lead.
    Called by the commitment form and serializer before the generic audited update.
    """
    if group is None or commitment.pk is None or getattr(actor, "is_superuser", False):
        return
    stored = Commitment.objects.filter(pk=commitment.pk).values_list("group_id", "group__lead_id").first()
    if stored is None or stored[0] == group.pk:
        return
    role = role_in(actor, commitment.program_id)
    if role == Role.PROGRAM_MANAGER:
        return
    if role is None or not sees_internal(role):
        raise ValidationError({"group": "A vendor or consultant cannot move a commitment to another group."})
    if stored[1] != actor.pk or group.lead_id != actor.pk:
        raise ValidationError({"group": "You can only move a commitment between groups you lead."})


def change_commitment_status(
    *,
    commitment: Commitment,
    status: str,
    actor: Any,
    today: dt.date,
    dropped_reason: str = "",
    note: str = "",
) -> Commitment:
    """Move a commitment to a new status (done records the delivery date; dropped needs a reason)."""
    if not can(actor, Action.CHANGE, commitment):
        raise PermissionDenied("Only the group's people and the program manager update its commitments.")
    with transaction.atomic():
        before = audit.snapshot(commitment)
        _apply_status(
            commitment,
            settle_commitment_status(commitment, status=status, dropped_reason=dropped_reason, today=today),
        )
        save_changed_record(instance=commitment, actor=actor, before=before, action=AuditAction.TRANSITION)
        if note.strip():
            _save_note(commitment=commitment, text=note, actor=actor, noted_on=today)
    return commitment


def settle_commitment_status(
    recorded: Commitment | None,
    *,
    status: str,
    dropped_reason: str | None,
    today: dt.date,
    done_on: dt.date | None = None,
) -> dict[str, Any]:
    """The status rule every write of a commitment applies (adding one, an edit, a status change): the
    `status`, `done_on` and `dropped_reason` to store, or a ValidationError naming the field at fault.

    Done: delivered on `done_on` when given (never after `today`), else on the date already recorded,
    else today. Any other status has no delivery date, dropped needs a reason and the others none. A
    date or reason equal to the one `recorded` holds is what the caller read back, not a claim, so it
    is cleared without complaint when the status leaves done or dropped (a PUT of the read record).
    """
    if status not in CommitmentStatus.values:
        raise ValidationError({"status": "Unknown status."})
    reason = (dropped_reason or "").strip()
    recorded_on = recorded.done_on if recorded is not None else None
    recorded_reason = recorded.dropped_reason.strip() if recorded is not None else ""
    errors: dict[str, str] = {}
    if status == CommitmentStatus.DONE:
        if done_on is not None and done_on > today:
            errors["done_on"] = "A commitment cannot be delivered after today."
        done_on = done_on or recorded_on or today
    else:
        if done_on is not None and done_on != recorded_on:
            errors["done_on"] = "Only a done commitment has a delivery date; mark it done to record one."
        done_on = None
    if status == CommitmentStatus.DROPPED:
        if not reason:
            errors["dropped_reason"] = "Say why the commitment is dropped."
    else:
        if reason and reason != recorded_reason:
            errors["dropped_reason"] = "Only a dropped commitment has a reason for dropping it."
        reason = ""
    if errors:
        raise ValidationError(errors)
    return {"status": status, "done_on": done_on, "dropped_reason": reason}


def _apply_status(commitment: Commitment, settled: Mapping[str, Any]) -> None:
    commitment.status = settled["status"]
    commitment.done_on = settled["done_on"]
    commitment.dropped_reason = settled["dropped_reason"]


def create_commitment(*, data: Mapping[str, Any], actor: Any, today: dt.date) -> Commitment:
    """Add a commitment, its status settled by `settle_commitment_status` like every later change."""
    settled = settle_commitment_status(
        None,
        status=data.get("status", CommitmentStatus.NOT_STARTED),
        dropped_reason=data.get("dropped_reason", ""),
        done_on=data.get("done_on"),
        today=today,
    )
    return create_record(model=Commitment, actor=actor, data={**data, **settled})


def update_commitment(
    *, commitment: Commitment, data: Mapping[str, Any], actor: Any, today: dt.date
) -> Commitment:
    """Edit a commitment's fields and its status together: one transaction and one audit row (a state
    change when the status moves, an update otherwise), so a half-applied edit is never stored or logged.

    `status`, `done_on` and `dropped_reason` follow `settle_commitment_status`, judged against the
    stored row under the lock.
    """
    if not can(actor, Action.CHANGE, commitment):
        raise PermissionDenied("Only the group's people and the program manager update its commitments.")
    fields = {k: v for k, v in data.items() if k not in {"status", "dropped_reason", "done_on"}}
    with transaction.atomic():
        stored = Commitment.objects.select_for_update().get(pk=commitment.pk)
        before = audit.snapshot(stored)
        if "group" in fields:
            check_commitment_move(commitment=commitment, group=fields["group"], actor=actor)
        for name, value in fields.items():
            setattr(commitment, name, value)
        status = data.get("status", stored.status)
        settled = settle_commitment_status(
            stored,
            status=status,
            dropped_reason=data.get("dropped_reason", stored.dropped_reason),
            done_on=data.get("done_on"),
            today=today,
        )
        _apply_status(commitment, settled)
        commitment.full_clean()
        if not can(actor, Action.CHANGE, commitment):
            raise PermissionDenied("You may not change this commitment that way.")
        commitment.save()
        changes = audit.diff(before, audit.snapshot(commitment))
        if changes:
            audit.record(
                actor=actor,
                action=AuditAction.TRANSITION if status != stored.status else AuditAction.UPDATE,
                instance=commitment,
                changes=changes,
            )
    return commitment


def _save_note(*, commitment: Commitment, text: str, actor: Any, noted_on: dt.date) -> CommitmentNote:
    note = CommitmentNote(
        program_id=commitment.program_id,
        commitment=commitment,
        noted_on=noted_on,
        author=actor,
        text=text.strip(),
    )
    return save_new_record(instance=note, actor=actor)


def add_progress_note(*, commitment: Commitment, text: str, actor: Any, noted_on: dt.date) -> CommitmentNote:
    if not can(actor, Action.CHANGE, commitment):
        raise PermissionDenied("Only the group's people and the program manager add progress notes.")
    with transaction.atomic():
        return _save_note(commitment=commitment, text=text, actor=actor, noted_on=noted_on)


# --- The alignment index ----------------------------------------------------------------------------------


def set_alignment_weights(*, program: Any, weights: Mapping[str, int], actor: Any) -> AlignmentWeights:
    """Set how much each part counts; validated (non-negative, not all zero)."""
    with transaction.atomic():
        row = AlignmentWeights.objects.select_for_update().filter(program=program).first()
        creating = row is None
        row = row or AlignmentWeights(program=program)
        if not can(actor, Action.CHANGE, row):
            raise PermissionDenied("Only the program manager sets the alignment weights.")
        before = {} if creating else audit.snapshot(row)
        for name in engine.PART_NAMES:
            if name in weights:
                setattr(row, name, weights[name])
        save_changed_record(
            instance=row,
            actor=actor,
            before=before,
            action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        )
    return row


def take_alignment_snapshots(*, program: Any, on: dt.date) -> int:
    """Store each group's and the program's score for `on`, once as the hospital sees them and once as
    partners do; a day already stored is left as it was."""
    created = 0
    for audience in (Visibility.INTERNAL, Visibility.SHARED):
        result = queries.compute_alignment(program=program, today=on, audience=audience)
        rows = [(group, score) for group, score, _inputs in result.groups] + [(None, result.program_score)]
        for group, score in rows:
            if AlignmentSnapshot.objects.filter(
                program=program, group=group, taken_on=on, visibility=audience
            ).exists():
                continue
            try:
                with transaction.atomic():
                    AlignmentSnapshot.objects.create(
                        program=program,
                        group=group,
                        taken_on=on,
                        visibility=audience,
                        score=None if score.value is None else round(score.value, 2),
                        parts=score.as_dict()["parts"],
                        weights=result.weights,
                    )
            except IntegrityError:
                continue  # a concurrent run stored it first
            created += 1
    return created


# --- The weekly digest -----------------------------------------------------------------------------------


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def digest_recipients(program: Any) -> dict[Any, list[StakeholderGroup] | None]:
    """Each group lead with their groups, and each program manager (None: the whole program)."""
    from accord.programs.models import Membership

    recipients: dict[Any, list[StakeholderGroup] | None] = {}
    for membership in Membership.objects.filter(
        program=program, role=Role.PROGRAM_MANAGER, person__is_active=True
    ).select_related("person"):
        recipients[membership.person] = None
    for group in StakeholderGroup.objects.filter(
        program=program, lead__isnull=False, lead__is_active=True
    ).select_related("lead"):
        if recipients.get(group.lead, []) is None:
            continue
        recipients.setdefault(group.lead, []).append(group)
    return recipients


def compose_digest(
    *, program: Any, groups: list[StakeholderGroup] | None, today: dt.date
) -> tuple[str, str, int, int] | None:
    """Subject and body of one recipient's digest, or None when nothing is late or due soon."""
    commitments = Commitment.objects.filter(program=program)
    if groups is not None:
        commitments = commitments.filter(group__in=groups)
    attention = queries.commitments_needing_attention(commitments, today)
    late, soon = attention["late"], attention["soon"]
    if not late and not soon:
        return None
    lines = [f"Commitments in {program.name}, week of {week_of(today):%d %b %Y}."]
    if groups is not None:
        lines.append("Your groups: " + ", ".join(g.name for g in groups) + ".")
    for title, rows in (
        (f"Late ({len(late)})", late),
        (f"Due in the next {queries.SOON_DAYS} days ({len(soon)})", soon),
    ):
        if not rows:
            continue
        lines += ["", title]
        for c in rows:
            owner = f", owner {c.owner}" if c.owner else ""
            lines.append(
                f"- [{c.group.name}] {c.what} — due {c.due_date:%d %b %Y} ({c.get_status_display()}{owner})"
            )
    from accord.notifications.services import absolute_url

    lines += [
        "",
        f"Open the commitments: {absolute_url(reverse('alignment:commitment_list', kwargs={'program_id': program.pk}))}",
    ]
    subject = (
        f"[Accord · {program.name}] {len(late)} late, {len(soon)} due soon: your weekly commitments digest"
    )
    return subject, "\n".join(lines), len(late), len(soon)


def send_digests(*, now: dt.datetime, programs: Any = None) -> int:
    """Send this week's digest to each group lead and program manager with something late or due soon.

    A delivery row is claimed per person, program and week before sending, so a second run in the same
    week sends nothing twice.
    """
    from accord.programs.models import Program

    today = timezone.localdate(now)  # the hospital's calendar day, whatever zone `now` is given in
    sent = 0
    for program in programs if programs is not None else Program.objects.all():
        for person, groups in digest_recipients(program).items():
            digest = compose_digest(program=program, groups=groups, today=today)
            if digest is None:
                continue
            subject, body, late, soon = digest
            try:
                with transaction.atomic():
                    DigestDelivery.objects.create(
                        program=program,
                        recipient=person,
                        week_of=week_of(today),
                        sent_at=now,
                        late_count=late,
                        due_soon_count=soon,
                    )
                    message = EmailMessage(subject=subject, body=body, to=[person.email])
                    transaction.on_commit(lambda m=message: _send([m]))
            except IntegrityError:
                continue  # already sent this week
            sent += 1
    return sent


def _send(messages: list[EmailMessage]) -> None:
    try:
        get_connection().send_messages(messages)
    except Exception:
        logger.exception("Could not send %d digest e-mail(s)", len(messages))


__all__ = [
    "EndorsementStatus",
    "add_comment",
    "add_progress_note",
    "change_commitment_status",
    "check_commitment_move",
    "create_strategy_draft",
    "decide_endorsement",
    "publish_strategy_version",
    "send_digests",
    "set_alignment_weights",
    "take_alignment_snapshots",
]
