"""Fixed vocabularies of the SLA app: reporting frequencies, clocks, import formats, modes and states."""

from __future__ import annotations

from django.db import models


class ReportingFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class Clock(models.TextChoices):
    RESPONSE = "response", "Response"
    RESOLUTION = "resolution", "Resolution"


class TicketFormat(models.TextChoices):
    GENERIC = "generic", "Generic CSV (id, priority, opened_at, first_response_at, resolved_at)"
    SERVICENOW = "servicenow", "ServiceNow incident export"
    JIRA = "jira", "Jira Service Management export (the events file is its status history)"


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", "All or nothing: reject the whole file if any row is invalid"
    VALID_ROWS = "valid_rows", "Valid rows: import the valid rows and report the others"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    REJECTED = "rejected", "Rejected (nothing imported)"
    FAILED = "failed", "Failed"


class TicketChangeKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"


class ClockStatus(models.TextChoices):
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    RUNNING = "running", "Running"
    AT_RISK = "at_risk", "At risk"
    ERROR = "error", "Error"


class Party(models.TextChoices):
    HOSPITAL = "hospital", "Hospital"
    VENDOR = "vendor", "Vendor"
    THIRD_PARTY = "third_party", "Third party"
    UNATTRIBUTED = "unattributed", "Unattributed"


class VendorClaim(models.TextChoices):
    """The vendor's own verdict on a ticket's clock, as its export states it (ServiceNow `made_sla`,
    Jira Service Management's SLA fields); blank when the export says nothing."""

    MET = "met", "Met"
    BREACHED = "breached", "Breached"


class ComputeStatus(models.TextChoices):
    """A recompute job's life: queued for the task worker, running, then done or failed."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Computing"
    DONE = "done", "Computed"
    FAILED = "failed", "Failed"


class PeriodStatus(models.TextChoices):
    """A reporting period is open until its report is issued; a closed period keeps its issued figures."""

    OPEN = "open", "Open"
    CLOSED = "closed", "Closed (report issued)"


class DisputedClock(models.TextChoices):
    RESPONSE = "response", "Response"
    RESOLUTION = "resolution", "Resolution"
    OVERALL = "overall", "Overall (response and resolution)"


class DisputeSide(models.TextChoices):
    VENDOR = "vendor", "Vendor"
    HOSPITAL = "hospital", "Hospital"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Raised, awaiting an answer"
    ANSWERED = "answered", "Answered, awaiting settlement"
    SETTLED = "settled", "Settled"


class DisputeOutcome(models.TextChoices):
    VENDOR = "vendor", "For the vendor: the clock counts as met"
    HOSPITAL = "hospital", "For the hospital: the breach stands"
