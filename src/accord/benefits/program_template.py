"""Benefits' part of a program template: success factors, and benefits with their KPI suggestions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from accord.benefits.choices import SuccessDimension
from accord.benefits.models import Benefit, Kpi, SuccessFactor
from accord.core.services import save_new_record
from accord.programs.program_templates import (
    TemplatePart,
    add_months,
    check_section,
    checked_int,
    months_between,
    section_items,
)

FACTOR_KEYS = ("dimension", "description")
BENEFIT_KEYS = ("description", "window_months", "visibility", "kpis")
KPI_KEYS = (
    "definition",
    "numerator",
    "denominator",
    "guidance",
    "target_after_months",
    "amber_tolerance",
    "red_tolerance",
    "frequency",
    "data_source",
    "fhir_measure_url",
)
# A KPI's tolerances, when the template leaves them out: a share of the distance from baseline to target.
AMBER_SHARE, RED_SHARE = 0.1, 0.25
# The reference day a template is checked against; the dates are relative, so any day will do.
CHECK_DAY = dt.date(2030, 1, 1)


def _factor(item: Mapping[str, Any], program: Any = None) -> SuccessFactor:
    return SuccessFactor(
        program=program,
        name=item["name"],
        dimension=item.get("dimension", SuccessDimension.CUSTOM),
        description=item.get("description", ""),
    )


def _window(item: Mapping[str, Any], start: dt.date) -> tuple[dt.date, dt.date]:
    return start, add_months(start, checked_int(item, "window_months") if "window_months" in item else 36)


def _benefit(item: Mapping[str, Any], start: dt.date = CHECK_DAY, program: Any = None) -> Benefit:
    window_start, window_end = _window(item, start)
    benefit = Benefit(
        program=program,
        title=item["title"],
        category=item["category"],
        description=item.get("description", ""),
        window_start=window_start,
        window_end=window_end,
    )
    if "visibility" in item:
        benefit.visibility = item["visibility"]
    return benefit


# How templates saved before KPIs had numerator and denominator fields carry them: as lines of the definition.
FOLDED_PREFIXES = {"numerator": "Numerator: ", "denominator": "Denominator: "}


def unfold_counting_lines(definition: str) -> tuple[str, dict[str, str]]:
    """A definition from a template saved before KPIs had numerator and denominator fields, without its
    "Numerator: …" / "Denominator: …" lines, and what each said (as migration 0006 moved them).

    A prefix on more than one line stays in the text: which one is meant is not ours to guess.
    """
    lines = definition.split("\n")
    found: dict[str, str] = {}
    drop: set[int] = set()
    for field, prefix in FOLDED_PREFIXES.items():
        at = [i for i, line in enumerate(lines) if line.startswith(prefix)]
        value = lines[at[0]][len(prefix) :].strip() if len(at) == 1 else ""
        if value:
            found[field] = value
            drop.add(at[0])
    return "\n".join(line for i, line in enumerate(lines) if i not in drop), found


def _text(item: Mapping[str, Any], key: str) -> str:
    """A text key of an item, refused with a clear message when it is a number, list or object."""
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text, not {value!r}.")
    return value.strip()


def kpi_counting(item: Mapping[str, Any]) -> tuple[str, str, str]:
    """A template KPI's definition (with its guidance on values), numerator and denominator.

    An item that names neither numerator nor denominator may come from a template saved before they were
    fields, whose definition carries them as lines: those are taken out of the text into the fields, so a
    KPI made from an old template looks like one made from a new one.
    """
    definition = str(item.get("definition", "")).strip()
    counting = {field: _text(item, field) for field in FOLDED_PREFIXES}
    if "numerator" not in item and "denominator" not in item:
        definition, counting = unfold_counting_lines(definition)
        definition = definition.strip()
    guidance = str(item.get("guidance") or "").strip()
    if guidance:
        definition = "\n".join(line for line in (definition, f"Baseline and target: {guidance}") if line)
    return definition, counting.get("numerator", ""), counting.get("denominator", "")


def _kpi(
    item: Mapping[str, Any], *, baseline_on: dt.date = CHECK_DAY, anchor: dt.date = CHECK_DAY, **links: Any
) -> Kpi:
    baseline, target = float(item["baseline_value"]), float(item["target_value"])
    months = checked_int(item, "target_after_months") if "target_after_months" in item else 12
    span = abs(target - baseline)
    definition, numerator, denominator = kpi_counting(item)
    return Kpi(
        **links,
        name=item["name"],
        definition=definition,
        numerator=numerator,
        denominator=denominator,
        unit=item["unit"],
        direction=item["direction"],
        baseline_value=baseline,
        baseline_date=baseline_on,
        target_value=target,
        target_date=add_months(max(anchor, baseline_on), months),
        amber_tolerance=float(item.get("amber_tolerance", round(span * AMBER_SHARE, 4))),
        red_tolerance=float(item.get("red_tolerance", round(span * RED_SHARE, 4))),
        frequency=item.get("frequency", "monthly"),
        data_source=item.get("data_source", ""),
        fhir_measure_url=item.get("fhir_measure_url", ""),
    )


def _check_kpis(benefit: dict[str, Any], where: str) -> list[str]:
    if "kpis" not in benefit:
        return []
    errors = check_section(
        benefit,
        "kpis",
        required=("name", "unit", "direction", "baseline_value", "target_value"),
        optional=KPI_KEYS,
        build=_kpi,
        exclude=("program", "benefit"),
    )
    return [f"{where}, {message}" for message in errors]


def check(body: Mapping[str, Any]) -> list[str]:
    errors = check_section(body, "success_factors", required=("name",), optional=FACTOR_KEYS, build=_factor)
    dimensions = [i.get("dimension") for i in section_items(body, "success_factors") if isinstance(i, dict)]
    repeated = sorted(
        {d for d in dimensions if d and d != SuccessDimension.CUSTOM and dimensions.count(d) > 1}
    )
    if repeated:
        errors.append(f"success_factors: only one factor per dimension ({', '.join(repeated)} repeated).")
    errors += check_section(
        body,
        "benefits",
        required=("title", "category"),
        optional=BENEFIT_KEYS,
        build=_benefit,
        label="title",
        nested=_check_kpis,
    )
    kpi_names = [
        k.get("name")
        for b in section_items(body, "benefits")
        if isinstance(b, dict) and isinstance(b.get("kpis"), list)
        for k in b["kpis"]
        if isinstance(k, dict)
    ]
    twice = sorted({n for n in kpi_names if n and kpi_names.count(n) > 1})
    if twice:
        errors.append(f"benefits: a KPI name is unique in a program ({', '.join(twice)} repeated).")
    return errors


def program_start(program: Any) -> dt.date:
    """The day a program was set up: the baseline date its template's KPIs start from."""
    return timezone.localdate(program.created_at) if program.created_at else timezone.localdate()


