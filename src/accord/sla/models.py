"""Contracts, their SLA policies (versioned), attainment targets, imported tickets and computed results."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from accord.core.models import ProgramScopedModel, ProgramScopedQuerySet, VisibilityField
from accord.core.permissions import Visibility
from accord.sla.choices import (
    Clock,
    ClockStatus,
    ComputeStatus,
    DisputedClock,
    DisputeOutcome,
    DisputeSide,
    DisputeStatus,
    ImportMode,
    ImportStatus,
    PeriodStatus,
    ReportingFrequency,
    TicketChangeKind,
    TicketFormat,
    VendorClaim,
)
from accord.sla.engine import PolicyError, load_policy, policy_to_mapping

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class ContractChild(ProgramScopedModel):
    """A record that belongs to a contract and follows that contract's program and visibility."""

    visibility_path: ClassVar[str] = "contract__visibility"

    class Meta:
        abstract = True

    def contract_of(self) -> Contract | None:
        return self.contract if self.contract_id else None  # type: ignore[attr-defined]

    def check_program(self, parent: Any, field: str) -> None:
        if parent is not None and self.program_id and parent.program_id != self.program_id:
            raise ValidationError({field: "Belongs to another program."})


class Contract(ProgramScopedModel):
    """An outsourcing or support contract with a vendor organisation, measured against SLAs per period."""

    access_area = "sla"

    vendor = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="sla_contracts",
        help_text="The organisation that delivers the service.",
    )
    name = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    reporting_frequency = models.CharField(
        max_length=16, choices=ReportingFrequency.choices, default=ReportingFrequency.MONTHLY
    )
    period_fee = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="The fee of one reporting period; service credits are a % of it.",
    )
    currency = models.CharField(max_length=3, default="USD")
    credit_cap_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
        help_text="The most service credits owed for one period, as % of the period fee (e.g. 12); blank: no cap.",
    )
    visibility = VisibilityField(default=Visibility.SHARED)

    class Meta:
        ordering = ["program", "name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="sla_contract_name_unique")]

    def deletion_problem(self) -> str | None:
        # Tickets, periods and disputes are what the SLA reports and service credits were measured from.
        if self.tickets.exists() or self.periods.exists() or self.disputes.exists():
            return (
                "SLAs were measured against it (tickets, reporting periods or disputes are on record). "
                "Give it an end date instead."
            )
        return None

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sla:contract_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The contract cannot end before it starts."})
        if self.currency and not (len(self.currency) == 3 and self.currency.isalpha()):
            raise ValidationError({"currency": "Use a three-letter ISO 4217 code such as USD."})
        self.currency = (self.currency or "").upper()


class AttainmentTarget(ContractChild):
    """The share of a priority's tickets whose clock must be met per period, and the credit when it is not."""

    access_area = "sla"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=40)
    clock = models.CharField(max_length=16, choices=Clock.choices)
    target_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=PERCENT,
        help_text="e.g. 95 means 95 % of tickets within target per period.",
    )
    service_credit_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=PERCENT,
        help_text="Share of the period fee owed to the hospital when the target is missed.",
    )

    objects = ProgramScopedQuerySet.as_manager()

    class Meta:
        ordering = ["contract", "priority", "clock"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "priority", "clock"], name="sla_one_target_per_priority_and_clock"
            )
        ]

    def __str__(self) -> str:
        return f"{self.priority} {self.clock}: {self.target_percent} %"

    def clean(self) -> None:
        self.check_program(self.contract_of(), "contract")


