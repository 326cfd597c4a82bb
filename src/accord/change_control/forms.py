"""Forms of the change-control pages: a change request (draft), workflow moves, votes, windows, exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from accord.accounts.models import User
from accord.change_control import risk
from accord.change_control.choices import ChangeState, Decision, ReviewResult
from accord.change_control.models import ChangeRequest, ChangeWindow
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
        fields = ["name", "kind", "time_zone", "starts_at", "ends_at", "services", "reason"]
        widgets = {"starts_at": LOCAL, "ends_at": LOCAL, "services": forms.CheckboxSelectMultiple}

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
