"""Forms of the SLA pages: contracts, attainment targets, policy versions, ticket uploads, computation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from accord.accounts.models import Organisation, OrganisationKind
from accord.core.timezones import sorted_zone_names
from accord.sla.choices import DisputedClock, DisputeOutcome, ImportMode, TicketFormat
from accord.sla.engine import PolicyError, load_policy
from accord.sla.imports import replace_events_error
from accord.sla.models import AttainmentTarget, Contract, SlaPolicyVersion

MAX_POLICY_BYTES = 200_000


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = [
            "name",
            "vendor",
            "start_date",
            "end_date",
            "reporting_frequency",
            "period_fee",
            "credit_cap_percent",
            "currency",
            "visibility",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, program: Any = None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = (
            Organisation.objects.visible_to(user)
            .filter(
                kind__in=[OrganisationKind.VENDOR, OrganisationKind.OUTSOURCER, OrganisationKind.CONSULTANCY]
            )
            .distinct()
            .order_by("name")
        )


class AttainmentTargetForm(forms.ModelForm):
    class Meta:
        model = AttainmentTarget
        fields = ["priority", "clock", "target_percent", "service_credit_percent"]


class PolicyVersionForm(forms.Form):
    """A new policy version: YAML typed or pasted, or a YAML file uploaded, from a chosen date."""

    name = forms.CharField(
        max_length=200,
        required=False,
        help_text="Name of the policy (only asked when the contract has none yet).",
    )
    effective_from = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Tickets opened on or after this date are measured by this version.",
    )
    source_text = forms.CharField(
        label="Policy (YAML)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "false", "class": "code"}),
    )
    yaml_file = forms.FileField(
        label="…or import a YAML file", required=False, help_text="Replaces the text above when given."
    )
    note = forms.CharField(max_length=300, required=False, help_text="Why this version was made.")

    def __init__(self, *args: Any, needs_name: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_name = needs_name
        if not needs_name:
            del self.fields["name"]
        else:
            self.fields["name"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload = data.get("yaml_file")
        if upload:
            if upload.size > MAX_POLICY_BYTES:
                self.add_error("yaml_file", "A policy file is at most 200 kB.")
                return data
            try:
                data["source_text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("yaml_file", "The file is not UTF-8 text.")
                return data
        text = data.get("source_text") or ""
        if not text.strip():
            self.add_error("source_text", "Give the policy as YAML, or upload a YAML file.")
            return data
        try:
            load_policy(text)
        except PolicyError as error:
            self.add_error("source_text", str(error))
        return data


def megabytes(size: float) -> str:
    """Bytes as megabytes for people: 50, 80.2, 0.05."""
    value = size / 1_000_000
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


def check_upload_size(upload: Any, limit_mb: float, what: str) -> None:
    """Refuse an upload past its ceiling before anything reads it; the error names the limit."""
    if upload is not None and upload.size > limit_mb * 1_000_000:
        raise forms.ValidationError(
            f"This file is {megabytes(upload.size)} MB; {what} may be at most {megabytes(limit_mb * 1_000_000)} MB. "
            "Split the export by date and upload the parts one after the other.",
            code="too_large",
        )


class TicketUploadForm(forms.Form):
    file = forms.FileField(label="Tickets file (CSV)")
    events_file = forms.FileField(
        label="State changes file (CSV: id,at,state)",
        required=False,
        help_text="Optional: the pauses and resumptions of each ticket.",
    )
    format = forms.ChoiceField(choices=TicketFormat.choices, initial=TicketFormat.GENERIC)
    mode = forms.ChoiceField(
        choices=ImportMode.choices, initial=ImportMode.ALL_OR_NOTHING, widget=forms.RadioSelect
    )
    date_format = forms.CharField(
        max_length=60,
        required=False,
        label="Date format",
        help_text="Leave blank for ISO 8601 (2024-03-02 14:05). For a day-first export give its pattern, "
        "e.g. %d/%m/%Y %H:%M; a month-first one: %m/%d/%Y %I:%M %p.",
    )
    replace_events = forms.BooleanField(
        required=False,
        label="Replace the stored state changes of the tickets in this file",
        help_text="Otherwise state changes are only added: those already stored are kept. Use "
        "“Preview” first to see how many would be removed.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = f"At most {megabytes(settings.ACCORD_TICKET_UPLOAD_MAX_MB * 1_000_000)} MB."
        self.fields["file"].help_text = limit
        self.fields["events_file"].help_text = (
            f"{self.fields['events_file'].help_text} For a Jira export: its status history "
            f"(Issue key, To status, Changed at). {limit}"
        )

    def clean_date_format(self) -> str:
        pattern = (self.cleaned_data.get("date_format") or "").strip()
        if pattern and "%" not in pattern:
            raise forms.ValidationError(
                "Give the pattern with strftime codes, e.g. %d/%m/%Y %H:%M for 31/12/2024 18:30."
            )
        return pattern

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("replace_events"):
            refusal = replace_events_error(
                file_format=data.get("format", ""), has_events_file=bool(data.get("events_file"))
            )
            if refusal:
                self.add_error("replace_events", refusal)
        return data

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        check_upload_size(upload, settings.ACCORD_TICKET_UPLOAD_MAX_MB, "a tickets file")
        return upload

    def clean_events_file(self) -> Any:
        upload = self.cleaned_data.get("events_file")
        check_upload_size(upload, settings.ACCORD_TICKET_UPLOAD_MAX_MB, "a state changes file")
        return upload


class ComputeForm(forms.Form):
    version = forms.ModelChoiceField(
        queryset=SlaPolicyVersion.objects.none(),
        required=False,
        empty_label="Each ticket under the version in force when it was opened",
    )
    as_of = forms.DateTimeField(
        required=False,
        help_text="Default: now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = SlaPolicyVersion.objects.filter(policy__contract=contract)
        self.fields["version"].label_from_instance = lambda v: f"Version {v.number} (from {v.effective_from})"

    def as_of_or_now(self) -> dt.datetime:
        return self.cleaned_data.get("as_of") or timezone.now()


# --- Periods and disputes ------------------------------------------------------------------------------


class PeriodIssueForm(forms.Form):
    start = forms.DateField(widget=forms.HiddenInput)


class PeriodReopenForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the issued report is reopened; kept in the audit trail with the figures before and after.",
    )


class DisputeRaiseForm(forms.Form):
    ticket = forms.CharField(max_length=100, label="Ticket number", help_text="The vendor's ticket number.")
    clock = forms.ChoiceField(choices=DisputedClock.choices)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), help_text="Why the measurement is wrong."
    )


class DisputeAnswerForm(forms.Form):
    answer = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))


class DisputeSettleForm(forms.Form):
    outcome = forms.ChoiceField(choices=DisputeOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Settlement", help_text="What the parties agreed."
    )


# --- The policy without YAML ---------------------------------------------------------------------------

WEEKDAY_FIELDS = (
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
)
CALENDAR_CHOICES = [("business", "Working hours"), ("24x7", "Around the clock (24x7)")]
PARTY_CHOICES = [
    ("", "Nobody named"),
    ("hospital", "Hospital"),
    ("vendor", "Vendor"),
    ("third_party", "Third party"),
]


def _holiday_countries() -> list[tuple[str, str]]:
    import holidays

    return [("", "No public holidays")] + [
        (code, code) for code in sorted(holidays.list_supported_countries()) if len(code) == 2
    ]


class StructuredPolicyForm(forms.Form):
    """A new policy version from fields instead of YAML: calendar, holidays and dates; targets and pause
    states come from the two formsets beside it (`TargetRowFormSet`, `PauseRowFormSet`)."""

    name = forms.CharField(
        max_length=200, required=False, help_text="Name of the policy (a first version only)."
    )
    effective_from = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Tickets opened on or after this date are measured by this version.",
    )
    timezone = forms.ChoiceField(help_text="The contract's clock: working hours and holidays are read in it.")
    holiday_country = forms.ChoiceField(required=False, label="Public holidays of (country)")
    holiday_subdivision = forms.CharField(
        max_length=10,
        required=False,
        label="Subdivision",
        help_text="e.g. ENG, IL, BY; blank for the whole country.",
    )
    holiday_dates = forms.CharField(
        required=False,
        label="Other days off",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Dates as YYYY-MM-DD, one per line or separated by commas (e.g. a hospital's own closures).",
    )
    note = forms.CharField(max_length=300, required=False, help_text="Why this version was made.")

    def __init__(self, *args: Any, needs_name: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if needs_name:
            self.fields["name"].required = True
        else:
            del self.fields["name"]
        self.fields["timezone"].choices = [(zone, zone) for zone in sorted_zone_names()]
        self.fields["holiday_country"].choices = _holiday_countries()
        for key, label in WEEKDAY_FIELDS:
            self.fields[f"hours_{key}"] = forms.CharField(
                required=False,
                label=f"{label} hours",
                help_text="e.g. 08:00-12:00, 13:00-17:00; blank: closed." if key == "mon" else "",
            )

    @staticmethod
    def initial_from(spec: dict[str, Any]) -> dict[str, Any]:
        """Field values from a stored spec (the latest version's), so an edit starts from it."""
        holidays = spec.get("holidays") or {}
        hours = spec.get("working_hours") or {}
        return {
            "timezone": spec.get("timezone", settings.TIME_ZONE),
            "holiday_country": holidays.get("country", ""),
            "holiday_subdivision": holidays.get("subdivision", ""),
            "holiday_dates": "\n".join(holidays.get("dates", [])),
            **{f"hours_{key}": ", ".join(hours.get(key, [])) for key, _ in WEEKDAY_FIELDS},
        }


class TargetRowForm(forms.Form):
    priority = forms.CharField(max_length=40, required=False)
    response = forms.CharField(max_length=20, required=False, help_text="e.g. 30m, 4h, 1d 2h")
    resolution = forms.CharField(max_length=20, required=False)
    calendar = forms.ChoiceField(choices=CALENDAR_CHOICES, initial="business")


class PauseRowForm(forms.Form):
    state = forms.CharField(max_length=100, required=False, label="Pause state")
    party = forms.ChoiceField(choices=PARTY_CHOICES, required=False, label="Held by")


class AllRowsFormSet(forms.BaseFormSet):
    """Every row is cleaned, even one left as it was shown: a row equal to the version in force is
    still part of the new version (Django skips unchanged extra rows otherwise)."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "empty_permitted": False}


TargetRowFormSet = forms.formset_factory(TargetRowForm, formset=AllRowsFormSet, extra=2)
PauseRowFormSet = forms.formset_factory(PauseRowForm, formset=AllRowsFormSet, extra=2)


def structured_policy_yaml(
    form: StructuredPolicyForm, targets: Any, pauses: Any, *, base: dict[str, Any] | None = None
) -> str | None:
    """The YAML of the policy the three bound forms describe, checked by the engine; None (with the
    errors added to the forms) when it is not a valid policy. Keys the form does not edit (warn_at,
    pause_applies_to) are kept from `base`, the latest version's spec."""
    from accord.sla.engine import dump_policy

    if not (form.is_valid() and targets.is_valid() and pauses.is_valid()):
        return None
    data = form.cleaned_data
    mapping: dict[str, Any] = {
        key: value for key, value in (base or {}).items() if key in ("warn_at", "pause_applies_to")
    }
    mapping["timezone"] = data["timezone"]
    mapping["working_hours"] = {
        key: [part.strip() for part in data[f"hours_{key}"].split(",") if part.strip()]
        for key, _ in WEEKDAY_FIELDS
        if data[f"hours_{key}"].strip()
    }
    holidays: dict[str, Any] = {}
    if data["holiday_country"]:
        holidays["country"] = data["holiday_country"]
        if data["holiday_subdivision"].strip():
            holidays["subdivision"] = data["holiday_subdivision"].strip()
    elif data["holiday_subdivision"].strip():
        form.add_error("holiday_subdivision", "Choose the country the subdivision belongs to.")
        return None
    dates = [part.strip() for part in data["holiday_dates"].replace(",", "\n").splitlines() if part.strip()]
    if dates:
        holidays["dates"] = dates
    if holidays:
        mapping["holidays"] = holidays
    rows = [row for row in targets.cleaned_data if row and row.get("priority", "").strip()]
    if not rows:
        form.add_error(None, "Give at least one priority with its response and resolution targets.")
        return None
    mapping["targets"] = {
        row["priority"].strip(): {
            "response": row["response"].strip(),
            "resolution": row["resolution"].strip(),
            **({"calendar": row["calendar"]} if row["calendar"] != "business" else {}),
        }
        for row in rows
    }
    states = [row for row in pauses.cleaned_data if row and row.get("state", "").strip()]
    mapping["pause_states"] = [row["state"].strip() for row in states]
    parties = {row["state"].strip(): row["party"] for row in states if row["party"]}
    if parties:
        mapping["pause_parties"] = parties
    try:
        spec = load_policy(mapping)
    except PolicyError as error:
        where = f" ({error.field})" if error.field else ""
        message = str(error).removeprefix(f"{error.field}: ") if error.field else str(error)
        form.add_error(None, f"{message}{where}")
        return None
    return dump_policy(spec)
