"""Forms of the SLA pages: contracts, attainment targets, policy versions, ticket uploads, computation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from accord.accounts.models import Organisation, OrganisationKind
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
