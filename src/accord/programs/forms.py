"""Forms for programs, memberships and the audit filter."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.accounts.models import User
from accord.core.models import AuditAction
from accord.core.permissions import Role
from accord.programs.models import Program, ProgramTemplate
from accord.programs.services import template_name_problem


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = ["name", "kind", "phase", "go_live_date", "description", "sponsor"]
        widgets = {
            "go_live_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from accord.accounts.models import Organisation

        self.fields["sponsor"].queryset = Organisation.objects.visible_to(user)


class NewProgramForm(ProgramForm):
    """A new program, empty or from a template (its groups, KPIs, rules and bodies are created with it)."""

    template = forms.ModelChoiceField(
        queryset=ProgramTemplate.objects.all(),
        required=False,
        label="Start from",
        empty_label="No template: an empty program",
        help_text="A template creates the program's success factors, stakeholder groups, KPIs with their "
        "definitions, escalation rules and governance bodies (and a transition's knowledge templates and training).",
    )

    field_order = ["template", "name", "kind", "phase", "go_live_date", "description", "sponsor"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        template = data.get("template")
        if template is not None and data.get("kind") and data["kind"] != template.kind:
            self.add_error(
                "kind",
                f"The template “{template}” is for programs of the kind “{template.get_kind_display()}”.",
            )
        return data


class SaveAsTemplateForm(forms.Form):
    name = forms.CharField(max_length=200, label="Template name")
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="When to use it; what it starts a program with.",
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        problem = template_name_problem(name)
        if problem:
            raise forms.ValidationError(problem)
        return name


class AddMemberForm(forms.Form):
    person = forms.ModelChoiceField(queryset=User.objects.none(), help_text="People you already work with.")
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args: Any, program: Program, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            User.objects.visible_to(user)
            .filter(is_active=True)
            .exclude(memberships__program=program)
            .select_related("organisation")
        )
        self.fields["person"].label_from_instance = lambda p: (
            f"{p.full_name} ({p.organisation or 'no organisation'})"
        )


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class AuditFilterForm(forms.Form):
    person = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    object_type = forms.ChoiceField(required=False, label="Record type")
    action = forms.ChoiceField(choices=[("", "Any action"), *AuditAction.choices], required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To (inclusive)"
    )

    def __init__(self, *args: Any, program: Program, object_types: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = User.objects.filter(memberships__program=program).order_by(
            "full_name"
        )
        self.fields["object_type"].choices = [("", "Any type"), *[(t, t) for t in object_types]]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("The start date is after the end date.")
        return data
