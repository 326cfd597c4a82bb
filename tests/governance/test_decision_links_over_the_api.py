"""An amendment of a decision through the API links only records of the decision's program: the rule
`create_decision` applies when the decision is recorded, asked again, not copied."""

from __future__ import annotations

from typing import Any

from tests.factories import MembershipFactory
from tests.governance.factories import make_decision, raise_flag


def test_a_decision_cannot_be_linked_to_a_flag_of_another_program_through_the_api(
    world: Any, api_for: Any
) -> None:
    MembershipFactory(program=world.other_program, person=world.board_member, role="board_member")
    foreign = raise_flag(world, by="board_member", program=world.other_program)
    own = raise_flag(world, by="member")
    decision = make_decision(world, flags=[own])
    response = api_for("board_member").patch(
        f"/api/decisions/{decision.pk}/", {"flags": [own.pk, foreign.pk], "title": "Renamed"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "same program" in " ".join(response.json()["flags"])
    decision.refresh_from_db()
    assert list(decision.flags.all()) == [own] and decision.title != "Renamed"


def test_a_decision_may_be_linked_to_more_records_of_its_program(world: Any, api_for: Any) -> None:
    first, second = raise_flag(world, by="member"), raise_flag(world, by="member", title="Second")
    decision = make_decision(world, flags=[first])
    response = api_for("board_member").patch(
        f"/api/decisions/{decision.pk}/", {"flags": [first.pk, second.pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert sorted(response.json()["flags"]) == sorted([first.pk, second.pk])
