"""A 400 answered to an htmx request is shown in place: the fragment carries the form or filter with its error
(htmx leaves 4xx responses unswapped unless told otherwise; base.html tells it once for every page)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.journeys import check_page, sign_in
from tests.governance.factories import raise_flag
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_bad_filter_sent_by_htmx_shows_its_error_in_place_of_the_rows(
    live_server: Any, page: Any, world: World
) -> None:
    raise_flag(world, title="Interface engine drops lab results at night")
    url = f"{live_server.url}/programs/{world.program.pk}/governance/red-flags/"
    sign_in(page, live_server, "program_manager@example.org")
    page.goto(url)
    rows = page.locator("#flag-rows")
    assert rows.get_by_text("Interface engine drops lab results at night").is_visible()

    page.evaluate("url => htmx.ajax('GET', url, {target: '#flag-rows'})", f"{url}?severity=urgent")
    rows.get_by_role("alert").wait_for()
    assert "severity:" in rows.get_by_role("alert").inner_text()
    assert rows.get_by_text("Interface engine drops lab results at night").count() == 0
    check_page(page)
