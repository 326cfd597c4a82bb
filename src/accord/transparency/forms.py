"""Forms of the transparency pages: the roster, the board, concerns (submission and receipt), surveys."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.accounts.models import User
from accord.core.permissions import Visibility
from accord.governance.choices import Severity
from accord.transparency.choices import ConcernState, SurveyDimension
from accord.transparency.models import Assignment, OpenDoorHours, PulseSurvey

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

# The four standing pulse questions; a survey may reword them.
STANDARD_QUESTIONS: list[tuple[str, str]] = [
    (SurveyDimension.TRUST_IN_PARTNER, "I trust the partner to run the services I know well."),
    (SurveyDimension.CLARITY_OF_FUTURE, "I know what my role will be after the transition."),
    (SurveyDimension.WORKLOAD, "My workload during the transition is manageable."),
    (SurveyDimension.KNOWLEDGE_TRANSFER, "Knowledge transfer for my services is on track."),
]


def program_people(program: Any) -> Any:
    return User.objects.filter(memberships__program=program, is_active=True).order_by("full_name")


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["service", "person", "role_on_service", "backup", "starts_on", "ends_on"]
        widgets = {"starts_on": DATE, "ends_on": DATE}

    def __init__(self, *args: Any, program: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = (
            self.fields["service"].queryset.visible_to(user).filter(program=program)
        )
        self.fields["person"].queryset = program_people(program)
        self.fields["backup"].queryset = program_people(program)


class OpenDoorHoursForm(forms.ModelForm):
    class Meta:
        model = OpenDoorHours
        fields = ["leader", "weekday", "starts_at", "ends_at", "location", "note"]
        widgets = {"starts_at": TIME, "ends_at": TIME}

    def __init__(self, *args: Any, program: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = program_people(program)


class QuestionForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Your question", max_length=4000)
    anonymous = forms.BooleanField(
        required=False, label="Ask anonymously (your name is not stored with the question)"
    )
    share_with_partner = forms.BooleanField(
        required=False, label="The partner's staff may read the question and its answer"
    )

    def visibility(self) -> str:
        return Visibility.SHARED if self.cleaned_data.get("share_with_partner") else Visibility.INTERNAL


class AnswerForm(forms.Form):
    answer = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=8000)


class ConcernForm(forms.Form):
    subject = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Your concern",
        max_length=8000,
        help_text="Leave out anything that names you if you want to stay unknown.",
    )


class ReceiptForm(forms.Form):
    receipt_code = forms.CharField(max_length=40, label="Receipt code")


class ReplyForm(forms.Form):
    receipt_code = forms.CharField(max_length=40, widget=forms.HiddenInput)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Your reply", max_length=8000)


class ConcernAnswerForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Answer", max_length=8000)


class ConcernTransitionForm(forms.Form):
    to = forms.ChoiceField(
        choices=[(s.value, s.label) for s in ConcernState if s != ConcernState.CONVERTED], label="Move to"
    )


class ConcernConvertForm(forms.Form):
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MEDIUM)


class SurveyForm(forms.ModelForm):
    """A survey with the four standing questions, each of which may be reworded or left out."""

    class Meta:
        model = PulseSurvey
        fields = ["title", "opens_on", "closes_on", "groups"]
        widgets = {"opens_on": DATE, "closes_on": DATE, "groups": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, program: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = (
            self.fields["groups"].queryset.visible_to(user).filter(program=program).order_by("name")
        )
        for dimension, text in STANDARD_QUESTIONS:
            self.fields[f"question_{dimension}"] = forms.CharField(
                max_length=300, required=False, initial=text, label=SurveyDimension(dimension).label
            )

    def questions(self) -> list[tuple[str, str]]:
        return [
            (dimension, self.cleaned_data[f"question_{dimension}"].strip())
            for dimension, _ in STANDARD_QUESTIONS
            if self.cleaned_data.get(f"question_{dimension}", "").strip()
        ]


class SurveyResponseForm(forms.Form):
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="Shown only in groups of at least five respondents. Leave out anything that names you.",
    )

    def __init__(self, *args: Any, questions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.text,
                coerce=int,
                widget=forms.RadioSelect,
                choices=[
                    (1, "1 strongly disagree"),
                    (2, "2"),
                    (3, "3"),
                    (4, "4"),
                    (5, "5 strongly agree"),
                ],
            )

    def scores(self) -> dict[int, int]:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions}
