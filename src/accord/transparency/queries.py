"""Reads of the transparency app: the roster, the Q&A board, concern triage, survey results with small
groups suppressed, the trust index and its trend, and what goes on the board's agenda. Each is bounded
in queries whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, Q, QuerySet, Subquery, Sum, Value
from django.urls import reverse

from accord.core.permissions import Action, Visibility, can_in_program
from accord.transparency import engine
from accord.transparency.choices import OPEN_CONCERN_STATES, SurveyStatus
from accord.transparency.models import (
    Assignment,
    Concern,
    OpenDoorHours,
    PulseSurvey,
    Question,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
)

# A question left unanswered this many days goes on the board's agenda and the program home.
UNANSWERED_AFTER_DAYS = 7
TOTAL = "total"


# --- Roster and board ----------------------------------------------------------------------------------


def list_assignments(*, program: Any, user: Any, today: dt.date, current_only: bool = True) -> QuerySet:
    rows = (
        Assignment.objects.visible_to(user)
        .filter(program=program)
        .select_related("service", "person", "person__organisation", "backup")
        .order_by("service__name", "starts_on", "pk")
    )
    if current_only:
        rows = rows.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today), starts_on__lte=today)
    return rows


def get_roster(*, program: Any, user: Any, today: dt.date) -> dict[str, Any]:
    """Current assignments grouped by service, hospital and partner apart, and open-door hours (2 queries)."""
    by_service: dict[Any, dict[str, list[Assignment]]] = {}
    for assignment in list_assignments(program=program, user=user, today=today):
        sides = by_service.setdefault(assignment.service, {"hospital": [], "partner": []})
        organisation = assignment.person.organisation
        partner = organisation is not None and not organisation.is_hospital_side
        sides["partner" if partner else "hospital"].append(assignment)
    doors = list(
        OpenDoorHours.objects.visible_to(user)
        .filter(program=program)
        .select_related("leader")
        .order_by("weekday", "starts_at", "pk")
    )
    return {"services": by_service, "open_doors": doors}


def list_questions(*, program: Any, user: Any) -> QuerySet:
    return (
        Question.objects.visible_to(user)
        .filter(program=program)
        .select_related("asked_by", "answered_by")
        .order_by("answered_on", "-asked_on", "-pk")
    )


def unanswered_questions(
    *, program: Any, user: Any, today: dt.date, days: int = UNANSWERED_AFTER_DAYS
) -> QuerySet:
    """Questions still without an answer `days` or more days after they were asked, oldest first."""
    return (
        Question.objects.visible_to(user)
        .filter(program=program, answered_on__isnull=True, asked_on__lte=today - dt.timedelta(days=days))
        .select_related("asked_by")
        .order_by("asked_on", "pk")
    )


def list_concerns(*, program: Any, user: Any) -> QuerySet:
    return (
        Concern.objects.visible_to(user)
        .filter(program=program)
        .annotate(message_count=Count("messages"))
        .order_by("-submitted_on", "subject")
    )


def get_concern_thread(concern: Concern) -> list[Any]:
    return list(concern.messages.select_related("author").order_by("pk"))


# --- Survey results ---------------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: Any
    respondents: int
    mean: float
    distribution: list[int]  # respondents per score 1..5


@dataclass
class BucketResult:
    """What one shown cell of a survey says: every figure from at least K people."""

    key: str
    label: str
    groups: list[Any]
    respondents: int
    questions: list[QuestionResult]
    comments: list[str]
    trust: engine.TrustIndex | None

    @property
    def merged(self) -> bool:
        return len(self.groups) > 1


@dataclass
class SurveyResults:
    survey: Any
    invited: int
    answered: int
    total: BucketResult | None
    buckets: list[BucketResult]
    suppressed: list[Any] = field(default_factory=list)


def _bucket_key(groups: tuple[Hashable, ...]) -> str:
    return "+".join(str(g) for g in groups)


def survey_results(
    *, survey: PulseSurvey, user: Any, dimension: str | None = None, group_id: int | None = None
) -> SurveyResults | None:
    """A survey's results cut by group with k-anonymity (see `engine.cut`); None if the user may not read them.

    Filtering by dimension narrows the questions, not the respondents (every question is answered by every
    respondent), and filtering by group returns that group's bucket of the one partition, so no filter
    yields a figure the unfiltered cut would not. Five queries whatever the number of responses.
    """
    if not can_in_program(user, "results", "surveys", survey.program_id):
        return None
    groups = {g.pk: g for g in survey.groups.all()}
    counts = dict(
        SurveyResponse.objects.filter(survey=survey)
        .values_list("group_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    invited = SurveyInvitation.objects.filter(survey=survey).aggregate(
        invited=Count("pk"), answered=Count("pk", filter=Q(answered=True))
    )
    partition = engine.cut(counts)
    rows = (
        SurveyAnswer.objects.filter(response__survey=survey)
        .values("response__group_id", "question_id")
        .annotate(
            n=Count("pk"),
            total=Sum("score"),
            **{f"s{score}": Count("pk", filter=Q(score=score)) for score in range(1, 6)},
        )
        .order_by()
    )
    questions = list(survey.questions.order_by("order", "pk"))
    if dimension:
        questions = [q for q in questions if q.dimension == dimension]
    by_group_question = {(r["response__group_id"], r["question_id"]): r for r in rows}
    shown_groups = {g for bucket in partition.buckets for g in bucket.groups}
    comments_by_group: dict[Any, list[str]] = defaultdict(list)
    for group_id_, comment in (
        SurveyResponse.objects.filter(survey=survey, group_id__in=shown_groups)
        .exclude(comment="")
        .order_by("comment")
        .values_list("group_id", "comment")
    ):
        comments_by_group[group_id_].append(comment)

    def summarise(member_groups: tuple[Hashable, ...], respondents: int, label: str) -> BucketResult:
        results = []
        for question in questions:
            cells = [by_group_question.get((g, question.pk)) for g in member_groups]
            cells = [c for c in cells if c]
            n = sum(c["n"] for c in cells)
            if not n:
                continue
            results.append(
                QuestionResult(
                    question=question,
                    respondents=n,
                    mean=round(sum(c["total"] for c in cells) / n, 2),
                    distribution=[sum(c[f"s{s}"] for c in cells) for s in range(1, 6)],
                )
            )
        means: dict[str, list[tuple[float, int]]] = defaultdict(list)
        for result in results:
            means[result.question.dimension].append((result.mean, result.respondents))
        trust = engine.trust_index(
            {d: sum(m * n for m, n in pairs) / sum(n for _, n in pairs) for d, pairs in means.items()}
        )
        comments = sorted(c for g in member_groups for c in comments_by_group.get(g, []))
        return BucketResult(
            key=_bucket_key(member_groups),
            label=label,
            groups=[groups[g] for g in member_groups if g in groups],
            respondents=respondents,
            questions=results,
            comments=comments,
            trust=trust,
        )

    buckets = []
    for bucket in partition.buckets:
        names = [str(groups[g]) for g in bucket.groups if g in groups]
        label = names[0] if not bucket.merged else "Other groups (" + ", ".join(sorted(names)) + ")"
        buckets.append(summarise(bucket.groups, bucket.respondents, label))
    total = None
    if partition.total is not None:
        total = summarise(tuple(counts), partition.total, "Everyone")
    if group_id is not None:
        buckets = [b for b in buckets if any(g.pk == group_id for g in b.groups)]
    return SurveyResults(
        survey=survey,
        invited=invited["invited"],
        answered=invited["answered"],
        total=total,
        buckets=buckets,
        suppressed=[groups[g] for g in partition.suppressed if g in groups],
    )


# --- Trust index and its trend ------------------------------------------------------------------------------


@dataclass
class TrustSeries:
    key: str
    label: str
    points: list[engine.TrendPoint]

    @property
    def falling(self) -> bool:
        return engine.is_falling(self.points)

    @property
    def latest(self) -> float | None:
        return next((p.value for p in reversed(self.points) if p.value is not None), None)


def list_result_surveys(*, program: Any, user: Any, until: dt.date | None = None) -> list[PulseSurvey]:
    """Surveys that have been sent (and opened by `until`, when given), oldest first (the order of a trend)."""
    surveys = PulseSurvey.objects.visible_to(user)
    if until is not None:
        surveys = surveys.filter(opens_on__lte=until)
    return list(
        surveys.filter(program=program, status__in=[SurveyStatus.OPEN, SurveyStatus.CLOSED])
        .prefetch_related("groups")
        .order_by("opens_on", "pk")
    )


def trust_trend(
    *, program: Any, user: Any, until: dt.date | None = None
) -> tuple[list[SurveyResults], list[TrustSeries]] | None:
    """Per survey its results, and the trust index series of the program and of each group.

    A group's point is empty in a survey where it was merged or suppressed: a merged bucket's index is not
    that group's. None when the user may not read results.
    """
    if not can_in_program(user, "results", "surveys", program.pk):
        return None
    surveys = list_result_surveys(program=program, user=user, until=until)
    results = [survey_results(survey=s, user=user) for s in surveys]
    results = [r for r in results if r is not None]
    labels = [f"{r.survey.title}" for r in results]
    program_series = TrustSeries(
        TOTAL,
        "Program",
        engine.trend(
            [
                (label, r.total.trust.value if r.total and r.total.trust else None)
                for label, r in zip(labels, results, strict=True)
            ]
        ),
    )
    group_names: dict[int, str] = {}
    for r in results:
        for g in r.survey.groups.all():
            group_names[g.pk] = g.name
    series = [program_series]
    for group_pk, name in sorted(group_names.items(), key=lambda item: item[1]):
        values = []
        for label, r in zip(labels, results, strict=True):
            own = next(
                (b for b in r.buckets if not b.merged and b.groups and b.groups[0].pk == group_pk), None
            )
            values.append((label, own.trust.value if own and own.trust else None))
        series.append(TrustSeries(str(group_pk), name, engine.trend(values)))
    return results, series


# --- Agenda sources (read by meetings through the `accord_agenda_sources` hook) ----------------------------


@dataclass(frozen=True)
class AgendaCandidate:
    """What meetings' agenda drafting reads from a source (the fields of its `Candidate`), without this app
    importing meetings; the kind is meetings' "other business"."""

    title: str
    source: Any
    notes: str
    visibility: str
    url: str
    kind: str = "other"


