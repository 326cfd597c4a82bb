"""Puts the program switcher and the current program's navigation on every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from accord.core.models import program_model
from accord.core.permissions import Action, can_in_program
from accord.core.registry import nav_entries


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def programs() -> list[Any]:
        # Lazy so that pages which never render the switcher never pay for the query.
        if not hasattr(request, "_accord_programs"):
            programs = program_model().objects.visible_to(user)
            request._accord_programs = list(programs.only("id", "name", "kind"))
        return request._accord_programs

    program = getattr(request, "program", None)
    links = []
    if program is not None:
        for entry in nav_entries():
            if not can_in_program(user, Action.VIEW, entry.area, program.pk):
                continue
            try:
                url = reverse(entry.url_name, kwargs={"program_id": program.pk})
            except NoReverseMatch:
                continue
            links.append({"label": entry.label, "url": url, "current": False})
        # Every section's URL starts with the program home's: only the longest match is the current one.
        matches = [link for link in links if request.path.startswith(link["url"])]
        if matches:
            max(matches, key=lambda link: len(link["url"]))["current"] = True
    return {"switcher_programs": programs, "current_program": program, "program_nav": links}
