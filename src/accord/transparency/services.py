"""Writes of the transparency app: anonymous concerns and their receipts, the Q&A board, the roster and
pulse surveys. Each runs in one transaction and writes its audit entry there.

Anything written on behalf of an anonymous person (a concern, a reply, an anonymous question, a survey
response) is audited with no actor, no address and the start of the day as its time.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, Visibility, can, can_in_program, role_in, sees_internal
from accord.core.services import create_record, save_changed_record, update_record
from accord.transition.services import check_partner_may_work_on
from accord.transparency.choices import CONCERN_TRANSITIONS, ConcernState, SurveyStatus
from accord.transparency.models import (
    Assignment,
    Concern,
    ConcernAllowance,
    ConcernMessage,
    PulseSurvey,
    Question,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)

# What the audit trail names as the actor of anything written without identity.
ANONYMOUS = "anonymous"
# Concerns one person may submit per day; enough for a real worry, too few to flood triage.
DAILY_CONCERN_LIMIT = 3
# 16 characters of an alphabet without look-alikes (no 0/O, 1/I/L): 80 bits, printed in groups of four.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 16


def start_of_day(day: dt.date) -> dt.datetime:
    """The time an anonymous write is audited at: its day, never its moment."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _record_anonymous(
    *, instance: Any, action: str, repr_: str, changes: dict[str, Any], day: dt.date
) -> None:
    audit.record(
        actor=ANONYMOUS,
        action=action,
        instance=instance,
        object_repr=repr_,
        changes=changes,
        at=start_of_day(day),
        remote_addr=None,
    )


# --- Receipt codes and the daily allowance ------------------------------------------------------------


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def normalise_receipt_code(code: str) -> str:
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


def receipt_digest(code: str, secret: str | None = None) -> str:
    """HMAC-SHA256 of the code under a key derived from SECRET_KEY: the stored form of a receipt.

    The code carries 80 random bits, so a keyed hash is as strong as a slow one against guessing and
    still lets the concern be found by its digest; without the key the digest proves nothing.
    """
    return salted_hmac(
        "accord.transparency.receipt", normalise_receipt_code(code), secret=secret, algorithm="sha256"
    ).hexdigest()


def _receipt_digests(code: str) -> list[str]:
    # After a key rotation, receipts given out before it still open their concern.
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [receipt_digest(code, secret) for secret in secrets_]


def allowance_digest(person_id: int, day: dt.date) -> str:
    """The key of a person's daily count: keyed, so the table holds no person id."""
    return salted_hmac(
        "accord.transparency.allowance", f"{person_id}:{day.isoformat()}", algorithm="sha256"
    ).hexdigest()


def _spend_allowance(*, person_id: int, day: dt.date) -> None:
    # Yesterday's counts serve no purpose and are the only thing that could say who wrote on which day.
    ConcernAllowance.objects.filter(day__lt=day).delete()
    digest = allowance_digest(person_id, day)
    allowance, _ = ConcernAllowance.objects.select_for_update().get_or_create(digest=digest, day=day)
    if allowance.count >= DAILY_CONCERN_LIMIT:
        raise ValidationError(
            f"You have submitted {DAILY_CONCERN_LIMIT} concerns today, the most one person may in a day. "
            "Please come back tomorrow, or use the open-door hours."
        )
    ConcernAllowance.objects.filter(pk=allowance.pk).update(count=F("count") + 1)


# --- Anonymous concerns ---------------------------------------------------------------------------------


def submit_concern(
    *, program: Any, actor: Any, subject: str, body: str, today: dt.date
) -> tuple[Concern, str]:
    """Record a concern with no trace of `actor`; returns it with its receipt code (shown once, kept hashed).

    The actor is needed only to check they belong to the program and to count their submissions of the day.
    """
    if not can_in_program(actor, Action.ADD, "concerns", program.pk):
        raise PermissionDenied("Your role in this program may not submit concerns.")
    code = new_receipt_code()
    with transaction.atomic():
        _spend_allowance(person_id=actor.pk, day=today)
        concern = Concern(
            program=program,
            subject=subject.strip(),
            body=body.strip(),
            submitted_on=today,
            receipt_digest=receipt_digest(code),
        )
        concern.full_clean()
        concern.save()
        _record_anonymous(
            instance=concern,
            action=AuditAction.CREATE,
            repr_="An anonymous concern",
            changes={"state": [None, ConcernState.SUBMITTED]},
            day=today,
        )
    return concern, code