class SlaPolicy(ContractChild):
    """A contract's SLA policy: calendar, pauses and targets, kept as a series of dated versions."""

    access_area = "sla"

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="policy")
    name = models.CharField(max_length=200)

    objects = ProgramScopedQuerySet.as_manager()

    class Meta:
        ordering = ["contract"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.check_program(self.contract_of(), "contract")


class SlaPolicyVersionQuerySet(ProgramScopedQuerySet):
    pass


class SlaPolicyVersion(ContractChild):
    """One version of a policy, in force from `effective_from`; never edited once results name it."""

    access_area = "sla"
    visibility_path: ClassVar[str] = "policy__contract__visibility"

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    effective_from = models.DateField(
        help_text="Tickets opened on or after this date (policy time zone) use it."
    )
    source_text = models.TextField(
        help_text="The policy as YAML (or JSON): timezone, working_hours, holidays, "
        "pause_states, pause_parties, targets, warn_at."
    )
    spec = models.JSONField(default=dict, editable=False, help_text="The validated policy as data.")
    note = models.CharField(max_length=300, blank=True, help_text="Why this version was made.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SlaPolicyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["policy", "-effective_from"]
        verbose_name = "SLA policy version"
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="sla_policy_version_number_unique"),
            models.UniqueConstraint(
                fields=["policy", "effective_from"], name="sla_policy_version_date_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number} (from {self.effective_from:%Y-%m-%d})"

    def contract_of(self) -> Contract | None:
        return self.policy.contract if self.policy_id else None

    def clean(self) -> None:
        policy = self.policy if self.policy_id else None
        self.check_program(policy, "policy")
        try:
            spec = load_policy(self.source_text or "")
        except PolicyError as error:
            where = f" (at {error.field})" if error.field else ""
            message = str(error).removeprefix(f"{error.field}: ") if error.field else str(error)
            raise ValidationError({"source_text": f"{message}{where}"}) from error
        self.spec = policy_to_mapping(spec)


class TicketQuerySet(ProgramScopedQuerySet):
    pass


class TicketImport(ContractChild):
    """One upload of a vendor's ticket export: its mode, progress and the row errors it found."""

    access_area = "tickets"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="imports")
    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=16, choices=TicketFormat.choices, default=TicketFormat.GENERIC)
    mode = models.CharField(max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    date_format = models.CharField(
        max_length=60,
        blank=True,
        help_text="strftime pattern of the file's timestamps (e.g. %d/%m/%Y %H:%M); blank: ISO 8601.",
    )
    replace_events = models.BooleanField(
        default=False,
        help_text="The file's events replace the stored events of its tickets; otherwise events are only added.",
    )
    preview = models.BooleanField(
        default=False, help_text="A preview: what the import would change is counted, nothing is written."
    )
    events_added_count = models.PositiveIntegerField(default=0)
    events_removed_count = models.PositiveIntegerField(default=0)
    event_changes = models.JSONField(
        default=list,
        blank=True,
        help_text="The first tickets whose events change: [ticket id, events added, events removed].",
    )
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first row errors: [line, message].")
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    worker = models.CharField(
        max_length=120,
        blank=True,
        editable=False,
        help_text="host:pid of the process running the import, to tell a killed import from a slow one.",
    )

    objects = ProgramScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import of {self.file_name} ({self.get_status_display()})"

    @property
    def percent_done(self) -> int:
        if self.status in (ImportStatus.DONE, ImportStatus.REJECTED):
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)

    def get_absolute_url(self) -> str:
        return reverse("sla:import_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    def clean(self) -> None:
        self.check_program(self.contract_of(), "contract")


class ComputeJob(ContractChild):
    """One recompute of a contract's SLA results, run by the task worker: its progress and outcome.

    `heartbeat_at` moves at every phase; a running job whose heartbeat stops (its worker was killed) is
    found by `services.recover_compute_jobs` and queued again or failed, so nothing stays "running".
    """

    access_area = "sla"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="compute_jobs")
    version = models.ForeignKey(
        "SlaPolicyVersion",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="compute_jobs",
        help_text="Measure every ticket under this version (a comparison); empty: each ticket's own version.",
    )
    as_of = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ComputeStatus.choices, default=ComputeStatus.QUEUED)
    percent_done = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="How many times a worker started it.")
    results_count = models.PositiveIntegerField(default=0)
    errors_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(
        max_length=120, blank=True, editable=False, help_text="host:pid of the process running the job."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ProgramScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="sla_computejob_status_beat")]

    def __str__(self) -> str:
        return f"SLA computation as of {self.as_of:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ComputeStatus.DONE, ComputeStatus.FAILED)

    def get_absolute_url(self) -> str:
        return reverse("sla:compute_job", kwargs={"program_id": self.program_id, "pk": self.pk})

    def clean(self) -> None:
        self.check_program(self.contract_of(), "contract")


