"""Forms for stakeholder groups, readiness, impacts, strategy drafts, comments, endorsements, commitments and
the alignment weights; related choices are limited to what the person may see in this program."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accord.accounts.models import User
from accord.alignment import engine, services
from accord.alignment.choices import DECISIONS, CommitmentStatus
from accord.alignment.models import (
    AlignmentWeights,
    Commitment,
    Impact,
    ReadinessAssessment,
    StakeholderGroup,
    StrategyVersion,
)
from accord.core.validation import member_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def program_people(program: Any) -> Any:
    return User.objects.filter(memberships__program=program, is_active=True).order_by("full_name")


class ProgramScopedForm(forms.ModelForm):
    def __init__(self, *args: Any, program: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.program, self.user = program, user
        self.instance.program = program


class StakeholderGroupForm(ProgramScopedForm):
    class Meta:
        model = StakeholderGroup
        fields = [
            "name",
            "kind",
            "organisation",
            "lead",
            "members",
            "power",
            "interest",
            "wiifm",
            "changes_asked",
            "visibility",
        ]
        widgets = {
            "wiifm": forms.Textarea(attrs={"rows": 3}),
            "changes_asked": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from accord.accounts.models import Organisation

        self.fields["organisation"].queryset = Organisation.objects.visible_to(self.user)
        self.fields["lead"].queryset = member_choices(self.program, keep=self.instance.lead_id)
        self.fields["members"].queryset = program_people(self.program)


class ReadinessForm(ProgramScopedForm):
    class Meta:
        model = ReadinessAssessment
        fields = ["assessed_on", *engine.ADKAR, "notes"]
        widgets = {"assessed_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})}


class ImpactForm(ProgramScopedForm):
    class Meta:
        model = Impact
        fields = ["group", "initiative", "change", "benefits", "score", "rationale"]
        widgets = {"rationale": forms.Textarea(attrs={"rows": 3}), "benefits": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from accord.benefits.models import Benefit, Initiative

        self.fields["benefits"].queryset = Benefit.objects.visible_to(self.user).filter(program=self.program)

        self.fields["group"].queryset = StakeholderGroup.objects.visible_to(self.user).filter(
            program=self.program
        )
        self.fields["initiative"].queryset = Initiative.objects.visible_to(self.user).filter(
            program=self.program
        )


class CommitmentForm(ProgramScopedForm):
    class Meta:
        model = Commitment
        fields = ["group", "what", "owner", "due_date", "benefit", "initiative"]
        widgets = {"due_date": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from accord.benefits.models import Benefit, Initiative

        self.fields["group"].queryset = StakeholderGroup.objects.visible_to(self.user).filter(
            program=self.program
        )
        self.fields["owner"].queryset = member_choices(self.program, keep=self.instance.owner_id)
        self.fields["benefit"].queryset = Benefit.objects.visible_to(self.user).filter(program=self.program)
        self.fields["initiative"].queryset = Initiative.objects.visible_to(self.user).filter(
            program=self.program
        )

    def clean_group(self) -> StakeholderGroup:
        group = self.cleaned_data["group"]
        try:
            services.check_commitment_move(commitment=self.instance, group=group, actor=self.user)
        except ValidationError as error:
            raise ValidationError(error.message_dict["group"]) from error
        return group


class CommitmentStatusForm(forms.Form):
    status = forms.ChoiceField(choices=CommitmentStatus.choices)
    dropped_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Reason (when dropped)"
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Progress note")


class ProgressNoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Progress note")


class StrategyDraftForm(forms.ModelForm):
    class Meta:
        model = StrategyVersion
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}


class CommentForm(forms.Form):
    element = forms.CharField(max_length=64, widget=forms.HiddenInput, initial="summary")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Comment",
        help_text="Mention people with @email or @[Full Name].",
    )
    shared = forms.BooleanField(required=False, label="Share with partners (vendor, consultants)")


class EndorsementForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(d.value, d.label) for d in DECISIONS], widget=forms.RadioSelect, label="Your answer"
    )
    text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Conditions or reasons"
    )


class WeightsForm(forms.ModelForm):
    class Meta:
        model = AlignmentWeights
        fields = list(engine.PART_NAMES)
        labels = engine.PART_LABELS
