"""Forms for meetings: the meeting itself, a member-written agenda item, and the minutes of one item."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.accounts.models import User
from accord.meetings.models import Meeting


def program_people(program: Any) -> Any:
    return User.objects.filter(memberships__program=program, is_active=True).order_by("full_name")


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["body", "title", "scheduled_at", "location", "attendees", "visibility"]
        widgets = {
            "scheduled_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        }

    def __init__(self, *args: Any, program: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = program_people(program)
        self.fields["attendees"].help_text = "Members of the program who attend."


class AgendaItemForm(forms.Form):
    title = forms.CharField(max_length=300, label="Item")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Background")


class DiscussionForm(forms.Form):
    discussion = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Discussion")


class DecisionForm(forms.Form):
    title = forms.CharField(max_length=200, label="Decision title")
    decision = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="What was decided")
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    options_considered = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ActionForm(forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Action")
    owner = forms.ModelChoiceField(queryset=User.objects.none())
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Due")

    def __init__(self, *args: Any, program: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = program_people(program)


class CommitmentFromActionForm(forms.Form):
    """Turn a minute's action into a stakeholder group's commitment; the groups offered are those the
    person may commit (every group for the program manager, their own for a group's lead)."""

    group = forms.ModelChoiceField(queryset=None, label="Stakeholder group that commits")
    what = forms.CharField(max_length=300, label="What the group promises")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Due")
    decision = forms.ModelChoiceField(
        queryset=None, required=False, label="Decision it carries out", empty_label="The latest on this item"
    )

    def __init__(self, *args: Any, action: Any, groups: Any, decisions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["decision"].queryset = decisions
        self.fields["owner"].queryset = program_people(action.program)
        self.initial.setdefault("what", action.description[:300])
        self.initial.setdefault("owner", action.owner_id)
        self.initial.setdefault("due_date", action.due_date)
