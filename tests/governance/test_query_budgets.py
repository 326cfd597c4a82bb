"""Lists and the home panel cost the same number of queries whatever the number of records."""

from __future__ import annotations

import pytest

from accord.governance import services
from tests.governance.factories import T0, make_decision, make_risk, raise_flag, triage


def _grow(world, n: int) -> None:
    for i in range(n):
        flag = raise_flag(
            world,
            by="consultant" if i % 2 else "member",
            title=f"Flag {i}",
            severity=["low", "medium", "high", "critical"][i % 4],
        )
        if i % 3 == 0:
            triage(world, flag)
        risk = make_risk(world, title=f"Risk {i}", likelihood=1 + i % 5, impact=1 + (i * 2) % 5)
        make_decision(world, title=f"Decision {i}", flags=[flag], risks=[risk])
    services.escalate_overdue_flags(now=T0.replace(year=2027))


PAGES = [
    "/programs/{p}/governance/red-flags/",
    "/programs/{p}/governance/risks/",
    "/programs/{p}/governance/decisions/",
    "/programs/{p}/",
]
API = ["/api/red-flags/", "/api/risks/", "/api/decisions/"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_stay_within_their_query_budget(path, world, client_for, django_assert_max_num_queries) -> None:
    url = path.format(p=world.program.pk)
    client = client_for("program_manager")
    _grow(world, 3)
    client.get(url)
    # The program home carries one panel per installed app (about two queries each); the other pages 20.
    budget = 30 if url.rstrip("/").endswith(str(world.program.pk)) else 20
    with django_assert_max_num_queries(budget) as small:
        assert client.get(url).status_code == 200
    _grow(world, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("path", API)
def test_api_lists_stay_within_their_query_budget(
    path, world, api_for, django_assert_max_num_queries
) -> None:
    client = api_for("board_member")
    _grow(world, 3)
    with django_assert_max_num_queries(15) as small:
        assert client.get(path).status_code == 200
    _grow(world, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(path).status_code == 200
