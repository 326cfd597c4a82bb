"""`{{ record|seen_by:user }}`: a linked record, or nothing when the reader may not see it.

A page shows what its record links to (a merged flag, a threatened benefit); the link may point at a
record the reader may not see, so every such link goes through the reader's view permission.
"""

from __future__ import annotations

from typing import Any

from django import template

from accord.core.permissions import seen

register = template.Library()


@register.filter
def seen_by(record: Any, user: Any) -> Any:
    return seen(user, record)