def find_concern_by_receipt(code: str) -> Concern | None:
    """The concern a receipt code opens, or None (also for a malformed code)."""
    if len(normalise_receipt_code(code)) != RECEIPT_LENGTH:
        return None
    return Concern.objects.select_related("program").filter(receipt_digest__in=_receipt_digests(code)).first()


def reply_to_concern(*, code: str, body: str, today: dt.date) -> ConcernMessage:
    """The submitter's reply, still anonymous; an answered concern goes back to triage for a new answer."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write your reply."})
    with transaction.atomic():
        concern = find_concern_by_receipt(code)
        if concern is None:
            raise ValidationError({"receipt_code": "No concern has this receipt code."})
        concern = Concern.objects.select_for_update().get(pk=concern.pk)
        if concern.state in (ConcernState.CLOSED, ConcernState.CONVERTED):
            raise ValidationError(
                f"This concern is {concern.get_state_display().lower()}; submit a new one if it still matters."
            )
        message = ConcernMessage(
            program_id=concern.program_id, concern=concern, from_submitter=True, body=body, written_on=today
        )
        message.full_clean()
        message.save()
        changes: dict[str, Any] = {"reply": [None, "from the submitter"]}
        if concern.state == ConcernState.ANSWERED:
            Concern.objects.filter(pk=concern.pk).update(state=ConcernState.TRIAGED)
            changes["state"] = [ConcernState.ANSWERED, ConcernState.TRIAGED]
        _record_anonymous(
            instance=concern,
            action=AuditAction.UPDATE,
            repr_="An anonymous concern",
            changes=changes,
            day=today,
        )
    return message


def _require_triage(actor: Any, concern: Concern) -> None:
    if not can(actor, "triage", concern):
        raise PermissionDenied("Only the program's leadership triages concerns.")


def transition_concern(*, concern: Concern, to: str, actor: Any) -> Concern:
    """Move a concern along its triage states (submitted → triaged → answered → closed)."""
    _require_triage(actor, concern)
    if to not in CONCERN_TRANSITIONS.get(concern.state, ()):
        raise ValidationError(
            {
                "state": f"A {concern.get_state_display().lower()} concern cannot become {ConcernState(to).label.lower()}."
            }
        )
    with transaction.atomic():
        before = concern.state
        concern.state = to
        concern.save(update_fields=["state"])
        audit.record(
            actor=actor, action=AuditAction.TRANSITION, instance=concern, changes={"state": [before, to]}
        )
    return concern


def answer_concern(*, concern: Concern, actor: Any, body: str, today: dt.date) -> ConcernMessage:
    """The program's answer, named, which the submitter reads with their receipt code."""
    _require_triage(actor, concern)
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write the answer."})
    if concern.state in (ConcernState.CLOSED, ConcernState.CONVERTED):
        raise ValidationError(f"This concern is {concern.get_state_display().lower()}.")
    with transaction.atomic():
        message = ConcernMessage(
            program_id=concern.program_id,
            concern=concern,
            from_submitter=False,
            body=body,
            written_on=today,
            author=actor if getattr(actor, "is_authenticated", False) else None,
        )
        message.full_clean()
        message.save()
        before = concern.state
        concern.state = ConcernState.ANSWERED
        concern.save(update_fields=["state"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=concern,
            changes={"state": [before, ConcernState.ANSWERED], "answer": [None, body]},
        )
    return message


def convert_concern_to_red_flag(*, concern: Concern, actor: Any, severity: str, now: dt.datetime) -> Any:
    """Raise a red flag from a concern, in the triager's name (the submitter stays unknown), and link them."""
    _require_triage(actor, concern)
    if concern.state in (ConcernState.CLOSED, ConcernState.CONVERTED):
        raise ValidationError(f"This concern is {concern.get_state_display().lower()}.")
    from accord.governance import services as governance

    with transaction.atomic():
        flag = governance.raise_red_flag(
            program=concern.program,
            actor=actor,
            title=concern.subject[:200],
            description=f"Raised from an anonymous concern submitted on {concern.submitted_on:%d %b %Y}.\n\n"
            f"{concern.body}",
            severity=severity,
            visibility=Visibility.INTERNAL,
            now=now,
        )
        before = concern.state
        concern.state = ConcernState.CONVERTED
        concern.red_flag = flag
        concern.save(update_fields=["state", "red_flag"])
        audit.record(
            actor=actor,
            action=AuditAction.TRANSITION,
            instance=concern,
            changes={"state": [before, ConcernState.CONVERTED], "red_flag": [None, flag.pk]},
        )
    return flag


# --- The Q&A board ----------------------------------------------------------------------------------------


def ask_question(
    *, program: Any, actor: Any, text: str, anonymous: bool, today: dt.date, visibility: str | None = None
) -> Question:
    """Ask the program a question on its board; an anonymous question keeps no asker and only the day.

    A partner's question is shared (they must read the answer); a hospital question is internal unless
    the asker shares it.
    """
    if not can_in_program(actor, "ask", "transparency", program.pk):
        raise PermissionDenied("Your role in this program may not ask on the board.")
    role = role_in(actor, program.pk)
    partner = role is not None and not sees_internal(role)
    if partner:
        visibility = Visibility.SHARED
    with transaction.atomic():
        question = Question(
            program=program,
            text=text.strip(),
            asked_by=None if anonymous else actor,
            asked_on=today,
            visibility=visibility or Visibility.INTERNAL,
        )
        question.full_clean()
        question.save()
        if anonymous:
            _record_anonymous(
                instance=question,
                action=AuditAction.CREATE,
                repr_="An anonymous question",
                changes={"text": [None, question.text]},
                day=today,
            )
        else:
            audit.record(
                actor=actor,
                action=AuditAction.CREATE,
                instance=question,
                changes=audit.diff({}, audit.snapshot(question)),
            )
    return question


def answer_question(*, question: Question, actor: Any, answer: str, today: dt.date) -> Question:
    """Answer publicly (to everyone who sees the question); a new answer replaces the old, in the audit trail."""
    if not can(actor, "answer", question):
        raise PermissionDenied("Only the program's leadership answers on the board.")
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": "Write the answer."})
    with transaction.atomic():
        before = audit.snapshot(question)
        question.answer = answer
        question.answered_by = actor
        question.answered_on = today
        save_changed_record(instance=question, actor=actor, before=before)
    return question


# --- The roster -------------------------------------------------------------------------------------------


def assign_to_service(*, actor: Any, data: Mapping[str, Any]) -> Assignment:
    """Put a person on a service's roster; a partner's assignment passes the transition's training guard."""
    with transaction.atomic():
        service, person = data.get("service"), data.get("person")
        if service is not None and person is not None:
            check_partner_may_work_on(person, service)
        return create_record(model=Assignment, actor=actor, data=data)


def change_assignment(*, assignment: Assignment, actor: Any, data: Mapping[str, Any]) -> Assignment:
    with transaction.atomic():
        service = data.get("service", assignment.service)
        person = data.get("person", assignment.person)
        if "service" in data or "person" in data:
            check_partner_may_work_on(person, service)
        return update_record(instance=assignment, actor=actor, data=data)


# --- Pulse surveys ----------------------------------------------------------------------------------------


def create_survey(
    *,
    program: Any,
    actor: Any,
    title: str,
    opens_on: dt.date,
    closes_on: dt.date,
    groups: Iterable[Any],
    questions: Sequence[tuple[str, str]],
) -> PulseSurvey:
    """A draft survey with its Likert questions as (dimension, text), for the members of `groups`."""
    if not can_in_program(actor, Action.ADD, "surveys", program.pk):
        raise PermissionDenied("Only the program manager writes pulse surveys.")
    groups = list(groups)
    if not groups:
        raise ValidationError({"groups": "Choose the groups the survey goes to."})
    if any(g.program_id != program.pk for g in groups):
        raise ValidationError({"groups": "Every group must belong to this program."})
    if not questions:
        raise ValidationError({"questions": "A survey needs at least one question."})
    with transaction.atomic():
        survey = PulseSurvey(program=program, title=title, opens_on=opens_on, closes_on=closes_on)
        survey.full_clean()
        survey.save()
        survey.groups.set(groups)
        for order, (dimension, text) in enumerate(questions, start=1):
            question = SurveyQuestion(
                program=program, survey=survey, order=order, dimension=dimension, text=text
            )
            question.full_clean()
            question.save()
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=survey,
            changes={
                **audit.diff({}, audit.snapshot(survey)),
                "questions": [None, [t for _, t in questions]],
            },
        )
    return survey


