"""Reading records "as they stood" at the end of a date: the day and the moment every panel agrees on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import models
from django.utils import timezone

from accord.core.models import AuditEntry


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of `day` in the current time zone: everything stamped at or before it had happened."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def as_of_day(as_of: dt.date | None) -> dt.date:
    """The day a panel describes: `as_of`, or today when no date is asked for."""
    return as_of or timezone.localdate()


def is_past(as_of: dt.date | None) -> bool:
    """True when a date before today is asked for, so stored "current" fields cannot be read as they are."""
    return as_of is not None and as_of < timezone.localdate()


def wind_back(instances: Sequence[models.Model], *, at: dt.datetime, fields: Iterable[str]) -> None:
    """Set `fields` on each instance to the values they had at `at`, from the audit trail (one query).

    Every audited write keeps each changed field's value before and after; undoing, newest first, the
    changes written after `at` leaves the values that stood then. Exact when every change of those fields
    went through an audited service (the house rule); the instances are changed in memory, never saved.
    Fields must be plain values (a foreign key is stored as its id, so wind back `owner_id`, not `owner`).
    """
    if not instances:
        return
    wanted = tuple(fields)
    model = type(instances[0])
    by_id = {str(instance.pk): instance for instance in instances}
    later = (
        AuditEntry.objects.filter(object_type=model._meta.label_lower, object_id__in=list(by_id), at__gt=at)
        .order_by("-sequence")
        .values_list("object_id", "changes")
    )
    for object_id, changes in later:
        instance = by_id[object_id]
        for name in wanted:
            change = changes.get(name) if isinstance(changes, dict) else None
            if isinstance(change, list) and len(change) == 2:
                setattr(instance, name, change[0])
