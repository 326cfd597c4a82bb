"""The outsourcing transition: services handed over to the partner, their knowledge, stages and training."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accord.core.models import ProgramScopedModel, VisibilityField, check_owners_see
from accord.core.permissions import Action, Role, Visibility
from accord.transition.choices import (
    Criticality,
    HandoverStage,
    KnowledgeKind,
    KnowledgeStatus,
    ReminderKind,
    ServiceKind,
    SignOffParty,
    TrainingKind,
)


class Service(ProgramScopedModel):
    """One service the partner takes over: who owns it on each side, what it covers and its handover stage."""

    access_area = "transition"
    member_fields: ClassVar[tuple[str, ...]] = ("internal_owner", "partner_owner")
    owner_fields: ClassVar[tuple[str, ...]] = ("internal_owner", "partner_owner")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ServiceKind.choices, default=ServiceKind.APPLICATION)
    description = models.TextField(blank=True)
    criticality = models.PositiveSmallIntegerField(
        choices=Criticality.choices,
        default=Criticality.MEDIUM,
        help_text="1 is the most critical; knowledge gaps of critical services weigh most.",
    )
    clinical_impact = models.BooleanField(
        default=False, help_text="An outage touches patient care (orders, results, images, medication)."
    )
    internal_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="transition_services_owned",
        help_text="The hospital person answerable for the service; approves its knowledge and signs off stages.",
    )
    partner_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transition_services_taken_over",
        help_text="The partner's person who takes the service over and signs off stages for the partner.",
    )
    configuration_items = models.TextField(
        blank=True, help_text="The systems and configuration items the service covers, one per line."
    )
    contract = models.ForeignKey(
        "sla.Contract",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transition_services",
        help_text="The SLA contract that covers the service, when one exists.",
    )
    stage = models.CharField(
        max_length=20,
        choices=HandoverStage.choices,
        default=HandoverStage.ACQUISITION,
        help_text="Changed only through a stage transition, which checks the exit criteria.",
    )
    stage_since = models.DateField(null=True, blank=True)
    knowledge_due_on = models.DateField(
        null=True,
        blank=True,
        help_text="By when every required knowledge template must be approved; a critical service with a "
        "gap after this date raises a red flag.",
    )
    partner_incidents_handled = models.PositiveIntegerField(
        default=0,
        help_text="Incidents the partner has handled in reverse shadow, with internal staff watching.",
    )
    coverage_red_flag = models.ForeignKey(
        "governance.RedFlag",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The red flag raised for a knowledge gap past its due date (raised once).",
    )
    visibility = VisibilityField(default=Visibility.SHARED)

    class Meta:
        ordering = ["program", "criticality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="transition_service_name_unique"),
            models.CheckConstraint(
                condition=models.Q(criticality__gte=1, criticality__lte=4),
                name="transition_service_criticality_1_to_4",
            ),
        ]

    def deletion_problem(self) -> str | None:
        # The handover's history (stage moves and sign-offs) is what the program home replays for a past date.
        if self.stage_changes.exists() or self.sign_offs.exists():
            return "its handover has moved through stages, with their sign-offs on record. Keep the service."
        if self.change_requests.exists():
            return "change requests name it. Keep the service."
        return None

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("transition:service_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    @property
    def configuration_item_list(self) -> list[str]:
        return [line.strip() for line in self.configuration_items.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.contract_id and self.program_id and self.contract.program_id != self.program_id:
            raise ValidationError({"contract": "Belongs to another program."})
        if self.partner_owner_id and self.partner_owner_id == self.internal_owner_id:
            raise ValidationError(
                {"partner_owner": "The partner owner must be someone other than the internal owner."}
            )
        # Whoever works on the service (assignments) or took part in its interviews must still see it
        # once it is saved: the same owner rule, reached through the records that name them.
        if self.pk and self.program_id and self.visibility == Visibility.INTERNAL:
            people = [
                person
                # An assignment that has ended names someone who no longer works on the service.
                for assignment in self.assignments.filter(
                    Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate())
                ).select_related("person", "backup")
                for person in (assignment.person, assignment.backup)
            ] + [
                person
                for interview in self.interviews.select_related("expert", "interviewer")
                for person in (interview.expert, interview.interviewer)
            ]
            check_owners_see(
                program_id=self.program_id,
                visibility=self.visibility,
                owners={"visibility": people},
                message=lambda person: (
                    f"{person} is assigned to this service or took part in one of its "
                    "interviews and cannot see hospital-internal services; keep it shared or hand their part "
                    "to someone from the hospital first."
                ),
            )


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ServiceChild(ProgramScopedModel):
    """A record about one service: it belongs to the service's program and is seen as the service is."""

    visibility_path: ClassVar[str | None] = "service__visibility"

    class Meta:
        abstract = True

    def check_service_program(self) -> None:
        service_id = getattr(self, "service_id", None)
        if service_id and self.program_id and self.service.program_id != self.program_id:
            raise ValidationError({"service": "Belongs to another program."})


