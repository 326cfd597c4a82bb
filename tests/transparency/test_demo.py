"""The demo's IT transition shows transparency at work: roster, Q&A, concerns in every state, three monthly
pulse surveys with results, a small team shown only merged, and a falling trust index for the board."""

from __future__ import annotations

from typing import Any

import pytest

from accord.programs.demo import OUTSOURCING_NAME
from accord.programs.models import Program
from accord.transparency import queries, services
from accord.transparency.choices import ConcernState
from accord.transparency.models import Assignment, Concern, OpenDoorHours, PulseSurvey, Question

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(scope="module")
def demo(seeded_demo: str) -> Any:
    return Program.objects.get(name=OUTSOURCING_NAME)


def manager(program: Program) -> Any:
    return program.memberships.get(person__email="transition.pm@lakeshore.example").person


def test_the_transition_has_a_roster_open_doors_and_a_board_with_answered_and_open_questions(
    demo: Program,
) -> None:
    assert Assignment.objects.filter(program=demo).count() >= 3
    assert OpenDoorHours.objects.filter(program=demo).count() == 2
    questions = Question.objects.filter(program=demo)
    assert (
        questions.filter(answered_on__isnull=False).count() == 3
        and questions.filter(answered_on__isnull=True).count() == 2
    )
    assert questions.filter(asked_by__isnull=True).exists()
    from django.utils import timezone

    overdue = queries.unanswered_questions(program=demo, user=manager(demo), today=timezone.localdate())
    assert [q.text for q in overdue] == [
        "Who keeps the weekend on-call phone for the lab interface after handover?"
    ]


def test_concerns_are_in_every_state_and_the_answered_one_opens_with_its_receipt_code(demo: Program) -> None:
    states = set(Concern.objects.filter(program=demo).values_list("state", flat=True))
    assert states == {
        ConcernState.SUBMITTED,
        ConcernState.TRIAGED,
        ConcernState.ANSWERED,
        ConcernState.CONVERTED,
    }
    answered = Concern.objects.get(program=demo, state=ConcernState.ANSWERED)
    assert [m.from_submitter for m in answered.messages.order_by("pk")] == [False, True, False]
    assert Concern.objects.get(program=demo, state=ConcernState.CONVERTED).red_flag is not None


def test_three_monthly_surveys_show_results_merge_the_small_team_and_the_board_hears_of_falling_trust(
    demo: Program,
) -> None:
    surveys = list(PulseSurvey.objects.filter(program=demo).order_by("opens_on"))
    assert len(surveys) == 3
    pm = manager(demo)
    for survey in surveys:
        results = queries.survey_results(survey=survey, user=pm)
        labels = [b.label for b in results.buckets]
        assert "Service desk" in labels and results.total is not None
        assert "Clinical applications" not in labels  # three or four answers: never a bucket of its own
        assert any("Clinical applications" in label for label in labels)
    _results, series = queries.trust_trend(program=demo, user=pm)
    desk = next(s for s in series if s.label == "Service desk")
    assert desk.falling and all(p.value is not None for p in desk.points)
    from django.utils import timezone

    items = queries.agenda_falling_trust(program=demo, body="board", user=pm, today=timezone.localdate())
    assert len(items) == 1 and items[0].source == surveys[-1]
    assert services.DAILY_CONCERN_LIMIT >= 1
