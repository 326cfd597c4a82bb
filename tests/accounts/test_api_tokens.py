"""API tokens end with the sessions and the password they were issued under; a new token is no new budget."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accord.accounts import services
from accord.core.throttling import TokenRateThrottle
from tests.factories import PASSWORD
from tests.personas import World

NEW_PASSWORD = "a-brand-new-passphrase-42"


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def signed_in(email: str = "member@example.org") -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"login": email, "password": PASSWORD}).status_code == 302
    return client


def test_signing_out_everywhere_revokes_the_api_token(world: World) -> None:
    token = services.issue_api_token(person=world.member, actor=world.member)
    assert token_client(token.key).get("/api/people/").status_code == 200
    signed_in().post("/me/logout-everywhere/")
    assert token_client(token.key).get("/api/people/").status_code == 401
    assert not Token.objects.filter(user=world.member).exists()


def test_changing_the_password_revokes_the_api_token(world: World) -> None:
    token = services.issue_api_token(person=world.member, actor=world.member)
    client = signed_in()
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert token_client(token.key).get("/api/people/").status_code == 401


def test_resetting_the_password_revokes_the_api_token(world: World) -> None:
    token = services.issue_api_token(person=world.member, actor=world.member)
    Client().post("/accounts/password/reset/", {"email": "member@example.org"})
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body).group(1)
    client = Client()
    form_url = client.get(link).headers.get("Location", link)
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert world.member.check_password(NEW_PASSWORD)
    assert token_client(token.key).get("/api/people/").status_code == 401


def test_replacing_a_token_does_not_buy_a_fresh_rate_limit_budget(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/hour"})
    token = services.issue_api_token(person=world.member, actor=world.member)
    for _ in range(3):
        assert token_client(token.key).get("/api/people/").status_code == 200
    assert token_client(token.key).get("/api/people/").status_code == 429
    fresh = services.issue_api_token(person=world.member, actor=world.member, replace=True)
    assert token_client(fresh.key).get("/api/people/").status_code == 429
    # someone else's budget is their own
    other = services.issue_api_token(person=world.auditor, actor=world.auditor)
    assert token_client(other.key).get("/api/people/").status_code == 200
