"""Choices for change control and the action plan: kinds, states, decisions, window kinds, findings."""

from __future__ import annotations

from django.db import models


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"
    IN_EFFECT = "in_effect", "In effect"
    SUPERSEDED = "superseded", "Superseded"


class ItemStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    BLOCKED = "blocked", "Blocked"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


CLOSED_ITEM_STATUSES = frozenset({ItemStatus.DONE, ItemStatus.CANCELLED})


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"


class ChangeType(models.TextChoices):
    STANDARD = "standard", "Standard (pre-approved)"
    NORMAL = "normal", "Normal"
    EMERGENCY = "emergency", "Emergency"


class ChangeState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ASSESSED = "assessed", "Assessed"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SCHEDULED = "scheduled", "Scheduled"
    IMPLEMENTED = "implemented", "Implemented"
    REVIEWED = "reviewed", "Reviewed"
    CLOSED = "closed", "Closed"


# States in which a change still waits for the CAB.
AWAITING_DECISION = frozenset({ChangeState.SUBMITTED, ChangeState.ASSESSED})
# States in which a change has been approved (and possibly carried out since).
APPROVED_OR_LATER = frozenset(
    {
        ChangeState.APPROVED,
        ChangeState.SCHEDULED,
        ChangeState.IMPLEMENTED,
        ChangeState.REVIEWED,
        ChangeState.CLOSED,
    }
)


class ReviewResult(models.TextChoices):
    SUCCESSFUL = "successful", "Successful"
    FAILED = "failed", "Failed"
    BACKED_OUT = "backed_out", "Backed out"


class WindowKind(models.TextChoices):
    BLACKOUT = "blackout", "Blackout"
    CLINICAL_FREEZE = "clinical_freeze", "Clinical freeze"
    MAINTENANCE = "maintenance", "Maintenance"


class TemplateStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active (approved by the CAB)"
    RETIRED = "retired", "Retired"


class FindingKind(models.TextChoices):
    UNAPPROVED_CHANGE = "unapproved_change", "Change without an approved change request"
    UNAPPROVED_CAUSE = "unapproved_cause", "Incident caused by a change without an approved request"
    OUTSIDE_WINDOW = "outside_window", "Change implemented outside its approved window"
    EMERGENCY_NOT_REVIEWED = "emergency_not_reviewed", "Emergency change without a review"


class FindingSource(models.TextChoices):
    SERVICENOW_CHANGES = "servicenow_changes", "ServiceNow change export"
    SERVICENOW_INCIDENTS = "servicenow_incidents", "ServiceNow incident export"
    SLA_TICKETS = "sla_tickets", "Tickets imported for SLAs"
    CHANGE_RECORDS = "change_records", "Accord's change records"