class Ticket(ContractChild):
    """A ticket from the vendor's service desk export, upserted by its id within the contract."""

    access_area = "tickets"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="tickets")
    external_id = models.CharField(max_length=100, help_text="The ticket's id in the vendor's tool.")
    priority = models.CharField(max_length=40)
    opened_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    source_format = models.CharField(
        max_length=16, choices=TicketFormat.choices, default=TicketFormat.GENERIC
    )
    imported_at = models.DateTimeField(null=True, blank=True)
    last_import = models.ForeignKey(
        TicketImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the vendor's own tool says about the ticket; where it differs from Accord's measurement the
    # report lists a disagreement that can be disputed.
    vendor_response_claim = models.CharField(max_length=8, choices=VendorClaim.choices, blank=True)
    vendor_resolution_claim = models.CharField(max_length=8, choices=VendorClaim.choices, blank=True)
    vendor_overall_claim = models.CharField(max_length=8, choices=VendorClaim.choices, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["contract", "-opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "external_id"], name="sla_ticket_id_unique")
        ]
        indexes = [models.Index(fields=["contract", "opened_at"])]

    def __str__(self) -> str:
        return self.external_id

    def clean(self) -> None:
        self.check_program(self.contract_of(), "contract")
        for field in ("first_response_at", "resolved_at"):
            value = getattr(self, field)
            if value and self.opened_at and value < self.opened_at:
                raise ValidationError({field: "Cannot be before the ticket was opened."})


class TicketEvent(models.Model):
    """A ticket's state from an instant on (e.g. "Awaiting customer"), which pauses or resumes its clocks.

    Kept deliberately narrow (no program or timestamps of its own): a contract accumulates millions of
    these, they are only ever read and replaced together with their ticket, and access follows the ticket.
    """

    # No index of its own: the unique (ticket, seq) begins with it, and an import writes millions.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", db_index=False)
    seq = models.PositiveIntegerField(
        help_text="Order within the ticket; breaks ties between equal instants."
    )
    at = models.DateTimeField()
    state = models.CharField(max_length=100)

    class Meta:
        ordering = ["ticket", "seq"]
        constraints = [models.UniqueConstraint(fields=["ticket", "seq"], name="sla_ticket_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.state} at {self.at:%Y-%m-%d %H:%M}"


class TicketChange(models.Model):
    """What one import did to one ticket: created it, or changed fields, each as [before, after].

    The per-ticket evidence behind an import's audit entry (which names the actor and the counts):
    written in bulk in the import's own transaction, so a ticket's history says who changed what from
    what. Narrow like TicketEvent; access follows the ticket. `events` holds the replaced state
    changes as [[at, state], …] before and after.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="changes")
    ticket_import = models.ForeignKey(TicketImport, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=8, choices=TicketChangeKind.choices)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["ticket", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} by import {self.ticket_import_id}"


class SlaResult(ContractChild):
    """A ticket's response and resolution clocks as computed under one policy version at `as_of`."""

    access_area = "sla"

    # No index of their own for contract and ticket: (contract, version, period_start) and the unique
    # (ticket, version) begin with them and serve the same lookups; each index more is written for
    # every one of a million result rows a recompute writes.
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="results", db_index=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="results", db_index=False)
    version = models.ForeignKey(SlaPolicyVersion, on_delete=models.RESTRICT, related_name="results")
    effective = models.BooleanField(
        default=True,
        help_text="The version in force for the ticket (False: a comparison under another version).",
    )
    as_of = models.DateTimeField()
    priority = models.CharField(max_length=40)
    period_start = models.DateField(help_text="First day of the reporting period the ticket was opened in.")
    response_elapsed_s = models.BigIntegerField(null=True, blank=True)
    resolution_elapsed_s = models.BigIntegerField(null=True, blank=True)
    paused_s = models.BigIntegerField(null=True, blank=True)
    response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    response_status = models.CharField(max_length=16, choices=ClockStatus.choices)
    resolution_status = models.CharField(max_length=16, choices=ClockStatus.choices)
    paused_hospital_s = models.BigIntegerField(default=0)
    paused_vendor_s = models.BigIntegerField(default=0)
    paused_third_party_s = models.BigIntegerField(default=0)
    paused_unattributed_s = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)

    objects = ProgramScopedQuerySet.as_manager()

    class Meta:
        ordering = ["contract", "period_start", "ticket"]
        verbose_name = "SLA result"
        constraints = [models.UniqueConstraint(fields=["ticket", "version"], name="sla_result_per_version")]
        indexes = [
            models.Index(fields=["contract", "version", "period_start"]),
            models.Index(fields=["contract", "effective", "period_start"]),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} under {self.version_id}: {self.resolution_status}"


class SlaPeriod(ContractChild):
    """A reporting period of a contract; once its report is issued it is closed and keeps the issued figures.

    A back-dated policy version or a late import changes the live results, never an issued report: the
    report reads a closed period from `figures` and its tickets under the versions in `versions`, until
    the program manager reopens it (audited, after seeing the figures before and after side by side).
    """

    access_area = "sla"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="periods")
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=8, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    figures = models.JSONField(
        default=dict, blank=True, help_text="The figures as issued: attainment rows, credits, pauses."
    )
    versions = models.JSONField(
        default=list,
        blank=True,
        help_text="The policy versions the issued figures used: [{pk, number, first_opened, last_opened}].",
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ProgramScopedQuerySet.as_manager()

    class Meta:
        ordering = ["contract", "start"]
        verbose_name = "SLA reporting period"
        constraints = [models.UniqueConstraint(fields=["contract", "start"], name="sla_one_period_per_start")]

    def __str__(self) -> str:
        return f"{self.contract} from {self.start:%Y-%m-%d} ({self.get_status_display()})"

    @property
    def is_closed(self) -> bool:
        return self.status == PeriodStatus.CLOSED

    def clean(self) -> None:
        self.check_program(self.contract_of(), "contract")
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "A period cannot end before it starts."})


