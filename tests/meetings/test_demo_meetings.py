"""The demo's held board meetings are consistent with their dates: no agenda item is about a record that
came into being after the meeting, and the flags they discuss were in the state the minutes say."""

from __future__ import annotations

import pytest

from accord.meetings.choices import MeetingStatus
from accord.meetings.models import AgendaItem

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(scope="module")
def demo(seeded_demo: str) -> None:
    return None


def test_held_meetings_never_discuss_a_record_created_after_the_meeting(demo: None) -> None:
    items = list(
        AgendaItem.objects.filter(meeting__status=MeetingStatus.HELD, source_id__isnull=False).select_related(
            "meeting", "source_type"
        )
    )
    assert items, "the demo's held meetings should discuss records drafted from the data"
    late = []
    for item in items:
        source = item.source
        came = getattr(source, "raised_at", None) or getattr(source, "created_at", None)
        if came is not None and came > item.meeting.scheduled_at:
            late.append(f"{item.meeting} ({item.meeting.scheduled_at:%d %b}): {item.title} ({came:%d %b})")
    assert late == []


def test_a_flag_on_a_held_agenda_had_been_raised_in_the_state_its_notes_give(demo: None) -> None:
    flag_items = [
        i
        for i in AgendaItem.objects.filter(meeting__status=MeetingStatus.HELD).select_related(
            "meeting", "source_type"
        )
        if i.source_type is not None and i.source_type.model == "redflag"
    ]
    assert flag_items
    for item in flag_items:
        flag = item.source
        assert flag.raised_at <= item.meeting.scheduled_at
        stood = [
            e.to_state
            for e in flag.events.filter(at__lte=item.meeting.scheduled_at).order_by("at", "pk")
            if e.to_state
        ]
        assert stood, item.title
        label = dict(flag._meta.get_field("state").choices)[stood[-1]].lower()
        assert f"state: {label}" in item.notes, (item.title, item.notes)
