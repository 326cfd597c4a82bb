"""Program templates as data: the body's sections, which app owns each, how a body is checked, the built-ins.

A body is JSON: `{"schema": 1, "<section>": [{…}, …], …}`. Each domain app declares a `TemplatePart` on its
AppConfig (`accord_program_template`) naming the sections it owns, how it checks them and how it captures
them from a program; it applies them itself in its `accord_program_setup` function, so no app writes
another app's tables. Programs imports none of them: it asks the registry.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from accord.core.registry import providers

# The version of the body's layout; a body of another version is refused rather than half-read.
SCHEMA_VERSION = 1
# The built-in templates, shipped as files and loaded into the database by a data migration.
BUILT_IN_DIR = Path(__file__).resolve().parent / "template_library"
BUILT_IN_FILES = ("emr_deployment.json", "outsourcing_transition.json")


@dataclass(frozen=True)
class TemplatePart:
    """One app's part of a program template."""

    # The body's keys this app owns, e.g. ("success_factors", "benefits").
    sections: tuple[str, ...]
    # body -> error messages for these sections (empty when they are sound).
    check: Callable[[Mapping[str, Any]], list[str]]
    # program -> {section: [items]}: names, definitions and cadences; never people or records.
    capture: Callable[[Any], dict[str, list[dict[str, Any]]]]


def template_parts() -> list[TemplatePart]:
    return list(providers("accord_program_template"))


def known_sections() -> dict[str, TemplatePart]:
    return {section: part for part in template_parts() for section in part.sections}


def check_body(body: Any) -> list[str]:
    """Every problem with a template body, each naming where it is; empty when the body is sound."""
    if not isinstance(body, dict):
        return ["The template body must be a JSON object."]
    errors: list[str] = []
    if body.get("schema") != SCHEMA_VERSION:
        errors.append(f"“schema” must be {SCHEMA_VERSION} (this version of Accord reads that layout).")
    sections = known_sections()
    unknown = sorted(set(body) - set(sections) - {"schema"})
    if unknown:
        errors.append(
            f"Unknown section(s): {', '.join(unknown)}; known sections are {', '.join(sorted(sections))}."
        )
    for part in template_parts():
        if any(section in body for section in part.sections):
            errors.extend(part.check(body))
    return errors


def capture_body(program: Any) -> dict[str, Any]:
    """The template a program would make: each app's sections, in a body that `check_body` accepts."""
    body: dict[str, Any] = {"schema": SCHEMA_VERSION}
    for part in template_parts():
        body.update(part.capture(program))
    return body


def load_built_in(filename: str) -> dict[str, Any]:
    """One built-in template file: name, kind, description and body."""
    return json.loads((BUILT_IN_DIR / filename).read_text(encoding="utf-8"))


def section_items(body: Mapping[str, Any] | None, section: str) -> list[dict[str, Any]]:
    """The items of a section of a body already checked (absent: none)."""
    if not body:
        return []
    return list(body.get(section) or [])


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or the month's last day), for windows and targets given in months."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


def months_between(start: dt.date, end: dt.date) -> int:
    return max(1, (end.year - start.year) * 12 + end.month - start.month)


def check_section(
    body: Mapping[str, Any],
    section: str,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    build: Callable[[dict[str, Any]], models.Model] | None = None,
    exclude: Iterable[str] = ("program",),
    label: str = "name",
    nested: Callable[[dict[str, Any], str], list[str]] | None = None,
) -> list[str]:
    """Check one section: a list of objects with the named keys, each valid as the model `build` makes of it.

    The model's own `full_clean()` judges the values (choices, ranges, a KPI's target against its
    direction), so a template is refused for exactly what the page would refuse.
    """
    items = body.get(section, [])
    if not isinstance(items, list):
        return [f"“{section}” must be a list."]
    required, allowed = set(required), set(required) | set(optional)
    errors: list[str] = []
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        where = f"{section} {number}"
        if not isinstance(item, dict):
            errors.append(f"{where}: must be an object with {', '.join(sorted(required))}.")
            continue
        if isinstance(item.get(label), str):
            where += f" (“{item[label]}”)"
            if item[label] in seen:
                errors.append(f"{where}: appears twice.")
            seen.add(item[label])
        missing, unknown = sorted(required - set(item)), sorted(set(item) - allowed)
        if missing:
            errors.append(f"{where}: missing {', '.join(missing)}.")
        if unknown:
            errors.append(
                f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}."
            )
        if missing or unknown:
            continue
        if build is not None:
            try:
                instance = build(item)
                instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                errors.extend(f"{where}: {message}" for message in _messages(error))
            except (TypeError, ValueError, KeyError) as error:
                errors.append(f"{where}: {error}")
        if nested is not None:
            errors.extend(nested(item, where))
    return errors


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{field}: {message}" if field != "__all__" else message
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)


def checked_int(item: Mapping[str, Any], key: str, *, minimum: int = 1) -> int:
    """An integer key of an item (months, days), refused with a clear message when it is not one."""
    value = item[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{key} must be a whole number of at least {minimum}, not {value!r}.")
    return value
