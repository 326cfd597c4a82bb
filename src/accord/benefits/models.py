"""Objectives and their strategy map, benefits, KPIs and their measurements, initiatives, success factors."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accord.benefits import engine
from accord.benefits.choices import (
    FREQUENCY_DAYS,
    BenefitStatus,
    Direction,
    Frequency,
    InitiativeStatus,
    Perspective,
    Rag,
    SuccessDimension,
    ValueStepsCategory,
)
from accord.core.models import EVERY_MEMBER, ProgramScopedModel, VisibilityField
from accord.core.permissions import Visibility


def _check_same_program(record: ProgramScopedModel, parent: Any, field: str) -> None:
    """Child records carry their parent's program; a mismatch would leak rows across programs."""
    if parent is not None and record.program_id and parent.program_id != record.program_id:
        raise ValidationError({field: "This belongs to another program."})


class InheritedVisibilityModel(ProgramScopedModel):
    """A record whose visibility is its benefit's (KPIs and measurements): partners see it only when
    the benefit is shared with them."""

    visibility_path: ClassVar[str] = "benefit__visibility"

    class Meta:
        abstract = True

    def benefit_for_visibility(self) -> Benefit | None:
        raise NotImplementedError


class Objective(ProgramScopedModel):
    """A strategic goal of the program: a node of the strategy map, in one perspective."""

    access_area = "benefits"
    # The strategy map's objectives are the program's common language.
    visibility_path = EVERY_MEMBER
    member_fields = ("owner",)

    title = models.CharField(max_length=200)
    perspective = models.CharField(max_length=32, choices=Perspective.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["program", "perspective", "title"]
        constraints = [
            models.UniqueConstraint(fields=["program", "title"], name="benefits_objective_title_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class ObjectiveLink(ProgramScopedModel):
    """A cause → effect arrow on the strategy map: achieving `cause` helps achieve `effect`."""

    access_area = "benefits"
    # Links between objectives carry no content of their own.
    visibility_path = EVERY_MEMBER

    cause = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="effect_links")
    effect = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="cause_links")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["program", "cause__title", "effect__title"]
        constraints = [
            models.UniqueConstraint(fields=["cause", "effect"], name="benefits_objective_link_unique"),
            models.CheckConstraint(
                condition=~Q(cause=models.F("effect")), name="benefits_objective_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cause} → {self.effect}"

    def clean(self) -> None:
        cause = self.cause if self.cause_id else None
        effect = self.effect if self.effect_id else None
        _check_same_program(self, cause, "cause")
        _check_same_program(self, effect, "effect")
        if cause is None or effect is None:
            return
        if cause.pk == effect.pk:
            raise ValidationError({"effect": "An objective cannot cause itself."})
        edges = ObjectiveLink.objects.filter(program_id=self.program_id).exclude(pk=self.pk)
        path = engine.find_path(
            list(edges.values_list("cause_id", "effect_id")), start=effect.pk, goal=cause.pk
        )
        if path is not None:
            titles = dict(Objective.objects.filter(pk__in=path).values_list("pk", "title"))
            loop = " → ".join(titles[pk] for pk in [cause.pk, *path])
            raise ValidationError({"effect": f"This link would make a cycle on the strategy map: {loop}."})


class Benefit(ProgramScopedModel):
    """An outcome the program must deliver, in one HIMSS Value STEPS category, measured by its KPIs.

    The realisation window may run years past go-live: that is the point of tracking benefits.
    """

    access_area = "benefits"
    member_fields = ("owner",)
    owner_fields = ("owner",)

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField("Value STEPS category", max_length=32, choices=ValueStepsCategory.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    objectives = models.ManyToManyField(Objective, blank=True, related_name="benefits")
    window_start = models.DateField("realisation window start")
    window_end = models.DateField("realisation window end")
    status = models.CharField(max_length=16, choices=BenefitStatus.choices, default=BenefitStatus.PLANNED)
    abandoned_reason = models.TextField(blank=True, help_text="Required when the benefit is abandoned.")
    visibility = VisibilityField(default=Visibility.SHARED)
    accountable_group = models.ForeignKey(
        "alignment.StakeholderGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accountable_benefits",
        verbose_name="accountable stakeholder group",
        help_text="The group that answers for realising this benefit.",
    )

    class Meta:
        ordering = ["program", "category", "title"]
        constraints = [
            models.UniqueConstraint(fields=["program", "title"], name="benefits_benefit_title_unique"),
        ]

    def deletion_problem(self) -> str | None:
        if Measurement.objects.filter(kpi__benefit=self).exists():
            # Reports and board packs were drawn from these readings; the benefit is what they measure.
            return "its KPIs have measurements, results the reports were drawn from. Mark it abandoned with a reason instead."
        if self.decisions.exists():
            return "a decision in the decision log concerns it. Mark it abandoned with a reason instead."
        return None

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("benefits:benefit_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.window_start and self.window_end and self.window_end < self.window_start:
            errors["window_end"] = "The realisation window cannot end before it starts."
        if self.status == BenefitStatus.ABANDONED and not self.abandoned_reason.strip():
            errors["abandoned_reason"] = "Say why the benefit is abandoned."
        # A reason left on a benefit taken up again would say it was given up when it is not.
        if self.status != BenefitStatus.ABANDONED and self.abandoned_reason.strip():
            errors["abandoned_reason"] = (
                "Only an abandoned benefit has a reason for it; clear the reason or mark the benefit abandoned."
            )
        group = self.accountable_group if self.accountable_group_id else None
        if group is not None and self.program_id and group.program_id != self.program_id:
            errors["accountable_group"] = "The accountable group must belong to the same program."
        if errors:
            raise ValidationError(errors)


class Kpi(InheritedVisibilityModel):
    """A measure of one benefit: unit, direction, baseline, target, interim milestones and tolerances.

    Amber and red tolerances are in the KPI's own unit: how far the latest value may fall short of
    the value expected on its date (from the baseline → milestones → target trajectory).
    """

    access_area = "benefits"

    benefit = models.ForeignKey(Benefit, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=200)
    definition = models.TextField(blank=True)
    # How a ratio KPI is computed, as data a template can carry; blank for a KPI that is not a ratio.
    numerator = models.TextField(
        blank=True,
        help_text="What is counted, e.g. medication orders entered by the prescriber through CPOE in the month.",
    )
    denominator = models.TextField(
        blank=True,
        help_text="Out of what, e.g. all medication orders in the month. Leave both blank for a KPI that is "
        "not a ratio.",
    )
    unit = models.CharField(max_length=40, help_text="e.g. %, minutes, days, per 1,000 doses")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    baseline_value = models.FloatField()
    baseline_date = models.DateField()
    target_value = models.FloatField()
    target_date = models.DateField()
    milestones = models.JSONField(
        default=list,
        blank=True,
        help_text='Interim milestones between baseline and target: [{"date": "YYYY-MM-DD", "value": 12.5}, …]',
    )
    amber_tolerance = models.FloatField(
        validators=[MinValueValidator(0)],
        help_text="Shortfall against the expected value (in the KPI's unit) beyond which the KPI is amber.",
    )
    red_tolerance = models.FloatField(
        validators=[MinValueValidator(0)],
        help_text="Shortfall against the expected value (in the KPI's unit) beyond which the KPI is red.",
    )
    frequency = models.CharField(
        "measurement frequency", max_length=16, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    data_source = models.CharField(max_length=200, blank=True)
    fhir_measure_url = models.CharField(
        "FHIR Measure URL",
        max_length=500,
        blank=True,
        help_text="Canonical URL of the FHIR Measure whose MeasureReports feed this KPI (without |version).",
    )
    fhir_group_code = models.CharField(
        "FHIR group code",
        max_length=100,
        blank=True,
        help_text="The report group (site, unit) this KPI measures; blank: the whole report, several groups "
        "aggregated by their numerators and denominators.",
    )

    class Meta:
        ordering = ["program", "benefit__title", "name"]
        verbose_name = "KPI"
        verbose_name_plural = "KPIs"
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="benefits_kpi_name_unique_in_program"),
            models.UniqueConstraint(
                # One KPI per measure and group: a measure may feed the whole program and each site.
                fields=["program", "fhir_measure_url", "fhir_group_code"],
                condition=~Q(fhir_measure_url=""),
                name="benefits_kpi_measure_group_unique_in_program",
            ),
        ]

    def deletion_problem(self) -> str | None:
        if self.measurements.exists():
            return (
                "its measurements are results the reports and board packs were drawn from. Keep the KPI; "
                "a benefit no longer pursued is marked abandoned."
            )
        return None

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("benefits:kpi_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    def spec(self) -> engine.KpiSpec:
        """The KPI as the pure rules see it (raises ZeroSpanError for a target equal to the baseline)."""
        return engine.KpiSpec(
            direction=self.direction,
            baseline_value=self.baseline_value,
            baseline_date=self.baseline_date,
            target_value=self.target_value,
            target_date=self.target_date,
            amber_tolerance=self.amber_tolerance,
            red_tolerance=self.red_tolerance,
            frequency_days=FREQUENCY_DAYS[self.frequency],
            milestones=tuple(self.milestone_points()),
        )

    def benefit_for_visibility(self) -> Benefit | None:
        return self.benefit if self.benefit_id else None

    def milestone_points(self) -> list[tuple[dt.date, float]]:
        """Milestones as (date, value) pairs, sorted; assumes `clean()` has accepted them."""
        return sorted(
            (dt.date.fromisoformat(str(m["date"])), float(m["value"])) for m in self.milestones or []
        )

    def clean(self) -> None:
        _check_same_program(self, self.benefit_for_visibility(), "benefit")
        # MeasureReports cite `url|version`; a KPI follows the measure across versions.
        self.fhir_measure_url = (self.fhir_measure_url or "").strip().split("|")[0]
        self.fhir_group_code = (self.fhir_group_code or "").strip()
        errors: dict[str, str] = {}
        if (
            self.baseline_value is not None
            and self.target_value is not None
            and self.baseline_value == self.target_value
        ):
            errors["target_value"] = (
                "The target equals the baseline: there is nothing to realise, so realisation % cannot be "
                "computed. Set a target different from the baseline."
            )
        elif self.baseline_value is not None and self.target_value is not None and self.direction:
            rising = self.target_value > self.baseline_value
            if rising != (self.direction == Direction.INCREASE):
                errors["target_value"] = (
                    "The target must be above the baseline for a KPI that should increase, "
                    "and below it for one that should decrease."
                )
        if self.baseline_date and self.target_date and self.target_date <= self.baseline_date:
            errors["target_date"] = "The target date must be after the baseline date."
        if (
            self.amber_tolerance is not None
            and self.red_tolerance is not None
            and self.red_tolerance < self.amber_tolerance
        ):
            errors["red_tolerance"] = "The red tolerance must be at least the amber tolerance."
        milestone_error = self._milestone_error()
        if milestone_error:
            errors["milestones"] = milestone_error
        if errors:
            raise ValidationError(errors)

    def _milestone_error(self) -> str | None:
        if self.milestones in (None, ""):
            self.milestones = []
        if not isinstance(self.milestones, list):
            return 'Milestones must be a list of {"date": …, "value": …}.'
        points: list[dt.date] = []
        for number, item in enumerate(self.milestones, start=1):
            if not isinstance(item, dict) or set(item) != {"date", "value"}:
                return f'Milestone {number} must have exactly a "date" and a "value".'
            try:
                when = dt.date.fromisoformat(str(item["date"]))
            except ValueError:
                return f"Milestone {number}: {item['date']!r} is not a date (YYYY-MM-DD)."
            if isinstance(item["value"], bool) or not isinstance(item["value"], int | float):
                return f"Milestone {number}: {item['value']!r} is not a number."
            if self.baseline_date and self.target_date and not (self.baseline_date < when < self.target_date):
                return f"Milestone {number} ({when}) must fall between the baseline and target dates."
            points.append(when)
        if len(set(points)) != len(points):
            return "Two milestones share a date."
        return None


class Measurement(InheritedVisibilityModel):
    """One observed value of a KPI on a date; re-importing the same KPI and date updates it."""

    access_area = "measurements"
    visibility_path = "kpi__benefit__visibility"

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    value = models.FloatField()
    measured_on = models.DateField()
    source = models.CharField(max_length=200, blank=True, help_text="Report, extract or system it came from.")
    note = models.TextField(blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kpi", "measured_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "measured_on"], name="benefits_one_measurement_per_kpi_and_day"
            ),
        ]
        indexes = [models.Index(fields=["kpi", "-measured_on"])]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.value:g} on {self.measured_on}"

    def benefit_for_visibility(self) -> Benefit | None:
        return self.kpi.benefit if self.kpi_id else None

    def clean(self) -> None:
        _check_same_program(self, self.kpi if self.kpi_id else None, "kpi")


class Initiative(ProgramScopedModel):
    """A piece of work that advances one or more objectives."""

    access_area = "benefits"
    # Initiatives are the program's plan, read by every member.
    visibility_path = EVERY_MEMBER
    member_fields = ("owner",)

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    objectives = models.ManyToManyField(Objective, blank=True, related_name="initiatives")
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(
        max_length=16, choices=InitiativeStatus.choices, default=InitiativeStatus.PROPOSED
    )
    percent_complete = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])

    class Meta:
        ordering = ["program", "start", "title"]

    def deletion_problem(self) -> str | None:
        if self.decisions.exists():
            return "a decision in the decision log concerns it. Set its status to cancelled instead."
        return None

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "An initiative cannot end before it starts."})
        if self.status == InitiativeStatus.DONE and self.percent_complete != 100:
            raise ValidationError({"percent_complete": "A done initiative is 100% complete."})


class SuccessFactor(ProgramScopedModel):
    """One alignment dimension the program needs (training, physician engagement, …), with its status."""

    access_area = "benefits"
    # The success-factor dimensions are the same list for every member.
    visibility_path = EVERY_MEMBER
    member_fields = ("owner",)

    dimension = models.CharField(
        max_length=32, choices=SuccessDimension.choices, default=SuccessDimension.CUSTOM
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Rag.choices, default=Rag.NOT_ASSESSED)
    evidence = models.TextField("evidence notes", blank=True)
    last_reviewed = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["program", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="benefits_success_factor_name_unique"),
            models.UniqueConstraint(
                fields=["program", "dimension"],
                condition=~Q(dimension="custom"),
                name="benefits_one_default_factor_per_dimension",
            ),
        ]

    def deletion_problem(self) -> str | None:
        if self.decisions.exists():
            return "a decision in the decision log concerns it. Keep it; its status and evidence say where it stands."
        return None

    def __str__(self) -> str:
        return self.name
