"""Pulse survey results never describe fewer than five people: not in a cut, not under a filter or a time
slice, and not in the difference of two overlapping cuts; responses keep no link to whoever answered."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.models import AuditEntry
from accord.core.permissions import Role
from accord.transparency import engine, queries
from accord.transparency.choices import SurveyDimension
from accord.transparency.models import SurveyInvitation, SurveyResponse
from tests.factories import MembershipFactory, ProgramFactory, UserFactory
from tests.transparency.factories import DAY, answer, sent_survey, staff_group

K = engine.K


@given(st.dictionaries(st.integers(0, 30), st.integers(0, 12), max_size=8))
@settings(max_examples=300, deadline=None)
def test_every_shown_bucket_and_every_difference_of_shown_figures_covers_at_least_k_people(
    counts: dict[int, int],
) -> None:
    cut = engine.cut(counts)
    shown = [b.respondents for b in cut.buckets]
    assert all(n >= K for n in shown)
    # The buckets and the suppressed groups account for every respondent exactly once.
    covered = [g for b in cut.buckets for g in b.groups] + list(cut.suppressed)
    assert sorted(covered) == sorted(g for g, n in counts.items() if n > 0)
    if cut.total is not None:
        assert cut.total == sum(shown)
    # What a reader can compute: any union of shown buckets (the total is the union of all of them), and the
    # difference of two nested unions. Each such set of people is empty or has at least K members.
    unions = [
        (frozenset(g for b in combo for g in b.groups), sum(b.respondents for b in combo))
        for r in range(len(cut.buckets) + 1)
        for combo in itertools.combinations(cut.buckets, r)
    ]
    for (groups_a, n_a), (groups_b, n_b) in itertools.product(unions, repeat=2):
        if groups_b <= groups_a:
            assert n_a - n_b == 0 or n_a - n_b >= K, (counts, cut)
    # A group under K is never a bucket of its own.
    for bucket in cut.buckets:
        assert not (len(bucket.groups) == 1 and counts[bucket.groups[0]] < K)
    if cut.suppressed:
        assert cut.total is None and not cut.buckets


def test_a_small_group_is_merged_and_the_pool_takes_the_smallest_group_when_still_too_small() -> None:
    cut = engine.cut({"it": 9, "desk": 6, "network": 3})
    assert [(b.groups, b.respondents) for b in cut.buckets] == [(("it",), 9), (("desk", "network"), 9)]
    assert cut.total == 18 and not cut.suppressed
    alone = engine.cut({"it": 3})
    assert alone.buckets == () and alone.suppressed == ("it",) and alone.total is None
    pooled = engine.cut({"a": 2, "b": 3, "c": 8})
    assert [(b.groups, b.respondents) for b in pooled.buckets] == [(("c",), 8), (("a", "b"), 5)]


@pytest.fixture
def surveyed(db: Any) -> dict[str, Any]:
    program = ProgramFactory(name="IT transition")
    manager = UserFactory()
    MembershipFactory(program=program, person=manager, role=Role.PROGRAM_MANAGER)
    groups = {
        "service_desk": staff_group(program, "Service desk", 8),
        "infrastructure": staff_group(program, "Infrastructure", 7),
        "applications": staff_group(program, "Applications", 4),
    }
    survey = sent_survey(program, list(groups.values()), manager)
    answer(survey, groups["service_desk"], 6, 4, comment="Clearer than last month.")
    answer(survey, groups["infrastructure"], 5, 2, comment="We still do not know who keeps the on-call.")
    answer(survey, groups["applications"], 3, 1, comment="Only three of us answered this.")
    return {"program": program, "manager": manager, "groups": groups, "survey": survey}


def shown_figures(results: queries.SurveyResults) -> list[int]:
    figures = [b.respondents for b in results.buckets]
    return figures + ([results.total.respondents] if results.total else [])


def test_results_merge_the_group_under_five_and_show_its_comments_nowhere_on_its_own(surveyed: Any) -> None:
    results = queries.survey_results(survey=surveyed["survey"], user=surveyed["manager"])
    labels = {b.label: b.respondents for b in results.buckets}
    assert labels == {"Service desk": 6, "Other groups (Applications, Infrastructure)": 8}
    assert results.total.respondents == 14 and results.answered == 14 and results.invited == 19
    merged = next(b for b in results.buckets if b.merged)
    assert "Only three of us answered this." in merged.comments  # within a bucket of eight, not of three
    desk = next(b for b in results.buckets if not b.merged)
    assert desk.comments == ["Clearer than last month."] * 6
    trust = next(r for r in desk.questions if r.question.dimension == SurveyDimension.TRUST_IN_PARTNER)
    assert (trust.mean, trust.distribution) == (4.0, [0, 0, 0, 6, 0])


def test_every_filter_and_time_slice_and_the_differences_between_them_cover_at_least_five(
    surveyed: Any,
) -> None:
    survey, manager, groups = surveyed["survey"], surveyed["manager"], surveyed["groups"]
    later = sent_survey(
        surveyed["program"],
        list(groups.values()),
        manager,
        title="April pulse",
        opens_on=DAY + dt.timedelta(days=30),
    )
    answer(later, groups["service_desk"], 5, 3)
    answer(later, groups["applications"], 4, 2)
    # Cuts of one survey overlap (they count the same respondents): whenever one shown cell holds another, the
    # people in the first and not in the second are none or at least K. (No result aggregates two surveys.)
    for s in (survey, later):
        truth = dict(SurveyResponse.objects.filter(survey=s).values_list("group_id").annotate(n=Count("pk")))
        cells: set[frozenset[int]] = set()
        for group in [None, *[g.pk for g in groups.values()]]:
            for dimension in [None, *SurveyDimension.values]:
                results = queries.survey_results(survey=s, user=manager, group_id=group, dimension=dimension)
                for bucket in results.buckets + ([results.total] if results.total else []):
                    assert bucket.respondents >= K
                    assert all(q.respondents >= K for q in bucket.questions)
                    members = (
                        frozenset(g.pk for g in bucket.groups)
                        if bucket is not results.total
                        else frozenset(truth)
                    )
                    assert bucket.respondents == sum(truth.get(g, 0) for g in members)
                    cells.add(members)
        assert cells, "the cuts must show something for this test to mean anything"
        for a, b in itertools.product(cells, repeat=2):
            if b <= a:
                left = sum(truth.get(g, 0) for g in a - b)
                assert left == 0 or left >= K, (s.title, sorted(a), sorted(b))
    # The later survey: applications (4) cannot stand alone and desk (5) joins its pool; no total-minus-desk leak.
    results = queries.survey_results(survey=later, user=manager)
    assert [b.respondents for b in results.buckets] == [9] and results.total.respondents == 9

    # Time slices are whole surveys: the API's date filters select surveys, never split one.
    client = _api(manager)
    url = reverse("survey-results-list")
    both = client.get(url, {"program": survey.program_id}).json()["results"]
    first = client.get(url, {"program": survey.program_id, "opened_before": DAY.isoformat()}).json()[
        "results"
    ]
    assert [r["survey"] for r in both] == [survey.pk, later.pk] and [r["survey"] for r in first] == [
        survey.pk
    ]
    assert both[0] == first[0]


def test_the_api_shows_aggregates_only_and_names_the_suppressed_group_without_figures(surveyed: Any) -> None:
    manager, groups = surveyed["manager"], surveyed["groups"]
    third = sent_survey(
        surveyed["program"],
        [groups["applications"]],
        manager,
        title="Apps only",
        opens_on=DAY + dt.timedelta(days=60),
    )
    answer(third, groups["applications"], 4, 5)
    body = _api(manager).get(reverse("survey-results-detail", kwargs={"pk": third.pk})).json()
    assert (
        body["total"] is None
        and body["buckets"] == []
        and body["suppressed_groups"] == [groups["applications"].pk]
    )
    assert body["answered"] == 4
    full = (
        _api(manager)
        .get(
            reverse("survey-results-detail", kwargs={"pk": surveyed["survey"].pk}),
            {"group": groups["applications"].pk},
        )
        .json()
    )
    assert [b["label"] for b in full["buckets"]] == ["Other groups (Applications, Infrastructure)"]
    assert full["buckets"][0]["respondents"] == 8


def test_a_response_keeps_no_link_to_the_person_and_the_mark_keeps_no_date(surveyed: Any) -> None:
    survey, groups = surveyed["survey"], surveyed["groups"]
    person = groups["service_desk"].members.order_by("pk").first()
    invitation = SurveyInvitation.objects.get(survey=survey, person=person)
    assert invitation.answered
    user_model = type(person)
    for field in SurveyResponse._meta.concrete_fields:
        assert not (field.is_relation and field.related_model is user_model)
        assert field.get_internal_type() != "DateTimeField"
    for field in SurveyInvitation._meta.concrete_fields:
        assert field.get_internal_type() not in {"DateTimeField", "DateField"}
    assert {f.name for f in SurveyResponse._meta.concrete_fields} == {
        "id",
        "program",
        "survey",
        "group",
        "answered_on",
        "comment",
    }
    # Random keys: the order of responses says nothing about the order people answered in.
    assert SurveyResponse._meta.pk.get_internal_type() == "UUIDField"
    entries = AuditEntry.objects.filter(
        object_type="transparency.pulsesurvey", object_repr__startswith="A response"
    )
    assert entries.count() == 14
    assert set(entries.values_list("actor_id", "actor_label", "remote_addr")) == {(None, "anonymous", None)}


def test_nobody_answers_twice_or_uninvited_or_out_of_range(surveyed: Any) -> None:
    from accord.transparency import services

    survey, groups = surveyed["survey"], surveyed["groups"]
    answered = groups["service_desk"].members.order_by("pk").first()
    scores = {q.pk: 3 for q in survey.questions.all()}
    with pytest.raises(ValidationError, match="already answered"):
        services.respond_to_survey(survey=survey, actor=answered, scores=scores, today=DAY)
    outsider = UserFactory()
    MembershipFactory(program=surveyed["program"], person=outsider, role=Role.MEMBER)
    with pytest.raises(Exception, match="not invited"):
        services.respond_to_survey(survey=survey, actor=outsider, scores=scores, today=DAY)
    fresh = groups["service_desk"].members.order_by("-pk").first()
    before = SurveyResponse.objects.count()
    with pytest.raises(ValidationError):
        services.respond_to_survey(
            survey=survey, actor=fresh, scores={**scores, next(iter(scores)): 6}, today=DAY
        )
    with pytest.raises(ValidationError, match="not open"):
        services.respond_to_survey(
            survey=survey, actor=fresh, scores=scores, today=DAY - dt.timedelta(days=1)
        )
    assert SurveyResponse.objects.count() == before
    assert not SurveyInvitation.objects.get(survey=survey, person=fresh).answered


def test_results_are_hidden_from_partners(surveyed: Any) -> None:
    vendor = UserFactory()
    MembershipFactory(program=surveyed["program"], person=vendor, role=Role.VENDOR)
    assert queries.survey_results(survey=surveyed["survey"], user=vendor) is None
    assert _api(vendor).get(reverse("survey-results-list")).json()["results"] == []


def test_survey_results_cost_the_same_queries_for_many_answers(
    surveyed: Any, django_assert_max_num_queries: Any
) -> None:
    random.seed(4)
    with django_assert_max_num_queries(6):
        results = queries.survey_results(survey=surveyed["survey"], user=surveyed["manager"])
        assert results.total is not None


def _api(person: Any) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(person)
    return client
