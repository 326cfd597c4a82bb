"""Link integrity shared by every program-scoped model: the people a record names must be in its program."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models

_LOADED = "_accord_loaded_member_links"


class MemberLinksMixin:
    """Checks, in `full_clean()`, that the people named in `member_fields` are members of the record's program.

    A model declares its person links (`member_fields = ("owner",)`); forms, the API (through
    `ValidatedModelSerializer`), services and imports all call `full_clean()`, so the rule holds
    everywhere without each `clean()` repeating it.

    Only a link that is set or changed is checked (or every link, when the record moves program). A
    person who leaves the program keeps the records they own: removing a membership must not make
    every benefit, risk or action they held fail validation, so that an unrelated edit (a title, a
    status) still saves and the record keeps saying who was answerable. Naming a non-member is what
    the rule stops; handing a departed person's records to someone else is a deliberate act.
    """

    member_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_db(cls, db: str | None, field_names: Iterable[str], values: Any) -> Any:
        instance = super().from_db(db, field_names, values)  # type: ignore[misc]
        if cls.member_fields:
            setattr(instance, _LOADED, _link_values(instance))
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)  # type: ignore[misc]
        if self.member_fields:
            setattr(self, _LOADED, _link_values(self))

    def clean_fields(self, exclude: Iterable[str] | None = None) -> None:
        errors: dict[str, Any] = {}
        try:
            super().clean_fields(exclude=exclude)  # type: ignore[misc]
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        skip = set(exclude or ()) | set(errors)
        try:
            validate_members(self, fields=[f for f in self.member_fields if f not in skip])  # type: ignore[arg-type]
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def _link_values(instance: models.Model) -> dict[str, Any]:
    """The program and person ids as loaded; a deferred field is left out (read from the row if needed)."""
    names = ["program", *type(instance).member_fields]
    loaded = {}
    for name in names:
        attname = instance._meta.get_field(name).attname
        if attname in instance.__dict__:
            loaded[name] = instance.__dict__[attname]
    return loaded


def _stored_links(instance: models.Model, names: list[str]) -> dict[str, Any]:
    known: dict[str, Any] = {}
    if not instance._state.adding and instance.pk is not None:
        known = dict(getattr(instance, _LOADED, {}))
        missing = [n for n in names if n not in known]
        if missing:
            row = (
                type(instance)
                ._base_manager.filter(pk=instance.pk)
                .values(*(instance._meta.get_field(n).attname for n in missing))
                .first()
                or {}
            )
            known.update({n: row.get(instance._meta.get_field(n).attname) for n in missing})
    return known


def validate_members(instance: models.Model, *, fields: Iterable[str]) -> None:
    """Raise a field error for each named person (set or changed) who is not a member of the program.

    One query for all the fields; none when no link is set or changed.
    """
    fields = list(fields)
    program_id = getattr(instance, "program_id", None)
    if not fields or program_id is None:
        return
    stored = _stored_links(instance, ["program", *fields])
    moved = stored.get("program", program_id) != program_id
    to_check: dict[str, int] = {}
    for name in fields:
        person_id = getattr(instance, instance._meta.get_field(name).attname)
        if person_id is None:
            continue
        if moved or name not in stored or stored[name] != person_id:
            to_check[name] = person_id
    if not to_check:
        return
    members = set(
        get_user_model()
        .objects.filter(pk__in=set(to_check.values()), memberships__program_id=program_id)
        .values_list("pk", flat=True)
    )
    errors = {
        name: f"{getattr(instance, name)} is not a member of this program."
        for name, person_id in to_check.items()
        if person_id not in members
    }
    if errors:
        raise ValidationError(errors)


def member_choices(program: Any, *, keep: Any = None) -> models.QuerySet:
    """People a form may name in a program: its active members, plus whoever the record names now (so that a
    departed owner does not block an unrelated edit)."""
    from django.db.models import Q

    User = get_user_model()
    condition = Q(memberships__program=program, is_active=True)
    keep_id = getattr(keep, "pk", keep)
    if keep_id is not None:
        condition |= Q(pk=keep_id)
    return User.objects.filter(pk__in=User.objects.filter(condition).values("pk")).order_by("full_name")


def is_partner(person_id: int | None, program_id: int | None) -> bool:
    """True when the person holds a vendor or consultant role in the program (one query)."""
    from accord.core.permissions import PARTNER_ROLES

    if person_id is None or program_id is None:
        return False
    return (
        get_user_model()
        .objects.filter(pk=person_id, memberships__program_id=program_id, memberships__role__in=PARTNER_ROLES)
        .exists()
    )


def validate_people(program: Any, people: Iterable[Any], field: str) -> None:
    """The many-to-many counterpart of `validate_members` (group members), which `full_clean()` cannot see
    because the links are set after the row is saved; for serializers and services to call. One query."""
    people = [p for p in people if p is not None]
    if program is None or not people:
        return
    program_id = getattr(program, "pk", program)
    members = set(
        get_user_model()
        .objects.filter(pk__in=[p.pk for p in people], memberships__program_id=program_id)
        .values_list("pk", flat=True)
    )
    outside = [p for p in people if p.pk not in members]
    if outside:
        raise ValidationError({field: [f"{p} is not a member of this program." for p in outside]})
