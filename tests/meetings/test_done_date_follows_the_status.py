"""A meeting action that is open keeps no done date (MeetingAction.clean()); completing and reopening it
through the minutes' services set and clear the date together."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accord.core.permissions import Visibility
from accord.meetings import services
from accord.meetings.choices import ActionStatus
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 4, 1)


def _action(world: Any) -> Any:
    meeting = MeetingFactory(program=world.program, title="Board", visibility=Visibility.SHARED)
    item = services.add_agenda_item(
        meeting=meeting, actor=world.program_manager, title="AOB", visibility="shared"
    )
    return services.add_action(
        item=item,
        actor=world.program_manager,
        owner=world.member,
        description="Call the vendor",
        due_date=DUE,
    )


def test_an_open_action_with_a_done_date_is_refused_naming_done_on(world: Any) -> None:
    action = _action(world)
    action.done_on = DUE
    with pytest.raises(ValidationError) as refused:
        action.full_clean()
    assert "Only a done action has a done date" in " ".join(refused.value.message_dict["done_on"])


def test_completing_and_reopening_set_and_clear_the_date(world: Any) -> None:
    action = services.complete_action(action=_action(world), actor=world.member, done_on=DUE)
    assert action.status == ActionStatus.DONE and action.done_on == DUE
    action = services.reopen_action(action=action, actor=world.program_manager)
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN and action.done_on is None
