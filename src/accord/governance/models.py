"""Red flags with their append-only history, escalation rules, the risk register and the decision log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from accord.core.models import EVERY_MEMBER, ProgramScopedModel, ProgramScopedQuerySet, VisibilityField
from accord.core.permissions import Action, Visibility
from accord.core.validation import is_partner
from accord.governance.choices import (
    EscalationLevel,
    EventKind,
    FlagState,
    RiskCategory,
    RiskResponse,
    RiskStatus,
    Severity,
)

# The links a flag may carry to what it threatens (program-checked in clean()).
THREAT_FIELDS = ("threatens_benefit", "threatens_success_factor", "threatens_group", "threatens_initiative")


class RedFlagQuerySet(ProgramScopedQuerySet):
    def open(self) -> RedFlagQuerySet:
        return self.filter(state__in=[FlagState.RAISED, FlagState.TRIAGED, FlagState.IN_PROGRESS])


def flag_owner_cannot_see(person: Any, reported_on: str) -> str:
    """The owner rule's words for a flag, whether the owner or the visibility was being changed."""
    if reported_on == "owner":
        return f"{person} cannot see hospital-internal flags; share the flag first or choose someone from the hospital."
    return (
        f"The flag's owner, {person}, cannot see hospital-internal flags; keep it shared or "
        "have it triaged to someone from the hospital first."
    )