def agenda_unanswered_questions(
    *, program: Any, body: str, user: Any, today: dt.date
) -> list[AgendaCandidate]:
    if body != "board":
        return []
    return [
        AgendaCandidate(
            title=f"Unanswered question: {question.text[:120]}",
            source=question,
            notes=f"Asked {'anonymously' if question.asked_by_id is None else 'by ' + str(question.asked_by)} "
            f"on {question.asked_on:%d %b %Y}; {(today - question.asked_on).days} days without an answer.",
            visibility=question.visibility,
            url=question.get_absolute_url(),
        )
        for question in unanswered_questions(program=program, user=user, today=today)
    ]


def agenda_falling_trust(*, program: Any, body: str, user: Any, today: dt.date) -> list[AgendaCandidate]:
    """One item when the program's or any group's trust index fell since the previous survey."""
    if body != "board":
        return []
    # An agenda drafted for a past date sees only the surveys opened by then.
    trend = trust_trend(program=program, user=user, until=today)
    if trend is None or not trend[0]:
        return []
    results, series = trend
    falling = [s for s in series if s.falling]
    if not falling:
        return []
    latest = results[-1].survey
    parts = [
        f"{s.label}: {s.points[-1].value:g} ({s.points[-1].change:+g} since the previous survey)"
        for s in falling
    ]
    return [
        AgendaCandidate(
            title=f"Trust index falling: {latest.title}",
            source=latest,
            notes="Trust index fell by "
            f"{engine.FALLING_BY_POINTS:g} points or more. " + "; ".join(parts) + ".",
            visibility=Visibility.INTERNAL,
            url=reverse("transparency:trust_index", kwargs={"program_id": program.pk}),
        )
    ]


