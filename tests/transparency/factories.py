"""Factories and builders for the transparency tests: members in stakeholder groups, sent surveys, answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accord.alignment.models import StakeholderGroup
from accord.core.permissions import Role
from accord.transparency import services
from accord.transparency.choices import SurveyDimension
from accord.transparency.forms import STANDARD_QUESTIONS
from accord.transparency.models import PulseSurvey
from tests.alignment.factories import StakeholderGroupFactory
from tests.factories import MembershipFactory, UserFactory

DAY = dt.date(2026, 3, 2)


def staff_group(
    program: Any, name: str, size: int, role: str = Role.MEMBER, **person: Any
) -> StakeholderGroup:
    """A stakeholder group of `size` new members of the program."""
    group = StakeholderGroupFactory(program=program, name=name)
    for _ in range(size):
        member = UserFactory(**person)
        MembershipFactory(program=program, person=member, role=role)
        group.members.add(member)
    return group


def sent_survey(
    program: Any,
    groups: list[StakeholderGroup],
    actor: Any,
    *,
    title: str = "March pulse",
    opens_on: dt.date = DAY,
    questions: list[tuple[str, str]] | None = None,
) -> PulseSurvey:
    survey = services.create_survey(
        program=program,
        actor=actor,
        title=title,
        opens_on=opens_on,
        closes_on=opens_on + dt.timedelta(days=14),
        groups=groups,
        questions=questions or STANDARD_QUESTIONS,
    )
    services.open_survey(survey=survey, actor=actor)
    return survey


def answer(
    survey: PulseSurvey, group: StakeholderGroup, count: int, score: int | dict[str, int], comment: str = ""
) -> None:
    """`count` members of `group` answer every question with `score` (or a score per dimension)."""
    questions = list(survey.questions.all())
    done = 0
    for member in group.members.order_by("pk"):
        if done == count:
            break
        if survey.invitations.filter(person=member, answered=True).exists():
            continue
        scores = {q.pk: (score if isinstance(score, int) else score.get(q.dimension, 3)) for q in questions}
        services.respond_to_survey(
            survey=survey, actor=member, scores=scores, comment=comment, today=survey.opens_on
        )
        done += 1
    assert done == count, f"{group} has only {done} members left to answer"


ALL_DIMENSIONS = [d.value for d in SurveyDimension]
