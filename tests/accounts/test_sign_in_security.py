"""Sign-in, throttling, idle timeout and logging out everywhere, as a hospital user experiences them."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from accord.core.models import AuditAction, AuditEntry
from tests.factories import PASSWORD
from tests.personas import World


def sign_in(client: Client, email: str, password: str, ip: str = "10.0.0.1") -> object:
    return client.post("/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


def test_a_member_signs_in_with_their_email_and_lands_on_their_programs(world: World) -> None:
    client = Client()
    response = sign_in(client, "member@example.org", PASSWORD)
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow=True)
    assert "Program A" in page.content.decode()
    assert "Program B" not in page.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor=world.member).exists()


def test_a_failed_sign_in_is_audited_without_the_password(world: World) -> None:
    sign_in(Client(), "member@example.org", "wrong-password-123")
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.object_repr == "member@example.org"
    assert "wrong-password" not in str(entry.changes) + entry.object_repr + entry.actor_label
    assert entry.remote_addr == "10.0.0.1"


def test_five_failures_for_one_account_make_the_sixth_attempt_wait_even_with_the_right_password(
    world: World,
) -> None:
    for attempt in range(5):
        response = sign_in(Client(), "member@example.org", "wrong-password-123", ip=f"10.0.1.{attempt}")
        assert response.status_code == 200
    response = sign_in(Client(), "member@example.org", PASSWORD, ip="10.0.2.1")
    assert response.status_code in {200, 429}
    assert "Too many failed login attempts" in response.content.decode()
    # another account is not affected: this is throttling, not a lock-out of everyone
    assert sign_in(Client(), "auditor@example.org", PASSWORD, ip="10.0.2.2").status_code == 302


def test_five_failures_from_one_address_throttle_that_address(world: World) -> None:
    for person in ["member", "auditor", "vendor", "consultant", "board_member"]:
        sign_in(Client(), f"{person}@example.org", "wrong-password-123", ip="10.9.9.9")
    response = sign_in(Client(), "program_manager@example.org", PASSWORD, ip="10.9.9.9")
    assert "Too many failed login attempts" in response.content.decode()
    assert sign_in(Client(), "program_manager@example.org", PASSWORD, ip="10.9.9.10").status_code == 302


def test_a_session_ends_after_thirty_idle_minutes(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    client = Client()
    client.force_login(world.member)
    clock = [time.time()]
    monkeypatch.setattr("accord.accounts.middleware.time.time", lambda: clock[0])
    assert client.get("/programs/").status_code == 200
    clock[0] += 29 * 60
    assert client.get("/programs/").status_code == 200  # activity: the clock restarts
    clock[0] += 29 * 60
    assert client.get("/programs/").status_code == 200
    clock[0] += 31 * 60
    response = client.get("/programs/")
    assert response.status_code == 302 and "/accounts/login/" in response.headers["Location"]
    assert client.get("/programs/").status_code == 302  # really signed out


def test_background_polling_does_not_keep_a_session_alive(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client()
    client.force_login(world.member)
    clock = [time.time()]
    monkeypatch.setattr("accord.accounts.middleware.time.time", lambda: clock[0])
    client.get("/programs/")
    for _ in range(4):  # a forgotten tab polling every ten minutes
        clock[0] += 10 * 60
        client.get("/healthz", HTTP_X_ACCORD_BACKGROUND="1")
    response = client.get("/programs/")
    assert response.status_code == 302


def test_signing_out_everywhere_ends_the_sessions_on_other_devices(world: World) -> None:
    laptop, tablet = Client(), Client()
    for device in (laptop, tablet):
        assert sign_in(device, "member@example.org", PASSWORD).status_code == 302
    assert tablet.get("/programs/").status_code == 200
    laptop.post("/me/logout-everywhere/")
    assert tablet.get("/programs/").status_code == 302
    assert laptop.get("/programs/").status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT_EVERYWHERE, actor=world.member).exists()


def test_sign_out_is_audited(world: World) -> None:
    client = Client()
    sign_in(client, "member@example.org", PASSWORD)
    client.post("/accounts/logout/")
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, actor=world.member).exists()


def test_production_hashes_passwords_with_argon2() -> None:
    from django.conf import settings

    # the suite swaps in a fast hasher per test; the module's own setting is what production uses
    import accord.settings as production_settings

    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.AUTH_PASSWORD_VALIDATORS


def test_people_cannot_sign_themselves_up(db: None) -> None:
    response = Client().get("/accounts/signup/")
    assert response.status_code == 200
    assert "Sign Up Closed" in response.content.decode() or "closed" in response.content.decode().lower()


def test_two_factor_authentication_can_be_set_up_from_the_profile(world: World) -> None:
    client = Client()
    sign_in(client, "member@example.org", PASSWORD)
    profile = client.get("/me/").content.decode()
    assert "/accounts/2fa/" in profile
    # enabling a second factor asks for the password again first
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302 and "/accounts/reauthenticate/" in response.headers["Location"]
    client.post(response.headers["Location"], {"password": PASSWORD})
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    assert "Authenticator" in response.content.decode()
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
