"""Minutes: discussion, decisions in the decision log, actions on the owner's pages, printable page and PDF."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pypdf import PdfReader

from accord.governance import services as governance
from accord.governance.models import Decision
from accord.meetings import services
from accord.meetings.choices import ActionStatus
from accord.notifications.models import Notification
from tests.meetings.factories import MeetingFactory

NOW = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def minuted(world: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    meeting = MeetingFactory(program=world.program, title="Board meeting March")
    meeting.attendees.set([world.program_manager, world.board_member])
    flag = governance.raise_red_flag(
        program=world.program,
        actor=world.consultant,
        title="Low physician engagement",
        description="Few hospitalists attend design sessions.",
        now=NOW,
    )
    [item] = services.draft_agenda(meeting=meeting, actor=world.program_manager, now=NOW)
    services.record_discussion(
        item=item, actor=world.program_manager, discussion="The CMIO will run protected design time."
    )
    decision = services.record_decision(
        item=item,
        actor=world.board_member,
        title="Fund protected physician time",
        decision="Four hours a week per champion until go-live.",
        rationale="Order sets need their authors.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        action = services.add_action(
            item=item,
            actor=world.program_manager,
            owner=world.stakeholder_lead,
            description="Name six physician champions",
            due_date=dt.date(2026, 3, 20),
        )
    return {"meeting": meeting, "item": item, "flag": flag, "decision": decision, "action": action}


def test_a_decision_in_the_minutes_is_an_entry_of_the_decision_log(
    world: Any, minuted: dict[str, Any]
) -> None:
    decision = Decision.objects.get(pk=minuted["decision"].pk)
    assert decision.program == world.program
    assert decision.decided_by == "Governance board"
    assert decision.decided_on == dt.date(2026, 3, 10)
    assert list(decision.flags.all()) == [minuted["flag"]]
    assert "The CMIO will run protected design time." in decision.context
    assert list(minuted["item"].decisions.all()) == [decision]


def test_the_action_owner_is_notified_and_sees_it_on_their_pages(
    world: Any, minuted: dict[str, Any], client_for: Any
) -> None:
    notice = Notification.objects.get(recipient=world.stakeholder_lead)
    assert notice.title == "Action for you from Board meeting March, due 20 Mar 2026"
    assert [m.to for m in mail.outbox] == [["stakeholder_lead@example.org"]]
    client = client_for("stakeholder_lead")
    page = client.get(
        reverse("meetings:my_actions", kwargs={"program_id": world.program.pk})
    ).content.decode()
    assert "Name six physician champions" in page
    home = client.get(
        reverse("programs:program_home", kwargs={"program_id": world.program.pk})
    ).content.decode()
    assert "My meeting actions" in home and "Name six physician champions" in home
    other = client_for("member").get(reverse("meetings:my_actions", kwargs={"program_id": world.program.pk}))
    assert "Name six physician champions" not in other.content.decode()


def test_the_owner_marks_their_action_done_but_nobody_else_below_leadership(
    world: Any, minuted: dict[str, Any], client_for: Any
) -> None:
    action = minuted["action"]
    url = reverse("meetings:action_complete", kwargs={"program_id": world.program.pk, "pk": action.pk})
    assert client_for("member").post(url).status_code == 403  # sees the minutes, may not close the action
    with pytest.raises(PermissionDenied):
        services.complete_action(action=action, actor=world.auditor, done_on=dt.date(2026, 3, 15))
    assert client_for("stakeholder_lead").post(url).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.done_on is not None


def test_printable_minutes_show_discussion_decisions_and_actions(
    world: Any, minuted: dict[str, Any], client_for: Any
) -> None:
    url = reverse(
        "meetings:meeting_minutes", kwargs={"program_id": world.program.pk, "pk": minuted["meeting"].pk}
    )
    page = client_for("board_member").get(url).content.decode()
    for text in (
        "Board meeting March",
        "Red flag: Low physician engagement",
        "The CMIO will run protected design time.",
        "Fund protected physician time",
        "Name six physician champions",
        "1 decision, 1 action",
    ):
        assert text in page


def test_minutes_pdf_is_a_pdf_with_the_meeting_title(
    world: Any, minuted: dict[str, Any], client_for: Any
) -> None:
    url = reverse(
        "meetings:meeting_minutes_pdf", kwargs={"program_id": world.program.pk, "pk": minuted["meeting"].pk}
    )
    response = client_for("program_manager").get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Board meeting March" in text
    assert "Fund protected physician time" in text


def test_meeting_page_query_count_does_not_grow_with_the_agenda(
    world: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    meeting = MeetingFactory(program=world.program)
    client = client_for("program_manager")
    url = reverse("meetings:meeting_detail", kwargs={"program_id": world.program.pk, "pk": meeting.pk})
    client.get(url)
    for size in (2, 12):
        for n in range(size):
            item = services.add_agenda_item(
                meeting=meeting, actor=world.program_manager, title=f"Item {size}-{n}"
            )
            services.add_action(
                item=item,
                actor=world.program_manager,
                owner=world.member,
                description="Follow up",
                due_date=dt.date(2026, 4, 1),
            )
        with django_assert_max_num_queries(25):
            assert client.get(url).status_code == 200
