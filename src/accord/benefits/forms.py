"""Forms for objectives, links, benefits, KPIs, measurements, imports, initiatives and success factors."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.accounts.models import User
from accord.benefits import imports
from accord.benefits.models import (
    Benefit,
    Initiative,
    Kpi,
    Measurement,
    Objective,
    ObjectiveLink,
    SuccessFactor,
)
from accord.core.validation import member_choices

DATE = forms.DateInput(attrs={"type": "date"})


class ProgramScopedForm(forms.ModelForm):
    """Limits people and related records to the program and to what the user may see."""

    def __init__(self, *args: Any, program: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.program = program
        for name, field in self.fields.items():
            if not isinstance(field, forms.ModelChoiceField):
                continue
            model = field.queryset.model
            if model is User:
                field.queryset = member_choices(program, keep=getattr(self.instance, f"{name}_id", None))
            elif hasattr(model, "access_area"):
                field.queryset = model.objects.visible_to(user).filter(program=program)
            if name == "owner":
                field.required = False


class ObjectiveForm(ProgramScopedForm):
    class Meta:
        model = Objective
        fields = ["title", "perspective", "owner", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ObjectiveLinkForm(ProgramScopedForm):
    class Meta:
        model = ObjectiveLink
        fields = ["cause", "effect", "note"]
        labels = {"cause": "Cause (this objective…)", "effect": "Effect (…helps achieve this one)"}

    def clean(self) -> dict[str, Any]:
        # The model's cycle check needs the program before the generic view sets it.
        self.instance.program = self.program
        return super().clean()


class BenefitForm(ProgramScopedForm):
    class Meta:
        model = Benefit
        fields = [
            "title",
            "category",
            "description",
            "owner",
            "accountable_group",
            "objectives",
            "window_start",
            "window_end",
            "status",
            "abandoned_reason",
            "visibility",
        ]
        widgets = {
            "window_start": DATE,
            "window_end": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "abandoned_reason": forms.Textarea(attrs={"rows": 2}),
            "objectives": forms.CheckboxSelectMultiple,
        }


class KpiForm(ProgramScopedForm):
    class Meta:
        model = Kpi
        fields = [
            "benefit",
            "name",
            "definition",
            "numerator",
            "denominator",
            "unit",
            "direction",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "milestones",
            "amber_tolerance",
            "red_tolerance",
            "frequency",
            "data_source",
            "fhir_measure_url",
            "fhir_group_code",
        ]
        widgets = {
            "baseline_date": DATE,
            "target_date": DATE,
            "definition": forms.Textarea(attrs={"rows": 2}),
            "numerator": forms.Textarea(attrs={"rows": 2}),
            "denominator": forms.Textarea(attrs={"rows": 2}),
            "milestones": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self) -> dict[str, Any]:
        self.instance.program = self.program
        return super().clean()


class MeasurementForm(forms.ModelForm):
    class Meta:
        model = Measurement
        fields = ["value", "measured_on", "source", "note"]
        widgets = {"measured_on": DATE, "note": forms.Textarea(attrs={"rows": 2})}


class MeasurementImportForm(forms.Form):
    file = forms.FileField(
        help_text="CSV or XLSX with columns kpi, value, measured_on, source; or FHIR "
        "MeasureReport JSON (one report or a Bundle)."
    )
    decimal = forms.ChoiceField(
        label="Decimal separator in the file",
        choices=imports.DECIMAL_CHOICES,
        initial=imports.DECIMAL_AUTO,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text += f" At most {imports.megabytes(imports.max_upload_bytes())} MB."

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        limit = imports.max_upload_bytes()
        if upload is not None and upload.size > limit:
            raise forms.ValidationError(
                f"This file is {imports.megabytes(upload.size)} MB; a measurement file may be at most "
                f"{imports.megabytes(limit)} MB. Split it by date and import the parts one after the other.",
                code="too_large",
            )
        return upload

    def clean_decimal(self) -> str:
        return self.cleaned_data.get("decimal") or imports.DECIMAL_AUTO


class InitiativeForm(ProgramScopedForm):
    class Meta:
        model = Initiative
        fields = ["title", "description", "owner", "objectives", "start", "end", "status", "percent_complete"]
        widgets = {
            "start": DATE,
            "end": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "objectives": forms.CheckboxSelectMultiple,
        }


class SuccessFactorForm(ProgramScopedForm):
    class Meta:
        model = SuccessFactor
        fields = ["name", "dimension", "description", "owner", "status", "evidence", "last_reviewed"]
        widgets = {
            "last_reviewed": DATE,
            "evidence": forms.Textarea(attrs={"rows": 4}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }
