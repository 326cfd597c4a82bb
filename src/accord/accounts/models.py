"""People and the organisations they belong to."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accord.core.permissions import Role, roles_by_program


class OrganisationKind(models.TextChoices):
    HEALTH_SYSTEM = "health_system", "Health system"
    HOSPITAL = "hospital", "Hospital"
    UNIT = "unit", "Unit"
    VENDOR = "vendor", "Vendor"
    OUTSOURCER = "outsourcer", "Outsourcing partner"
    CONSULTANCY = "consultancy", "Consultancy"


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user: Any, action: str = "view") -> OrganisationQuerySet:
        """Organisations a person works with: their own and those of everyone in their programs."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        program_ids = list(roles_by_program(user))
        if action != "view":
            # Program managers onboard partner organisations; nobody else edits them.
            program_ids = [
                pid for pid, role in roles_by_program(user).items() if role == Role.PROGRAM_MANAGER
            ]
            if not program_ids:
                return self.none()
        condition = Q(people__memberships__program_id__in=program_ids) | Q(
            sponsored_programs__id__in=program_ids
        )
        if action == "view" and user.organisation_id:
            condition |= Q(pk=user.organisation_id)
        ids = self.filter(condition).values("pk")
        return self.filter(pk__in=ids)


class Organisation(models.Model):
    """A health system, hospital, unit, vendor, outsourcer or consultancy; units sit under a parent."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="organisation_name_unique_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        ancestor = self.parent
        seen = {self.pk} if self.pk else set()
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError({"parent": "An organisation cannot sit under itself."})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        if self.kind == OrganisationKind.UNIT and self.parent is None:
            raise ValidationError({"parent": "A unit belongs to a hospital or health system."})

    @property
    def is_hospital_side(self) -> bool:
        return self.kind in {OrganisationKind.HEALTH_SYSTEM, OrganisationKind.HOSPITAL, OrganisationKind.UNIT}

    def permits(self, user: Any, action: str) -> bool:
        if getattr(user, "is_superuser", False):
            return True
        if action == "add":
            return Role.PROGRAM_MANAGER in roles_by_program(user).values()
        return Organisation.objects.visible_to(user, action).filter(pk=self.pk).exists()

    def audit_program_id(self) -> None:
        return None


class UserQuerySet(models.QuerySet):
    def visible_to(self, user: Any, action: str = "view") -> UserQuerySet:
        """People who share a program with the user, colleagues of the user's own organisation, and,
        for program managers (who bring people into programs), everyone in organisations they work with."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        roles = roles_by_program(user)
        condition = Q(memberships__program_id__in=list(roles)) | Q(pk=user.pk)
        if user.organisation_id:
            condition |= Q(organisation_id=user.organisation_id)
        if Role.PROGRAM_MANAGER in roles.values():
            condition |= Q(organisation__in=Organisation.objects.visible_to(user).values("pk"))
        return self.filter(pk__in=self.filter(condition).values("pk"))


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their e-mail address."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True, help_text="Job title, e.g. CMIO or Nurse manager")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the admin site and create programs.")
    is_platform_auditor = models.BooleanField(
        default=False,
        help_text="May read the audit entries that belong to no program (people, organisations, "
        "sign-ins). Set by a platform administrator.",
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # Bumped by "log out everywhere": it is part of the session hash, so every session ends at once.
    session_generation = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = "person"
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        return salted_hmac(
            "accord.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def permits(self, user: Any, action: str) -> bool:
        if getattr(user, "is_superuser", False):
            return True
        if action == "view":
            return User.objects.visible_to(user).filter(pk=self.pk).exists()
        if action == "change":
            # An account is changed by its owner or a platform administrator (above), never by a program
            # manager: whoever may edit an account's e-mail address may reset its password.
            return user.pk == self.pk
        # Program managers bring new people into their programs; they manage memberships, not accounts.
        return action == "add" and Role.PROGRAM_MANAGER in roles_by_program(user).values()

    def audit_program_id(self) -> None:
        return None
