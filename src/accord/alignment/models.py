"""Stakeholder groups, their readiness, the impacts of change on them, the versioned strategy they endorse,
their commitments, and the alignment index snapshots."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accord.alignment import engine
from accord.alignment.choices import CommitmentStatus, EndorsementStatus, GroupKind
from accord.core.models import EVERY_MEMBER, ProgramScopedModel, VisibilityField, check_owners_see
from accord.core.permissions import (
    Action,
    Role,
    Visibility,
    role_in,
)

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


def _check_same_program(record: ProgramScopedModel, parent: Any, field: str) -> None:
    if parent is not None and record.program_id and parent.program_id != record.program_id:
        raise ValidationError({field: "Must belong to the same program."})


# --- Stakeholder groups ------------------------------------------------------------------------------


class StakeholderGroup(ProgramScopedModel):
    """A unit with its own interests and authority: a department, a physician group, the vendor…

    Vendor and consultant groups are shared with partners; hospital-internal groups are invisible to them.
    """

    access_area = "alignment"
    member_fields = ("lead",)
    # The lead answers for the group; the owners of its commitments are checked in `clean()`.
    owner_fields = ("lead",)

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=GroupKind.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The organisation unit this group is.",
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_stakeholder_groups",
        help_text="Endorses the strategy and answers for the group's commitments.",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="stakeholder_groups")
    power = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE, help_text="1 (little) to 5 (decisive)")
    interest = models.PositiveSmallIntegerField(
        validators=ONE_TO_FIVE, help_text="1 (indifferent) to 5 (intense)"
    )
    wiifm = models.TextField("What is in it for them", blank=True)
    changes_asked = models.TextField("Changes they are asked to embrace", blank=True)
    visibility = VisibilityField()

    class Meta:
        ordering = ["program", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="alignment_group_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("alignment:group_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    @property
    def quadrant(self) -> engine.Quadrant:
        return engine.quadrant(self.power, self.interest)

    def clean(self) -> None:
        # A partner who owns one of the group's commitments must still see the group once it is saved.
        if self.pk and self.program_id and self.visibility == Visibility.INTERNAL:
            owners = [c.owner for c in self.commitments.select_related("owner").exclude(owner=None)]
            check_owners_see(
                program_id=self.program_id,
                visibility=self.visibility,
                owners={"visibility": owners},
                message=lambda person: (
                    f"{person} owns a commitment of this group and cannot see hospital-internal "
                    "groups; give the commitment to someone from the hospital first, or keep the group shared."
                ),
            )

    def deletion_problem(self) -> str | None:
        """A group that has endorsed, promised or been scored is part of the program's history."""
        if self.endorsements.exists():
            return (
                "it was asked to endorse a published strategy version, and endorsements are history. "
                "Keep the group; take its members off it if it no longer takes part."
            )
        if self.commitments.exists():
            return "it has commitments on record. Drop them with a reason instead; keep the group."
        if self.snapshots.exists():
            return "the alignment index's history scores it. Keep the group."
        if self.decisions.exists():
            return "a decision in the decision log concerns it. Keep the group."
        return None

    def permits(self, user: Any, action: str) -> bool:
        if not super().permits(user, action):
            return False
        if action in (Action.CHANGE,) and role_in(user, self.program_id) == Role.STAKEHOLDER_LEAD:
            return self.lead_id == user.pk  # a lead maintains their own group, not their peers'
        return True


class GroupChildModel(ProgramScopedModel):
    """Abstract: a record about one stakeholder group, whose visibility is the group's."""

    visibility_path: ClassVar[str] = "group__visibility"

    class Meta:
        abstract = True

    def visibility_group(self) -> StakeholderGroup | None:
        return self.group if getattr(self, "group_id", None) else None

    def clean(self) -> None:
        _check_same_program(self, self.visibility_group(), "group")


# --- Readiness -----------------------------------------------------------------------------------------


