"""Template filters for showing KPI readings: RAG badges and realisation capped for display."""

from __future__ import annotations

from django import template

from accord.benefits import engine

register = template.Library()

RAG_LABELS = {
    engine.GREEN: "On track",
    engine.AMBER: "Slipping",
    engine.RED: "Off track",
    engine.NO_DATA: "No data",
    "not_assessed": "Not assessed",
}


@register.filter
def rag_class(status: str) -> str:
    return status if status in (engine.GREEN, engine.AMBER, engine.RED) else "grey"


@register.filter
def rag_label(status: str) -> str:
    return RAG_LABELS.get(status, status)


@register.filter
def capped_percent(percent: float | None) -> str:
    """0-100 % for display; beyond the target or below the baseline shows the bound (the API keeps the truth)."""
    shown = engine.cap_for_display(percent)
    return "—" if shown is None else f"{shown:.0f}%"


@register.filter
def number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}".rstrip("0").rstrip(".")
