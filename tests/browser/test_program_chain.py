"""The program office's chain walked end to end in Debian's chromium, against the demo (`accord demo`, as
`make run` seeds it), with axe-core on every page:

a consultant raises a red flag that threatens a benefit; the program manager triages it and escalates it to the
board; drafts the board's agenda (the flag is on it); records the minutes with a decision (which carries the
flag's benefit) and an action; turns the action into a stakeholder group's commitment (which shows its origin);
the benefit's page shows the flag, the decision and the commitment, and its KPI's page draws its chart.
"""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.browser.journeys import check_page, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BENEFIT = "Physicians enter their own orders"
KPI = "CPOE adoption"
GROUP = "Hospitalists"
FLAG = "Order sets for admission bypass CPOE on two wards"
DECISION = "Rebuild the admission order sets with the hospitalists"
ACTION = "Hospitalists review the rebuilt admission order sets"


@pytest.fixture
def demo(transactional_db: Any) -> dict[str, Any]:
    """The demo as `make run` seeds it (about two minutes on a loaded machine), and its people for the chain."""
    from accord.accounts.models import User
    from accord.core.demo import DEMO_PASSWORD
    from accord.programs.demo import EMR_NAME
    from accord.programs.models import Program
    from tests.factories import give_totp

    call_command("demo", stdout=StringIO())
    consultant = User.objects.get(email="consultant@clearpath.example")
    # Partners sign in with a second factor: the consultant's authenticator is the tests' own, so the journey
    # can type a code (the demo leaves enrolment to the person's first sign-in).
    give_totp(consultant)
    return {
        "program": Program.objects.get(name=EMR_NAME),
        "consultant": consultant,
        "manager": User.objects.get(email="emr.pm@lakeshore.example"),
        "password": DEMO_PASSWORD,
    }


