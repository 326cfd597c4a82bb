"""Choices for governance meetings: which body meets, meeting and action states, why an item is on the agenda."""

from __future__ import annotations

from django.db import models


class Body(models.TextChoices):
    BOARD = "board", "Governance board"
    STEERING_COMMITTEE = "steering_committee", "Steering committee"
    CAB = "cab", "Change advisory board (CAB)"
    WORKING_GROUP = "working_group", "Working group"


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"


class AgendaKind(models.TextChoices):
    NEW_RED_FLAG = "new_red_flag", "New red flag"
    ESCALATED_RED_FLAG = "escalated_red_flag", "Escalated red flag"
    RISK = "risk", "Risk over threshold"
    KPI_OFF_TRACK = "kpi_off_track", "KPI off track"
    LATE_COMMITMENT = "late_commitment", "Late commitment"
    PENDING_ENDORSEMENT = "pending_endorsement", "Pending endorsement"
    OTHER = "other", "Other business"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
