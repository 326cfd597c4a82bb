"""SLA disputes: raise, answer and settle a disagreement over one ticket's clock (audited, people told).

States: open -> answered -> settled, or open -> settled when the parties agree at once. A dispute settled
for the vendor counts the clock as met in its period's credits (see queries.build_report); one settled
for the hospital keeps the breach.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, Role, can, can_in_program, role_in, sees_internal
from accord.core.services import save_changed_record, save_new_record
from accord.notifications.choices import NotificationKind
from accord.notifications.services import notify
from accord.programs.models import Membership
from accord.sla import queries
from accord.sla.choices import ClockStatus, DisputedClock, DisputeOutcome, DisputeSide, DisputeStatus
from accord.sla.models import SlaDispute, Ticket

AREA = "sla_disputes"
# Which states each state may move to; anything else is refused with the moves that remain.
MOVES: dict[str, tuple[str, ...]] = {
    DisputeStatus.OPEN: (DisputeStatus.ANSWERED, DisputeStatus.SETTLED),
    DisputeStatus.ANSWERED: (DisputeStatus.SETTLED,),
    DisputeStatus.SETTLED: (),
}


def side_of(actor: Any, program_id: int) -> str:
    """The hospital or the vendor, from the actor's role in the program."""
    role = role_in(actor, program_id)
    if role is None and getattr(actor, "is_superuser", False):
        return DisputeSide.HOSPITAL
    return DisputeSide.HOSPITAL if role is not None and sees_internal(role) else DisputeSide.VENDOR


def _move(dispute: SlaDispute, to: str) -> None:
    allowed = MOVES[dispute.status]
    if to not in allowed:
        labels = dict(DisputeStatus.choices)
        remaining = ", ".join(labels[s].split(",")[0].lower() for s in allowed) or "none, it is final"
        raise ValidationError(
            {
                "status": f"The dispute is {labels[dispute.status].split(',')[0].lower()}; it cannot become "
                f"{labels[to].split(',')[0].lower()} (moves left: {remaining})."
            }
        )


def _people(program_id: int, roles: tuple[str, ...]) -> list[Any]:
    return [
        m.person
        for m in Membership.objects.filter(program_id=program_id, role__in=roles).select_related("person")
    ]


def _tell(dispute: SlaDispute, *, recipients: list[Any], title: str, body: str, actor: Any) -> None:
    notify(
        recipients=recipients,
        kind=NotificationKind.OTHER,
        title=title,
        body=body,
        url=dispute.get_absolute_url(),
        program=dispute.program_id,
        actor=actor,
        about=dispute,
    )


