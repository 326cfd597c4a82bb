"""Forms for raising and answering red flags, the risk register, the decision log and escalation rules."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.accounts.models import User
from accord.core.permissions import HOSPITAL_ROLES, PARTNER_ROLES, Role, Visibility, role_in
from accord.core.validation import member_choices
from accord.governance import states
from accord.governance.choices import FlagState, RiskCategory, RiskResponse
from accord.governance.models import THREAT_FIELDS, Decision, EscalationRule, RedFlag, Risk

DATE = forms.DateInput(attrs={"type": "date"})


def program_people(program: Any, *, hospital_only: bool = False) -> Any:
    people = User.objects.filter(memberships__program=program, is_active=True)
    if hospital_only:
        people = people.filter(memberships__role__in=[r for r in HOSPITAL_ROLES if r != Role.AUDITOR])
    return people.order_by("full_name").distinct()


def _limit_to_program(form: forms.ModelForm, names: tuple[str, ...], program: Any, user: Any) -> None:
    for name in names:
        field = form.fields.get(name)
        if field is not None:
            field.queryset = field.queryset.model.objects.visible_to(user).filter(program=program)


class RaiseRedFlagForm(forms.ModelForm):
    """Short on purpose: a title, what you saw and how bad; everything else has a sensible default."""

    class Meta:
        model = RedFlag
        fields = ["title", "description", "severity", "visibility", *THREAT_FIELDS]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "severity": forms.RadioSelect}
        help_texts = {
            "visibility": "Hospital-internal flags are hidden from vendor and consultant members "
            "(you still see your own)."
        }

    def __init__(self, *args: Any, program: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The form validates the flag as it will be raised: in this program, by this person. Without them, the
        # model's check that a threatened benefit is of the flag's program refused every benefit chosen here.
        self.instance.program = program
        self.instance.raised_by = user
        _limit_to_program(self, THREAT_FIELDS, program, user)
        for name in THREAT_FIELDS:
            self.fields[name].required = False
            self.fields[name].empty_label = "— don't know / none —"
        if role_in(user, program.pk) in PARTNER_ROLES:
            # A partner's flag is shared: they follow it, and partners never see internal records.
            self.fields["visibility"].choices = [(Visibility.SHARED.value, Visibility.SHARED.label)]
            self.initial["visibility"] = Visibility.SHARED
            self.fields[
                "visibility"
            ].help_text = (
                "Flags raised by vendor and consultant members are shared with all partners in the program."
            )


class TransitionForm(forms.Form):
    """The fields any move may need; the state machine says which ones this move requires."""

    to = forms.ChoiceField(choices=FlagState.choices, widget=forms.HiddenInput)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    response_due = forms.DateField(required=False, widget=DATE)
    resolution = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Why reopen")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self, *args: Any, flag: RedFlag, transition: states.Transition | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = program_people(
            flag.program_id, hospital_only=flag.visibility == "internal"
        )
        if transition is not None:
            self.initial["to"] = transition.target
            keep = {"to", "note", *transition.required}
            for name in list(self.fields):
                if name not in keep:
                    del self.fields[name]
            for name in transition.required:
                self.fields[name].required = True
        self.auto_id = f"id_{transition.target if transition else 'move'}_%s"

    def transition_fields(self) -> dict[str, Any]:
        return {
            k: v for k, v in self.cleaned_data.items() if k in states.FIELD_LABELS and v not in (None, "")
        }


class CommentForm(forms.Form):
    note = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label="Why the board must hear of it",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The board reads this on its agenda.",
    )


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=RedFlag.objects.none(),
        label="Merge this flag into",
        help_text="This flag is closed as a duplicate; both histories are kept.",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, flag: RedFlag, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = (
            RedFlag.objects.visible_to(user)
            .filter(program_id=flag.program_id, merged_into__isnull=True)
            .exclude(pk=flag.pk)
            .order_by("-raised_at")
        )
        self.fields["into"].label_from_instance = lambda f: (
            f"#{f.pk} {f.title} ({f.get_state_display().lower()})"
        )


class ConvertToRiskForm(forms.Form):
    likelihood = forms.TypedChoiceField(
        choices=[(i, i) for i in range(1, 6)], coerce=int, help_text="1 rare … 5 almost certain"
    )
    impact = forms.TypedChoiceField(
        choices=[(i, i) for i in range(1, 6)], coerce=int, help_text="1 minor … 5 severe"
    )
    category = forms.ChoiceField(choices=RiskCategory.choices)
    response = forms.ChoiceField(choices=RiskResponse.choices, initial=RiskResponse.REDUCE)
    consequence = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, flag: RedFlag, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = program_people(
            flag.program_id, hospital_only=flag.visibility == "internal"
        )
        self.fields["owner"].initial = flag.owner_id


class RiskForm(forms.ModelForm):
    class Meta:
        model = Risk
        fields = [
            "title",
            "cause",
            "consequence",
            "category",
            "likelihood",
            "impact",
            "owner",
            "response",
            "actions",
            "review_date",
            "status",
            "visibility",
        ]
        widgets = {
            "cause": forms.Textarea(attrs={"rows": 3}),
            "consequence": forms.Textarea(attrs={"rows": 3}),
            "actions": forms.Textarea(attrs={"rows": 3}),
            "review_date": DATE,
        }

    def __init__(self, *args: Any, program: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_choices(program, keep=self.instance.owner_id)


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = [
            "title",
            "decision",
            "decided_by",
            "decided_on",
            "context",
            "options_considered",
            "rationale",
            "visibility",
            "flags",
            "risks",
            "benefits",
            "groups",
            "initiatives",
            "success_factors",
        ]
        widgets = {
            "decided_on": DATE,
            "context": forms.Textarea(attrs={"rows": 3}),
            "options_considered": forms.Textarea(attrs={"rows": 3}),
            "decision": forms.Textarea(attrs={"rows": 3}),
            "rationale": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "flags": "Red flags it answers",
            "risks": "Risks it addresses",
            "benefits": "Benefits it concerns",
            "groups": "Stakeholder groups it concerns",
            "initiatives": "Initiatives it concerns",
            "success_factors": "Success factors it concerns",
        }

    def __init__(self, *args: Any, program: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_to_program(
            self, ("flags", "risks", "benefits", "groups", "initiatives", "success_factors"), program, user
        )
        if not self.instance.pk:
            self.initial.setdefault("decided_by", "Governance board")


class EscalationRuleForm(forms.ModelForm):
    class Meta:
        model = EscalationRule
        fields = ["triage_hours", "resolve_days", "highest_level"]

    def __init__(self, *args: Any, program: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
