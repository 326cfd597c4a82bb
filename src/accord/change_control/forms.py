"""Forms of the change-control pages: a change request (draft), workflow moves, votes, windows, exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from accord.accounts.models import User
from accord.change_control import risk
from accord.change_control.choices import ChangeState, Decision, ItemStatus, ReviewResult, TemplateStatus
from accord.change_control.models import (
    ActionItem,
    ChangeAdvisoryBoard,
    ChangeMeasureThresholds,
    ChangeRequest,
    ChangeWindow,
    StandardChangeTemplate,
)
from accord.change_control.windows import WallTimeError, localise, valid_zone
from accord.transition.models import Service

MAX_EXPORT_UPLOAD = 20 * 1024 * 1024
LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _members(program: Any, user: Any) -> Any:
    return User.objects.visible_to(user).filter(memberships__program=program).distinct().order_by("full_name")


class ZonedTimesMixin:
    """Wall-clock inputs read in the zone the form names (a naive `datetime-local` is local to that zone)."""

    zoned_fields: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        data = super().clean()  # type: ignore[misc]
        zone = data.get("time_zone") or "UTC"
        if not valid_zone(zone):
            self.add_error("time_zone", f"{zone!r} is not a time zone name such as Europe/London.")  # type: ignore[attr-defined]
            return data
        for name in self.zoned_fields:
            value = data.get(name)
            if isinstance(value, dt.datetime):
                try:
                    data[name] = localise(value.replace(tzinfo=None), zone)
                except WallTimeError as error:
                    self.add_error(name, str(error))  # type: ignore[attr-defined]
        return data


class ChangeRequestForm(ZonedTimesMixin, forms.ModelForm):
    """A draft request; the risk questionnaire's answers become its likelihood and impact."""

    zoned_fields = ("planned_start", "planned_end")

    class Meta:
        model = ChangeRequest
        fields = [
            "title",
            "change_type",
            "template",
            "external_reference",
            "services",
            "configuration_items",
            "description",
            "reason",
            "backout_plan",
            "test_evidence",
            "time_zone",
            "planned_start",
            "planned_end",
            "implementer",
            "visibility",
        ]
        widgets = {
            "planned_start": LOCAL,
            "planned_end": LOCAL,
            "configuration_items": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "reason": forms.Textarea(attrs={"rows": 3}),
            "backout_plan": forms.Textarea(attrs={"rows": 3}),
            "test_evidence": forms.Textarea(attrs={"rows": 3}),
            "services": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, program: Any = None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.visible_to(user).filter(program=program)
        self.fields["implementer"].queryset = _members(program, user)
        self.fields["template"].queryset = StandardChangeTemplate.objects.visible_to(user).filter(
            program=program, status=TemplateStatus.ACTIVE
        )
        self.fields["template"].help_text = "For a standard change: the pre-approved template it follows."
        for question in risk.QUESTIONS:
            self.fields[f"risk_{question.key}"] = forms.BooleanField(
                label=question.text,
                required=False,
                initial=bool(self.instance.risk_answers.get(question.key)) if self.instance.pk else False,
            )

    def change_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["services"] = list(self.cleaned_data["services"])
        data["risk_answers"] = {q.key: bool(self.cleaned_data.get(f"risk_{q.key}")) for q in risk.QUESTIONS}
        return data


class MoveForm(forms.Form):
    to = forms.ChoiceField(choices=ChangeState.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    actual_start = forms.DateTimeField(required=False, widget=LOCAL, help_text="UTC")
    actual_end = forms.DateTimeField(required=False, widget=LOCAL, help_text="UTC")
    result = forms.ChoiceField(choices=[("", "—"), *ReviewResult.choices], required=False)
    incidents_caused = forms.IntegerField(required=False, min_value=0, max_value=100000)

    def move_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("actual_start", "actual_end"):
            if data.get(name) is not None and data[name].tzinfo is None:
                data[name] = data[name].replace(tzinfo=dt.UTC)
        data["result"] = data.get("result") or ""
        data["incidents_caused"] = data.get("incidents_caused") or 0
        return {k: v for k, v in data.items() if v is not None}


class VoteForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ChangeWindowForm(ZonedTimesMixin, forms.ModelForm):
    zoned_fields = ("starts_at", "ends_at")

    class Meta:
        model = ChangeWindow
        fields = ["name", "kind", "time_zone", "starts_at", "ends_at", "recurrence", "services", "reason"]
        widgets = {"starts_at": LOCAL, "ends_at": LOCAL, "services": forms.CheckboxSelectMultiple}
        labels = {"starts_at": "First occurrence starts", "ends_at": "First occurrence ends"}

    def __init__(self, *args: Any, program: Any = None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.visible_to(user).filter(program=program)


class ExportUploadForm(forms.Form):
    file = forms.FileField(required=False, help_text="A ServiceNow change_request or incident export (CSV).")
    time_zone = forms.CharField(
        initial="UTC",
        max_length=64,
        help_text="The zone the export's dates are written in (the exporting user's).",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_EXPORT_UPLOAD:
            raise forms.ValidationError("The export is larger than 20 MiB; split it by month.")
        return upload

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data["time_zone"].strip()
        if not valid_zone(zone):
            raise forms.ValidationError(f"{zone!r} is not a time zone name such as America/Chicago.")
        return zone


class PlanDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    conditions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StandardChangeTemplateForm(forms.ModelForm):
    class Meta:
        model = StandardChangeTemplate
        fields = ["name", "description", "services", "configuration_items", "backout_plan", "test_evidence"]
        widgets = {
            "services": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
            "configuration_items": forms.Textarea(attrs={"rows": 3}),
            "backout_plan": forms.Textarea(attrs={"rows": 3}),
            "test_evidence": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, program: Any = None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.visible_to(user).filter(program=program)

    def template_data(self) -> dict[str, Any]:
        return {**self.cleaned_data, "services": list(self.cleaned_data["services"])}


class StandardChangeForm(ZonedTimesMixin, forms.Form):
    """A standard change raised from a template: what, when, and which of the template's services."""

    zoned_fields = ("planned_start", "planned_end")

    title = forms.CharField(max_length=200)
    external_reference = forms.CharField(max_length=40, required=False)
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    configuration_items = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line, from the template's.",
    )
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    time_zone = forms.CharField(max_length=64, initial="UTC")
    planned_start = forms.DateTimeField(widget=LOCAL)
    planned_end = forms.DateTimeField(widget=LOCAL)
    implementer = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, template: StandardChangeTemplate, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = template.services.all()
        self.fields["services"].initial = list(template.services.all())
        self.fields["configuration_items"].initial = template.configuration_items
        self.fields["implementer"].queryset = _members(template.program, user)

    def change_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data["services"] = list(self.cleaned_data["services"])
        data["configuration_items"] = self.cleaned_data.get("configuration_items", "")
        return data


class RetireForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ChangeBoardForm(forms.ModelForm):
    """Who sits on the CAB; people are offered from the program's members, the service checks who may sit."""

    class Meta:
        model = ChangeAdvisoryBoard
        fields = ["name", "members", "quorum", "emergency_members", "emergency_quorum", "clinical_approvers"]
        widgets = {
            "members": forms.CheckboxSelectMultiple,
            "emergency_members": forms.CheckboxSelectMultiple,
            "clinical_approvers": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, program: Any = None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("members", "emergency_members", "clinical_approvers"):
            self.fields[name].queryset = _members(program, user)

    def board_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("members", "emergency_members", "clinical_approvers"):
            data[name] = list(data[name])
        return data


class ActionItemForm(forms.ModelForm):
    """An item of a draft plan version; a moved due date asks why."""

    due_date_reason = forms.CharField(
        required=False, max_length=300, label="Why the due date moves (if it does)"
    )

    class Meta:
        model = ActionItem
        fields = ["key", "what", "owner", "service", "due_on", "depends_on", "status"]
        widgets = {
            "due_on": forms.DateInput(attrs={"type": "date"}),
            "depends_on": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, plan: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _members(plan.program, user)
        self.fields["service"].queryset = Service.objects.visible_to(user).filter(program=plan.program)
        others = ActionItem.objects.filter(plan=plan)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
            self.fields["key"].disabled = True
        self.fields["depends_on"].queryset = others

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        status = cleaned.get("status")
        # The form has no done date: it follows the status as a progress note's does (marked done here,
        # done today unless already dated; not done, no date), so ActionItem.clean() never faults a field
        # the form cannot show.
        if status == ItemStatus.DONE:
            self.instance.done_on = self.instance.done_on or timezone.localdate()
        elif status:
            self.instance.done_on = None
        return cleaned

    def item_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}
        data["depends_on"] = list(self.cleaned_data["depends_on"])
        data["done_on"] = self.instance.done_on
        if self.instance.pk:
            data.pop("key", None)
        return data


class ProgressForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    status = forms.ChoiceField(choices=[("", "unchanged"), *ItemStatus.choices], required=False)
    done_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ThresholdsForm(forms.ModelForm):
    class Meta:
        model = ChangeMeasureThresholds
        fields = [
            "min_success_rate_percent",
            "max_emergency_share_percent",
            "max_changes_causing_incidents",
            "max_cab_lead_time_days",
        ]
        labels = {
            "min_success_rate_percent": "Lowest acceptable success rate (%)",
            "max_emergency_share_percent": "Highest acceptable emergency share (%)",
            "max_changes_causing_incidents": "Most changes causing incidents",
            "max_cab_lead_time_days": "Longest median CAB lead time (days)",
        }
