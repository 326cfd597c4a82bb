"""The short risk questionnaire of a change request: likelihood and impact (1-5 each) from yes/no answers.

Each "yes" raises its dimension by one from a floor of 1, so a score always shows why it is what it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LIKELIHOOD = "likelihood"
IMPACT = "impact"


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    dimension: str


QUESTIONS: tuple[Question, ...] = (
    Question("not_tested", "Has it not been tested in a non-production environment?", LIKELIHOOD),
    Question("first_time", "Is this the first time this kind of change is made here?", LIKELIHOOD),
    Question("no_automated_backout", "Is there no scripted, rehearsed backout?", LIKELIHOOD),
    Question("several_components", "Does it touch more than one system or interface?", LIKELIHOOD),
    Question("patient_care", "Does it affect a system used in patient care?", IMPACT),
    Question("downtime", "Does it need downtime for users?", IMPACT),
    Question("many_users", "Does it affect more than 100 users or a whole site?", IMPACT),
    Question("data_exchange", "Does it change data exchanged with other systems?", IMPACT),
)
KEYS = frozenset(q.key for q in QUESTIONS)


def validate_answers(answers: object) -> list[str]:
    """Problems with a set of answers (a mapping of question key to true/false); empty when valid."""
    if not isinstance(answers, Mapping):
        return ["Answers are a mapping of question to yes (true) or no (false)."]
    problems = [f"Unknown question {key!r}." for key in answers if key not in KEYS]
    problems += [
        f"Answer {key!r} with true or false." for key, v in answers.items() if not isinstance(v, bool)
    ]
    return problems


def score(answers: Mapping[str, bool]) -> tuple[int, int]:
    """(likelihood, impact), each 1-5; an unanswered question counts as no."""
    likelihood = 1 + sum(1 for q in QUESTIONS if q.dimension == LIKELIHOOD and answers.get(q.key) is True)
    impact = 1 + sum(1 for q in QUESTIONS if q.dimension == IMPACT and answers.get(q.key) is True)
    return likelihood, impact