# --- Program home -------------------------------------------------------------------------------------------


def _count(queryset: QuerySet) -> Subquery:
    """A count of `queryset` rows as a scalar subquery, so the panel's figures come back in one SELECT."""
    return Subquery(
        queryset.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


def home_panel(
    *, program: Any, user: Any, today: dt.date | None = None, as_of: dt.date | None = None
) -> dict[str, Any] | None:
    """One query for the figures; the overdue questions and pending surveys are read only when there are some.

    With `as_of`, the questions open at the end of that day (asked by then, answered later or not yet);
    concerns are counted in their present state.
    """
    from django.utils import timezone

    today = as_of or today or timezone.localdate()
    cutoff = today - dt.timedelta(days=UNANSWERED_AFTER_DAYS)
    open_questions = Question.objects.visible_to(user).filter(program=program, answered_on__isnull=True)
    if as_of is not None:
        open_questions = Question.objects.visible_to(user).filter(
            Q(answered_on__isnull=True) | Q(answered_on__gt=as_of), program=program, asked_on__lte=as_of
        )
    pending = SurveyInvitation.objects.filter(
        program=program,
        person=user,
        answered=False,
        survey__status=SurveyStatus.OPEN,
        survey__opens_on__lte=today,
        survey__closes_on__gte=today,
    )
    may_triage = can_in_program(user, Action.VIEW, "concerns", program.pk)
    figures: dict[str, Any] = {
        "open": _count(open_questions),
        "overdue": _count(open_questions.filter(asked_on__lte=cutoff)),
        "pending": _count(pending),
    }
    if may_triage:
        figures["concerns"] = _count(
            Concern.objects.filter(program=program, state__in=list(OPEN_CONCERN_STATES))
        )
    row = type(program).objects.filter(pk=program.pk).annotate(**figures).values(*figures).get()
    overdue = (
        list(open_questions.filter(asked_on__lte=cutoff).order_by("asked_on", "pk")[:5])
        if row["overdue"]
        else []
    )
    my_surveys = [i.survey for i in pending.select_related("survey")] if row["pending"] else []
    return {
        "program": program,
        "overdue_questions": overdue,
        "overdue_count": row["overdue"] or 0,
        "open_questions": row["open"] or 0,
        "unanswered_after": UNANSWERED_AFTER_DAYS,
        "my_surveys": my_surveys,
        "open_concerns": (row.get("concerns") or 0) if may_triage else None,
    }