class StageExitCriteria(ProgramScopedModel):
    """What a service must show before it leaves a stage: the program's checklist for that stage."""

    access_area = "transition"
    visibility_path: ClassVar[str | None] = None

    stage = models.CharField(
        max_length=20,
        choices=[c for c in HandoverStage.choices if c[0] != HandoverStage.HANDOVER],
        help_text="The stage these criteria let a service leave.",
    )
    min_coverage_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    require_training = models.BooleanField(
        default=False, help_text="The partner owner has every required training module, current."
    )
    min_incidents_handled = models.PositiveIntegerField(
        default=0, help_text="Incidents the partner must have handled in reverse shadow."
    )
    sla_weeks = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(52)],
        help_text="Weeks in a row without a breached SLA clock, where the service has a contract.",
    )

    class Meta:
        ordering = ["program", "stage"]
        verbose_name_plural = "stage exit criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "stage"], name="transition_one_exit_criteria_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"Leaving {self.get_stage_display()}"


class StageSignOff(ServiceChild):
    """An owner's sign-off that the service may leave its stage; voided when the service falls back."""

    access_area = "transition"
    member_fields: ClassVar[tuple[str, ...]] = ("signed_by",)

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="sign_offs")
    stage = models.CharField(max_length=20, choices=HandoverStage.choices)
    party = models.CharField(max_length=10, choices=SignOffParty.choices)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    note = models.TextField(blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["service", "signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "stage", "party"],
                condition=models.Q(voided_at__isnull=True),
                name="transition_one_live_sign_off_per_stage_and_party",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.get_party_display()} signed off {self.get_stage_display()}"

    def clean(self) -> None:
        self.check_service_program()


class StageChange(ServiceChild):
    """One move of a service between handover stages, forward or a fall-back with its reason."""

    access_area = "transition"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=HandoverStage.choices)
    to_stage = models.CharField(max_length=20, choices=HandoverStage.choices)
    fall_back = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["service", "-changed_at"]

    def __str__(self) -> str:
        return f"{self.service}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"


