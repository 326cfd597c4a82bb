"""The change request's state machine: which moves exist, who may make them, and what each needs.

Approval and rejection are not moves a person makes: they follow from CAB votes reaching a quorum
(and, for a clinical service, the clinical sign-off), so the table marks them `by_vote`.
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.change_control.choices import ChangeState as S


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    permission: str  # the action in the "changes" area the actor's role needs
    by_vote: bool = False


MOVES: tuple[Move, ...] = (
    Move(S.DRAFT, S.SUBMITTED, "submit"),
    Move(S.SUBMITTED, S.ASSESSED, "assess"),
    # Standard changes are pre-approved, emergency ones go to the emergency CAB without assessment.
    Move(S.SUBMITTED, S.APPROVED, "decide", by_vote=True),
    Move(S.SUBMITTED, S.REJECTED, "decide", by_vote=True),
    Move(S.ASSESSED, S.APPROVED, "decide", by_vote=True),
    Move(S.ASSESSED, S.REJECTED, "decide", by_vote=True),
    # The assessor sends back a request that is not ready for the CAB.
    Move(S.ASSESSED, S.DRAFT, "assess"),
    Move(S.APPROVED, S.SCHEDULED, "schedule"),
    Move(S.SCHEDULED, S.SCHEDULED, "schedule"),  # rescheduling within the approval
    Move(S.SCHEDULED, S.IMPLEMENTED, "implement"),
    Move(S.IMPLEMENTED, S.REVIEWED, "review"),
    Move(S.REVIEWED, S.CLOSED, "review"),
    Move(S.REJECTED, S.CLOSED, "review"),
)


def next_states(state: str) -> list[str]:
    """Every state reachable in one move from `state`, in table order (what a refused move lists)."""
    seen: list[str] = []
    for move in MOVES:
        if move.source == state and move.target not in seen:
            seen.append(move.target)
    return seen


def find(source: str, target: str) -> Move | None:
    return next((m for m in MOVES if m.source == source and m.target == target), None)
