"""Template filters of the SLA pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def duration(seconds: int | None) -> str:
    """12345 -> '3h 25m'; None -> '—'. Business seconds read best as hours and minutes."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    hours, rest = divmod(abs(seconds), 3600)
    minutes = rest // 60
    text = f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"
    return f"-{text}" if seconds < 0 else text


@register.filter
def get_item(mapping: dict, key: str) -> object:
    return mapping.get(key)