def test_a_consultants_flag_reaches_the_board_its_decision_and_a_groups_commitment_show_on_the_benefit(
    live_server: Any, page: Any, demo: dict[str, Any]
) -> None:
    from accord.benefits.models import Benefit
    from accord.governance.models import Decision, RedFlag

    program, manager = demo["program"], demo["manager"]
    base = f"{live_server.url}/programs/{program.pk}"
    benefit = Benefit.objects.get(program=program, title=BENEFIT)
    # Dates relative to the day the demo was seeded, so the agenda is drafted for a meeting still to come.
    today = timezone.localdate()
    meeting_day = today + dt.timedelta(days=7)

    # 1. The consultant raises a flag that threatens the benefit.
    sign_in(page, live_server, demo["consultant"].email, demo["password"])
    page.goto(f"{base}/governance/red-flags/raise/")
    check_page(page)
    page.get_by_label("Title").fill(FLAG)
    page.get_by_label("What you saw").fill(
        "On wards 4 and 6 admission orders are still written on paper: the new order sets time out."
    )
    page.get_by_label("High").check()
    page.get_by_label("Benefit threatened").select_option(label=BENEFIT)
    page.get_by_role("button", name="Raise the flag").click()
    page.wait_for_url(re.compile(r".*/governance/red-flags/\d+/$"))
    flag_url = page.url
    check_page(page)
    flag = RedFlag.objects.get(program=program, title=FLAG)
    assert flag.threatens_benefit == benefit
    sign_out(page, live_server)

    # 2. The program manager triages it and escalates it to the board.
    sign_in(page, live_server, manager.email, demo["password"])
    page.goto(flag_url)
    check_page(page)
    triage = page.get_by_role("form", name="Triage")
    triage.get_by_label("Owner").select_option(label=manager.full_name)
    triage.get_by_label("Response due").fill((today + dt.timedelta(days=14)).isoformat())
    triage.get_by_role("button", name="Triage").click()
    # The triage answer replaces the whole panel, the escalation form with it: wait for it before filling
    # that form, or the swap can empty the reason between the fill and the click.
    page.get_by_role("status").filter(has_text="Triage:").wait_for()
    escalate = page.get_by_role("form", name="Escalate to the board")
    escalate.get_by_label("Why the board must hear of it").fill(
        "CPOE adoption is the benefit the board funds; two wards cannot reach it without new order sets."
    )
    escalate.get_by_role("button", name="Escalate to the board").click()
    page.get_by_text("Escalated to the governance board", exact=True).wait_for()
    check_page(page)
    flag.refresh_from_db()
    assert (flag.state, flag.escalation_level) == ("triaged", 2)

    # 3. The manager drafts the board's agenda: the escalated flag is on it.
    page.goto(f"{base}/meetings/new/")
    check_page(page)
    page.get_by_label("Title").fill("Governance board, order sets")
    page.get_by_label("Scheduled at").fill(f"{meeting_day.isoformat()}T09:00")
    page.get_by_label("Location").fill("Executive boardroom")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{base}/meetings/*/")
    meeting_url = page.url
    page.get_by_role("button", name="Draft agenda from what needs this body").click()
    item = page.locator("li.agenda-item", has_text=FLAG)
    item.wait_for()
    assert "Escalated to the governance board" in item.inner_text()
    check_page(page)

    # 4. The minutes: the discussion, a decision (carrying the flag's benefit) and an action.
    item.get_by_label("Discussion").fill(
        "The hospitalists will rebuild the order sets with the vendor's analyst."
    )
    item.get_by_role("button", name="Save discussion").click()
    page.wait_for_url(meeting_url + "**")
    item = page.locator("li.agenda-item", has_text=FLAG)
    item.get_by_text("Record a decision").click()
    item.get_by_label("Decision title").fill(DECISION)
    item.get_by_label("What was decided").fill(
        "The board funds two weeks of hospitalist time for the rebuild."
    )
    item.get_by_role("button", name="Record decision").click()
    page.wait_for_url(meeting_url + "**")
    decision = Decision.objects.get(program=program, title=DECISION)
    assert list(decision.benefits.all()) == [benefit]
    assert list(decision.flags.all()) == [flag]
    item = page.locator("li.agenda-item", has_text=FLAG)
    item.get_by_text("Add an action").click()
    item.get_by_label("Action").fill(ACTION)
    item.get_by_label("Owner").select_option(label="Dr. Ben Carter")
    item.get_by_label("Due").fill((today + dt.timedelta(days=30)).isoformat())
    item.get_by_role("button", name="Add action").click()
    page.wait_for_url(meeting_url + "**")
    check_page(page)

    # 5. The action becomes the hospitalists' commitment, which shows where it came from.
    item = page.locator("li.agenda-item", has_text=FLAG)
    item.get_by_role("link", name="Turn into a group's commitment").click()
    page.wait_for_url(f"{base}/meetings/actions/*/commitment/")
    check_page(page)
    page.get_by_label("Stakeholder group that commits").select_option(label=GROUP)
    page.get_by_role("button", name="Create the commitment").click()
    page.wait_for_url(f"{base}/alignment/commitments/*/")
    assert page.get_by_text(f"Action “{ACTION}” of").is_visible()
    assert page.get_by_role("link", name=DECISION).is_visible()
    check_page(page)

    # 6. The benefit's page shows the flag, the decision and the commitment.
    page.goto(live_server.url + benefit.get_absolute_url())
    flags = page.get_by_role("region", name="Red flags that threaten it")
    assert flags.get_by_role("link", name=f"#{flag.pk} {FLAG}").is_visible()
    assert page.get_by_role("region", name="Decisions").get_by_role("link", name=DECISION).is_visible()
    commitments = page.get_by_role("region", name="Commitments")
    assert commitments.get_by_role("link", name=ACTION).is_visible()
    assert GROUP in commitments.inner_text()
    check_page(page)

    # 7. The benefit's KPI draws its chart: the planned trajectory and the demo's measurements.
    page.get_by_role("link", name=f"Measurements and plan of {KPI}").click()
    page.wait_for_url(f"{base}/benefits/kpis/*/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('kpi-chart'))")
    points = page.evaluate(
        "() => Chart.getChart(document.getElementById('kpi-chart')).data.datasets.map(d => d.data.length)"
    )
    assert len(points) >= 2 and min(points) > 0, points
    check_page(page)
    assert not [e for e in page.console_errors if "favicon" not in e], page.console_errors
