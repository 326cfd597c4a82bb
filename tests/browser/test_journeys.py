"""Each persona's journey through the real pages in Debian's chromium, with axe-core on every page.

The vendor raises a flag and reads its answer; the program manager triages and answers it, then drafts a
board agenda and records the minutes; a stakeholder lead endorses a strategy version; a manager imports
measurements and corrects a bad row; an SLA ticket export is uploaded and its progress followed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.journeys import check_page, sign_in, sign_out
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_vendor_raises_a_flag_the_manager_triages_and_answers_and_the_vendor_reads_the_answer(
    live_server: Any, page: Any, world: World
) -> None:
    program = world.program
    base = f"{live_server.url}/programs/{program.pk}"

    sign_in(page, live_server, "vendor@example.org")
    page.goto(f"{base}/governance/red-flags/raise/")
    check_page(page, "raise-a-red-flag")
    page.get_by_label("Title").fill("Interface engine drops lab results at night")
    page.get_by_label("What you saw").fill(
        "Three results from the night shift never reached the EHR on Tuesday."
    )
    page.get_by_label("High").check()
    page.get_by_role("button", name="Raise the flag").click()
    page.wait_for_url(f"{base}/governance/red-flags/*/")
    flag_url = page.url
    assert page.get_by_role("heading", name="Interface engine drops lab results at night").is_visible()
    check_page(page)
    sign_out(page, live_server)

    sign_in(page, live_server, "program_manager@example.org")
    page.goto(f"{base}/governance/red-flags/")
    check_page(page, "red-flags")
    page.get_by_role("link", name="Interface engine drops lab results at night").click()
    page.wait_for_url(flag_url)
    check_page(page, "red-flag")
    triage = page.get_by_role("form", name="Triage")
    triage.get_by_label("Owner").select_option(label=world.program_manager.full_name)
    triage.get_by_label("Response due").fill("2030-01-15")
    triage.get_by_role("button", name="Triage").click()
    resolve = page.get_by_role("form", name="Resolve")
    resolve.wait_for()
    resolve.get_by_label("Resolution").fill(
        "The interface engine's night queue was undersized; it is doubled."
    )
    resolve.get_by_role("button", name="Resolve").click()
    page.get_by_text("Resolved", exact=True).first.wait_for()
    check_page(page)
    sign_out(page, live_server)

    sign_in(page, live_server, "vendor@example.org")
    page.goto(flag_url)
    assert page.get_by_text("The interface engine's night queue was undersized; it is doubled.").is_visible()
    check_page(page)
