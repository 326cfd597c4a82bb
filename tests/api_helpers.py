"""What API tests of every app share: a client acting as a person, and reading a refusal."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient


def api(person: Any) -> APIClient:
    """An API client signed in as `person`."""
    client = APIClient()
    client.force_authenticate(person)
    return client


def refusal(response: Any) -> str:
    """The message of a 400 that refused a whole record (not one field)."""
    assert response.status_code == 400, response.content
    return " ".join(response.json()["non_field_errors"])
