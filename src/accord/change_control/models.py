"""Change control and the short-term action plan: plans and their items, the CAB, change requests, windows.

Approvers are people named on records (the CAB's members, emergency members and clinical approvers;
the program's board members for a plan), not roles of their own: the role table says what a role may
do at most, the record says who among them decides.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from accord.change_control import risk
from accord.change_control.choices import (
    ChangeState,
    ChangeType,
    Decision,
    FindingKind,
    FindingSource,
    ItemStatus,
    PlanStatus,
    ReviewResult,
    TemplateStatus,
    WindowKind,
)
from accord.change_control.windows import RecurrenceError, last_end, parse_recurrence, valid_zone
from accord.core.models import ProgramScopedModel, VisibilityField
from accord.core.permissions import Visibility

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ActionPlan(ProgramScopedModel):
    """One version of the program's short-term action plan (e.g. the first 90 days of the transition).

    A version is drafted, submitted, approved by every board member of the program (each approval
    recorded, with conditions if any) and then put in effect, which supersedes the version before it.
    """

    access_area = "action_plans"

    title = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    horizon_days = models.PositiveIntegerField(
        default=90, validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    starts_on = models.DateField()
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    change_note = models.TextField(blank=True, help_text="What this version changes, and why.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    in_effect_at = models.DateTimeField(null=True, blank=True)
    visibility = VisibilityField(default=Visibility.SHARED)

    class Meta:
        ordering = ["program", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["program", "version"], name="action_plan_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("change_control:plan_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    def clean(self) -> None:
        if self.previous_id and self.program_id and self.previous.program_id != self.program_id:
            raise ValidationError({"previous": "Belongs to another program."})

    def deletion_problem(self) -> str | None:
        if self.status != PlanStatus.DRAFT:
            return (
                f"this version is {self.get_status_display().lower()}, and a plan put to the board stays on "
                "the record. Change it in a new version instead."
            )
        if self.approvals.exists():
            return "the board's decision on it (a rejection) is on record. Revise this draft and resubmit it."
        return None

    @property
    def editable(self) -> bool:
        return self.status == PlanStatus.DRAFT


class ActionItem(ProgramScopedModel):
    """One item of a plan version: what, who, by when, what it waits for, and how it is going.

    `key` carries an item across versions so a new version can be compared with the old one, and
    `baseline_due_on` keeps the due date first approved so a moved date still counts as slippage.
    """

    access_area = "action_items"
    visibility_path: ClassVar[str] = "plan__visibility"
    member_fields: ClassVar[tuple[str, ...]] = ("owner",)
    # An item's owner reports progress on it, whatever their role may do to other items.
    personal_access: ClassVar[dict[str, tuple[str, ...]]] = {"owner": ("view", "change")}

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(max_length=40, help_text="Stays the same across plan versions.")
    what = models.CharField(max_length=300)
    service = models.ForeignKey(
        "transition.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items")
    due_on = models.DateField()
    baseline_due_on = models.DateField(
        null=True, blank=True, help_text="The due date first approved; set when the plan first takes effect."
    )
    depends_on = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="dependents")
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.NOT_STARTED)
    progress_notes = models.TextField(blank=True)
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "due_on", "key"]
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="action_item_key_unique")]

    def deletion_problem(self) -> str | None:
        if self.plan.status != PlanStatus.DRAFT:
            return "items of a version put to the board stay. Drop it in a new version instead."
        return None

    def __str__(self) -> str:
        return self.what

    def get_absolute_url(self) -> str:
        return self.plan.get_absolute_url() if self.plan_id else ""

    def clean(self) -> None:
        if self.plan_id and self.program_id and self.plan.program_id != self.program_id:
            raise ValidationError({"plan": "Belongs to another program."})
        if self.service_id and self.program_id and self.service.program_id != self.program_id:
            raise ValidationError({"service": "Belongs to another program."})
        if self.status == ItemStatus.DONE and self.done_on is None:
            raise ValidationError({"done_on": "Say when the item was done."})
        # A done date on an item still open would count it as delivered in progress and slippage figures.
        if self.status != ItemStatus.DONE and self.done_on is not None:
            raise ValidationError(
                {"done_on": "Only a done item has a done date; clear the date or mark the item done."}
            )


class PlanApproval(ProgramScopedModel):
    """One board member's decision on one plan version, with the conditions they attach."""

    access_area = "action_plans"
    visibility_path: ClassVar[str] = "plan__visibility"
    member_fields: ClassVar[tuple[str, ...]] = ("approver",)

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    conditions = models.TextField(blank=True, help_text="Conditions of the approval, if any.")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["plan", "decided_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "approver"], name="plan_approval_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.approver} {self.get_decision_display().lower()}s {self.plan}"


