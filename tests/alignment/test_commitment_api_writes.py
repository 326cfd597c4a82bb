"""A commitment PATCH is one write: its fields and its status change together, in one transaction, with
one audit row; an edit the model refuses stores nothing of it."""

from __future__ import annotations

from typing import Any

from accord.alignment.models import Commitment
from accord.core.models import AuditAction, AuditEntry
from tests.alignment.factories import alignment_world


def _entries(commitment: Commitment) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type="alignment.commitment", object_id=str(commitment.pk)).order_by(
            "sequence"
        )
    )


def test_editing_fields_and_status_together_writes_one_audit_row(world: Any, api_for: Any) -> None:
    commitment = alignment_world(world)["commitment"]
    before = len(_entries(commitment))
    response = api_for("program_manager").patch(
        f"/api/commitments/{commitment.pk}/",
        {"what": "Train every ward", "status": "dropped", "dropped_reason": "Merged into the training plan"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "dropped"
    entries = _entries(commitment)
    assert len(entries) == before + 1
    entry = entries[-1]
    assert entry.action == AuditAction.TRANSITION
    assert {"what", "status", "dropped_reason"} <= set(entry.changes)


def test_a_field_edit_alone_is_an_update_row(world: Any, api_for: Any) -> None:
    commitment = alignment_world(world)["commitment"]
    before = len(_entries(commitment))
    response = api_for("program_manager").patch(
        f"/api/commitments/{commitment.pk}/", {"what": "Train the night shift too"}, format="json"
    )
    assert response.status_code == 200, response.content
    entries = _entries(commitment)
    assert len(entries) == before + 1 and entries[-1].action == AuditAction.UPDATE
    assert set(entries[-1].changes) == {"what"}


def test_a_refused_status_keeps_the_other_fields_as_they_were(world: Any, api_for: Any) -> None:
    commitment = alignment_world(world)["commitment"]
    before = len(_entries(commitment))
    response = api_for("program_manager").patch(
        f"/api/commitments/{commitment.pk}/", {"what": "Half an edit", "status": "dropped"}, format="json"
    )
    assert response.status_code == 400
    assert "dropped_reason" in response.json()
    commitment.refresh_from_db()
    assert commitment.what != "Half an edit" and commitment.status != "dropped"
    assert len(_entries(commitment)) == before