def open_survey(*, survey: PulseSurvey, actor: Any) -> int:
    """Invite every program member of the survey's groups (each once, for their first group); returns how many."""
    if not can(actor, Action.CHANGE, survey):
        raise PermissionDenied("Only the program manager sends pulse surveys.")
    if survey.status != SurveyStatus.DRAFT:
        raise ValidationError("This survey has already been sent.")
    from accord.programs.models import Membership

    members = set(Membership.objects.filter(program_id=survey.program_id).values_list("person_id", flat=True))
    invited: dict[int, int] = {}
    for group in survey.groups.order_by("name").prefetch_related("members"):
        for person in group.members.all():
            if person.pk in members and person.pk not in invited:
                invited[person.pk] = group.pk
    with transaction.atomic():
        SurveyInvitation.objects.bulk_create(
            SurveyInvitation(program_id=survey.program_id, survey=survey, person_id=p, group_id=g)
            for p, g in invited.items()
        )
        survey.status = SurveyStatus.OPEN
        survey.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditAction.TRANSITION,
            instance=survey,
            changes={"status": [SurveyStatus.DRAFT, SurveyStatus.OPEN], "invited": [0, len(invited)]},
        )
    return len(invited)


def close_survey(*, survey: PulseSurvey, actor: Any) -> PulseSurvey:
    if not can(actor, Action.CHANGE, survey):
        raise PermissionDenied("Only the program manager closes pulse surveys.")
    if survey.status != SurveyStatus.OPEN:
        raise ValidationError("Only an open survey can be closed.")
    with transaction.atomic():
        survey.status = SurveyStatus.CLOSED
        survey.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditAction.TRANSITION,
            instance=survey,
            changes={"status": [SurveyStatus.OPEN, SurveyStatus.CLOSED]},
        )
    return survey