def raise_dispute(
    *, ticket: Ticket, clock: str, reason: str, actor: Any, now: dt.datetime, check: bool = True
) -> SlaDispute:
    """Dispute Accord's verdict on one clock of a ticket of the report (the vendor or the program manager)."""
    contract = ticket.contract
    if check and not can_in_program(actor, Action.ADD, AREA, contract.program_id):
        raise PermissionDenied("Your role may not raise SLA disputes.")
    if check and not can(actor, Action.VIEW, ticket):
        raise PermissionDenied("You may not see this ticket.")
    if clock not in DisputedClock.values:
        raise ValidationError({"clock": f"Choose one of {', '.join(DisputedClock.values)}."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the measurement is wrong."})
    result = (
        queries.report_results(contract).filter(ticket=ticket).select_related("version", "ticket").first()
    )
    if result is None:
        raise ValidationError(
            {"ticket": f"Ticket {ticket.external_id} has no measured result in the report yet."}
        )
    measured = queries.measured_status(result, clock)
    if measured not in (ClockStatus.MET, ClockStatus.BREACHED):
        raise ValidationError(
            {
                "clock": f"The {clock} clock of {ticket.external_id} is {measured}, not decided; there is nothing to dispute yet."
            }
        )
    claim = {
        DisputedClock.RESPONSE: ticket.vendor_response_claim,
        DisputedClock.RESOLUTION: ticket.vendor_resolution_claim,
        DisputedClock.OVERALL: ticket.vendor_overall_claim,
    }[clock]
    with transaction.atomic():
        if SlaDispute.objects.filter(ticket=ticket, clock=clock).exists():
            raise ValidationError(
                {"clock": f"The {clock} clock of {ticket.external_id} is already disputed."}
            )
        dispute = SlaDispute(
            program_id=contract.program_id,
            contract=contract,
            ticket=ticket,
            clock=clock,
            period_start=result.period_start,
            vendor_claim=claim,
            measured_status=measured,
            rule=f"Policy version {result.version.number}, "
            + queries.target_clause(result.version.spec, result.priority, clock),
            raised_side=side_of(actor, contract.program_id),
            raised_by=actor if getattr(actor, "is_authenticated", False) else None,
            reason=reason.strip(),
        )
        save_new_record(instance=dispute, actor=actor)
        answerer = Role.VENDOR if dispute.raised_side == DisputeSide.HOSPITAL else Role.PROGRAM_MANAGER
        _tell(
            dispute,
            recipients=_people(contract.program_id, (answerer, Role.PROGRAM_MANAGER)),
            title=f"SLA dispute raised on ticket {ticket.external_id} ({clock})",
            body=f"Accord measured {measured}; the {dispute.get_raised_side_display().lower()} disputes it: {dispute.reason}",
            actor=actor,
        )
    return dispute


def answer_dispute(
    *, dispute: SlaDispute, answer: str, actor: Any, now: dt.datetime, check: bool = True
) -> SlaDispute:
    """The other side's answer to a raised dispute."""
    if check and not can(actor, "answer", dispute):
        raise PermissionDenied("Your role may not answer SLA disputes.")
    if check and side_of(actor, dispute.program_id) == dispute.raised_side:
        raise PermissionDenied(
            f"The {dispute.get_raised_side_display().lower()} raised this dispute; the other party answers it."
        )
    if not answer.strip():
        raise ValidationError({"answer": "Write the answer."})
    with transaction.atomic():
        dispute = SlaDispute.objects.select_for_update().get(pk=dispute.pk)
        _move(dispute, DisputeStatus.ANSWERED)
        before = audit.snapshot(dispute)
        dispute.status = DisputeStatus.ANSWERED
        dispute.answer = answer.strip()
        dispute.answered_by = actor if getattr(actor, "is_authenticated", False) else None
        dispute.answered_at = now
        save_changed_record(instance=dispute, actor=actor, before=before, action=AuditAction.TRANSITION)
        _tell(
            dispute,
            recipients=[p for p in [dispute.raised_by] if p]
            + _people(dispute.program_id, (Role.PROGRAM_MANAGER,)),
            title=f"SLA dispute on ticket {dispute.ticket.external_id} answered",
            body=dispute.answer,
            actor=actor,
        )
    return dispute


def settle_dispute(
    *, dispute: SlaDispute, outcome: str, note: str, actor: Any, now: dt.datetime, check: bool = True
) -> SlaDispute:
    """Record how a dispute was settled; for the vendor, its clock counts as met in the period's credits."""
    if check and not can(actor, "settle", dispute):
        raise PermissionDenied("Your role may not settle SLA disputes.")
    if outcome not in DisputeOutcome.values:
        raise ValidationError({"outcome": f"Choose one of {', '.join(DisputeOutcome.values)}."})
    if not note.strip():
        raise ValidationError({"note": "Record what the parties agreed."})
    with transaction.atomic():
        dispute = SlaDispute.objects.select_for_update().get(pk=dispute.pk)
        _move(dispute, DisputeStatus.SETTLED)
        before = audit.snapshot(dispute)
        dispute.status = DisputeStatus.SETTLED
        dispute.outcome = outcome
        dispute.settlement_note = note.strip()
        dispute.settled_by = actor if getattr(actor, "is_authenticated", False) else None
        dispute.settled_at = now
        save_changed_record(instance=dispute, actor=actor, before=before, action=AuditAction.TRANSITION)
        _tell(
            dispute,
            recipients=[p for p in (dispute.raised_by, dispute.answered_by) if p]
            + _people(dispute.program_id, (Role.VENDOR,)),
            title=f"SLA dispute on ticket {dispute.ticket.external_id} settled {dispute.get_outcome_display().split(':')[0].lower()}",
            body=dispute.settlement_note,
            actor=actor,
        )
    return dispute


__all__ = ["MOVES", "answer_dispute", "raise_dispute", "settle_dispute", "side_of"]
