"""One FilterSet per meetings model, used by the API and by the pages that filter."""

from __future__ import annotations

from accord.core.filters import ProgramFilterSet
from accord.meetings.models import Meeting, MeetingAction


class MeetingFilterSet(ProgramFilterSet):
    class Meta:
        model = Meeting
        fields = ["program", "body", "status"]


class MeetingActionFilterSet(ProgramFilterSet):
    class Meta:
        model = MeetingAction
        fields = ["program", "status", "owner"]
