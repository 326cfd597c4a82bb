"""Kinds and states of stakeholder alignment records."""

from __future__ import annotations

from django.db import models


class GroupKind(models.TextChoices):
    DEPARTMENT = "department", "Department"
    PHYSICIAN_GROUP = "physician_group", "Physician group"
    NURSING = "nursing", "Nursing"
    IT = "it", "IT"
    FINANCE = "finance", "Finance"
    EXECUTIVE = "executive", "Executive"
    VENDOR = "vendor", "Vendor"
    CONSULTANTS = "consultants", "Consultants"
    PATIENTS = "patients", "Patients"
    OTHER = "other", "Other"


class EndorsementStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ENDORSED = "endorsed", "Endorsed"
    ENDORSED_WITH_CONDITIONS = "endorsed_with_conditions", "Endorsed with conditions"
    OBJECTED = "objected", "Objected"


DECISIONS = [
    EndorsementStatus.ENDORSED,
    EndorsementStatus.ENDORSED_WITH_CONDITIONS,
    EndorsementStatus.OBJECTED,
]


class CommitmentStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    LATE = "late", "Late"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


CLOSED_COMMITMENT_STATUSES = frozenset({CommitmentStatus.DONE, CommitmentStatus.DROPPED})