class SlaDispute(ContractChild):
    """A disagreement over one ticket's clock between the vendor's own verdict and Accord's measurement.

    Raised by either side, answered by the other, settled by the program manager; a settlement for the
    vendor counts the clock as met in its period's credits, one for the hospital keeps the breach.
    """

    access_area = "sla_disputes"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="disputes")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="disputes")
    clock = models.CharField(max_length=12, choices=DisputedClock.choices)
    period_start = models.DateField(help_text="The reporting period whose credits the dispute affects.")
    vendor_claim = models.CharField(max_length=8, choices=VendorClaim.choices, blank=True)
    measured_status = models.CharField(
        max_length=16, help_text="Accord's verdict on the clock when the dispute was raised."
    )
    rule = models.TextField(blank=True, help_text="The policy clause that decides the clock.")
    status = models.CharField(max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    raised_side = models.CharField(max_length=8, choices=DisputeSide.choices)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField()
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=DisputeOutcome.choices, blank=True)
    settlement_note = models.TextField(blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)

    objects = ProgramScopedQuerySet.as_manager()

    class Meta:
        ordering = ["contract", "-created_at", "-pk"]
        verbose_name = "SLA dispute"
        constraints = [
            models.UniqueConstraint(fields=["ticket", "clock"], name="sla_one_dispute_per_ticket_clock"),
            models.CheckConstraint(
                condition=~models.Q(status="settled") | ~models.Q(outcome=""),
                name="sla_settled_dispute_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute over {self.ticket} {self.clock} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("sla:dispute_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    def clean(self) -> None:
        self.check_program(self.contract_of(), "contract")
        if self.ticket_id and self.contract_id and self.ticket.contract_id != self.contract_id:
            raise ValidationError({"ticket": "The ticket belongs to another contract."})