class KnowledgeTemplate(ProgramScopedModel):
    """A kind of knowledge the methodology asks for, as a checklist of the sections it must contain."""

    access_area = "transition"
    visibility_path: ClassVar[str | None] = None

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=KnowledgeKind.choices)
    description = models.TextField(blank=True)
    required_sections = models.TextField(
        help_text="One section heading per line; an item goes to review only when it has each of them."
    )
    required_for_kinds = models.JSONField(
        default=list,
        blank=True,
        help_text="The kinds of service that need this template; empty means every service.",
    )

    class Meta:
        ordering = ["program", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="transition_template_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def section_list(self) -> list[str]:
        return split_lines(self.required_sections)

    def applies_to(self, service_kind: str) -> bool:
        return not self.required_for_kinds or service_kind in self.required_for_kinds

    def clean(self) -> None:
        if not self.section_list:
            raise ValidationError({"required_sections": "Name at least one required section."})
        kinds = self.required_for_kinds
        if not isinstance(kinds, list) or any(k not in ServiceKind.values for k in kinds):
            raise ValidationError(
                {"required_for_kinds": f"A list of service kinds among: {', '.join(ServiceKind.values)}."}
            )


class KnowledgeItem(ProgramScopedModel):
    """A piece of captured knowledge about a service, written to a template and approved by its internal owner."""

    access_area = "knowledge"
    member_fields: ClassVar[tuple[str, ...]] = ("author",)

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="knowledge_items")
    template = models.ForeignKey(KnowledgeTemplate, on_delete=models.PROTECT, related_name="items")
    title = models.CharField(max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content = models.TextField(blank=True, help_text="Markdown. Where secrets live, never the secrets.")
    status = models.CharField(
        max_length=12,
        choices=KnowledgeStatus.choices,
        default=KnowledgeStatus.DRAFT,
        help_text="Changed only through review, approval and supersession.",
    )
    review_due_on = models.DateField(null=True, blank=True, help_text="When the item must be reviewed again.")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    visibility = VisibilityField(default=Visibility.SHARED)

    class Meta:
        ordering = ["program", "service", "template", "-updated_at"]
        indexes = [models.Index(fields=["service", "template", "status"])]

    def deletion_problem(self) -> str | None:
        if self.status in (KnowledgeStatus.APPROVED, KnowledgeStatus.SUPERSEDED):
            return (
                f"{self.get_status_display().lower()} knowledge is what the handover was signed off on. "
                "Write a new version that supersedes it instead."
            )
        return None

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("transition:knowledge_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.service_id and self.program_id:
            if self.service.program_id != self.program_id:
                errors["service"] = "Belongs to another program."
            elif self.service.visibility == Visibility.INTERNAL and self.visibility == Visibility.SHARED:
                errors["visibility"] = "The service is hospital-internal, so its knowledge must be too."
        if self.template_id and self.program_id and self.template.program_id != self.program_id:
            errors["template"] = "Belongs to another program."
        if errors:
            raise ValidationError(errors)

    def missing_sections(self) -> list[str]:
        """The template's required sections that have no heading of that name in the content."""
        from accord.transition.markdown import heading_texts

        present = {text.casefold() for text in heading_texts(self.content)}
        return [section for section in self.template.section_list if section.casefold() not in present]


def attachment_path(instance: KnowledgeAttachment, filename: str) -> str:
    return f"transition/{instance.program_id}/knowledge/{instance.item_id}/{filename}"


class KnowledgeAttachment(ProgramScopedModel):
    """A file attached to a knowledge item (a diagram, an export of a job schedule)."""

    access_area = "knowledge"
    visibility_path: ClassVar[str | None] = "item__visibility"

    item = models.ForeignKey(KnowledgeItem, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["item", "name"]

    def __str__(self) -> str:
        return self.name


class Interview(ServiceChild):
    """A knowledge-acquisition interview with a subject-matter expert, and the items it produced."""

    access_area = "knowledge"
    member_fields: ClassVar[tuple[str, ...]] = ("expert", "interviewer")
    owner_fields: ClassVar[tuple[str, ...]] = ("expert", "interviewer")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="interviews")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The subject-matter expert interviewed.",
    )
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField()
    notes = models.TextField(blank=True)
    knowledge_items = models.ManyToManyField(KnowledgeItem, blank=True, related_name="interviews")

    class Meta:
        ordering = ["program", "-scheduled_at"]

    def __str__(self) -> str:
        return f"{self.service}: interview with {self.expert}"

    def get_absolute_url(self) -> str:
        return reverse(
            "transition:service_detail", kwargs={"program_id": self.program_id, "pk": self.service_id}
        )

    def clean(self) -> None:
        self.check_service_program()
        if self.expert_id and self.expert_id == self.interviewer_id:
            raise ValidationError({"interviewer": "The interviewer and the expert must be different people."})


class TrainingModule(ProgramScopedModel):
    """A training the program requires of some roles or organisations, valid for a number of months."""

    access_area = "training"
    visibility_path: ClassVar[str | None] = None

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=TrainingKind.choices)
    description = models.TextField(blank=True)
    required_roles = models.JSONField(
        default=list, blank=True, help_text="Program roles that must complete it (e.g. vendor)."
    )
    required_organisations = models.ManyToManyField(
        "accounts.Organisation",
        blank=True,
        related_name="required_training_modules",
        help_text="Organisations whose people must complete it, whatever their role.",
    )
    validity_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Empty: a completion never expires.",
    )
    due_on = models.DateField(
        null=True, blank=True, help_text="By when people it is required of must have completed it."
    )

    class Meta:
        ordering = ["program", "kind", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "title"], name="transition_training_module_title_unique"
            )
        ]

    def deletion_problem(self) -> str | None:
        if self.records.exists():
            return "people's completions of it are on record. Keep the module; clear its required roles and organisations to stop asking for it."
        return None

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        roles = self.required_roles
        if not isinstance(roles, list) or any(r not in Role.values for r in roles):
            raise ValidationError({"required_roles": f"A list of roles among: {', '.join(Role.values)}."})

    def expiry_for(self, completed_on: dt.date) -> dt.date | None:
        if not self.validity_months:
            return None
        month = completed_on.month - 1 + self.validity_months
        year, month = completed_on.year + month // 12, month % 12 + 1
        # The same day of the month, or the month's last day (31 Jan + 1 month is 28/29 Feb).
        for day in (completed_on.day, 30, 29, 28):
            try:
                return dt.date(year, month, day)
            except ValueError:
                continue
        raise AssertionError("unreachable: every month has a 28th")


