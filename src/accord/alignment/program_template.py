"""Alignment's part of a program template: the stakeholder groups a program of its kind usually has.

A template names each group, its kind, where it sits on the power/interest grid and what is in it for
them; never its lead or members (people belong to a program, not to a template).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accord.alignment.models import StakeholderGroup
from accord.core.services import save_new_record
from accord.programs.program_templates import TemplatePart, check_section, section_items

OPTIONAL = ("power", "interest", "wiifm", "changes_asked", "visibility")


def _group(item: Mapping[str, Any], program: Any = None) -> StakeholderGroup:
    group = StakeholderGroup(
        program=program,
        name=item["name"],
        kind=item["kind"],
        power=item.get("power", 3),
        interest=item.get("interest", 3),
        wiifm=item.get("wiifm", ""),
        changes_asked=item.get("changes_asked", ""),
    )
    if "visibility" in item:
        group.visibility = item["visibility"]
    return group


def check(body: Mapping[str, Any]) -> list[str]:
    return check_section(
        body, "stakeholder_groups", required=("name", "kind"), optional=OPTIONAL, build=_group
    )


def apply(*, program: Any, actor: Any, template: Mapping[str, Any] | None = None) -> None:
    for item in section_items(template, "stakeholder_groups"):
        save_new_record(instance=_group(item, program), actor=actor)


def capture(program: Any) -> dict[str, list[dict[str, Any]]]:
    return {
        "stakeholder_groups": [
            {
                "name": group.name,
                "kind": group.kind,
                "power": group.power,
                "interest": group.interest,
                "wiifm": group.wiifm,
                "changes_asked": group.changes_asked,
                "visibility": group.visibility,
            }
            for group in StakeholderGroup.objects.filter(program=program).order_by("pk")
        ]
    }


PART = TemplatePart(sections=("stakeholder_groups",), check=check, capture=capture)
