"""The trust index with its parts and trend, and what reaches the board: a falling trust index and questions
left unanswered."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.core.models import AuditEntry
from accord.core.permissions import Role, Visibility
from accord.meetings import services as meetings
from accord.meetings.choices import Body
from accord.transparency import engine, queries, services
from accord.transparency.choices import SurveyDimension
from tests.factories import MembershipFactory, ProgramFactory, UserFactory
from tests.meetings.factories import MeetingFactory
from tests.transparency.factories import DAY, answer, sent_survey, staff_group

TRUSTING = {d.value: 4 for d in SurveyDimension}


@pytest.fixture
def program(db: Any) -> dict[str, Any]:
    program = ProgramFactory(name="IT transition")
    manager = UserFactory()
    MembershipFactory(program=program, person=manager, role=Role.PROGRAM_MANAGER)
    desk = staff_group(program, "Service desk", 7)
    network = staff_group(program, "Network", 6)
    return {"program": program, "manager": manager, "desk": desk, "network": network}


def test_the_trust_index_is_the_weighted_mean_of_its_parts() -> None:
    index = engine.trust_index(
        {"trust_in_partner": 5.0, "clarity_of_future": 1.0, "workload": 3.0, "knowledge_transfer": 3.0}
    )
    assert index.value == pytest.approx(0.4 * 100 + 0.25 * 0 + 0.15 * 50 + 0.2 * 50)
    assert [p.dimension for p in index.parts] == [
        "trust_in_partner",
        "clarity_of_future",
        "knowledge_transfer",
        "workload",
    ]
    assert sum(p.contribution for p in index.parts) == pytest.approx(index.value)
    # Only the dimensions asked count, re-weighted: trust alone at 4 is 75.
    assert engine.trust_index({"trust_in_partner": 4.0}).value == 75.0
    assert engine.trust_index({}) is None


def test_a_falling_trust_index_shows_on_its_page_with_its_trend_and_goes_on_the_board_agenda(
    program: Any,
) -> None:
    manager, desk, network = program["manager"], program["desk"], program["network"]
    march = sent_survey(program["program"], [desk, network], manager, title="March pulse")
    answer(march, desk, 6, TRUSTING)
    answer(march, network, 5, TRUSTING)
    april = sent_survey(
        program["program"],
        [desk, network],
        manager,
        title="April pulse",
        opens_on=DAY + dt.timedelta(days=31),
    )
    answer(april, desk, 6, {**TRUSTING, "trust_in_partner": 2})
    answer(april, network, 5, TRUSTING)

    _results, series = queries.trust_trend(program=program["program"], user=manager)
    by_label = {s.label: s for s in series}
    assert [p.value for p in by_label["Service desk"].points] == [75.0, 55.0]
    assert by_label["Service desk"].falling and not by_label["Network"].falling
    assert by_label["Program"].points[-1].change == pytest.approx(-10.9, abs=0.1)

    client = Client()
    client.force_login(manager)
    page = client.get(
        reverse("transparency:trust_index", kwargs={"program_id": program["program"].pk})
    ).content.decode()
    assert "falling" in page and "Trust in the partner" in page and "55.0" in page

    board = MeetingFactory(program=program["program"], body=Body.BOARD)
    # Drafted for a day before April's survey opened, the agenda has no trust item; drafted now, it has.
    early = meetings.draft_agenda(
        meeting=board, actor=manager, now=dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC)
    )
    assert not [i for i in early if i.title.startswith("Trust")]
    items = meetings.draft_agenda(meeting=board, actor=manager, now=timezone.now())
    trust_items = [i for i in items if i.title.startswith("Trust index falling")]
    assert len(trust_items) == 1
    assert (
        trust_items[0].source == april
        and "Service desk: 55 (-20 since the previous survey)" in trust_items[0].notes
    )
    assert trust_items[0].visibility == Visibility.INTERNAL
    # Drafting again adds nothing twice; a steering committee does not get the board's item.
    assert not [
        i
        for i in meetings.draft_agenda(meeting=board, actor=manager, now=timezone.now())
        if i.title.startswith("Trust")
    ]
    committee = MeetingFactory(program=program["program"], body=Body.STEERING_COMMITTEE)
    assert not meetings.draft_agenda(meeting=committee, actor=manager, now=timezone.now())


def test_a_group_merged_in_a_survey_has_no_point_of_its_own_in_the_trend(program: Any) -> None:
    manager, desk, network = program["manager"], program["desk"], program["network"]
    march = sent_survey(program["program"], [desk, network], manager)
    answer(march, desk, 6, TRUSTING)
    answer(march, network, 3, TRUSTING)
    _results, series = queries.trust_trend(program=program["program"], user=manager)
    # Both groups are one bucket of nine: the program has its index, neither group has one of its own.
    assert {s.label: s.latest for s in series} == {"Program": 75.0, "Network": None, "Service desk": None}


def test_questions_unanswered_for_a_week_reach_the_board_agenda_and_the_program_home(program: Any) -> None:
    manager = program["manager"]
    asker = program["desk"].members.first()
    today = dt.date(2026, 3, 20)
    old = services.ask_question(
        program=program["program"],
        actor=asker,
        text="Who keeps the on-call phone?",
        anonymous=True,
        today=today - dt.timedelta(days=9),
    )
    services.ask_question(
        program=program["program"],
        actor=asker,
        text="Is the canteen moving?",
        anonymous=False,
        today=today - dt.timedelta(days=2),
    )
    answered = services.ask_question(
        program=program["program"],
        actor=asker,
        text="Do we keep our badges?",
        anonymous=False,
        today=today - dt.timedelta(days=20),
    )
    services.answer_question(
        question=answered, actor=manager, answer="Yes.", today=today - dt.timedelta(days=19)
    )

    board = MeetingFactory(program=program["program"], body=Body.BOARD)
    items = meetings.draft_agenda(
        meeting=board, actor=manager, now=dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC)
    )
    assert [i.title for i in items] == ["Unanswered question: Who keeps the on-call phone?"]
    assert items[0].notes == "Asked anonymously on 11 Mar 2026; 9 days without an answer."

    panel = queries.home_panel(program=program["program"], user=manager, today=today)
    assert [q.pk for q in panel["overdue_questions"]] == [old.pk] and panel["open_questions"] == 2


def test_an_anonymous_question_keeps_no_asker_and_a_partners_question_is_shared(program: Any) -> None:
    asker = program["desk"].members.first()
    question = services.ask_question(
        program=program["program"], actor=asker, text="Will our pensions move?", anonymous=True, today=DAY
    )
    assert question.asked_by_id is None and question.asked_on == DAY
    entry = AuditEntry.objects.get(object_type="transparency.question", object_id=str(question.pk))
    assert (entry.actor_id, entry.actor_label, entry.at) == (None, "anonymous", services.start_of_day(DAY))
    vendor = UserFactory()
    MembershipFactory(program=program["program"], person=vendor, role=Role.VENDOR)
    shared = services.ask_question(
        program=program["program"],
        actor=vendor,
        text="Where do we badge in?",
        anonymous=False,
        today=DAY,
        visibility=Visibility.INTERNAL,
    )
    assert shared.visibility == Visibility.SHARED and shared.asked_by == vendor
    board = UserFactory()
    MembershipFactory(program=program["program"], person=board, role=Role.BOARD_MEMBER)
    services.answer_question(question=shared, actor=board, answer="Gate B.", today=DAY)
    client = Client()
    client.force_login(vendor)
    page = client.get(
        reverse("transparency:question_board", kwargs={"program_id": program["program"].pk})
    ).content.decode()
    assert (
        "Gate B." in page and "Will our pensions move?" not in page
    )  # the hospital's internal question stays inside


def test_the_program_home_runs_a_bounded_number_of_queries_with_the_transparency_panel(
    program: Any, django_assert_max_num_queries: Any
) -> None:
    manager = program["manager"]
    for n in range(15):
        services.ask_question(
            program=program["program"],
            actor=manager,
            text=f"Question {n}",
            anonymous=n % 2 == 0,
            today=DAY - dt.timedelta(days=n),
        )
    # One query for the figures, one for the overdue questions listed.
    with django_assert_max_num_queries(2):
        panel = queries.home_panel(program=program["program"], user=manager, today=DAY)
        assert len(panel["overdue_questions"]) == 5
