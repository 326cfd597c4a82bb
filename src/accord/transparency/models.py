"""Transparency of an outsourcing transition: the roster, open doors, the Q&A board, anonymous concerns
and pulse surveys.

Anonymity is built into the tables: a concern, its replies and a survey response hold no person, no
session, no address and no time finer than the day (the inherited `created_at`/`updated_at` are removed
from them), and the daily submission allowance is kept in a table of its own, keyed by a keyed digest.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accord.core.models import ProgramScopedModel, VisibilityField
from accord.core.permissions import Action
from accord.transparency.choices import ConcernState, SurveyDimension, SurveyStatus, Weekday


class Assignment(ProgramScopedModel):
    """Who works on which service, in what role, from when to when, and who stands in for them."""

    access_area = "transparency"
    # Partners see the assignments of the services shared with them (every service is, by default).
    visibility_path = "service__visibility"
    member_fields: ClassVar[tuple[str, ...]] = ("person", "backup")
    owner_fields: ClassVar[tuple[str, ...]] = ("person", "backup")

    service = models.ForeignKey("transition.Service", on_delete=models.PROTECT, related_name="assignments")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_assignments"
    )
    role_on_service = models.CharField(
        max_length=120, help_text="What the person does on the service (e.g. primary support, DBA)."
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_backups",
        help_text="Who stands in when the person is away.",
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Empty while the assignment is open-ended.")

    class Meta:
        ordering = ["service", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="transparency_assignment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} on {self.service} ({self.role_on_service})"

    def get_absolute_url(self) -> str:
        return reverse("transparency:roster", kwargs={"program_id": self.program_id})

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.service_id and self.program_id and self.service.program_id != self.program_id:
            errors["service"] = "This service belongs to another program."
        if self.backup_id and self.backup_id == self.person_id:
            errors["backup"] = "The backup must be someone other than the person assigned."
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "An assignment cannot end before it starts."
        if errors:
            raise ValidationError(errors)


class OpenDoorHours(ProgramScopedModel):
    """A weekly slot in which a leader's door is open to anyone in the transition."""

    access_area = "transparency"
    visibility_path = None
    member_fields: ClassVar[tuple[str, ...]] = ("leader",)

    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="open_doors")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    location = models.CharField(max_length=200, help_text="Room, or the video link.")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["weekday", "starts_at", "pk"]
        verbose_name_plural = "open-door hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="transparency_open_door_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leader}, {self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("transparency:roster", kwargs={"program_id": self.program_id})

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The slot must end after it starts."})


class Question(ProgramScopedModel):
    """A question on the program's Q&A board, named or anonymous, answered publicly by the program.

    An anonymous question keeps no asker and only the day it was asked.
    """

    access_area = "transparency"
    member_fields: ClassVar[tuple[str, ...]] = ("answered_by",)

    created_at = None
    updated_at = None

    text = models.TextField()
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for an anonymous question.",
    )
    asked_on = models.DateField()
    visibility = VisibilityField()
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_on", "-pk"]
        indexes = [models.Index(fields=["program", "answered_on"], name="transparency_question_open_idx")]

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return reverse("transparency:question_board", kwargs={"program_id": self.program_id}) + f"#q{self.pk}"

    @property
    def is_answered(self) -> bool:
        return self.answered_on is not None

    def clean(self) -> None:
        if bool(self.answer.strip()) != (self.answered_on is not None):
            raise ValidationError(
                {"answer": "An answered question has both its answer and the day it was given."}
            )


