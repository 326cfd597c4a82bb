"""Transition's part of a program template: the knowledge templates (what each service's documentation must
contain) and the training modules an outsourcing transition requires."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from accord.core.services import save_new_record
from accord.programs.program_templates import TemplatePart, check_section, checked_int, section_items
from accord.transition.models import KnowledgeTemplate, TrainingModule, split_lines

# The reference day a template is checked against; due dates are relative, so any day will do.
CHECK_DAY = dt.date(2030, 1, 1)


def _sections(item: Mapping[str, Any]) -> str:
    sections = item["required_sections"]
    if not isinstance(sections, list) or not all(isinstance(s, str) for s in sections):
        raise ValueError("required_sections must be a list of section headings.")
    return "\n".join(s.strip() for s in sections)


def _knowledge(item: Mapping[str, Any], program: Any = None) -> KnowledgeTemplate:
    return KnowledgeTemplate(
        program=program,
        name=item["name"],
        kind=item["kind"],
        description=item.get("description", ""),
        required_sections=_sections(item),
        required_for_kinds=item.get("required_for_kinds", []),
    )


def _module(item: Mapping[str, Any], program: Any = None, start: dt.date = CHECK_DAY) -> TrainingModule:
    due = checked_int(item, "due_after_days") if "due_after_days" in item else None
    return TrainingModule(
        program=program,
        title=item["title"],
        kind=item["kind"],
        description=item.get("description", ""),
        required_roles=item.get("required_roles", []),
        validity_months=item.get("validity_months"),
        due_on=start + dt.timedelta(days=due) if due else None,
    )


def check(body: Mapping[str, Any]) -> list[str]:
    return check_section(
        body,
        "knowledge_templates",
        required=("name", "kind", "required_sections"),
        optional=("description", "required_for_kinds"),
        build=_knowledge,
    ) + check_section(
        body,
        "training_modules",
        required=("title", "kind"),
        optional=("description", "required_roles", "validity_months", "due_after_days"),
        build=_module,
        label="title",
    )


def apply(*, program: Any, actor: Any, template: Mapping[str, Any] | None = None) -> None:
    start = timezone.localdate(program.created_at) if program.created_at else timezone.localdate()
    for item in section_items(template, "knowledge_templates"):
        save_new_record(instance=_knowledge(item, program), actor=actor)
    for item in section_items(template, "training_modules"):
        save_new_record(instance=_module(item, program, start), actor=actor)


def capture(program: Any) -> dict[str, list[dict[str, Any]]]:
    start = timezone.localdate(program.created_at)
    modules = []
    for module in TrainingModule.objects.filter(program=program).order_by("pk"):
        item: dict[str, Any] = {
            "title": module.title,
            "kind": module.kind,
            "description": module.description,
            "required_roles": list(module.required_roles),
        }
        if module.validity_months:
            item["validity_months"] = module.validity_months
        if module.due_on and module.due_on > start:
            item["due_after_days"] = (module.due_on - start).days
        modules.append(item)
    return {
        "knowledge_templates": [
            {
                "name": template.name,
                "kind": template.kind,
                "description": template.description,
                "required_sections": split_lines(template.required_sections),
                "required_for_kinds": list(template.required_for_kinds),
            }
            for template in KnowledgeTemplate.objects.filter(program=program).order_by("pk")
        ],
        "training_modules": modules,
    }


PART = TemplatePart(sections=("knowledge_templates", "training_modules"), check=check, capture=capture)
