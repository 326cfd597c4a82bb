"""ADKAR readiness: the barrier point (the first element at 3 or less), the latest scores, and the trend."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from accord.alignment import engine
from tests.alignment.builders import assess, make_group


def _scores(a: int, d: int, k: int, ab: int, r: int) -> dict[str, int]:
    return dict(zip(engine.ADKAR, (a, d, k, ab, r), strict=True))


@pytest.mark.parametrize(
    ("scores", "barrier"),
    [
        (_scores(4, 3, 2, 1, 1), "desire"),
        (_scores(3, 5, 5, 5, 5), "awareness"),
        (_scores(5, 5, 5, 5, 3), "reinforcement"),
        (_scores(4, 4, 1, 4, 4), "knowledge"),
        (_scores(4, 4, 4, 4, 4), None),
        (_scores(5, 4, 5, 4, 5), None),
    ],
)
def test_the_barrier_point_is_the_first_element_scoring_three_or_less(scores, barrier) -> None:
    assert engine.barrier_point(scores) == barrier


def test_the_group_page_shows_the_latest_scores_and_their_barrier_point(world, client_for) -> None:
    group = make_group(world, "Nursing", lead=world.stakeholder_lead)
    assess(world, group, dt.date(2026, 1, 10), 4, 4, 2, 2, 2)
    assess(world, group, dt.date(2026, 2, 10), 5, 3, 3, 3, 4)
    html = client_for("member").get(group.get_absolute_url()).content.decode()
    assert "Latest on 10 Feb 2026" in html
    assert "Barrier point: Desire" in html
    latest = re.search(r"Latest ADKAR scores</caption>.*?<tbody><tr>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r">(\d)</td>", latest) == ["5", "3", "3", "3", "4"]
    assert '<td class="rag-red">3</td>' in latest  # the barrier element is marked


def test_the_latest_assessment_is_the_newest_by_date_not_the_last_recorded(world, client_for) -> None:
    group = make_group(world, "Pharmacy")
    assess(world, group, dt.date(2026, 2, 10), 5, 5, 5, 4, 4)
    assess(world, group, dt.date(2026, 1, 10), 2, 2, 2, 2, 2)  # entered late, about an older survey
    detail = client_for("member").get(group.get_absolute_url()).content.decode()
    assert "Latest on 10 Feb 2026" in detail
    assert "No barrier point: every element is above 3." in detail
    listing = client_for("member").get(f"/programs/{world.program.pk}/alignment/").content.decode()
    row = re.search(r"<tr>\s*<td><a[^>]*>Pharmacy</a>.*?</tr>", listing, re.S).group(0)
    assert '<span class="badge green">None</span>' in row


def test_the_group_list_shows_each_groups_barrier_point(world, client_for) -> None:
    nursing = make_group(world, "Nursing")
    make_group(world, "Laboratory")
    assess(world, nursing, dt.date(2026, 2, 1), 4, 4, 3, 2, 1)
    html = client_for("member").get(f"/programs/{world.program.pk}/alignment/").content.decode()
    nursing_row = re.search(r"<tr>\s*<td><a[^>]*>Nursing</a>.*?</tr>", html, re.S).group(0)
    lab_row = re.search(r"<tr>\s*<td><a[^>]*>Laboratory</a>.*?</tr>", html, re.S).group(0)
    assert '<span class="badge amber">Knowledge</span>' in nursing_row
    assert "not assessed" in lab_row


def test_the_trend_shows_each_assessments_mean_and_its_change_from_the_one_before(world, client_for) -> None:
    group = make_group(world, "Nursing")
    assess(world, group, dt.date(2026, 1, 10), 4, 4, 2, 2, 2)  # mean 2.8
    assess(world, group, dt.date(2026, 2, 10), 4, 3, 3, 3, 3)  # mean 3.2
    assess(world, group, dt.date(2026, 3, 10), 4, 4, 4, 4, 4)  # mean 4.0
    html = client_for("member").get(group.get_absolute_url()).content.decode()
    trend = re.search(r"Readiness assessments over time</caption>.*?<tbody>(.*?)</tbody>", html, re.S).group(
        1
    )
    rows = re.findall(
        r"<tr><td>([^<]+)</td>(?:<td>\d</td>){5}<td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", trend
    )
    assert rows == [  # newest first
        ("10 Mar 2026", "4.0", "+0.8", "None"),
        ("10 Feb 2026", "3.2", "+0.4", "Desire"),
        ("10 Jan 2026", "2.8", "—", "Knowledge"),
    ]


def test_a_group_never_assessed_says_so(world, client_for) -> None:
    group = make_group(world, "Laboratory")
    html = client_for("member").get(group.get_absolute_url()).content.decode()
    assert "Not assessed yet." in html


def test_the_api_gives_each_assessments_barrier_point(world, api_for) -> None:
    group = make_group(world, "Nursing")
    stalled = assess(world, group, dt.date(2026, 1, 10), 4, 4, 2, 2, 2)
    ready = assess(world, group, dt.date(2026, 2, 10), 4, 4, 4, 4, 5)
    body = api_for("member").get(f"/api/readiness-assessments/?group={group.pk}").json()
    barriers = {row["id"]: row["barrier_point"] for row in body["results"]}
    assert barriers == {stalled.pk: "knowledge", ready.pk: None}


def test_a_readiness_score_of_six_is_refused_by_the_api(world, api_for) -> None:
    group = make_group(world, "Nursing")
    response = api_for("program_manager").post(
        "/api/readiness-assessments/",
        {
            "program": world.program.pk,
            "group": group.pk,
            "assessed_on": "2026-02-01",
            "awareness": 6,
            "desire": 4,
            "knowledge": 4,
            "ability": 4,
            "reinforcement": 4,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "awareness" in response.json()
    assert not group.assessments.exists()
