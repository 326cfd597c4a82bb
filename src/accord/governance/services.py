"""Governance writes with rules: raising, moving, commenting on, merging, escalating and converting
red flags; escalation rules; risks from flags; decisions.

Each function runs in one transaction, writes its history and audit rows there, and tells people
through `notifications.notify` (whose e-mail leaves only after the commit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accord.core import audit
from accord.core.models import AuditAction, check_owners_see
from accord.core.permissions import Action, Role, Visibility, can, can_in_program, role_in, sees_internal
from accord.core.services import create_record, save_new_record, update_record
from accord.governance import states
from accord.governance.choices import (
    OPEN_STATES,
    EscalationLevel,
    EventKind,
    FlagState,
    RiskResponse,
    Severity,
)
from accord.governance.models import (
    THREAT_FIELDS,
    Decision,
    EscalationRule,
    RedFlag,
    RedFlagEvent,
    Risk,
    flag_owner_cannot_see,
)
from accord.notifications.choices import NotificationKind
from accord.notifications.services import notify
from accord.programs.models import Membership

SYSTEM = "accord escalate"

# Defaults every new program starts with: severity -> (hours to triage, days to answer, highest level).
DEFAULT_ESCALATION_RULES: dict[str, tuple[int, int, int]] = {
    Severity.CRITICAL: (4, 3, EscalationLevel.BOARD),
    Severity.HIGH: (24, 10, EscalationLevel.BOARD),
    Severity.MEDIUM: (72, 30, EscalationLevel.BOARD),
    Severity.LOW: (168, 60, EscalationLevel.PROGRAM_MANAGER),
}

# Who hears of a flag at each escalation level.
LEVEL_ROLES = {
    EscalationLevel.PROGRAM_MANAGER: Role.PROGRAM_MANAGER,
    EscalationLevel.BOARD: Role.BOARD_MEMBER,
}


def _label(actor: Any) -> str:
    if getattr(actor, "is_authenticated", False):
        return actor.full_name or actor.email
    return str(actor or "system")


def _person(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _record_event(
    *,
    flag: RedFlag,
    kind: str,
    actor: Any,
    at: dt.datetime,
    note: str = "",
    from_state: str = "",
    to_state: str = "",
    level: int | None = None,
) -> RedFlagEvent:
    event = RedFlagEvent(
        program_id=flag.program_id,
        flag=flag,
        kind=kind,
        actor=_person(actor),
        actor_label=_label(actor)[:254],
        at=at,
        note=note,
        from_state=from_state,
        to_state=to_state,
        escalation_level=level,
    )
    event.full_clean()
    event.save()
    return event


def _people_with_role(program_id: int, role: str) -> list[Any]:
    return [
        m.person for m in Membership.objects.filter(program_id=program_id, role=role).select_related("person")
    ]


def check_owner_sees_flag(*, program_id: int, visibility: str, owner: Any, field: str) -> None:
    """A flag's owner must be able to follow it, so a partner never owns a hospital-internal flag.

    The one rule for both ways a flag and its owner meet: naming the owner (triage) and changing the
    flag's visibility (an amendment). The error names `field`, the one the caller was changing.
    """
    check_owners_see(
        program_id=program_id,
        visibility=visibility,
        owners={field: owner},
        message=lambda person: flag_owner_cannot_see(person, field),
    )


def _check_owner(flag: RedFlag, owner: Any) -> None:
    if role_in(owner, flag.program_id) is None:
        raise ValidationError({"owner": f"{owner} is not a member of this program."})
    check_owner_sees_flag(program_id=flag.program_id, visibility=flag.visibility, owner=owner, field="owner")


def raise_red_flag(
    *,
    program: Any,
    actor: Any,
    title: str,
    description: str,
    severity: str = Severity.MEDIUM,
    visibility: str | None = None,
    now: dt.datetime | None = None,
    **threatens: Any,
) -> RedFlag:
    """Anyone in the program but an auditor raises a flag; program managers hear of it at once.

    A flag is hospital-internal unless said otherwise, but a vendor's or consultant's is shared: they
    must be able to follow it, and a partner never sees internal records. Asking for an internal flag
    as a partner is refused (by `RedFlag.clean()`) rather than silently shared, since a consultant may
    have chosen "internal" to keep a concern from the vendor.
    """
    unknown = set(threatens) - set(THREAT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields for a red flag: {', '.join(sorted(unknown))}")
    if not can_in_program(actor, Action.ADD, "red_flags", program.pk):
        raise PermissionDenied("Your role in this program may not raise red flags.")
    now = now or timezone.now()
    if visibility is None:
        role = role_in(actor, program.pk)
        visibility = Visibility.INTERNAL if role is None or sees_internal(role) else Visibility.SHARED
    with transaction.atomic():
        flag = RedFlag(
            program=program,
            title=title,
            description=description,
            severity=severity,
            visibility=visibility,
            raised_by=actor,
            raised_at=now,
            **threatens,
        )
        save_new_record(instance=flag, actor=actor, at=now)
        _record_event(flag=flag, kind=EventKind.TRANSITION, actor=actor, at=now, to_state=FlagState.RAISED)
        notify(
            recipients=_people_with_role(program.pk, Role.PROGRAM_MANAGER),
            kind=NotificationKind.RED_FLAG_RAISED,
            title=f"New {flag.get_severity_display().lower()} red flag: {flag.title}",
            body=f"Raised by {_label(actor)}.\n\n{description}",
            url=flag.get_absolute_url(),
            program=program,
            actor=actor,
            about=flag,
        )
    return flag


# What an amendment may change; the program only as it is (a PUT-like body names it).
AMENDABLE_FIELDS = frozenset({"program", "title", "description", "severity", "visibility", *THREAT_FIELDS})


def amend_red_flag(*, flag: RedFlag, actor: Any, data: Mapping[str, Any]) -> RedFlag:
    """Amend what a flag says (title, description, severity, visibility, what it threatens).

    Its state, owner and answer move only with `transition_red_flag`. The flag is locked while the owner
    rule is asked, so a triage naming a partner at the same moment cannot leave an internal flag whose
    owner cannot see it.
    """
    unknown = set(data) - AMENDABLE_FIELDS
    if unknown:
        raise TypeError(f"Not amended on a red flag (use a transition): {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = RedFlag.objects.select_for_update().get(pk=flag.pk)
        if "program" in data and data["program"].pk != locked.program_id:
            raise ValidationError({"program": "A red flag cannot move to another program."})
        if locked.owner_id is not None and "visibility" in data:
            check_owner_sees_flag(
                program_id=locked.program_id,
                visibility=data["visibility"],
                owner=locked.owner,
                field="visibility",
            )
        return update_record(instance=locked, actor=actor, data=data)


def _may_transition(actor: Any, flag: RedFlag, transition: states.Transition) -> bool:
    if getattr(actor, "is_superuser", False):
        return True
    if transition.raiser_may and flag.raised_by_id == getattr(actor, "pk", None):
        return True
    if transition.owner_may and flag.owner_id is not None and flag.owner_id == getattr(actor, "pk", None):
        return flag.permits(actor, Action.VIEW)
    return flag.permits(actor, Action.VIEW) and can_in_program(
        actor, transition.permission, "red_flags", flag.program_id
    )


def transition_red_flag(
    *, flag: RedFlag, to: str, actor: Any, note: str = "", now: dt.datetime | None = None, **fields: Any
) -> RedFlag:
    """Move a flag along the state machine in `states.TRANSITIONS`, with its required fields.

    `fields` may carry owner, response_due, resolution, rationale and reason. An illegal move raises
    ValidationError naming the current state and the allowed next states.
    """
    unknown = set(fields) - set(states.FIELD_LABELS)
    if unknown:
        raise TypeError(f"Unknown transition fields: {', '.join(sorted(unknown))}")
    now = now or timezone.now()
    with transaction.atomic():
        flag = RedFlag.objects.select_for_update().select_related("program").get(pk=flag.pk)
        try:
            transition = states.find(flag.state, to)
        except states.IllegalTransition as error:
            raise ValidationError({"to": str(error)}) from error
        if not _may_transition(actor, flag, transition):
            raise PermissionDenied(f"You may not {transition.label.lower()} this red flag.")
        if transition.is_reopen and flag.merged_into_id:
            raise ValidationError(
                {
                    "to": f"This flag was merged into flag #{flag.merged_into_id}; follow that one "
                    "instead of reopening the duplicate."
                }
            )
        values = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
        missing = states.missing_fields(transition, values)
        if missing:
            raise ValidationError(
                {name: f"{transition.label} needs {states.FIELD_LABELS[name]}." for name in missing}
            )
        before = audit.snapshot(flag)
        previous_owner_id = flag.owner_id
        from_state = flag.state
        flag.state = transition.target
        if transition.target == FlagState.TRIAGED:
            _check_owner(flag, values["owner"])
            flag.owner = values["owner"]
            flag.response_due = values["response_due"]
        elif transition.target == FlagState.RESOLVED:
            flag.resolution = values["resolution"]
            flag.answered_at = now
        elif transition.target == FlagState.ACCEPTED:
            flag.rationale = values["rationale"]
            flag.answered_at = now
        elif transition.is_reopen:
            flag.reopened_at = now
            note = note or values["reason"]
            if note != values["reason"]:
                note = f"{values['reason']}\n\n{note}"
        flag.full_clean()
        flag.save()
        _record_event(
            flag=flag,
            kind=EventKind.TRANSITION,
            actor=actor,
            at=now,
            note=note,
            from_state=from_state,
            to_state=flag.state,
        )
        audit.record(
            actor=actor,
            action=AuditAction.TRANSITION,
            instance=flag,
            changes=audit.diff(before, audit.snapshot(flag)),
            at=now,
        )
        _notify_transition(
            flag=flag, actor=actor, transition=transition, previous_owner_id=previous_owner_id, note=note
        )
    return flag


def _notify_transition(
    *, flag: RedFlag, actor: Any, transition: states.Transition, previous_owner_id: int | None, note: str
) -> None:
    url = flag.get_absolute_url()
    if transition.target == FlagState.TRIAGED and flag.owner_id and flag.owner_id != previous_owner_id:
        notify(
            recipients=[flag.owner],
            kind=NotificationKind.RED_FLAG_ASSIGNED,
            title=f"Red flag assigned to you: {flag.title}",
            body=f"Response due {flag.response_due:%d %b %Y}. {note}".strip(),
            url=url,
            program=flag.program,
            actor=actor,
            about=flag,
        )
    if transition.target in (FlagState.TRIAGED, FlagState.RESOLVED, FlagState.ACCEPTED, FlagState.CLOSED):
        answer = {FlagState.RESOLVED: flag.resolution, FlagState.ACCEPTED: flag.rationale}.get(
            transition.target, note
        )
        notify(
            recipients=[flag.raised_by],
            kind=NotificationKind.RED_FLAG_ANSWERED,
            title=f"Your red flag is now {flag.get_state_display().lower()}: {flag.title}",
            body=answer,
            url=url,
            program=flag.program,
            actor=actor,
            about=flag,
        )
    if transition.is_reopen:
        recipients = (
            [flag.owner] if flag.owner_id else _people_with_role(flag.program_id, Role.PROGRAM_MANAGER)
        )
        notify(
            recipients=recipients,
            kind=NotificationKind.RED_FLAG_RAISED,
            title=f"Red flag reopened: {flag.title}",
            body=note,
            url=url,
            program=flag.program,
            actor=actor,
            about=flag,
        )


def comment_on_red_flag(
    *, flag: RedFlag, actor: Any, note: str, now: dt.datetime | None = None
) -> RedFlagEvent:
    """Add a comment to a flag's history; the raiser may always comment on their own flag."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Write the comment first."})
    if not can(actor, "comment", flag):
        raise PermissionDenied("You may not comment on this red flag.")
    now = now or timezone.now()
    with transaction.atomic():
        event = _record_event(flag=flag, kind=EventKind.COMMENT, actor=actor, at=now, note=note)
        audit.record(
            actor=actor, action=AuditAction.EVENT, instance=flag, changes={"comment": [None, note]}, at=now
        )
        others = [p for p in (flag.raised_by, flag.owner) if p is not None]
        notify(
            recipients=others,
            kind=NotificationKind.OTHER,
            title=f"New comment on red flag: {flag.title}",
            body=note,
            url=flag.get_absolute_url(),
            program=flag.program,
            actor=actor,
            about=flag,
        )
    return event