class RedFlag(ProgramScopedModel):
    """A concern that threatens the program's benefits, raised by anyone in the program.

    It is triaged, owned, answered and escalated on age and severity; it is never deleted (a
    duplicate is merged into another flag and closed, keeping its own history).
    """

    access_area = "red_flags"
    member_fields = ("owner",)
    owner_fields = ("owner",)
    # Whoever raised a flag follows it (reads and comments) while they are in the program.
    personal_access = {"raised_by": (Action.VIEW, "comment")}

    title = models.CharField(max_length=200)
    description = models.TextField(
        "What you saw", help_text="What you saw, where and when; facts over opinions."
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    visibility = VisibilityField()
    state = models.CharField(
        max_length=16, choices=FlagState.choices, default=FlagState.RAISED, db_index=True
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="raised_flags"
    )
    raised_at = models.DateTimeField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_flags"
    )
    response_due = models.DateField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    rationale = models.TextField(
        blank=True, help_text="Why the program accepts this flag without acting on it."
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(
        null=True, blank=True, help_text="Restarts the triage clock: a reopened flag is triaged again."
    )
    escalation_level = models.PositiveSmallIntegerField(
        choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_duplicates"
    )
    # What the flag threatens: any, all or none (the raiser may not know; triage can add it).
    threatens_benefit = models.ForeignKey(
        "benefits.Benefit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="red_flags",
        verbose_name="benefit threatened",
    )
    threatens_success_factor = models.ForeignKey(
        "benefits.SuccessFactor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="red_flags",
        verbose_name="success factor threatened",
    )
    threatens_initiative = models.ForeignKey(
        "benefits.Initiative",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="red_flags",
        verbose_name="initiative threatened",
    )
    threatens_group = models.ForeignKey(
        "alignment.StakeholderGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="red_flags",
        verbose_name="stakeholder group affected",
    )

    objects = RedFlagQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        indexes = [
            models.Index(fields=["program", "state", "severity"], name="redflag_program_state_idx"),
            models.Index(fields=["state", "escalation_level"], name="redflag_escalation_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(escalation_level__lte=EscalationLevel.BOARD),
                name="redflag_escalation_level_range",
            ),
            models.CheckConstraint(condition=~Q(merged_into=F("pk")), name="redflag_not_merged_into_itself"),
        ]

    def owner_cannot_see(self, person: Any, field: str, reported_on: str) -> str:
        return flag_owner_cannot_see(person, reported_on)

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:red_flag_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    def clean(self) -> None:
        if self.merged_into_id and self.merged_into.program_id != self.program_id:
            raise ValidationError(
                {"merged_into": "A flag can only be merged into a flag of the same program."}
            )
        if self.merged_into_id and self.merged_into_id == self.pk:
            raise ValidationError({"merged_into": "A flag cannot be merged into itself."})
        errors = {}
        for name in THREAT_FIELDS:
            target = getattr(self, name) if getattr(self, f"{name}_id", None) else None
            if target is not None and target.program_id != self.program_id:
                errors[name] = "This belongs to another program."
        if self.visibility != Visibility.SHARED and is_partner(self.raised_by_id, self.program_id):
            # The raiser must be able to follow their flag, and a partner never sees internal records.
            errors["visibility"] = "A flag raised by a vendor or consultant is shared with partners."
        if errors:
            raise ValidationError(errors)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Red flags are never deleted; close or merge them instead.")

    @property
    def is_open(self) -> bool:
        return self.state in (FlagState.RAISED, FlagState.TRIAGED, FlagState.IN_PROGRESS)


class RedFlagEvent(ProgramScopedModel):
    """One append-only line of a red flag's history: a state change, escalation, merge, comment or conversion."""

    access_area = "red_flags"
    # A flag's history is as shared or internal as the flag.
    visibility_path = "flag__visibility"

    flag = models.ForeignKey(RedFlag, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    from_state = models.CharField(max_length=16, choices=FlagState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=FlagState.choices, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        choices=EscalationLevel.choices, null=True, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(
        max_length=254, blank=True, help_text="Who acted, kept even if the person goes."
    )
    at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.flag_id} at {self.at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.flag_id and self.program_id and self.flag.program_id != self.program_id:
            raise ValidationError("An event belongs to the same program as its flag.")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Red-flag history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Red-flag history is append-only.")


class EscalationRule(ProgramScopedModel):
    """How long a flag of one severity may wait for triage and for an answer, and how high it may climb."""

    access_area = "red_flags"
    # Everyone who may raise a flag may know how fast it must be answered.
    visibility_path = EVERY_MEMBER

    severity = models.CharField(max_length=10, choices=Severity.choices)
    triage_hours = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text="Hours a raised flag may wait to be triaged."
    )
    resolve_days = models.PositiveIntegerField(
        validators=[MinValueValidator(1)],
        help_text="Days a flag may stay unanswered (not resolved or accepted).",
    )
    highest_level = models.PositiveSmallIntegerField(
        choices=[
            (EscalationLevel.PROGRAM_MANAGER, "Program manager"),
            (EscalationLevel.BOARD, "Governance board"),
        ],
        default=EscalationLevel.BOARD,
        help_text="Overdue flags climb to the program manager, then the board.",
    )

    class Meta:
        ordering = ["program", "triage_hours"]
        constraints = [
            models.UniqueConstraint(fields=["program", "severity"], name="one_escalation_rule_per_severity"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_severity_display()}: triage within {self.triage_hours} h, answer within "
            f"{self.resolve_days} d, up to the {self.get_highest_level_display().lower()}"
        )


class Risk(ProgramScopedModel):
    """An entry of the risk register: cause, consequence, likelihood x impact, owner and response."""

    access_area = "risks"
    member_fields = ("owner",)
    owner_fields = ("owner",)

    title = models.CharField(max_length=200)
    cause = models.TextField(blank=True)
    consequence = models.TextField(blank=True)
    category = models.CharField(
        max_length=20, choices=RiskCategory.choices, default=RiskCategory.ORGANISATIONAL
    )
    likelihood = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (rare) to 5 (almost certain)"
    )
    impact = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (minor) to 5 (severe)"
    )
    score = models.PositiveSmallIntegerField(editable=False, db_index=True, help_text="likelihood x impact")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_risks"
    )
    response = models.CharField(max_length=10, choices=RiskResponse.choices, default=RiskResponse.REDUCE)
    actions = models.TextField(blank=True, help_text="What is being done, by whom, by when.")
    review_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    visibility = VisibilityField()
    source_flag = models.OneToOneField(
        RedFlag,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk",
        help_text="The red flag this risk was converted from.",
    )

    class Meta:
        ordering = ["-score", "title"]
        indexes = [models.Index(fields=["program", "status", "-score"], name="risk_program_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5), name="risk_likelihood_1_to_5"
            ),
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=5), name="risk_impact_1_to_5"),
            models.CheckConstraint(
                condition=Q(score=F("likelihood") * F("impact")), name="risk_score_is_product"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:risk_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    def clean(self) -> None:
        # The score is derived, stored so the register can be sorted and indexed by it.
        if self.likelihood and self.impact:
            self.score = self.likelihood * self.impact
        if self.source_flag_id and self.source_flag.program_id != self.program_id:
            raise ValidationError({"source_flag": "The red flag belongs to another program."})

    @property
    def rag(self) -> str:
        if self.score >= 15:
            return "red"
        return "amber" if self.score >= 8 else "green"


class Decision(ProgramScopedModel):
    """One entry of the decision log: what was decided, on what grounds, by whom, and what it answers."""

    access_area = "governance"

    title = models.CharField(max_length=200)
    context = models.TextField(blank=True, help_text="The question and the facts on the table.")
    options_considered = models.TextField(blank=True)
    decision = models.TextField()
    rationale = models.TextField(blank=True)
    decided_by = models.CharField(
        max_length=200, help_text="The body or person who decided, e.g. the governance board."
    )
    decided_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visibility = VisibilityField()
    flags = models.ManyToManyField(RedFlag, blank=True, related_name="decisions")
    risks = models.ManyToManyField(Risk, blank=True, related_name="decisions")
    benefits = models.ManyToManyField("benefits.Benefit", blank=True, related_name="decisions")
    # What a decision on a red flag concerns besides the flag: the records the flag threatened.
    groups = models.ManyToManyField(
        "alignment.StakeholderGroup", blank=True, related_name="decisions", verbose_name="stakeholder groups"
    )
    initiatives = models.ManyToManyField("benefits.Initiative", blank=True, related_name="decisions")
    success_factors = models.ManyToManyField("benefits.SuccessFactor", blank=True, related_name="decisions")

    class Meta:
        ordering = ["-decided_on", "-pk"]
        indexes = [models.Index(fields=["program", "-decided_on"], name="decision_program_date_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:decision_detail", kwargs={"program_id": self.program_id, "pk": self.pk})
