"""The red-flag state machine as data: which move is allowed, who may make it, what it needs.

Pure Python (no Django) so the table can be read, tested and documented on its own; the service in
`services.py` applies it and the pages and API show the allowed moves from it.
"""

from __future__ import annotations

from dataclasses import dataclass

RAISED = "raised"
TRIAGED = "triaged"
IN_PROGRESS = "in_progress"
RESOLVED = "resolved"
ACCEPTED = "accepted"
CLOSED = "closed"

STATES = (RAISED, TRIAGED, IN_PROGRESS, RESOLVED, ACCEPTED, CLOSED)

# Who may make a move: the permission named in the "red_flags" area of core/permissions.py, and
# whether the person who raised the flag, or the owner it was given to, may make it without that permission.
TRIAGE = "triage"


@dataclass(frozen=True)
class Transition:
    """One allowed move of a red flag."""

    source: str
    target: str
    label: str
    permission: str = TRIAGE
    raiser_may: bool = False
    owner_may: bool = False
    required: tuple[str, ...] = ()

    @property
    def is_reopen(self) -> bool:
        return self.target == RAISED


TRANSITIONS: tuple[Transition, ...] = (
    Transition(RAISED, TRIAGED, "Triage", required=("owner", "response_due")),
    # The owner triage named works the flag and may resolve it; accepting a flag stays with leadership.
    Transition(TRIAGED, IN_PROGRESS, "Start work", owner_may=True),
    Transition(TRIAGED, RESOLVED, "Resolve", owner_may=True, required=("resolution",)),
    Transition(TRIAGED, ACCEPTED, "Accept", required=("rationale",)),
    Transition(IN_PROGRESS, RESOLVED, "Resolve", owner_may=True, required=("resolution",)),
    Transition(IN_PROGRESS, ACCEPTED, "Accept", required=("rationale",)),
    Transition(RESOLVED, CLOSED, "Close"),
    Transition(ACCEPTED, CLOSED, "Close"),
    # A raiser who finds the answer wanting may reopen their own flag; it goes back to triage.
    Transition(RESOLVED, RAISED, "Reopen", raiser_may=True, required=("reason",)),
    Transition(ACCEPTED, RAISED, "Reopen", raiser_may=True, required=("reason",)),
    Transition(CLOSED, RAISED, "Reopen", raiser_may=True, required=("reason",)),
)

FIELD_LABELS = {
    "owner": "an owner",
    "response_due": "a response due date",
    "resolution": "the resolution",
    "rationale": "the rationale for accepting it",
    "reason": "the reason for reopening",
}


class IllegalTransition(Exception):
    """A move the table does not allow; the message names the current state and the allowed moves."""


def allowed_from(source: str) -> tuple[Transition, ...]:
    return tuple(t for t in TRANSITIONS if t.source == source)


def find(source: str, target: str) -> Transition:
    """The transition from `source` to `target`, or IllegalTransition saying what is possible."""
    for transition in TRANSITIONS:
        if transition.source == source and transition.target == target:
            return transition
    if target not in STATES:
        raise IllegalTransition(f"“{target}” is not a red-flag state; the states are {', '.join(STATES)}.")
    nexts = [t.target for t in allowed_from(source)]
    allowed = ", ".join(nexts) if nexts else "none"
    raise IllegalTransition(
        f"A red flag in state “{source}” cannot move to “{target}”; allowed next states: {allowed}."
    )


def missing_fields(transition: Transition, values: dict[str, object]) -> list[str]:
    """The required fields of `transition` that `values` leaves empty."""
    return [name for name in transition.required if values.get(name) in (None, "")]