def merge_red_flags(
    *, duplicate: RedFlag, into: RedFlag, actor: Any, note: str = "", now: dt.datetime | None = None
) -> RedFlag:
    """Close `duplicate` as merged into `into`; both keep their histories and each names the other."""
    now = now or timezone.now()
    with transaction.atomic():
        flags = {
            f.pk: f
            for f in RedFlag.objects.select_for_update()
            .select_related("program")
            .filter(pk__in=[duplicate.pk, into.pk])
        }
        duplicate, into = flags.get(duplicate.pk, duplicate), flags.get(into.pk, into)
        if duplicate.pk == into.pk:
            raise ValidationError({"into": "A flag cannot be merged into itself."})
        if duplicate.program_id != into.program_id:
            raise ValidationError({"into": "Only flags of the same program can be merged."})
        for flag in (duplicate, into):
            if not (
                flag.permits(actor, Action.VIEW)
                and can_in_program(actor, states.TRIAGE, "red_flags", flag.program_id)
            ):
                raise PermissionDenied("Only people who triage red flags may merge them.")
        if duplicate.merged_into_id:
            raise ValidationError(
                {"duplicate": f"Flag #{duplicate.pk} is already merged into #{duplicate.merged_into_id}."}
            )
        if into.merged_into_id:
            raise ValidationError(
                {
                    "into": f"Flag #{into.pk} is itself merged into #{into.merged_into_id}; "
                    "merge into that one."
                }
            )
        before = audit.snapshot(duplicate)
        from_state = duplicate.state
        duplicate.state = FlagState.CLOSED
        duplicate.merged_into = into
        duplicate.full_clean()
        duplicate.save()
        text = note.strip()
        _record_event(
            flag=duplicate,
            kind=EventKind.MERGE,
            actor=actor,
            at=now,
            from_state=from_state,
            to_state=FlagState.CLOSED,
            note=f"Merged into #{into.pk}. {text}".strip(),
        )
        # History lines name the other flag by number only: its title is shown, where the reader may
        # see it, from the link itself (a partner's flag may be merged into an internal one).
        _record_event(
            flag=into,
            kind=EventKind.MERGE,
            actor=actor,
            at=now,
            note=f"#{duplicate.pk} was merged into this flag. {text}".strip(),
        )
        audit.record(
            actor=actor,
            action=AuditAction.TRANSITION,
            instance=duplicate,
            changes=audit.diff(before, audit.snapshot(duplicate)),
            at=now,
        )
        raiser = duplicate.raised_by
        if can(raiser, Action.VIEW, into):
            notify(
                recipients=[raiser],
                kind=NotificationKind.RED_FLAG_ANSWERED,
                title=f"Your red flag was merged with “{into.title}”",
                body="Follow the flag it was merged into for the answer. " + text,
                url=into.get_absolute_url(),
                program=duplicate.program,
                actor=actor,
                about=into,
            )
        else:
            notify(
                recipients=[raiser],
                kind=NotificationKind.RED_FLAG_ANSWERED,
                title=f"Your red flag was merged with another flag: {duplicate.title}",
                body="The program follows it up on a flag you cannot see; it stays listed here. " + text,
                url=duplicate.get_absolute_url(),
                program=duplicate.program,
                actor=actor,
                about=duplicate,
            )
    return duplicate