class ChangeAdvisoryBoard(ProgramScopedModel):
    """The program's CAB: who votes on normal changes, who on emergencies, and who signs off clinical ones."""

    access_area = "change_boards"
    # Every member sees who sits on the CAB (the partner must know who decides on its changes).
    visibility_path: ClassVar[str | None] = None

    name = models.CharField(max_length=200, default="Change advisory board")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="cab_seats")
    emergency_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="emergency_cab_seats",
        help_text="The emergency CAB: reachable at short notice.",
    )
    clinical_approvers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="clinical_approver_for",
        help_text="Named clinicians whose sign-off a change to a clinical service needs.",
    )
    quorum = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1)])
    emergency_quorum = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program"], name="one_cab_per_program")]

    def deletion_problem(self) -> str | None:
        # Votes and approved templates are decisions of this board: they must keep the board that made them.
        if CabVote.objects.filter(program_id=self.program_id).exists():
            return "CAB votes on this program's changes are on record. Change its seats or quorums instead."
        if StandardChangeTemplate.objects.filter(
            program_id=self.program_id, approved_at__isnull=False
        ).exists():
            return "it approved standard change templates. Change its seats or quorums instead."
        return None

    def __str__(self) -> str:
        return self.name


class StandardChangeTemplate(ProgramScopedModel):
    """A pre-approved kind of change (e.g. rotating a certificate): the CAB approves it once, and changes
    raised from it while it is active skip the CAB's vote, with their risk fixed low.

    A change raised from it may touch only the services and configuration items it names.
    """

    access_area = "change_templates"
    # The partner raises standard changes, so every member sees which templates exist.
    visibility_path: ClassVar[str | None] = None

    name = models.CharField(max_length=200)
    description = models.TextField(help_text="What a change of this kind does, step by step.")
    services = models.ManyToManyField(
        "transition.Service",
        blank=True,
        related_name="standard_change_templates",
        help_text="The services a change from this template may touch.",
    )
    configuration_items = models.TextField(
        blank=True, help_text="Configuration items a change from this template may touch, one per line."
    )
    backout_plan = models.TextField()
    test_evidence = models.TextField(help_text="Why this change is known to be safe (rehearsals, history).")
    status = models.CharField(
        max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.PROPOSED, editable=False
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)
    retired_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["program", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="standard_change_template_name_unique"),
        ]

    def deletion_problem(self) -> str | None:
        if self.changes.exists():
            return "changes were raised from this template. Retire it instead."
        return None

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "change_control:template_detail", kwargs={"program_id": self.program_id, "pk": self.pk}
        )

    @property
    def configuration_item_list(self) -> list[str]:
        return lines(self.configuration_items)

    @property
    def active(self) -> bool:
        return self.status == TemplateStatus.ACTIVE

    def clean(self) -> None:
        if not self.backout_plan.strip():
            raise ValidationError({"backout_plan": "A pre-approved change needs a backout plan."})


