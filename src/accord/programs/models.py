"""Programs (an EMR deployment, an outsourcing transition) and who holds which role in them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from accord.core.models import EVERY_MEMBER, ProgramScopedModel
from accord.core.permissions import Action, Role, can_in_program, roles_by_program
from accord.programs.program_templates import check_body


class ProgramKind(models.TextChoices):
    EMR_DEPLOYMENT = "emr_deployment", "EMR/EHR deployment"
    OUTSOURCING_TRANSITION = "outsourcing_transition", "IT outsourcing transition"
    OTHER = "other", "Other"


class ProgramPhase(models.TextChoices):
    PLANNING = "planning", "Planning"
    BUILD = "build", "Build"
    GO_LIVE = "go_live", "Go-live"
    STABILISATION = "stabilisation", "Stabilisation"
    OPTIMISATION = "optimisation", "Optimisation"


class ProgramQuerySet(models.QuerySet):
    def visible_to(self, user: Any, action: str = Action.VIEW) -> ProgramQuerySet:
        """Programs the user is a member of (with a role allowing `action` on the program itself)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        ids = [pid for pid in roles_by_program(user) if can_in_program(user, action, "program", pid)]
        return self.filter(pk__in=ids)


class Program(models.Model):
    """A hospital IT program: every other record in Accord belongs to exactly one of these."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=ProgramKind.choices)
    phase = models.CharField(max_length=20, choices=ProgramPhase.choices, default=ProgramPhase.PLANNING)
    go_live_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    sponsor = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sponsored_programs",
        help_text="The health system or hospital that owns the program.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def permits(self, user: Any, action: str) -> bool:
        if getattr(user, "is_superuser", False):
            return True
        if action == Action.ADD:
            return bool(getattr(user, "is_staff", False))
        return can_in_program(user, action, "program", self.pk)

    def audit_program_id(self) -> int | None:
        return self.pk


class Membership(ProgramScopedModel):
    """A person's role in one program; the role decides what they may read and write there."""

    access_area = "program"
    # Who belongs to the program, in which role, is known to all its members.
    visibility_path = EVERY_MEMBER

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["program", "role", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "person"], name="one_membership_per_person_and_program"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()} in {self.program}"

    def clean(self) -> None:
        person = getattr(self, "person", None) if self.person_id else None
        if person is None or person.organisation is None:
            return
        partner = self.role in {Role.VENDOR, Role.CONSULTANT}
        if partner and person.organisation.is_hospital_side:
            raise ValidationError(
                {"role": "Vendor and consultant roles are for people from partner organisations."}
            )


class ProgramTemplateQuerySet(models.QuerySet):
    def visible_to(self, user: Any, action: str = Action.VIEW) -> ProgramTemplateQuerySet:
        """Every template for who may create programs (templates hold no program's records), none for others."""
        if getattr(user, "is_superuser", False) or getattr(user, "is_staff", False):
            return self
        return self.none()


class ProgramTemplate(models.Model):
    """What a new program starts with, as data: success factors, stakeholder groups, KPIs, escalation
    rules, governance bodies and their cadence (and, for a transition, knowledge templates and training).

    The body is checked on every save against what each app's part accepts (`program_templates.check_body`),
    so a template that would stand up a broken program is never stored.
    """

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=ProgramKind.choices)
    description = models.TextField(blank=True)
    body = models.JSONField(help_text='{"schema": 1, "success_factors": […], "benefits": […], …}')
    built_in = models.BooleanField(default=False, help_text="Shipped with Accord; loaded from its files.")
    based_on = models.ForeignKey(
        Program,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="saved_templates",
        help_text="The program this template was saved from.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgramTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["-built_in", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = check_body(self.body)
        if errors:
            raise ValidationError({"body": errors})

    def permits(self, user: Any, action: str) -> bool:
        # Templates serve whoever creates programs; they hold no program's records.
        return bool(getattr(user, "is_superuser", False) or getattr(user, "is_staff", False))

    def audit_program_id(self) -> int | None:
        return None