def convert_red_flag_to_risk(
    *,
    flag: RedFlag,
    actor: Any,
    likelihood: int,
    impact: int,
    category: str,
    title: str = "",
    cause: str = "",
    consequence: str = "",
    owner: Any = None,
    response: str = RiskResponse.REDUCE,
    actions: str = "",
    review_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Risk:
    """Register a flag as a risk; the risk names the flag and the flag's history names the risk."""
    now = now or timezone.now()
    if not flag.permits(actor, Action.VIEW):
        raise PermissionDenied("You cannot see this red flag.")
    with transaction.atomic():
        flag = RedFlag.objects.select_for_update().get(pk=flag.pk)
        if Risk.objects.filter(source_flag=flag).exists():
            raise ValidationError({"source_flag": "This red flag has already been converted into a risk."})
        risk = create_record(
            model=Risk,
            actor=actor,
            data={
                "program": flag.program,
                "title": title or flag.title,
                "cause": cause or flag.description,
                "consequence": consequence,
                "category": category,
                "likelihood": likelihood,
                "impact": impact,
                "owner": owner or flag.owner,
                "response": response,
                "actions": actions,
                "review_date": review_date,
                "visibility": flag.visibility,
                "source_flag": flag,
            },
        )
        _record_event(
            flag=flag,
            kind=EventKind.CONVERSION,
            actor=actor,
            at=now,
            note=f"Registered as risk #{risk.pk} (score {risk.score}).",
        )
        audit.record(
            actor=actor, action=AuditAction.EVENT, instance=flag, changes={"risk": [None, risk.pk]}, at=now
        )
    return risk


def create_default_escalation_rules(
    *, program: Any, actor: Any, template: Mapping[str, Any] | None = None
) -> list[EscalationRule]:
    """Give a program the default rule for every severity it lacks; existing rules are left alone.

    A template's own rules are created first (`program_template.apply`); these fill the severities it left out.
    """
    created = []
    with transaction.atomic():
        existing = set(EscalationRule.objects.filter(program=program).values_list("severity", flat=True))
        for severity, (hours, days, level) in DEFAULT_ESCALATION_RULES.items():
            if severity in existing:
                continue
            rule = EscalationRule(
                program=program, severity=severity, triage_hours=hours, resolve_days=days, highest_level=level
            )
            created.append(save_new_record(instance=rule, actor=actor))
    return created


@dataclass(frozen=True)
class Escalation:
    """One flag moved up one level by `escalate_overdue_flags`."""

    flag: RedFlag
    level: int
    reason: str

    def __str__(self) -> str:
        return (
            f"#{self.flag.pk} [{self.flag.program}] {self.flag.title}: escalated to the "
            f"{EscalationLevel(self.level).label.lower()} ({self.reason})"
        )


def overdue_reason(flag: RedFlag, rule: EscalationRule, now: dt.datetime) -> str | None:
    """Why `flag` is overdue under `rule` at `now`, or None.

    The clocks start when the flag was raised (or reopened) and restart at each escalation, so each
    level gets its own full period to act before the next one hears of it.
    """
    if flag.state not in OPEN_STATES or flag.escalation_level >= rule.highest_level:
        return None
    start = flag.reopened_at or flag.raised_at
    if flag.escalated_at and flag.escalated_at > start:
        start = flag.escalated_at
    if flag.state == FlagState.RAISED and now >= start + dt.timedelta(hours=rule.triage_hours):
        return f"not triaged within {rule.triage_hours} hours"
    if now >= start + dt.timedelta(days=rule.resolve_days):
        return f"not answered within {rule.resolve_days} days"
    return None


def _escalation_candidates() -> Iterable[RedFlag]:
    """Open flags below the top level, as read now; another run may move them before we claim them."""
    return (
        RedFlag.objects.filter(state__in=list(OPEN_STATES), escalation_level__lt=EscalationLevel.BOARD)
        .select_related("program", "raised_by")
        .order_by("raised_at", "pk")
        .iterator()
    )


def _claim_escalation(
    flag: RedFlag, level: EscalationLevel, *, actor: Any, now: dt.datetime, reason: str, note: str
) -> bool:
    """Move the flag from the level it was read at to `level` and write that into its history and
    the audit trail; False, with nothing written, when another run moved it first.

    The claim is a conditional UPDATE on the level as read, so the scheduler and a manager (or two
    schedulers) never escalate the same flag twice. Call inside a transaction.
    """
    old = flag.escalation_level
    claimed = RedFlag.objects.filter(pk=flag.pk, escalation_level=old).update(
        escalation_level=level, escalated_at=now
    )
    if claimed != 1:
        return False
    flag.escalation_level, flag.escalated_at = level, now
    _record_event(flag=flag, kind=EventKind.ESCALATION, actor=actor, at=now, level=level, note=note)
    audit.record(
        actor=actor,
        action=AuditAction.TRANSITION,
        instance=flag,
        at=now,
        changes={"escalation_level": [int(old), int(level)], "reason": [None, reason]},
    )
    return True


def escalate_overdue_flags(*, now: dt.datetime, actor: Any = SYSTEM) -> list[Escalation]:
    """Move every overdue open flag up one level, record it, and tell the people at the new level.

    Each flag is claimed with a conditional UPDATE on its current level, so two schedulers running
    at once never escalate the same flag twice.
    """
    rules = {(r.program_id, r.severity): r for r in EscalationRule.objects.all()}
    done: list[Escalation] = []
    for flag in _escalation_candidates():
        rule = rules.get((flag.program_id, flag.severity))
        reason = overdue_reason(flag, rule, now) if rule else None
        if reason is None:
            continue
        level = EscalationLevel(flag.escalation_level + 1)
        with transaction.atomic():
            if not _claim_escalation(
                flag,
                level,
                actor=actor,
                now=now,
                reason=reason,
                note=f"Escalated to the {level.label.lower()}: {reason}.",
            ):
                continue  # another run got there first
            notify(
                recipients=_people_with_role(flag.program_id, LEVEL_ROLES[level]),
                kind=NotificationKind.RED_FLAG_ESCALATED,
                title=f"Escalated to you: {flag.get_severity_display().lower()} red flag “{flag.title}”",
                body=f"{reason.capitalize()} (state: {flag.get_state_display().lower()}; raised by "
                f"{_label(flag.raised_by)} on {flag.raised_at:%d %b %Y}).",
                url=flag.get_absolute_url(),
                program=flag.program,
                actor=None,
                about=flag,
            )
        done.append(Escalation(flag=flag, level=level, reason=reason))
    return done


def escalate_red_flag_to_board(*, flag: RedFlag, actor: Any, reason: str, now: dt.datetime) -> RedFlag:
    """Take an open flag to the governance board now, without waiting for its rule's clock.

    The manager's own judgement (a flag that threatens a benefit the board owns) is the reason; it is
    written into the flag's history like an automatic escalation, so the board's agenda and a past
    agenda rebuilt from that history both see it.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the board must hear of this flag."})
    with transaction.atomic():
        flag = RedFlag.objects.select_for_update().select_related("program", "raised_by").get(pk=flag.pk)
        if not (
            flag.permits(actor, Action.VIEW)
            and can_in_program(actor, states.TRIAGE, "red_flags", flag.program_id)
        ):
            raise PermissionDenied("Only people who triage red flags may escalate them to the board.")
        if flag.merged_into_id:
            raise ValidationError(
                {"flag": f"This flag was merged into flag #{flag.merged_into_id}; escalate that one instead."}
            )
        if flag.state not in OPEN_STATES:
            raise ValidationError(
                {"flag": f"A {flag.get_state_display().lower()} flag has had its answer; reopen it first."}
            )
        if flag.escalation_level >= EscalationLevel.BOARD:
            raise ValidationError({"flag": "This flag is already escalated to the governance board."})
        level = EscalationLevel.BOARD
        if not _claim_escalation(
            flag,
            level,
            actor=actor,
            now=now,
            reason=reason,
            note=f"Escalated to the {level.label.lower()} by {_label(actor)}: {reason}",
        ):
            raise ValidationError({"flag": "The flag was escalated meanwhile; reload it."})
        notify(
            # The board hears of it; so do the raiser and the owner, who follow the flag.
            recipients=[
                *_people_with_role(flag.program_id, LEVEL_ROLES[level]),
                flag.raised_by,
                *([flag.owner] if flag.owner_id else []),
            ],
            kind=NotificationKind.RED_FLAG_ESCALATED,
            title=f"Escalated to the board: {flag.get_severity_display().lower()} red flag “{flag.title}”",
            body=f"{_label(actor)} escalated it: {reason} (state: {flag.get_state_display().lower()}; "
            f"raised by {_label(flag.raised_by)} on {flag.raised_at:%d %b %Y}).",
            url=flag.get_absolute_url(),
            program=flag.program,
            actor=actor,
            about=flag,
        )
    return flag


def check_decision_links(program: Any, links: Mapping[str, Iterable[Any]]) -> dict[str, list[Any]]:
    """The records a decision answers, as lists; every one must belong to the decision's program (the
    rule for recording a decision and for amending its links)."""
    errors = {}
    result = {}
    for name, items in links.items():
        items = list(items)
        if any(item.program_id != program.pk for item in items):
            errors[name] = "Every linked record must belong to the same program."
        result[name] = items
    if errors:
        raise ValidationError(errors)
    return result


def create_decision(
    *,
    program: Any,
    actor: Any,
    title: str,
    decision: str,
    decided_on: dt.date,
    decided_by: str = "Governance board",
    context: str = "",
    options_considered: str = "",
    rationale: str = "",
    visibility: str = Visibility.INTERNAL,
    flags: Iterable[RedFlag] = (),
    risks: Iterable[Risk] = (),
    benefits: Iterable[Any] = (),
    groups: Iterable[Any] = (),
    initiatives: Iterable[Any] = (),
    success_factors: Iterable[Any] = (),
    check: bool = True,
) -> Decision:
    """Record a decision in the log (from a page, the API or a meeting's minutes), with what it answers."""
    links = check_decision_links(
        program,
        {
            "flags": flags,
            "risks": risks,
            "benefits": benefits,
            "groups": groups,
            "initiatives": initiatives,
            "success_factors": success_factors,
        },
    )
    return create_record(
        model=Decision,
        actor=actor,
        check=check,
        data={
            "program": program,
            "title": title,
            "decision": decision,
            "decided_on": decided_on,
            "decided_by": decided_by,
            "context": context,
            "options_considered": options_considered,
            "rationale": rationale,
            "visibility": visibility,
            "recorded_by": _person(actor),
            **links,
        },
    )
