"""Forms of the transition pages; every one validates through the model's `full_clean()` via the services."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.benefits import imports as measurement_imports
from accord.core.permissions import Role
from accord.core.validation import member_choices
from accord.transition.choices import HandoverStage, ServiceKind
from accord.transition.models import (
    Interview,
    KnowledgeItem,
    KnowledgeTemplate,
    Service,
    StageExitCriteria,
    TrainingModule,
)

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ProgramForm(forms.ModelForm):
    """A model form that knows its program and reader: person and record choices stop at the program."""

    people_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, program: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.program = program
        self.user = user
        for name in self.people_fields:
            if name in self.fields:
                keep = getattr(self.instance, f"{name}_id", None)
                self.fields[name].queryset = member_choices(program, keep=keep)


class ServiceForm(ProgramForm):
    people_fields = ("internal_owner", "partner_owner")

    class Meta:
        model = Service
        fields = [
            "name",
            "kind",
            "description",
            "criticality",
            "clinical_impact",
            "internal_owner",
            "partner_owner",
            "configuration_items",
            "contract",
            "knowledge_due_on",
            "partner_incidents_handled",
            "visibility",
        ]
        widgets = {
            "knowledge_due_on": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "configuration_items": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from accord.sla.models import Contract

        self.fields["contract"].queryset = Contract.objects.visible_to(self.user).filter(program=self.program)


class KnowledgeTemplateForm(ProgramForm):
    required_for_kinds = forms.MultipleChoiceField(
        choices=ServiceKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked when every service needs this template.",
    )

    class Meta:
        model = KnowledgeTemplate
        fields = ["name", "kind", "description", "required_sections", "required_for_kinds"]
        widgets = {"required_sections": forms.Textarea(attrs={"rows": 5})}


class KnowledgeItemForm(ProgramForm):
    class Meta:
        model = KnowledgeItem
        fields = ["service", "template", "title", "content", "review_due_on", "visibility"]
        widgets = {"content": forms.Textarea(attrs={"rows": 18}), "review_due_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.visible_to(self.user).filter(program=self.program)
        self.fields["template"].queryset = KnowledgeTemplate.objects.filter(program=self.program)
        if self.instance.pk:
            # An item stays about the service and template it was written for.
            del self.fields["service"]
            del self.fields["template"]


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("submit", "Submit"),
            ("approve", "Approve"),
            ("return", "Return"),
            ("supersede", "Supersede"),
        ]
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(forms.Form):
    file = forms.FileField()


class InterviewForm(ProgramForm):
    people_fields = ("expert", "interviewer")

    class Meta:
        model = Interview
        fields = ["service", "expert", "interviewer", "scheduled_at", "notes", "knowledge_items"]
        widgets = {"scheduled_at": DATETIME, "notes": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.visible_to(self.user).filter(program=self.program)
        self.fields["knowledge_items"].queryset = KnowledgeItem.objects.visible_to(self.user).filter(
            program=self.program
        )
        self.fields["knowledge_items"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        service = data.get("service")
        stray = [
            item for item in data.get("knowledge_items") or [] if service and item.service_id != service.pk
        ]
        if stray:
            self.add_error("knowledge_items", f"Not about {service}: {', '.join(str(i) for i in stray)}.")
        return data


class StageMoveForm(forms.Form):
    to = forms.ChoiceField(choices=HandoverStage.choices)
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SignOffForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TrainingModuleForm(ProgramForm):
    required_roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = TrainingModule
        fields = [
            "title",
            "kind",
            "description",
            "required_roles",
            "required_organisations",
            "validity_months",
            "due_on",
        ]
        widgets = {"due_on": DATE, "required_organisations": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from accord.accounts.models import Organisation

        self.fields["required_organisations"].queryset = Organisation.objects.filter(
            pk__in=member_choices(self.program).values("organisation_id")
        ).order_by("name")


class TrainingRecordForm(forms.Form):
    module = forms.ModelChoiceField(queryset=TrainingModule.objects.none())
    person = forms.ModelChoiceField(queryset=None, required=False, help_text="Leave empty for yourself.")
    completed_on = forms.DateField(widget=DATE)
    evidence = forms.CharField(required=False, max_length=300)

    def __init__(
        self, *args: Any, program: Any, user: Any, may_record_for_others: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = TrainingModule.objects.filter(program=program)
        if may_record_for_others:
            self.fields["person"].queryset = member_choices(program)
        else:
            del self.fields["person"]


class ExitCriteriaForm(ProgramForm):
    class Meta:
        model = StageExitCriteria
        fields = ["min_coverage_percent", "require_training", "min_incidents_handled", "sla_weeks"]


class ServiceImportForm(forms.Form):
    """The same ceiling as measurement files (ACCORD_MEASUREMENT_UPLOAD_MAX_MB), page and API alike."""

    file = forms.FileField(
        help_text="CSV or XLSX with columns name, kind, criticality, clinical_impact, internal_owner (e-mail), "
        "partner_owner, configuration_items (separated by ;), contract, knowledge_due_on."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = measurement_imports.max_upload_bytes()
        self.fields["file"].help_text += f" At most {measurement_imports.megabytes(limit)} MB."

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        limit = measurement_imports.max_upload_bytes()
        if upload is not None and upload.size > limit:
            raise forms.ValidationError(
                f"This file is {measurement_imports.megabytes(upload.size)} MB; a service inventory may be at most "
                f"{measurement_imports.megabytes(limit)} MB.",
                code="too_large",
            )
        return upload