def apply(*, program: Any, actor: Any, template: Mapping[str, Any] | None = None) -> None:
    """Create the template's success factors, benefits and KPIs (before the default factors fill the gaps)."""
    if not template:
        return
    for item in section_items(template, "success_factors"):
        save_new_record(instance=_factor(item, program), actor=actor)
    start, anchor = program_start(program), _anchor(program)
    for item in section_items(template, "benefits"):
        benefit = save_new_record(instance=_benefit(item, anchor, program), actor=actor)
        for kpi in item.get("kpis", []):
            save_new_record(
                instance=_kpi(kpi, baseline_on=start, anchor=anchor, program=program, benefit=benefit),
                actor=actor,
            )


def _anchor(program: Any) -> dt.date:
    """The day a template's targets count from: go-live, or the day the program was set up if later."""
    start = program_start(program)
    return max(program.go_live_date or start, start)


def capture(program: Any) -> dict[str, list[dict[str, Any]]]:
    anchor = _anchor(program)
    factors = [
        {"dimension": f.dimension, "name": f.name, "description": f.description}
        for f in SuccessFactor.objects.filter(program=program).order_by("pk")
    ]
    benefits = []
    for benefit in Benefit.objects.filter(program=program).prefetch_related("kpis").order_by("pk"):
        benefits.append(
            {
                "title": benefit.title,
                "category": benefit.category,
                "description": benefit.description,
                "visibility": benefit.visibility,
                "window_months": months_between(benefit.window_start, benefit.window_end),
                "kpis": [
                    {
                        "name": kpi.name,
                        "definition": kpi.definition,
                        "numerator": kpi.numerator,
                        "denominator": kpi.denominator,
                        "unit": kpi.unit,
                        "direction": kpi.direction,
                        # The values the program started from and aims for, as suggestions for the next one.
                        "baseline_value": kpi.baseline_value,
                        "target_value": kpi.target_value,
                        # Counted as `apply` counts it, from go-live, so the next program's target sits as far
                        # after its own go-live.
                        "target_after_months": months_between(
                            anchor if kpi.target_date > anchor else kpi.baseline_date, kpi.target_date
                        ),
                        "amber_tolerance": kpi.amber_tolerance,
                        "red_tolerance": kpi.red_tolerance,
                        "frequency": kpi.frequency,
                        "data_source": kpi.data_source,
                        "fhir_measure_url": kpi.fhir_measure_url,
                    }
                    for kpi in sorted(benefit.kpis.all(), key=lambda k: k.pk)
                ],
            }
        )
    return {"success_factors": factors, "benefits": benefits}


PART = TemplatePart(sections=("success_factors", "benefits"), check=check, capture=capture)