class Concern(ProgramScopedModel):
    """A concern submitted without identity, followed up by whoever holds its receipt code.

    No person, session, address or time finer than the day is kept; the receipt code is stored only as a
    keyed digest. Leadership triages it like a red flag and may convert it into one.
    """

    access_area = "concerns"
    # No visibility field: the "concerns" area already keeps partners out.
    visibility_path = None

    created_at = None
    updated_at = None

    # A random key: a counter would order concerns against everything else written at the same moment.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    state = models.CharField(
        max_length=12, choices=ConcernState.choices, default=ConcernState.SUBMITTED, db_index=True
    )
    submitted_on = models.DateField(help_text="The day only: a time of day could point at the author.")
    receipt_digest = models.CharField(max_length=64, unique=True, editable=False)
    red_flag = models.ForeignKey(
        "governance.RedFlag", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_on", "-pk"]

    def __str__(self) -> str:
        return f"Anonymous concern: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("transparency:concern_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Concerns are never deleted; close them instead.")


class ConcernMessage(ProgramScopedModel):
    """One message in a concern's conversation: the program's answer (named) or the submitter's reply (never)."""

    access_area = "concerns"
    visibility_path = None

    created_at = None
    updated_at = None

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="messages")
    from_submitter = models.BooleanField()
    body = models.TextField()
    written_on = models.DateField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who answered for the program; always empty on the submitter's side.",
    )

    class Meta:
        ordering = ["concern", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_submitter=False) | Q(author__isnull=True),
                name="transparency_submitter_message_has_no_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{'Reply' if self.from_submitter else 'Answer'} on concern {self.concern_id}"


class ConcernAllowance(models.Model):
    """How many concerns one person submitted on one day, under a keyed digest of (person, day).

    The digest cannot be turned back into a person without the server's key and never appears on a
    concern; rows of past days are deleted on the next submission.
    """

    digest = models.CharField(max_length=64)
    day = models.DateField()
    count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["digest", "day"], name="transparency_allowance_once")]

    def __str__(self) -> str:
        return f"{self.count} on {self.day}"


class PulseSurvey(ProgramScopedModel):
    """A short recurring survey (Likert 1-5 plus a comment) sent to the members of some stakeholder groups."""

    access_area = "surveys"
    visibility_path = None

    title = models.CharField(max_length=200)
    opens_on = models.DateField()
    closes_on = models.DateField()
    status = models.CharField(max_length=8, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    groups = models.ManyToManyField(
        "alignment.StakeholderGroup",
        related_name="pulse_surveys",
        help_text="The population: every member of these groups is invited; results are cut by group.",
    )

    class Meta:
        ordering = ["-opens_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("transparency:survey_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    def clean(self) -> None:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": "A survey cannot close before it opens."})


class SurveyQuestion(ProgramScopedModel):
    """One Likert statement of a survey (1 strongly disagree … 5 strongly agree)."""

    access_area = "surveys"
    visibility_path = None

    survey = models.ForeignKey(PulseSurvey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    dimension = models.CharField(max_length=24, choices=SurveyDimension.choices)
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["survey", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class SurveyInvitation(ProgramScopedModel):
    """Who was asked to answer a survey and whether they have (the "has answered" mark, with no date)."""

    access_area = "surveys"
    visibility_path = None
    # A person reads their own invitations to answer them, whatever their role may read.
    personal_access: ClassVar[dict[str, tuple[str, ...]]] = {"person": (Action.VIEW,)}

    created_at = None
    updated_at = None

    survey = models.ForeignKey(PulseSurvey, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey("alignment.StakeholderGroup", on_delete=models.PROTECT, related_name="+")
    answered = models.BooleanField(default=False)

    class Meta:
        ordering = ["survey", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "person"], name="transparency_invitation_once"),
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.survey_id}"


class SurveyResponse(ProgramScopedModel):
    """One anonymous answer sheet: the group it counts for and the day, never the person."""

    access_area = "surveys"
    visibility_path = None

    created_at = None
    updated_at = None

    # A random key: in a counter's order, responses would line up with the order people answered in.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(PulseSurvey, on_delete=models.CASCADE, related_name="responses")
    group = models.ForeignKey("alignment.StakeholderGroup", on_delete=models.PROTECT, related_name="+")
    answered_on = models.DateField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["survey", "pk"]

    def __str__(self) -> str:
        return f"Response to {self.survey_id}"


class SurveyAnswer(models.Model):
    """One score of a response; reached only through the response, so it needs no program of its own."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="transparency_answer_once"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="transparency_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.score}"
