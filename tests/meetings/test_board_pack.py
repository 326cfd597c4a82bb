"""The board pack: the dashboard, exceptions, decisions and agenda as they stood on a date, as the reader may see
them; the printable page and the PDF carry the same figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from accord.core.permissions import Visibility
from accord.core.services import update_record
from accord.governance import services as governance_services
from accord.governance.models import Risk
from accord.meetings.board_pack import build_board_pack
from tests.governance.factories import make_decision, make_risk, raise_flag
from tests.meetings.factories import MeetingFactory

RAISED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
RESOLVED = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def flags(world):
    """A shared flag raised on 2 March and resolved on 20 March; an internal flag still open."""
    shared = raise_flag(world, title="Order sets missing on ward 4", severity="critical", now=RAISED)
    governance_services.transition_red_flag(
        flag=shared,
        to="triaged",
        actor=world.program_manager,
        owner=world.stakeholder_lead,
        response_due=dt.date(2026, 3, 10),
        now=RAISED + dt.timedelta(days=1),
    )
    governance_services.transition_red_flag(
        flag=shared,
        to="resolved",
        actor=world.program_manager,
        resolution="Order sets published.",
        now=RESOLVED,
    )
    internal = raise_flag(
        world,
        title="Payroll interface owner leaving",
        severity="high",
        visibility=Visibility.INTERNAL,
        now=RAISED,
    )
    return {"shared": shared, "internal": internal}


def test_the_pack_of_a_past_date_shows_the_flag_open_then_and_not_today(world, flags, client_for) -> None:
    client = client_for("program_manager")
    url = f"/programs/{world.program.pk}/meetings/board-pack/"
    then = client.get(url, {"date": "2026-03-10"}).content.decode()
    assert "Order sets missing on ward 4" in then
    assert "Open red flags by severity and age (2)" in then
    # Eight days after it was raised on 2 March, triaged the next day.
    assert "<td>Triaged</td><td>—</td><td>2 Mar 2026</td><td>8</td>" in then.replace("\n", "")
    today = client.get(url).content.decode()
    assert "Open red flags by severity and age (1)" in today
    assert "Order sets missing on ward 4" not in today
    before = client.get(url, {"date": "2026-03-01"}).content.decode()
    assert "Open red flags by severity and age (0)" in before


def test_a_vendors_pack_omits_internal_flags(world, flags, client_for) -> None:
    page = client_for("vendor").get(
        f"/programs/{world.program.pk}/meetings/board-pack/", {"date": "2026-03-10"}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Order sets missing on ward 4" in text
    assert "Payroll interface owner leaving" not in text
    pm = client_for("program_manager").get(
        f"/programs/{world.program.pk}/meetings/board-pack/", {"date": "2026-03-10"}
    )
    assert "Payroll interface owner leaving" in pm.content.decode()


def test_the_pdf_is_a_pdf_named_for_the_program_and_date_and_carries_the_figures(
    world, flags, client_for
) -> None:
    response = client_for("program_manager").get(
        f"/programs/{world.program.pk}/meetings/board-pack.pdf", {"date": "2026-03-10"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="board-pack-program-a-2026-03-10.pdf"'
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Board pack: Program A" in text
    assert "10 March 2026" in text
    assert "Order sets missing on ward 4" in text
    assert "Open red flags by severity and age (2)" in text


def test_a_vendors_pdf_omits_internal_flags(world, flags, client_for) -> None:
    response = client_for("vendor").get(
        f"/programs/{world.program.pk}/meetings/board-pack.pdf", {"date": "2026-03-10"}
    )
    text = pdf_text(response.content)
    assert "Order sets missing on ward 4" in text
    assert "Payroll interface owner leaving" not in text


def test_a_risk_is_over_threshold_in_todays_pack_but_not_in_yesterdays(world, client_for) -> None:
    risk = make_risk(world, title="Go-live slips past the freeze", likelihood=3, impact=4)
    Risk.objects.filter(pk=risk.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    update_record(instance=risk, actor=world.program_manager, data={"likelihood": 5})  # 20: over threshold
    url = f"/programs/{world.program.pk}/meetings/board-pack/"
    client = client_for("program_manager")
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert "Risks scoring 15 or more (0)" in client.get(url, {"date": yesterday}).content.decode()
    today = client.get(url).content.decode()
    assert "Risks scoring 15 or more (1)" in today
    assert "<td>Go-live slips past the freeze</td><td>5 \u00d7 4</td><td>20</td>" in today


def test_a_meetings_pack_takes_its_date_its_agenda_and_the_decisions_since_the_last_board(
    world, client_for
) -> None:
    from accord.meetings import services as meeting_services

    today = timezone.localdate()
    MeetingFactory(
        program=world.program,
        title="Last board",
        scheduled_at=timezone.now() - dt.timedelta(days=40),
        visibility="shared",
    )
    meeting = MeetingFactory(
        program=world.program,
        title="December board",
        scheduled_at=timezone.now() - dt.timedelta(hours=1),
        visibility="shared",
    )
    meeting_services.add_agenda_item(
        meeting=meeting, actor=world.program_manager, title="Go-live readiness", visibility=Visibility.SHARED
    )
    make_decision(world, title="Fund physician super-users")
    response = client_for("board_member").get(
        f"/programs/{world.program.pk}/meetings/{meeting.pk}/board-pack/"
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert f"end of <strong>{today:%-d %B %Y}</strong>" in text and "December board" in text
    assert "Go-live readiness" in text
    assert "Decisions since the last board meeting" in text and "Fund physician super-users" in text
    pdf = client_for("board_member").get(f"/programs/{world.program.pk}/meetings/{meeting.pk}/board-pack.pdf")
    assert pdf.content.startswith(b"%PDF") and "Go-live readiness" in pdf_text(pdf.content)


def test_a_bad_or_future_date_is_refused_with_a_clear_message(world, client_for) -> None:
    client = client_for("program_manager")
    url = f"/programs/{world.program.pk}/meetings/board-pack/"
    response = client.get(url, {"date": "10/03/2026"})
    assert response.status_code == 400
    assert "is not a date: give it as YYYY-MM-DD" in response.content.decode()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.get(url, {"date": tomorrow})
    assert response.status_code == 400 and "choose today" in response.content.decode()


def test_the_pack_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries) -> None:
    for n in range(3):
        raise_flag(world, title=f"Flag {n}", now=RAISED)
        make_risk(world, title=f"Risk {n}", likelihood=5, impact=4)
    with django_assert_max_num_queries(60) as few:
        build_board_pack(program=world.program, user=world.program_manager, as_of=timezone.localdate())
    for n in range(3, 15):
        raise_flag(world, title=f"Flag {n}", now=RAISED)
        make_risk(world, title=f"Risk {n}", likelihood=5, impact=4)
        make_decision(world, title=f"Decision {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        pack = build_board_pack(program=world.program, user=world.program_manager, as_of=timezone.localdate())
    assert len(pack.flags) == 15 and len(pack.risks) == 15 and len(pack.decisions) == 12


def test_the_program_home_and_the_meeting_page_link_to_the_pack(world, client_for) -> None:
    meeting = MeetingFactory(program=world.program, title="Board", visibility="shared")
    client = client_for("vendor")
    home = client.get(f"/programs/{world.program.pk}/").content.decode()
    assert f'href="/programs/{world.program.pk}/meetings/board-pack/"' in home
    page = client.get(f"/programs/{world.program.pk}/meetings/{meeting.pk}/").content.decode()
    assert f'href="/programs/{world.program.pk}/meetings/{meeting.pk}/board-pack/"' in page