class ReadinessAssessment(GroupChildModel):
    """A group's ADKAR readiness on one date (1-5 per element); the latest one counts."""

    access_area = "alignment"

    group = models.ForeignKey(StakeholderGroup, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    awareness = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    desire = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    knowledge = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    ability = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    reinforcement = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["group", "-assessed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.group} readiness on {self.assessed_on}"

    def get_absolute_url(self) -> str:
        return self.group.get_absolute_url()

    @property
    def scores(self) -> dict[str, int]:
        return {element: getattr(self, element) for element in engine.ADKAR}

    @property
    def barrier_point(self) -> str | None:
        return engine.barrier_point(self.scores)


# --- Impacts -------------------------------------------------------------------------------------------


class Impact(GroupChildModel):
    """What one change (an initiative or a change described in words) means for one group: -3 to +3."""

    access_area = "alignment"

    group = models.ForeignKey(StakeholderGroup, on_delete=models.CASCADE, related_name="impacts")
    initiative = models.ForeignKey(
        "benefits.Initiative",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="stakeholder_impacts",
    )
    change = models.CharField(max_length=200, blank=True, help_text="A change that is not an initiative.")
    score = models.SmallIntegerField(
        validators=[MinValueValidator(-3), MaxValueValidator(3)],
        help_text="-3 (heavy cost) to +3 (large gain)",
    )
    rationale = models.TextField(blank=True)
    # A change in words has no initiative to reach benefits through; it may name them itself.
    benefits = models.ManyToManyField(
        "benefits.Benefit",
        blank=True,
        related_name="stakeholder_impacts",
        verbose_name="benefits the change serves",
        help_text="The benefits this change serves directly.",
    )

    class Meta:
        ordering = ["program", "group", "pk"]

    def __str__(self) -> str:
        return f"{self.change_label} → {self.group}: {self.score:+d}"

    def get_absolute_url(self) -> str:
        return reverse("alignment:ledger", kwargs={"program_id": self.program_id})

    @property
    def change_label(self) -> str:
        return str(self.initiative) if self.initiative_id else self.change

    @property
    def change_key(self) -> str:
        return (
            f"initiative:{self.initiative_id}"
            if self.initiative_id
            else f"change:{self.change.strip().lower()}"
        )

    def clean(self) -> None:
        super().clean()
        if bool(self.initiative_id) == bool(self.change.strip()):
            raise ValidationError(
                {"change": "Name either an initiative or a change in words (one of the two)."}
            )
        if self.initiative_id:
            _check_same_program(self, self.initiative, "initiative")


# --- Strategy versions, comments and endorsements ---------------------------------------------------------


class StrategyVersion(ProgramScopedModel):
    """One version of the jointly crafted strategy. A draft reflects the live elements; publishing freezes
    them into `snapshot`, after which the version never changes."""

    access_area = "alignment"
    # A strategy is written to be read by every member once published.
    visibility_path = EVERY_MEMBER

    number = models.PositiveIntegerField()
    summary = models.TextField()
    snapshot = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Objectives, benefits, initiatives, groups and impacts as published.",
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["program", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="alignment_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Strategy v{self.number}{'' if self.is_published else ' (draft)'}"

    def get_absolute_url(self) -> str:
        return reverse("alignment:version_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("published_at", flat=True).first()
            if stored is not None:
                raise ValidationError(
                    "A published strategy version is frozen; publish a new version instead."
                )
        super().save(*args, **kwargs)

    def deletion_problem(self) -> str | None:
        if self.is_published:
            # Endorsements and comments refer to exactly this text; a later version supersedes it.
            return (
                "a published strategy version is history that its endorsements and comments refer to. "
                "Publish a new version instead; this one's endorsements then lapse."
            )
        return None


class StrategyComment(ProgramScopedModel):
    """A comment on one element of a strategy version (`element` e.g. "summary", "benefit:12"), with the
    people it mentions."""

    access_area = "alignment"

    version = models.ForeignKey(StrategyVersion, on_delete=models.CASCADE, related_name="comments")
    element = models.CharField(max_length=64, default="summary")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    visibility = VisibilityField()

    class Meta:
        ordering = ["version", "element", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment on {self.element} of {self.version}"

    def get_absolute_url(self) -> str:
        return self.version.get_absolute_url()

    def clean(self) -> None:
        _check_same_program(self, self.version if self.version_id else None, "version")

    def permits(self, user: Any, action: str) -> bool:
        # Commenting is its own right (everyone but the auditor), distinct from editing the strategy.
        return super().permits(user, "comment" if action == Action.ADD else action)


class Endorsement(GroupChildModel):
    """A group's answer to one published strategy version. Requested on publication; lapses when a newer
    version is published. Only the group's lead answers, or the program manager on their behalf."""

    access_area = "endorsements"

    version = models.ForeignKey(StrategyVersion, on_delete=models.CASCADE, related_name="endorsements")
    group = models.ForeignKey(StakeholderGroup, on_delete=models.CASCADE, related_name="endorsements")
    status = models.CharField(
        max_length=32, choices=EndorsementStatus.choices, default=EndorsementStatus.REQUESTED
    )
    text = models.TextField(blank=True, help_text="Conditions or the reasons for the objection.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_behalf = models.BooleanField(
        default=False, help_text="Given by the program manager for the group's lead."
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    lapsed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when a newer version was published."
    )

    class Meta:
        ordering = ["version", "group__name"]
        constraints = [
            models.UniqueConstraint(fields=["version", "group"], name="alignment_one_endorsement_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.group} on {self.version}: {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return self.version.get_absolute_url()

    @property
    def is_current(self) -> bool:
        return self.lapsed_at is None

    def clean(self) -> None:
        super().clean()
        _check_same_program(self, self.version if self.version_id else None, "version")
        needs_text = self.status in (EndorsementStatus.ENDORSED_WITH_CONDITIONS, EndorsementStatus.OBJECTED)
        if needs_text and not self.text.strip():
            raise ValidationError({"text": "State the conditions or the reasons for the objection."})

    def permits(self, user: Any, action: str) -> bool:
        if not super().permits(user, action):
            return False
        if action in (Action.ADD, Action.CHANGE) and not getattr(user, "is_superuser", False):
            if role_in(user, self.program_id) == Role.PROGRAM_MANAGER:
                return True
            return self.group.lead_id == user.pk
        return True


# --- Commitments -----------------------------------------------------------------------------------------


class Commitment(GroupChildModel):
    """What a group promised to do, by when, and how it is going."""

    access_area = "commitments"
    member_fields = ("owner",)
    owner_fields = ("owner",)

    group = models.ForeignKey(StakeholderGroup, on_delete=models.CASCADE, related_name="commitments")
    what = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alignment_commitments",
    )
    due_date = models.DateField()
    benefit = models.ForeignKey(
        "benefits.Benefit", null=True, blank=True, on_delete=models.SET_NULL, related_name="commitments"
    )
    initiative = models.ForeignKey(
        "benefits.Initiative", null=True, blank=True, on_delete=models.SET_NULL, related_name="commitments"
    )
    status = models.CharField(
        max_length=16, choices=CommitmentStatus.choices, default=CommitmentStatus.NOT_STARTED
    )
    dropped_reason = models.TextField(blank=True, help_text="Required when the commitment is dropped.")
    done_on = models.DateField(
        null=True, blank=True, help_text="When it was delivered (set when marked done)."
    )
    # Where the promise was made: the minutes' action it was turned from, and the decision behind it.
    origin_action = models.ForeignKey(
        "meetings.MeetingAction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
        verbose_name="meeting action it came from",
    )
    origin_decision = models.ForeignKey(
        "governance.Decision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
        verbose_name="decision it carries out",
    )

    class Meta:
        ordering = ["program", "due_date", "pk"]
        indexes = [models.Index(fields=["program", "status", "due_date"])]

    def __str__(self) -> str:
        return self.what

    def get_absolute_url(self) -> str:
        return reverse("alignment:commitment_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status not in (CommitmentStatus.DONE, CommitmentStatus.DROPPED)

    def deletion_problem(self) -> str | None:
        if not self.is_open:
            # The alignment index counts delivered and dropped commitments; removing one rewrites that score.
            return (
                f"a {self.get_status_display().lower()} commitment counts in the group's delivery record. "
                "It stays; an open one that will not be kept is dropped with a reason."
            )
        return None

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.status == CommitmentStatus.DROPPED and not self.dropped_reason.strip():
            errors["dropped_reason"] = "Say why the commitment is dropped."
        if self.status == CommitmentStatus.DONE and self.done_on is None:
            errors["done_on"] = "Say when it was delivered."
        if self.benefit_id:
            try:
                _check_same_program(self, self.benefit, "benefit")
            except ValidationError as error:
                errors.update({k: v[0] for k, v in error.message_dict.items()})
        if self.initiative_id:
            try:
                _check_same_program(self, self.initiative, "initiative")
            except ValidationError as error:
                errors.update({k: v[0] for k, v in error.message_dict.items()})
        for name in ("origin_action", "origin_decision"):
            if getattr(self, f"{name}_id"):
                try:
                    _check_same_program(self, getattr(self, name), name)
                except ValidationError as error:
                    errors.update({k: v[0] for k, v in error.message_dict.items()})
        if errors:
            raise ValidationError(errors)

    def permits(self, user: Any, action: str) -> bool:
        if not super().permits(user, action):
            return False
        if action in (Action.ADD, Action.CHANGE) and not getattr(user, "is_superuser", False):
            if role_in(user, self.program_id) == Role.PROGRAM_MANAGER:
                return True
            # Everyone else works on their own group's commitments (or the ones they own).
            group = self.group
            return (
                group.lead_id == user.pk
                or self.owner_id == user.pk
                or group.members.filter(pk=user.pk).exists()
            )
        return True


class CommitmentNote(GroupChildModel):
    """A dated progress note on a commitment."""

    access_area = "commitments"
    visibility_path: ClassVar[str] = "commitment__group__visibility"

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="notes")
    noted_on = models.DateField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()

    class Meta:
        ordering = ["commitment", "-noted_on", "-pk"]

    def __str__(self) -> str:
        return f"Note on {self.commitment} ({self.noted_on})"

    def visibility_group(self) -> StakeholderGroup | None:
        return self.commitment.group if self.commitment_id else None

    def clean(self) -> None:
        _check_same_program(self, self.commitment if self.commitment_id else None, "commitment")


# --- The alignment index ---------------------------------------------------------------------------------


class AlignmentWeights(ProgramScopedModel):
    """How much each part counts in the program's alignment index; edited by the program manager."""

    access_area = "alignment"
    # How the score is weighted is no secret from those it scores.
    visibility_path = EVERY_MEMBER

    endorsement = models.PositiveSmallIntegerField(default=engine.DEFAULT_WEIGHTS["endorsement"])
    delivery = models.PositiveSmallIntegerField(default=engine.DEFAULT_WEIGHTS["delivery"])
    readiness = models.PositiveSmallIntegerField(default=engine.DEFAULT_WEIGHTS["readiness"])
    impact = models.PositiveSmallIntegerField(default=engine.DEFAULT_WEIGHTS["impact"])
    red_flags = models.PositiveSmallIntegerField(default=engine.DEFAULT_WEIGHTS["red_flags"])

    class Meta:
        verbose_name = "alignment weights"
        verbose_name_plural = "alignment weights"
        constraints = [models.UniqueConstraint(fields=["program"], name="alignment_one_weights_per_program")]

    def __str__(self) -> str:
        return f"Alignment weights of {self.program}"

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in engine.PART_NAMES}

    def clean(self) -> None:
        try:
            engine.validate_weights({k: v or 0 for k, v in self.as_dict().items()})
        except ValueError as error:
            raise ValidationError(f"Weights: {error}.") from error

    def permits(self, user: Any, action: str) -> bool:
        # Only the program manager sets how the index is computed.
        return super().permits(user, "weights" if action in (Action.ADD, Action.CHANGE) else action)


class AlignmentSnapshot(ProgramScopedModel):
    """A group's (or, without a group, the program's) alignment score on one day, with its parts.

    Written once by `accord snapshot-alignment` and never modified: it is the history the trend shows.
    """

    access_area = "alignment"

    group = models.ForeignKey(
        StakeholderGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="snapshots"
    )
    # Each day is stored twice: as the hospital sees it (every record) and as partners see it (shared
    # groups and shared red flags only), so a partner's trend never counts an internal record.
    visibility = VisibilityField(
        help_text="Internal: computed from every record. Shared: computed from the "
        "records partners see, and shown to them."
    )
    taken_on = models.DateField()
    score = models.FloatField(null=True)
    parts = models.JSONField(default=list)
    weights = models.JSONField(default=dict)

    class Meta:
        ordering = ["program", "group", "taken_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "taken_on", "visibility"],
                condition=Q(group__isnull=False),
                name="alignment_one_group_snapshot_per_day",
            ),
            models.UniqueConstraint(
                fields=["program", "taken_on", "visibility"],
                condition=Q(group__isnull=True),
                name="alignment_one_program_snapshot_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"Alignment of {self.group or self.program} on {self.taken_on}: {self.score}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError("Alignment snapshots are never modified after they are taken.")
        super().save(*args, **kwargs)


class DigestDelivery(ProgramScopedModel):
    """That one person was sent the weekly commitments digest of one program for one week (so a second run
    of `accord send-digests` in the same week sends nothing twice)."""

    access_area = "commitments"
    # A delivery row holds when a digest went out, not what it said.
    visibility_path = EVERY_MEMBER

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_of = models.DateField(help_text="The Monday of the week.")
    sent_at = models.DateTimeField()
    late_count = models.PositiveIntegerField(default=0)
    due_soon_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-week_of"]
        verbose_name_plural = "digest deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "recipient", "week_of"], name="alignment_one_digest_a_week"
            ),
        ]

    def __str__(self) -> str:
        return f"Digest to {self.recipient} for week of {self.week_of}"
