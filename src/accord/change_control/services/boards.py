"""Writes on the CAB record (who sits, who decides emergencies, who signs off clinically, the quorums) and on
the thresholds of the change measures; one rule for the page and the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accord.change_control.models import ChangeAdvisoryBoard, ChangeMeasureThresholds
from accord.core.permissions import Action, Visibility, audience_in, can_in_program
from accord.core.services import create_record, update_record

SEATS = ("members", "emergency_members", "clinical_approvers")
BOARD_FIELDS = frozenset({"name", "quorum", "emergency_quorum", *SEATS})
THRESHOLD_FIELDS = frozenset(
    {
        "min_success_rate_percent",
        "max_emergency_share_percent",
        "max_changes_causing_incidents",
        "max_cab_lead_time_days",
    }
)


def may_sit_on_cab(person: Any, program_id: int) -> bool:
    # The CAB is the hospital's: a seat needs the right to decide changes and sight of internal records.
    return audience_in(person, program_id) == Visibility.INTERNAL and can_in_program(
        person, "decide", "changes", program_id
    )


def board_problems(
    *, program_id: int | None, data: Mapping[str, Any], board: ChangeAdvisoryBoard | None
) -> dict[str, list[str]]:
    """What is wrong with seating these people: partners and auditors, quorums the seats cannot reach."""
    errors: dict[str, list[str]] = {}
    for name in SEATS:
        refused = [
            str(person)
            for person in data.get(name, [])
            if program_id is None or not may_sit_on_cab(person, program_id)
        ]
        if refused:
            errors[name] = [
                f"Not hospital members of this program who may decide on changes: {', '.join(refused)} "
                "(partners and auditors do not sit on the CAB)."
            ]
    for seats, quorum in (("members", "quorum"), ("emergency_members", "emergency_quorum")):
        count = len(data[seats]) if seats in data else (getattr(board, seats).count() if board else 0)
        wanted = data.get(
            quorum, getattr(board, quorum, None) or ChangeAdvisoryBoard._meta.get_field(quorum).default
        )
        if count and wanted > count:
            errors[quorum] = [f"A quorum of {wanted} cannot be reached by {count} member(s)."]
    return errors


def save_board(*, program: Any, actor: Any, data: Mapping[str, Any]) -> ChangeAdvisoryBoard:
    """Set up the program's CAB or change who sits on it; one audit row with what changed."""
    unknown = set(data) - BOARD_FIELDS
    if unknown:
        raise ValidationError(f"These fields are not set on the CAB: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        board = ChangeAdvisoryBoard.objects.select_for_update().filter(program=program).first()
        problems = board_problems(program_id=program.pk, data=data, board=board)
        if problems:
            raise ValidationError(problems)
        if board is None:
            return create_record(model=ChangeAdvisoryBoard, actor=actor, data={**data, "program": program})
        return update_record(instance=board, actor=actor, data=data)


def save_thresholds(*, program: Any, actor: Any, data: Mapping[str, Any]) -> ChangeMeasureThresholds:
    """Move the lines past which change measures show red and go on the board's agenda."""
    if not can_in_program(actor, Action.CHANGE, "change_boards", program.pk):
        raise PermissionDenied("Your role may not change the change measures' thresholds.")
    unknown = set(data) - THRESHOLD_FIELDS
    if unknown:
        raise ValidationError(f"These are not thresholds: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        found = ChangeMeasureThresholds.objects.select_for_update().filter(program=program).first()
        if found is None:
            return create_record(
                model=ChangeMeasureThresholds, actor=actor, data={**data, "program": program}
            )
        return update_record(instance=found, actor=actor, data=data)
