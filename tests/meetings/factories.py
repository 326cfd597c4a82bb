"""Factories for meetings; agenda items and actions in tests come from the services."""

from __future__ import annotations

import datetime as dt

import factory

from accord.meetings.choices import Body
from accord.meetings.models import Meeting
from tests.factories import ProgramFactory

MEETING_TIME = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    program = factory.SubFactory(ProgramFactory)
    body = Body.BOARD
    title = factory.Sequence(lambda n: f"Governance board {n}")
    scheduled_at = MEETING_TIME
    location = "Boardroom 2"
