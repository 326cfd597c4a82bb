"""Each figure on the program home links to its list, filtered through that list's FilterSet, and the list
shows exactly the records the figure counts (issue 16, item 7)."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accord.alignment.choices import CommitmentStatus
from accord.core.permissions import Visibility
from accord.governance.models import RedFlag
from tests.alignment.factories import CommitmentFactory, StakeholderGroupFactory
from tests.benefits.factories import KpiFactory, MeasurementFactory
from tests.governance.factories import make_risk, raise_flag
from tests.transition.factories import ServiceFactory


def home(client: Client, world: Any) -> str:
    response = client.get(f"/programs/{world.program.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def tile(page: str, label: str) -> tuple[str, int]:
    """The link of the figure whose text matches `label` (a pattern with one group: the number)."""
    match = re.search(r'<a href="([^"]+)">' + label + "</a>", page)
    assert match, f"no link for {label!r} on the program home"
    return html.unescape(match.group(1)), int(match.group(2))


def listed(client: Client, url: str, key: str) -> list[Any]:
    response = client.get(url)
    assert response.status_code == 200
    rows = response.context[key]
    return list(rows.paginator.object_list if hasattr(rows, "paginator") else rows)


@pytest.fixture
def flags(world: Any) -> None:
    now = timezone.now()
    raise_flag(world, title="Old and high", severity="high", now=now - dt.timedelta(days=45))
    raise_flag(world, title="Old and low", severity="low", now=now - dt.timedelta(days=35), by="vendor")
    raise_flag(world, title="New and critical", severity="critical", now=now - dt.timedelta(days=1))
    escalated = raise_flag(world, title="Escalated one", severity="high", now=now - dt.timedelta(days=2))
    RedFlag.objects.filter(pk=escalated.pk).update(escalation_level=1)
    raise_flag(world, title="Internal one", visibility=Visibility.INTERNAL, now=now - dt.timedelta(days=60))


@pytest.mark.parametrize("persona", ["program_manager", "vendor"])
def test_red_flag_figures_link_to_the_register_showing_as_many_flags(
    world: Any, flags: None, client_for: Any, persona: str
) -> None:
    client = client_for(persona)
    page = home(client, world)
    figures = [r"(\d+) open", r"(\d+) older than \d+ days"]
    if persona == "vendor":
        figures.append(r"(\d+) raised by you")
    for label in figures:
        url, count = tile(page, label)
        assert len(listed(client, url, "page")) == count, label
    # Each severity's figure follows its badge's link.
    severities = re.findall(r'\?state=open&amp;severity=(\w+)">.*?</a> (\d+)</li>', page)
    assert {severity for severity, _count in severities} == {"critical", "high", "medium", "low"}
    for severity, count in severities:
        url = f"/programs/{world.program.pk}/governance/red-flags/?state=open&severity={severity}"
        assert len(listed(client, url, "page")) == int(count), severity


def test_the_home_counts_the_flags_the_reader_may_see(world: Any, flags: None, client_for: Any) -> None:
    # The internal flag is the oldest: the program manager counts it, the vendor does not.
    assert tile(home(client_for("program_manager"), world), r"(\d+) older than \d+ days")[1] == 3
    assert tile(home(client_for("vendor"), world), r"(\d+) older than \d+ days")[1] == 2


def test_the_escalated_heading_lists_the_escalated_flags_the_tile_shows(
    world: Any, flags: None, client_for: Any
) -> None:
    client = client_for("program_manager")
    page = home(client, world)
    url = html.unescape(re.search(r'<h3><a href="([^"]+)">Escalated</a></h3>', page).group(1))
    assert [f.title for f in listed(client, url, "page")] == ["Escalated one"]


def test_risks_over_the_threshold_link_to_the_register_showing_the_same_risks(
    world: Any, client_for: Any
) -> None:
    make_risk(world, likelihood=4, impact=5, title="Interface backlog")
    make_risk(world, likelihood=3, impact=5, title="Training slips", status="monitoring")
    make_risk(world, likelihood=5, impact=5, title="Closed one", status="closed")
    make_risk(world, likelihood=2, impact=3, title="Small one")
    client = client_for("program_manager")
    page = home(client, world)
    url = html.unescape(re.search(r'<h3><a href="([^"]+)">Risks scoring 15 or more</a></h3>', page).group(1))
    assert {r.title for r in listed(client, url, "risks")} == {"Interface backlog", "Training slips"}


def test_late_and_soon_due_commitments_link_to_the_list_showing_as_many(world: Any, client_for: Any) -> None:
    today = timezone.localdate()
    group = StakeholderGroupFactory(program=world.program, visibility=Visibility.SHARED)
    CommitmentFactory(group=group, what="Overdue", due_date=today - dt.timedelta(days=3))
    CommitmentFactory(group=group, what="Marked late", due_date=today + dt.timedelta(days=20), status="late")
    CommitmentFactory(group=group, what="Due soon", due_date=today + dt.timedelta(days=3))
    CommitmentFactory(group=group, what="Due today", due_date=today)
    CommitmentFactory(group=group, what="Far off", due_date=today + dt.timedelta(days=30))
    CommitmentFactory(
        group=group, what="Done late", due_date=today - dt.timedelta(days=9), status=CommitmentStatus.DONE
    )
    client = client_for("program_manager")
    page = home(client, world)
    late_url, late = tile(page, r"Late \((\d+)\)")
    soon_url, soon = tile(page, r"Due within a week \((\d+)\)")
    assert (late, soon) == (2, 2)
    assert {c.what for c in listed(client, late_url, "commitments")} == {"Overdue", "Marked late"}
    assert {c.what for c in listed(client, soon_url, "commitments")} == {"Due soon", "Due today"}


def test_transition_stage_figures_link_to_the_service_list_showing_as_many(
    world: Any, client_for: Any
) -> None:
    ServiceFactory(program=world.program, name="Lab interface")
    ServiceFactory(program=world.program, name="Order entry", stage="shadow")
    ServiceFactory(program=world.program, name="Pharmacy", stage="shadow")
    ServiceFactory(program=world.program, name="Radiology", stage="handover")
    client = client_for("program_manager")
    page = home(client, world)
    figures = re.findall(r'<a href="([^"]+\?stage=\w+)">[^<:]+: (\d+)</a>', page)
    assert [int(count) for _url, count in figures] == [1, 2, 0, 1]
    for url, count in figures:
        assert len(listed(client, html.unescape(url), "rows")) == int(count), url


def test_kpi_status_figures_link_to_the_kpi_list_showing_the_same_kpis(world: Any, client_for: Any) -> None:
    recently = timezone.localdate() - dt.timedelta(days=5)
    # Past the target date the plan expects the target (80 %): 79 is on track, 72 slipping, 50 off track.
    for name, value in [
        ("On plan", 79.0),
        ("A little behind", 72.0),
        ("Far behind", 50.0),
        ("Unmeasured", None),
    ]:
        kpi = KpiFactory(program=world.program, benefit__program=world.program, name=name)
        if value is not None:
            MeasurementFactory(kpi=kpi, measured_on=recently, value=value)
    client = client_for("program_manager")
    page = home(client, world)
    expected = {"green": {"On plan"}, "amber": {"A little behind"}, "red": {"Far behind"}}
    for rag, label in [("green", "on track"), ("amber", "slipping"), ("red", "off track")]:
        url, count = tile(page, r'<span class="badge ' + rag + r'">(\d+) ' + label + "</span>")
        names = {k.name for k in listed(client, url, "kpis")}
        assert (names, count) == (expected[rag], 1), rag