class ChangeRequest(ProgramScopedModel):
    """A request for change (RFC) to a service or configuration item, from draft to post-implementation review."""

    access_area = "changes"
    member_fields: ClassVar[tuple[str, ...]] = ("requester", "implementer")
    # The requester wrote it; the implementer carries it out and must be able to read it.
    owner_fields: ClassVar[tuple[str, ...]] = ("implementer",)

    number = models.PositiveIntegerField(editable=False, help_text="RFC number within the program.")
    external_reference = models.CharField(
        max_length=40, blank=True, help_text="The partner's own number for it, e.g. CHG0031245 in ServiceNow."
    )
    title = models.CharField(max_length=200)
    change_type = models.CharField(max_length=10, choices=ChangeType.choices, default=ChangeType.NORMAL)
    state = models.CharField(
        max_length=12, choices=ChangeState.choices, default=ChangeState.DRAFT, editable=False
    )
    description = models.TextField()
    reason = models.TextField(help_text="Why the change is needed.")
    services = models.ManyToManyField("transition.Service", blank=True, related_name="change_requests")
    configuration_items = models.TextField(
        blank=True, help_text="Configuration items changed, one per line (as named in the CMDB)."
    )
    template = models.ForeignKey(
        StandardChangeTemplate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes",
        help_text="The pre-approved template a standard change is raised from.",
    )
    risk_answers = models.JSONField(default=dict, blank=True, help_text="The risk questionnaire's answers.")
    likelihood = models.PositiveSmallIntegerField(default=1, validators=ONE_TO_FIVE, editable=False)
    impact = models.PositiveSmallIntegerField(default=1, validators=ONE_TO_FIVE, editable=False)
    backout_plan = models.TextField(blank=True)
    test_evidence = models.TextField(blank=True)
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="The zone the window is planned in (IANA name)."
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="changes_requested"
    )
    implementer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes_implemented",
    )
    # Set by the workflow services only.
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    clinical_signoff_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    clinical_signoff_at = models.DateTimeField(null=True, blank=True, editable=False)
    in_freeze = models.BooleanField(
        default=False, editable=False, help_text="Scheduled into a blackout or freeze window as an emergency."
    )
    actual_start = models.DateTimeField(null=True, blank=True, editable=False)
    actual_end = models.DateTimeField(null=True, blank=True, editable=False)
    review_result = models.CharField(max_length=12, choices=ReviewResult.choices, blank=True, editable=False)
    incidents_caused = models.PositiveIntegerField(default=0, editable=False)
    review_notes = models.TextField(blank=True, editable=False)
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    visibility = VisibilityField(default=Visibility.SHARED)

    class Meta:
        ordering = ["program", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="change_request_number_unique"),
            models.CheckConstraint(
                condition=models.Q(planned_end__gt=models.F("planned_start"))
                | models.Q(planned_start__isnull=True)
                | models.Q(planned_end__isnull=True),
                name="change_request_window_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "state"], name="change_program_state_idx"),
            models.Index(fields=["program", "planned_start"], name="change_program_start_idx"),
        ]

    def deletion_problem(self) -> str | None:
        if self.state != ChangeState.DRAFT:
            return (
                "only a draft can be deleted; a submitted request stays on the record for the CAB to decide."
            )
        if self.votes.exists():
            return "CAB votes on it are on record."
        return None

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"RFC-{self.number:04d}" if self.number else "RFC (new)"

    def get_absolute_url(self) -> str:
        return reverse("change_control:change_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    @property
    def risk_score(self) -> int:
        return self.likelihood * self.impact

    @property
    def configuration_item_list(self) -> list[str]:
        return lines(self.configuration_items)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        problems = risk.validate_answers(self.risk_answers)
        if problems:
            errors["risk_answers"] = problems
        else:
            self.likelihood, self.impact = risk.score(self.risk_answers)
        if not valid_zone(self.time_zone):
            errors["time_zone"] = f"{self.time_zone!r} is not a time zone name such as Europe/London."
        if self.planned_start and self.planned_end and self.planned_end <= self.planned_start:
            errors["planned_end"] = "The window must end after it starts."
        if self.external_reference:
            self.external_reference = self.external_reference.strip().upper()
        if self.change_type == ChangeType.STANDARD:
            if not self.template_id:
                errors["template"] = "A standard change is raised from a pre-approved template; choose one."
            elif self.program_id and self.template.program_id != self.program_id:
                errors["template"] = "Belongs to another program."
            if any(value is True for value in (self.risk_answers or {}).values()):
                errors.setdefault(
                    "risk_answers",
                    "A standard change's risk is fixed low by its template; a change with these risks "
                    "is a normal change for the CAB.",
                )
        elif self.template_id:
            errors["template"] = "Only a standard change is raised from a template."
        if errors:
            raise ValidationError(errors)


class CabVote(ProgramScopedModel):
    """One CAB member's vote on one change request (a member votes once; the quorum decides)."""

    access_area = "changes"
    visibility_path: ClassVar[str] = "change__visibility"
    member_fields: ClassVar[tuple[str, ...]] = ("member",)

    change = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    note = models.TextField(blank=True)
    emergency = models.BooleanField(default=False, help_text="Cast as a member of the emergency CAB.")
    voted_at = models.DateTimeField()

    class Meta:
        ordering = ["change", "voted_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["change", "member"], name="cab_vote_once_per_member")]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_decision_display()} {self.change.reference}"


class ChangeWindow(ProgramScopedModel):
    """A blackout or clinical freeze: no change may be scheduled into it except an emergency (then flagged);
    or a maintenance window, shown on the calendar, which blocks nothing.

    Stored as instants; `time_zone` is the zone it was drawn in (a go-live week in the hospital's zone),
    used to read naive input and to show it as the people who set it meant it. A window may recur: the
    first occurrence is `starts_at`-`ends_at`, repeated by an RFC 5545 RRULE read in `time_zone`, so a
    weekly Sunday 02:00 window stays at 02:00 local time across daylight-saving changes.
    """

    access_area = "change_windows"
    visibility_path: ClassVar[str | None] = None

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=WindowKind.choices, default=WindowKind.CLINICAL_FREEZE)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64, default="UTC")
    services = models.ManyToManyField(
        "transition.Service",
        blank=True,
        related_name="change_windows",
        help_text="Leave empty for a window that covers every service of the program.",
    )
    reason = models.TextField(blank=True)
    recurrence = models.CharField(
        max_length=300,
        blank=True,
        help_text="An RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=SU or FREQ=MONTHLY;BYMONTHDAY=-3; empty for once.",
    )
    # Kept so that "windows still to come" is one query: a recurring window counts until its last occurrence
    # ends, and for ever when its rule has no COUNT or UNTIL (null).
    recurs_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["program", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="change_window_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display().lower()})"

    def clean(self) -> None:
        if not valid_zone(self.time_zone):
            raise ValidationError({"time_zone": f"{self.time_zone!r} is not a time zone name."})
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The window must end after it starts."})
        self.recurrence = self.recurrence.strip()
        if self.recurrence and self.starts_at:
            try:
                self.recurrence = parse_recurrence(self.recurrence, self.starts_at, self.time_zone).text
            except RecurrenceError as error:
                raise ValidationError({"recurrence": str(error)}) from error
            if self.ends_at:
                self.recurs_until = last_end(self.starts_at, self.ends_at, self.time_zone, self.recurrence)
        else:
            self.recurs_until = None

    @property
    def blocks_changes(self) -> bool:
        return self.kind != WindowKind.MAINTENANCE


class ChangeMeasureThresholds(ProgramScopedModel):
    """Where the program puts the line for its change measures: past it a measure shows red on the transition
    dashboard and goes on the board's agenda. A program without a row uses the defaults."""

    access_area = "change_boards"
    visibility_path: ClassVar[str | None] = None

    PERCENT = [MinValueValidator(0), MaxValueValidator(100)]

    min_success_rate_percent = models.PositiveSmallIntegerField(
        default=90, validators=PERCENT, help_text="Below this share of reviewed changes succeeding (0-100)."
    )
    max_emergency_share_percent = models.PositiveSmallIntegerField(
        default=15,
        validators=PERCENT,
        help_text="Above this share of submitted changes being emergencies (0-100).",
    )
    max_changes_causing_incidents = models.PositiveIntegerField(
        default=2, help_text="Above this many changes causing incidents in the period."
    )
    max_cab_lead_time_days = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=10,
        validators=[MinValueValidator(0)],
        help_text="Above this median number of days from submission to the CAB's decision.",
    )

    class Meta:
        verbose_name_plural = "change measure thresholds"
        constraints = [
            models.UniqueConstraint(fields=["program"], name="one_change_thresholds_per_program"),
            models.CheckConstraint(
                condition=models.Q(min_success_rate_percent__lte=100, max_emergency_share_percent__lte=100),
                name="change_threshold_percent_at_most_100",
            ),
            models.CheckConstraint(
                condition=models.Q(max_cab_lead_time_days__gte=0), name="change_threshold_days_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Change measure thresholds of {self.program}"


class ReconciliationFinding(ProgramScopedModel):
    """Something the partner's own records show that change control did not: found by a reconciliation run.

    One row per kind and external reference, so running the same export again updates instead of repeating.
    """

    access_area = "changes"
    visibility_path: ClassVar[str | None] = None

    kind = models.CharField(max_length=24, choices=FindingKind.choices)
    source = models.CharField(max_length=24, choices=FindingSource.choices)
    external_reference = models.CharField(max_length=60)
    summary = models.TextField()
    occurred_at = models.DateTimeField(null=True, blank=True)
    change = models.ForeignKey(
        ChangeRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    first_found_at = models.DateTimeField()
    last_found_at = models.DateTimeField()
    red_flag = models.ForeignKey(
        "governance.RedFlag", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["program", "-occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "kind", "external_reference"], name="finding_once_per_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.external_reference}"


class CalendarFeedToken(models.Model):
    """A person's secret for their change-calendar feed of one program; only its hash is kept.

    The feed shows what the person may see now (a person removed from the program gets nothing), and
    the token can be revoked at any time; issuing a new one revokes the old.
    """

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=8, help_text="The token's first characters, to tell tokens apart.")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "person"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_feed_token_per_person_and_program",
            ),
        ]

    def __str__(self) -> str:
        return f"feed token {self.hint}… of {self.person}"
