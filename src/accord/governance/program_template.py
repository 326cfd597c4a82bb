"""Governance's part of a program template: the escalation rule of each severity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accord.core.services import save_new_record
from accord.governance.models import EscalationRule
from accord.programs.program_templates import TemplatePart, check_section, section_items


def _rule(item: Mapping[str, Any], program: Any = None) -> EscalationRule:
    rule = EscalationRule(
        program=program,
        severity=item["severity"],
        triage_hours=item["triage_hours"],
        resolve_days=item["resolve_days"],
    )
    if "highest_level" in item:
        rule.highest_level = item["highest_level"]
    return rule


def check(body: Mapping[str, Any]) -> list[str]:
    return check_section(
        body,
        "escalation_rules",
        required=("severity", "triage_hours", "resolve_days"),
        optional=("highest_level",),
        build=_rule,
        label="severity",
    )


def apply(*, program: Any, actor: Any, template: Mapping[str, Any] | None = None) -> None:
    """Create the template's rules (before the defaults fill the severities it left out)."""
    for item in section_items(template, "escalation_rules"):
        save_new_record(instance=_rule(item, program), actor=actor)


def capture(program: Any) -> dict[str, list[dict[str, Any]]]:
    return {
        "escalation_rules": [
            {
                "severity": rule.severity,
                "triage_hours": rule.triage_hours,
                "resolve_days": rule.resolve_days,
                "highest_level": rule.highest_level,
            }
            for rule in EscalationRule.objects.filter(program=program).order_by("triage_hours", "pk")
        ]
    }


PART = TemplatePart(sections=("escalation_rules",), check=check, capture=capture)
