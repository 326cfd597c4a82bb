"""Single sign-on through the hospital's OpenID Connect provider, against a fake provider (no network)."""

from __future__ import annotations

from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlparse

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from accord.accounts.models import User
from accord.core.models import AuditAction, AuditEntry
from tests.personas import World

ISSUER = "https://idp.lakeside.example"
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "userinfo_endpoint": f"{ISSUER}/userinfo",
    "jwks_uri": f"{ISSUER}/jwks",
    "token_endpoint_auth_methods_supported": ["client_secret_post"],
}


class FakeResponse:
    def __init__(self, payload: dict, status: int = 200) -> None:
        self.payload, self.status_code = payload, status
        self.text = str(payload)
        self.headers = {"content-type": "application/json"}

    def json(self) -> dict:
        return self.payload

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(self.status_code)


class FakeProvider:
    """Answers the discovery document, the token and userinfo endpoints; remembers what it was asked."""

    def __init__(self, userinfo: dict) -> None:
        self.userinfo = userinfo
        self.calls: list[str] = []

    def __enter__(self) -> FakeProvider:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def get(self, url: str, **kwargs: Any) -> FakeResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> FakeResponse:
        return self.request("POST", url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> FakeResponse:
        self.calls.append(f"{method} {url}")
        if url == f"{ISSUER}/.well-known/openid-configuration":
            return FakeResponse(DISCOVERY)
        if url == DISCOVERY["token_endpoint"]:
            return FakeResponse({"access_token": "access-123", "token_type": "Bearer", "expires_in": 300})
        if url == DISCOVERY["userinfo_endpoint"]:
            assert kwargs["headers"]["Authorization"] == "Bearer access-123"
            return FakeResponse(self.userinfo)
        raise AssertionError(f"unexpected call to {url}")


@pytest.fixture
def hospital_sso(settings: Any) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "hospital",
                    "name": "Lakeside ID",
                    "client_id": "accord",
                    "secret": "s3cret",
                    "settings": {"server_url": ISSUER},
                }
            ],
        }
    }


def sign_in_with_sso(userinfo: dict) -> tuple[Client, Any, FakeProvider]:
    provider = FakeProvider(userinfo)
    client = Client()
    with mock.patch(
        "accord.accounts.adapter.AccordSocialAccountAdapter.get_requests_session", return_value=provider
    ):
        response = client.post("/accounts/oidc/hospital/login/")
        assert response.status_code == 302
        authorize = urlparse(response.headers["Location"])
        assert (
            f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == DISCOVERY["authorization_endpoint"]
        )
        state = parse_qs(authorize.query)["state"][0]
        response = client.get("/accounts/oidc/hospital/login/callback/", {"code": "code-456", "state": state})
    return client, response, provider


def test_without_configuration_there_is_no_single_sign_on_button(db: None) -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert "Sign in with" not in page
    assert Client().post("/accounts/oidc/hospital/login/").status_code == 404


def test_the_sign_in_page_offers_the_hospitals_single_sign_on(db: None, hospital_sso: None) -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert "Sign in with Lakeside ID" in page
    assert 'action="/accounts/oidc/hospital/login/' in page


def test_an_existing_person_signs_in_with_their_verified_hospital_email(
    world: World, hospital_sso: None
) -> None:
    client, response, provider = sign_in_with_sso(
        {"sub": "lk-0042", "email": "Member@Example.org", "email_verified": True, "name": "Someone Else"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get("/programs/").status_code == 200
    assert f"POST {DISCOVERY['token_endpoint']}" in provider.calls
    assert SocialAccount.objects.get(uid="lk-0042").user == world.member
    world.member.refresh_from_db()
    assert world.member.full_name == "Member"  # nothing is taken from the provider
    assert world.member.organisation == world.hospital
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor=world.member).exists()
    # the next sign-in finds the linked account directly
    client, _, _ = sign_in_with_sso({"sub": "lk-0042", "email": "member@example.org", "email_verified": True})
    assert client.get("/programs/").status_code == 200


def test_single_sign_on_never_creates_an_account(world: World, hospital_sso: None) -> None:
    before = User.objects.count()
    client, response, _ = sign_in_with_sso(
        {"sub": "lk-9", "email": "stranger@lakeside.example", "email_verified": True}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/accounts/login/"
    assert User.objects.count() == before
    assert client.get("/programs/").status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert "no Accord account" in page


def test_an_unverified_email_from_the_provider_signs_nobody_in(world: World, hospital_sso: None) -> None:
    client, response, _ = sign_in_with_sso(
        {"sub": "lk-7", "email": "member@example.org", "email_verified": False}
    )
    assert response.headers["Location"] == "/accounts/login/"
    assert client.get("/programs/").status_code == 302
    assert not SocialAccount.objects.exists()


def test_a_deactivated_person_cannot_sign_in_with_single_sign_on(world: World, hospital_sso: None) -> None:
    User.objects.filter(pk=world.member.pk).update(is_active=False)
    client, _, _ = sign_in_with_sso({"sub": "lk-0042", "email": "member@example.org", "email_verified": True})
    assert client.get("/programs/").status_code == 302


def test_a_vendor_signing_in_with_single_sign_on_still_gives_their_second_factor(
    world: World,
    hospital_sso: None,
) -> None:
    client, response, _ = sign_in_with_sso(
        {"sub": "v-1", "email": "vendor@example.org", "email_verified": True}
    )
    assert "/accounts/2fa/authenticate/" in response.headers["Location"]
    assert client.get("/programs/").status_code == 302
