"""Choices for red flags, their history, escalation levels, risks and decisions."""

from __future__ import annotations

from django.db import models


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


# Most severe first: lists, panels and the escalation table read in this order.
SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]


class FlagState(models.TextChoices):
    RAISED = "raised", "Raised"
    TRIAGED = "triaged", "Triaged"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"
    ACCEPTED = "accepted", "Accepted"
    CLOSED = "closed", "Closed"


# States in which a flag still waits for an answer; escalation only looks at these.
OPEN_STATES = frozenset({FlagState.RAISED, FlagState.TRIAGED, FlagState.IN_PROGRESS})
# States in which the raiser has had an answer (resolution text or accepted rationale).
ANSWERED_STATES = frozenset({FlagState.RESOLVED, FlagState.ACCEPTED})


class EventKind(models.TextChoices):
    TRANSITION = "transition", "State change"
    ESCALATION = "escalation", "Escalation"
    MERGE = "merge", "Merge"
    COMMENT = "comment", "Comment"
    CONVERSION = "conversion", "Converted to a risk"


class EscalationLevel(models.IntegerChoices):
    NONE = 0, "Not escalated"
    PROGRAM_MANAGER = 1, "Program manager"
    BOARD = 2, "Governance board"


class RiskCategory(models.TextChoices):
    CLINICAL = "clinical", "Clinical and patient safety"
    ADOPTION = "adoption", "Adoption and engagement"
    TECHNICAL = "technical", "Technical and integration"
    DATA = "data", "Data and reporting"
    VENDOR = "vendor", "Vendor and contract"
    FINANCIAL = "financial", "Financial"
    SCHEDULE = "schedule", "Schedule and resources"
    REGULATORY = "regulatory", "Regulatory and compliance"
    ORGANISATIONAL = "organisational", "Organisational"


class RiskResponse(models.TextChoices):
    AVOID = "avoid", "Avoid"
    REDUCE = "reduce", "Reduce"
    TRANSFER = "transfer", "Transfer"
    ACCEPT = "accept", "Accept"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    MONITORING = "monitoring", "Monitoring"
    CLOSED = "closed", "Closed"


# The heat map and the board look at risks that still need attention.
OPEN_RISK_STATUSES = frozenset({RiskStatus.OPEN, RiskStatus.MONITORING})
