"""Factories for notifications (rows are normally made by notify(); these are for list and access tests)."""

from __future__ import annotations

import factory

from accord.notifications.choices import NotificationKind
from accord.notifications.models import Notification
from tests.factories import ProgramFactory, UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    program = factory.SubFactory(ProgramFactory)
    recipient = factory.SubFactory(UserFactory)
    kind = NotificationKind.RED_FLAG_RAISED
    title = factory.Sequence(lambda n: f"Red flag {n} needs triage")
    body = "Raised by the consultant on the physician engagement workstream."
    url = "/programs/"
