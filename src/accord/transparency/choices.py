"""Choices for the transparency app: concern states, survey dimensions and open-door weekdays."""

from __future__ import annotations

from django.db import models


class ConcernState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    TRIAGED = "triaged", "Triaged"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"
    CONVERTED = "converted", "Converted to a red flag"


OPEN_CONCERN_STATES = frozenset({ConcernState.SUBMITTED, ConcernState.TRIAGED, ConcernState.ANSWERED})

# The moves triage may make; a converted or closed concern stays where it is (a reply reopens an answered one).
CONCERN_TRANSITIONS: dict[str, frozenset[str]] = {
    ConcernState.SUBMITTED: frozenset({ConcernState.TRIAGED, ConcernState.ANSWERED, ConcernState.CLOSED}),
    ConcernState.TRIAGED: frozenset({ConcernState.ANSWERED, ConcernState.CLOSED}),
    ConcernState.ANSWERED: frozenset({ConcernState.TRIAGED, ConcernState.CLOSED}),
    ConcernState.CLOSED: frozenset(),
    ConcernState.CONVERTED: frozenset(),
}


class SurveyDimension(models.TextChoices):
    """What a pulse question measures; the trust index is built from these."""

    TRUST_IN_PARTNER = "trust_in_partner", "Trust in the partner"
    CLARITY_OF_FUTURE = "clarity_of_future", "Clarity about my future"
    WORKLOAD = "workload", "Manageable workload"
    KNOWLEDGE_TRANSFER = "knowledge_transfer", "Knowledge-transfer progress"


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"