class TrainingRecord(ProgramScopedModel):
    """One person's completion of a module, with its evidence, their attestation and when it expires."""

    access_area = "training_records"
    visibility_path: ClassVar[str | None] = None
    member_fields: ClassVar[tuple[str, ...]] = ("person",)
    personal_access: ClassVar[dict[str, tuple[str, ...]]] = {"person": (Action.VIEW, "attest")}

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_records"
    )
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="records")
    completed_on = models.DateField()
    evidence = models.CharField(
        max_length=300,
        blank=True,
        help_text="Certificate number, LMS reference or where the evidence is kept.",
    )
    attested = models.BooleanField(
        default=False, editable=False, help_text="The person confirmed it themselves."
    )
    attested_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_on = models.DateField(null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["program", "person", "module", "-completed_on"]
        indexes = [models.Index(fields=["person", "module", "-completed_on"])]

    def deletion_problem(self) -> str | None:
        if self.attested:
            return "the person attested this completion themselves. Record a new completion instead."
        return None

    def __str__(self) -> str:
        return f"{self.person}: {self.module} on {self.completed_on}"

    def clean(self) -> None:
        if self.module_id and self.program_id and self.module.program_id != self.program_id:
            raise ValidationError({"module": "Belongs to another program."})
        if self.module_id and self.completed_on:
            self.expires_on = self.module.expiry_for(self.completed_on)


class TrainingReminder(ProgramScopedModel):
    """A reminder sent to one person about one module; the unique key makes a second run send nothing."""

    access_area = "training_records"
    visibility_path: ClassVar[str | None] = None
    personal_access: ClassVar[dict[str, tuple[str, ...]]] = {"person": (Action.VIEW,)}

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    week_of = models.DateField(help_text="Monday of the week the reminder is for: at most one a week.")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "module", "kind", "week_of"], name="transition_one_reminder_a_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.module} ({self.kind}) week of {self.week_of}"
