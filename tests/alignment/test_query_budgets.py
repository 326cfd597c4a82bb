"""Alignment lists, pages and the API cost the same number of queries whatever the number of groups,
assessments, impacts, versions, endorsements and commitments."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accord.alignment import services
from accord.benefits.models import Benefit, Initiative, Objective
from accord.core.permissions import Visibility, forget_roles
from accord.core.services import create_record
from tests.alignment.builders import add_impact, answer, assess, commit, make_group
from tests.personas import build_world

_names = itertools.count()


def _initiative(world) -> Initiative:
    n = next(_names)
    actor = world.program_manager
    objective = create_record(
        model=Objective,
        actor=actor,
        data={"program": world.program, "title": f"Objective {n}", "perspective": "patients_quality"},
    )
    create_record(
        model=Benefit,
        actor=actor,
        data={
            "program": world.program,
            "title": f"Benefit {n}",
            "category": "treatment",
            "objectives": [objective],
            "window_start": dt.date(2026, 1, 1),
            "window_end": dt.date(2028, 12, 31),
        },
    )
    return create_record(
        model=Initiative,
        actor=actor,
        data={
            "program": world.program,
            "title": f"Initiative {n}",
            "start": dt.date(2026, 1, 1),
            "end": dt.date(2026, 12, 31),
            "objectives": [objective],
        },
    )


def _grow_group(world, group, today: dt.date) -> None:
    n = next(_names)
    assess(world, group, today - dt.timedelta(days=40 + n), 4, 3, 2, 2, 1)
    assess(world, group, today - dt.timedelta(days=n % 30), 4, 4, 4, 3, 3)
    add_impact(world, group, -2, f"Change {n}", rationale="Costs time")
    add_impact(world, group, 1, initiative=_initiative(world))
    for offset in (-3, 2, 20):
        commitment = commit(
            world,
            group,
            f"Commitment {n}/{offset}",
            today + dt.timedelta(days=offset),
            owner=world.stakeholder_lead,
        )
        services.add_progress_note(
            commitment=commitment, text="Under way", actor=world.program_manager, noted_on=today
        )


def _grow(world, state: dict, groups: int) -> None:
    today = timezone.localdate()
    for _ in range(groups):
        n = next(_names)
        group = make_group(
            world,
            f"Group {n}",
            lead=world.stakeholder_lead if n % 2 else world.vendor,
            visibility=Visibility.SHARED if n % 2 == 0 else Visibility.INTERNAL,
            power=1 + n % 5,
            interest=1 + (n * 2) % 5,
            members=[world.member],
        )
        _grow_group(world, group, today)
    _grow_group(world, state["tracked"], today)
    for _ in range(max(1, groups // 2)):
        draft = services.create_strategy_draft(
            program=world.program, summary=f"Version {next(_names)}", actor=world.program_manager
        )
        services.add_comment(version=draft, element="summary", body="Looks right", actor=world.member)
        version = services.publish_strategy_version(
            version=draft, actor=world.program_manager, now=timezone.now()
        )
        for endorsement in version.endorsements.select_related("group")[:groups]:
            answer(
                version,
                endorsement.group,
                "objected",
                by=world.program_manager,
                text="Not yet",
                now=timezone.now(),
            )
        state["version"] = version
    for days in range(3):
        services.take_alignment_snapshots(program=world.program, on=today - dt.timedelta(days=days + 3 * n))


PAGES = {
    "group list": lambda w, s: f"/programs/{w.program.pk}/alignment/",
    "grid": lambda w, s: f"/programs/{w.program.pk}/alignment/grid/",
    "group detail": lambda w, s: s["tracked"].get_absolute_url(),
    "ledger": lambda w, s: f"/programs/{w.program.pk}/alignment/ledger/",
    "version list": lambda w, s: f"/programs/{w.program.pk}/alignment/strategy/",
    "version detail": lambda w, s: s["version"].get_absolute_url(),
    "commitment list": lambda w, s: f"/programs/{w.program.pk}/alignment/commitments/",
    "alignment index": lambda w, s: f"/programs/{w.program.pk}/alignment/index/",
    "program home": lambda w, s: f"/programs/{w.program.pk}/",
}
API = {
    "stakeholder groups": "/api/stakeholder-groups/?program={p}",
    "readiness assessments": "/api/readiness-assessments/?program={p}",
    "impacts": "/api/impacts/?program={p}",
    "strategy versions": "/api/strategy-versions/?program={p}",
    "endorsements": "/api/endorsements/?program={p}",
    "commitments": "/api/commitments/?program={p}",
    "alignment": "/api/alignment/?program={p}",
}


PAGE_READERS = ["program_manager", "vendor"]
API_READERS = ["board_member", "vendor"]


def _client(world, persona: str, *, api: bool) -> Client | APIClient:
    person = world.people[persona]
    if api:
        client = APIClient()
        client.force_authenticate(person)
    else:
        client = Client()
        client.force_login(person)
    return client


def _queries_of(client, url: str) -> tuple[int, int]:
    client.get(url)  # warm: the first request fills per-person caches a reader's next request reuses
    with CaptureQueriesContext(connection) as captured:
        status = client.get(url).status_code
    return status, len(captured)


@pytest.fixture(scope="module")
def grown(django_db_setup, django_db_blocker):
    """One world for every case, built once (growing it is most of these tests' cost): each page's and each
    list's query count is taken with 2 groups, then the world grows to 14 groups and the cases compare."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        # Shared, so that the vendor sees its page too.
        state = {
            "tracked": make_group(
                world, "Go-live command centre", lead=world.stakeholder_lead, visibility=Visibility.SHARED
            )
        }
        _grow(world, state, 2)
        small = {}
        for persona in PAGE_READERS:
            client = _client(world, persona, api=False)
            for page, url_of in PAGES.items():
                small[("page", page, persona)] = _queries_of(client, url_of(world, state))
        for persona in API_READERS:
            client = _client(world, persona, api=True)
            for endpoint, url in API.items():
                small[("api", endpoint, persona)] = _queries_of(client, url.format(p=world.program.pk))
        _grow(world, state, 12)
        yield world, state, small
        transaction.set_rollback(True)


@pytest.fixture
def grown_world(grown, db):
    world, state, small = grown
    for person in world.people.values():
        if person is not None:
            forget_roles(person)
    return world, state, small


@pytest.mark.parametrize("persona", PAGE_READERS)
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_stay_within_their_query_budget(
    page, persona, grown_world, django_assert_max_num_queries
) -> None:
    world, state, small = grown_world
    status, queries = small[("page", page, persona)]
    assert status == 200
    assert queries <= 30, f"{page} as {persona}: {queries} queries with 2 groups"
    client = _client(world, persona, api=False)
    url = PAGES[page](world, state)
    client.get(url)
    with django_assert_max_num_queries(queries):
        response = client.get(url)
        assert response.status_code == 200
    if page == "group list" and persona == "program_manager":
        assert response.content.decode().count("<tr>") >= 11  # the rows are really there


@pytest.mark.parametrize("persona", API_READERS)
@pytest.mark.parametrize("endpoint", list(API))
def test_api_lists_stay_within_their_query_budget(
    endpoint, persona, grown_world, django_assert_max_num_queries
) -> None:
    world, _state, small = grown_world
    status, queries = small[("api", endpoint, persona)]
    assert status == 200
    assert queries <= 20, f"{endpoint} as {persona}: {queries} queries with 2 groups"
    client = _client(world, persona, api=True)
    url = API[endpoint].format(p=world.program.pk)
    client.get(url)
    with django_assert_max_num_queries(queries):
        body = client.get(url).json()
    listed = body.get("results", body.get("groups"))
    assert len(listed) >= 6  # enough rows that a query per row would blow the budget
