"""What API tests of every app share: a client acting as a person, reading a refusal, what a delete audited."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from accord.core.models import AuditAction, AuditEntry


def api(person: Any) -> APIClient:
    """An API client signed in as `person`."""
    client = APIClient()
    client.force_authenticate(person)
    return client


def refusal(response: Any) -> str:
    """The message of a 400 that refused a whole record (not one field)."""
    assert response.status_code == 400, response.content
    return " ".join(response.json()["non_field_errors"])


def deleted_ids(model: type) -> set[str]:
    """The ids of the `model` rows whose deletion the audit trail records."""
    return set(
        AuditEntry.objects.filter(action=AuditAction.DELETE, object_type=model._meta.label_lower).values_list(
            "object_id", flat=True
        )
    )
