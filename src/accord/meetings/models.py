"""Governance meetings: who meets and when, the agenda (with what put each item there), minutes and actions."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accord.core.models import EVERY_MEMBER, ProgramScopedModel, ProgramScopedQuerySet, VisibilityField
from accord.core.permissions import Action
from accord.meetings.choices import ActionStatus, AgendaKind, Body, Cadence, MeetingStatus


class GovernanceBody(ProgramScopedModel):
    """A standing body of the program (its board, steering committee, CAB, a working group), what it is
    for and how often it meets; a program template sets these up."""

    access_area = "governance"
    # Every member knows which bodies govern the program and how often they sit.
    visibility_path = EVERY_MEMBER

    body = models.CharField(max_length=24, choices=Body.choices)
    name = models.CharField(max_length=200)
    cadence = models.CharField(max_length=12, choices=Cadence.choices)
    purpose = models.TextField(
        blank=True, help_text="Its terms of reference: what it decides, who sits on it."
    )

    class Meta:
        ordering = ["program", "body", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="meetings_governance_body_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_cadence_display().lower()})"


class Meeting(ProgramScopedModel):
    """One sitting of a governance body (board, steering committee, CAB, working group) of a program."""

    access_area = "governance"

    body = models.CharField(max_length=24, choices=Body.choices, default=Body.BOARD)
    title = models.CharField(max_length=200)
    scheduled_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True, help_text="Room or video link.")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="meetings_attended")
    status = models.CharField(max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    visibility = VisibilityField()

    class Meta:
        ordering = ["-scheduled_at", "-pk"]
        indexes = [models.Index(fields=["program", "-scheduled_at"], name="meeting_program_date_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.scheduled_at:%d %b %Y})"

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting_detail", kwargs={"program_id": self.program_id, "pk": self.pk})


class AgendaItem(ProgramScopedModel):
    """One item of a meeting's agenda and, once discussed, its minutes.

    An item drafted by Accord points at the record that put it there (a red flag, a risk, a KPI, …)
    and keeps a snapshot of that record's label, so the minutes still read right after it changes.
    """

    access_area = "governance"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=24, choices=AgendaKind.choices, default=AgendaKind.OTHER)
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    source_label = models.CharField(
        max_length=300, blank=True, help_text="The source record as it read when drafted."
    )
    source_url = models.CharField(max_length=500, blank=True)
    notes = models.TextField(blank=True, help_text="Why it is on the agenda; background for the members.")
    discussion = models.TextField(blank=True, help_text="Minutes: what was discussed.")
    decisions = models.ManyToManyField(
        "governance.Decision",
        blank=True,
        related_name="agenda_items",
        help_text="Decisions taken on this item (entries of the decision log).",
    )
    visibility = VisibilityField()

    class Meta:
        ordering = ["meeting", "order", "pk"]
        constraints = [
            # Drafting twice must not put the same record on one agenda twice.
            models.UniqueConstraint(
                fields=["meeting", "source_type", "source_id"],
                condition=Q(source_id__isnull=False),
                name="agenda_item_source_once_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.meeting_id and self.program_id and self.meeting.program_id != self.program_id:
            raise ValidationError("An agenda item belongs to the same program as its meeting.")
        if (self.source_type_id is None) != (self.source_id is None):
            raise ValidationError("A source needs both its type and its id.")


class MeetingActionQuerySet(ProgramScopedQuerySet):
    def open(self) -> MeetingActionQuerySet:
        return self.filter(status=ActionStatus.OPEN)


class MeetingAction(ProgramScopedModel):
    """Something a meeting asked one person to do by a date; it shows on that person's pages until done."""

    access_area = "governance"
    member_fields = ("owner",)
    # The owner reports their own action done, even without the governance change right.
    personal_access = {"owner": (Action.VIEW, Action.CHANGE)}

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_actions"
    )
    due_date = models.DateField()
    status = models.CharField(max_length=8, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_on = models.DateField(null=True, blank=True)
    visibility = VisibilityField()

    objects = MeetingActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["owner", "status", "due_date"], name="meeting_action_owner_idx")]

    def __str__(self) -> str:
        return self.description[:80]

    def get_absolute_url(self) -> str:
        return reverse(
            "meetings:meeting_detail",
            kwargs={"program_id": self.program_id, "pk": self.agenda_item.meeting_id},
        )

    def clean(self) -> None:
        if self.agenda_item_id and self.program_id and self.agenda_item.program_id != self.program_id:
            raise ValidationError("An action belongs to the same program as its agenda item.")
        if self.status == ActionStatus.DONE and self.done_on is None:
            raise ValidationError({"done_on": "Say when the action was done."})
        # An open action with a done date would read as delivered on the owner's pages.
        if self.status != ActionStatus.DONE and self.done_on is not None:
            raise ValidationError(
                {"done_on": "Only a done action has a done date; clear the date or mark the action done."}
            )
