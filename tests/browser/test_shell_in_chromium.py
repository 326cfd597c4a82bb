"""The shell in a real browser: keyboard sign-in, the program switcher, no CSP violations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PASSWORD, totp_code
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_signs_in_with_the_keyboard_and_opens_their_program(
    live_server: Any, page: Any, world: World
) -> None:
    page.goto(f"{live_server.url}/programs/")
    assert "/accounts/login/" in page.url
    # the e-mail field has focus on arrival
    page.keyboard.type("vendor@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    # vendors sign in with a second factor
    page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/**")
    page.locator("input[name=code]").fill(totp_code())
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/programs/")
    assert page.get_by_role("heading", name="Your programs").is_visible()
    assert page.get_by_role("link", name="Program A").is_visible()
    assert page.get_by_text("Program B").count() == 0
    page.get_by_role("link", name="Program A").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/programs/{world.program.pk}/")
    nav = page.get_by_role("navigation", name="Program A sections")
    assert nav.get_by_role("link", name="Home").is_visible()
    assert nav.get_by_role("link", name="Audit trail").count() == 0  # vendors do not read the trail
    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors


def test_htmx_is_loaded_from_our_own_static_files(live_server: Any, page: Any, world: World) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.evaluate("typeof window.htmx") == "object"
    assert not page.console_errors, page.console_errors
