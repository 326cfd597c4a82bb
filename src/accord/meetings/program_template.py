"""Meetings' part of a program template: the governance bodies and how often each meets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accord.core.services import save_new_record
from accord.meetings.models import GovernanceBody
from accord.programs.program_templates import TemplatePart, check_section, section_items


def _body(item: Mapping[str, Any], program: Any = None) -> GovernanceBody:
    return GovernanceBody(
        program=program,
        body=item["body"],
        name=item["name"],
        cadence=item["cadence"],
        purpose=item.get("purpose", ""),
    )


def check(body: Mapping[str, Any]) -> list[str]:
    return check_section(
        body, "governance_bodies", required=("body", "name", "cadence"), optional=("purpose",), build=_body
    )


def apply(*, program: Any, actor: Any, template: Mapping[str, Any] | None = None) -> None:
    for item in section_items(template, "governance_bodies"):
        save_new_record(instance=_body(item, program), actor=actor)


def capture(program: Any) -> dict[str, list[dict[str, Any]]]:
    return {
        "governance_bodies": [
            {"body": body.body, "name": body.name, "cadence": body.cadence, "purpose": body.purpose}
            for body in GovernanceBody.objects.filter(program=program).order_by("pk")
        ]
    }


PART = TemplatePart(sections=("governance_bodies",), check=check, capture=capture)