def respond_to_survey(
    *, survey: PulseSurvey, actor: Any, scores: Mapping[int, int], comment: str = "", today: dt.date
) -> SurveyResponse:
    """Record an answer sheet with no link to `actor`, then set their "has answered" mark.

    The sheet keeps the group (for the cuts) and the day; the mark keeps the person and no date. The
    audit entry is anonymous, so neither the trail's order nor its clock ties the two together.
    """
    if not can_in_program(actor, "respond", "surveys", survey.program_id):
        raise PermissionDenied("Your role in this program may not answer surveys.")
    if survey.status != SurveyStatus.OPEN or not survey.opens_on <= today <= survey.closes_on:
        raise ValidationError("This survey is not open for answers today.")
    questions = {q.pk: q for q in survey.questions.all()}
    errors: dict[str, str] = {}
    clean_scores: dict[int, int] = {}
    for pk in questions:
        raw = scores.get(pk, scores.get(str(pk)))  # type: ignore[call-overload]
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors[f"q{pk}"] = "Choose a score from 1 to 5."
            continue
        if not 1 <= value <= 5:
            errors[f"q{pk}"] = "Choose a score from 1 to 5."
        clean_scores[pk] = value
    unknown = {str(k) for k in scores} - {str(pk) for pk in questions}
    if unknown:
        errors["scores"] = f"Not questions of this survey: {', '.join(sorted(unknown))}."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        invitation = SurveyInvitation.objects.select_for_update().filter(survey=survey, person=actor).first()
        if invitation is None:
            raise PermissionDenied("You are not invited to this survey.")
        if invitation.answered:
            raise ValidationError("You have already answered this survey.")
        response = SurveyResponse(
            program_id=survey.program_id,
            survey=survey,
            group_id=invitation.group_id,
            answered_on=today,
            comment=comment.strip(),
        )
        response.full_clean()
        response.save()
        SurveyAnswer.objects.bulk_create(
            SurveyAnswer(response=response, question_id=pk, score=score) for pk, score in clean_scores.items()
        )
        SurveyInvitation.objects.filter(pk=invitation.pk).update(answered=True)
        # Counted on the survey, never naming the sheet: the trail says a response arrived that day.
        _record_anonymous(
            instance=survey,
            action=AuditAction.EVENT,
            repr_=f"A response to {survey.title}"[:300],
            changes={"responses": ["+1"]},
            day=today,
        )
    return response
