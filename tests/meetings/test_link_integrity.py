"""A meeting action is given to a member of the program; one whose owner has since left can still be closed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accord.meetings import services
from accord.meetings.choices import ActionStatus
from accord.meetings.models import MeetingAction
from accord.programs.models import Membership
from accord.programs.services import remove_member
from tests.link_integrity import northbridge_person, not_a_member
from tests.meetings.factories import MeetingFactory

DUE = dt.date(2026, 3, 31)


@pytest.fixture
def item(world: Any) -> Any:
    meeting = MeetingFactory(program=world.program, title="Board meeting March")
    return services.add_agenda_item(
        meeting=meeting, actor=world.program_manager, title="Physician engagement"
    )


def test_an_action_cannot_be_given_to_someone_outside_the_program(world: Any, item: Any) -> None:
    outsider = northbridge_person(world)
    with pytest.raises(ValidationError) as error:
        services.add_action(
            item=item,
            actor=world.program_manager,
            description="Fund protected time",
            owner=outsider,
            due_date=DUE,
        )
    assert error.value.message_dict == {"owner": [not_a_member(outsider)]}
    assert not MeetingAction.objects.exists()


def test_the_action_form_refuses_an_owner_from_outside_the_program(
    world: Any, item: Any, client_for: Any
) -> None:
    outsider = northbridge_person(world)
    url = reverse(
        "meetings:agenda_item_action",
        kwargs={"program_id": world.program.pk, "pk": item.meeting_id, "item_pk": item.pk},
    )
    response = client_for("program_manager").post(
        url,
        {"description": "Fund protected time", "owner": outsider.pk, "due_date": "2026-03-31"},
        follow=True,
    )
    assert "an owner from the program" in response.content.decode()
    assert not MeetingAction.objects.exists()


def test_an_action_whose_owner_left_the_program_can_still_be_closed(world: Any, item: Any) -> None:
    action = services.add_action(
        item=item,
        actor=world.program_manager,
        description="Fund protected time",
        owner=world.member,
        due_date=DUE,
    )
    remove_member(
        actor=world.program_manager,
        membership=Membership.objects.get(program=world.program, person=world.member),
    )
    action = services.complete_action(
        action=MeetingAction.objects.get(pk=action.pk), actor=world.program_manager, done_on=DUE
    )
    assert (action.status, action.owner) == (ActionStatus.DONE, world.member)
