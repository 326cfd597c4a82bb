"""The admin site has no sign-in of its own: it goes through the one sign-in page, its throttle and 2FA;
behind the TLS proxy the throttle counts the client, not the proxy."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.test import Client

from accord.core.models import AuditAction, AuditEntry
from tests.factories import PASSWORD, UserFactory, totp_code
from tests.personas import World


def make_admin(world: World) -> object:
    return UserFactory(
        email="admin@example.org",
        full_name="Platform Admin",
        organisation=world.hospital,
        is_staff=True,
        is_superuser=True,
    )


def test_the_admin_login_page_sends_people_to_the_main_sign_in(world: World) -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/?next=")


def test_thirty_wrong_passwords_at_the_admin_login_are_never_checked_and_the_right_one_does_not_sign_in(
    world: World,
) -> None:
    make_admin(world)
    client = Client()
    for _ in range(30):
        response = client.post(
            "/admin/login/", {"username": "admin@example.org", "password": "wrong-password-1"}
        )
        assert response.status_code == 302 and "/accounts/login/" in response.headers["Location"]
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302 and "/accounts/login/" in response.headers["Location"]
    assert client.get("/admin/").status_code == 302  # still signed out
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN).exists()


def test_an_administrator_signs_in_through_the_main_page_with_their_second_factor(world: World) -> None:
    make_admin(world)
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "admin@example.org", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302 and "/accounts/2fa/authenticate/" in response.headers["Location"]
    # the password alone does not open the admin site
    assert client.get("/admin/").status_code == 302
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert client.get("/admin/").status_code == 302
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_failed_admin_sign_ins_are_throttled_like_everyone_elses(world: World) -> None:
    make_admin(world)
    for attempt in range(5):
        Client().post(
            "/accounts/login/",
            {"login": "admin@example.org", "password": "wrong-password-1"},
            REMOTE_ADDR=f"10.0.3.{attempt}",
        )
    response = Client().post(
        "/accounts/login/", {"login": "admin@example.org", "password": PASSWORD}, REMOTE_ADDR="10.0.4.1"
    )
    assert "Too many failed login attempts" in response.content.decode()


def test_a_signed_in_person_who_is_not_staff_gets_no_admin_login_form(world: World, client_for) -> None:
    assert client_for("member").get("/admin/login/").status_code == 403


def sign_in_via_proxy(email: str, password: str, client_ip: str) -> object:
    # The proxy connects from 10.0.0.254 and appends the address it saw to X-Forwarded-For; a client may
    # put anything it likes in front of that.
    return Client().post(
        "/accounts/login/",
        {"login": email, "password": password},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR=f"1.2.3.4, {client_ip}",
    )


def test_behind_the_proxy_the_throttle_counts_the_client_not_the_proxy(world: World, settings) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for person in ["member", "auditor", "vendor", "consultant", "board_member"]:
        sign_in_via_proxy(f"{person}@example.org", "wrong-password-123", client_ip="203.0.113.9")
    response = sign_in_via_proxy("program_manager@example.org", PASSWORD, client_ip="203.0.113.9")
    assert "Too many failed login attempts" in response.content.decode()
    # everyone else behind the same proxy still signs in
    assert (
        sign_in_via_proxy("program_manager@example.org", PASSWORD, client_ip="198.51.100.7").status_code
        == 302
    )
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).latest("pk")
    assert entry.remote_addr == "203.0.113.9"


def settings_in_production(**env: str) -> dict:
    code = (
        "import json, accord.settings as s; print(json.dumps([s.ALLAUTH_TRUSTED_PROXY_COUNT, "
        "s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER]))"
    )
    environment = {
        **os.environ,
        "ACCORD_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "ACCORD_AUDIT_KEY": "k" * 40,
        **env,
    }
    for name in ["BEHIND_TLS_PROXY", "ACCORD_TRUSTED_PROXY_COUNT", "ACCORD_TRUSTED_CLIENT_IP_HEADER"]:
        if name not in env:
            environment.pop(name, None)
    output = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_production_behind_the_tls_proxy_trusts_one_proxy_unless_told_otherwise() -> None:
    assert settings_in_production() == [1, None]
    assert settings_in_production(ACCORD_TRUSTED_PROXY_COUNT="2") == [2, None]
    assert settings_in_production(BEHIND_TLS_PROXY="false") == [0, None]
    assert settings_in_production(ACCORD_TRUSTED_CLIENT_IP_HEADER="X-Real-IP") == [1, "X-Real-IP"]
