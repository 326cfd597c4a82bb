"""Move the "Numerator: …" and "Denominator: …" lines that program templates folded into KPI definitions
into the KPI's own fields; the reverse folds the fields back where the templates wrote them.

The parsing is copied here rather than imported: a migration must keep doing what it did when it was
written, whatever later becomes of the app's code.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

# The prefixes `program_template.kpi_definition` wrote, in its order: the definition's own text, then these
# two lines, then the guidance line.
PREFIXES = {"numerator": "Numerator: ", "denominator": "Denominator: "}
GUIDANCE = "Baseline and target: "


def _content(line: str) -> str:
    return line.rstrip("\r\n")


def split_counting_lines(definition: str) -> tuple[str, dict[str, str]]:
    """The definition without its counting lines, and what each said.

    A prefix that appears on more than one line is left in place: which one is meant is not ours to guess,
    and leaving the text untouched loses nothing.
    """
    lines = definition.splitlines(keepends=True)
    found: dict[str, str] = {}
    drop: set[int] = set()
    for field, prefix in PREFIXES.items():
        at = [i for i, line in enumerate(lines) if _content(line).startswith(prefix)]
        if len(at) != 1:
            continue
        value = _content(lines[at[0]])[len(prefix) :].strip()
        if value:
            found[field] = value
            drop.add(at[0])
    if not drop:
        return definition, found
    kept = "".join(line for i, line in enumerate(lines) if i not in drop)
    # The last counting line may have been the text's last line: its line break went with the line before.
    return kept.rstrip("\r\n") if not definition.endswith(("\r", "\n")) else kept, found


def fold_counting_lines(definition: str, values: dict[str, str]) -> str:
    """Put the counting lines back: after the definition's own text and before a guidance line."""
    added = [f"{PREFIXES[field]}{values[field]}" for field in PREFIXES if values.get(field)]
    if not added:
        return definition
    # A definition edited in a browser has CRLF line breaks; the lines go back with the text's own.
    newline = "\r\n" if "\r\n" in definition else "\n"
    lines = definition.splitlines(keepends=True)
    guidance = [i for i, line in enumerate(lines) if line.startswith(GUIDANCE)]
    if guidance:
        at = guidance[-1]
        return "".join(lines[:at]) + "".join(f"{line}{newline}" for line in added) + "".join(lines[at:])
    if definition.endswith(("\r", "\n")):
        return definition + "".join(f"{line}{newline}" for line in added)
    return newline.join([definition, *added] if definition else added)


def lines_to_fields(apps: Any, schema_editor: Any) -> None:
    Kpi = apps.get_model("benefits", "Kpi")
    candidates = Kpi.objects.filter(definition__contains=": ").only("pk", "definition")
    for kpi in candidates.iterator():
        definition, found = split_counting_lines(kpi.definition)
        if found:
            # `update`, not `save`: the row's other fields and its `updated_at` stay as they were.
            Kpi.objects.filter(pk=kpi.pk).update(definition=definition, **found)


def fields_to_lines(apps: Any, schema_editor: Any) -> None:
    Kpi = apps.get_model("benefits", "Kpi")
    counted = Kpi.objects.exclude(numerator="", denominator="").only("pk", "definition", *PREFIXES)
    for kpi in counted.iterator():
        values = {"numerator": kpi.numerator, "denominator": kpi.denominator}
        Kpi.objects.filter(pk=kpi.pk).update(
            definition=fold_counting_lines(kpi.definition, values), numerator="", denominator=""
        )


class Migration(migrations.Migration):
    dependencies = [("benefits", "0005_kpi_numerator_denominator")]

    operations = [migrations.RunPython(lines_to_fields, fields_to_lines)]
