"""What every journey does on every page: sign in as a persona, check accessibility with axe-core, and keep
a screenshot of the main pages for the README."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.factories import PASSWORD, totp_code

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# axe-core's impact scale is minor < moderate < serious < critical; the last two block a user.
BLOCKING = {"serious", "critical"}


def sign_in(page: Any, live_server: Any, email: str, password: str = PASSWORD) -> None:
    """Sign in as a persona (the demo's people have the demo's password; partners also give a TOTP code, which
    needs the test's authenticator: `tests.factories.give_totp`)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    if "/accounts/2fa/authenticate/" in page.url:
        # Partners sign in with a second factor. allauth refuses a code already used (its replay memory is in
        # the cache, which outlives each test's database), so an earlier test's sign-in must not count.
        from django.core.cache import cache

        cache.clear()
        page.locator("input[name=code]").fill(totp_code())
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert "/accounts/" not in page.url, page.url


def sign_out(page: Any, live_server: Any) -> None:
    page.context.clear_cookies()
    # allauth refuses a TOTP code used once (replay protection, remembered in the cache); the same person
    # signing in again within the same 30 seconds is a test's haste, not an attack.
    from django.core.cache import cache

    cache.clear()


def blocking_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] if node.get("target") else "?" for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING
    ]


def check_page(page: Any, screenshot: str | None = None) -> None:
    """Axe finds no serious or critical violation; the page's picture is kept when it is a main page."""
    page.wait_for_load_state("networkidle")
    problems = blocking_violations(page)
    assert not problems, f"{page.url}:\n" + "\n".join(problems)
    if screenshot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"), full_page=False)
