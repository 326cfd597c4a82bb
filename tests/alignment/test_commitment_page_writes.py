"""The commitment page saves an edit through `update_commitment`, the service the API's PATCH uses: the
commitment is locked and a move to another group is checked again under the lock, so a move the form
allowed a moment before is refused when someone else moved the commitment in between."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.alignment import forms
from accord.alignment.models import Commitment, StakeholderGroup
from accord.core.models import AuditAction, AuditEntry
from tests.alignment.builders import make_group
from tests.alignment.factories import alignment_world


def _form(commitment: Commitment, **extra: Any) -> dict[str, Any]:
    return {
        "group": commitment.group_id,
        "what": commitment.what,
        "owner": commitment.owner_id or "",
        "due_date": commitment.due_date.isoformat(),
        **extra,
    }


def _entries(commitment: Commitment) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type="alignment.commitment", object_id=str(commitment.pk)).order_by(
            "sequence"
        )
    )


def _moved_by_the_manager_after_the_form_checked(
    monkeypatch: pytest.MonkeyPatch, commitment: Commitment, group: StakeholderGroup
) -> None:
    """Stand in for the program manager moving the commitment while the lead's form is being saved: the
    form's own check has passed, the write has not started."""
    checked = forms.CommitmentForm.clean_group

    def clean_group_then_moved(form: forms.CommitmentForm) -> StakeholderGroup:
        chosen = checked(form)
        Commitment.objects.filter(pk=commitment.pk).update(group=group)
        return chosen

    monkeypatch.setattr(forms.CommitmentForm, "clean_group", clean_group_then_moved)


def test_a_move_is_checked_again_when_the_page_saves_it(
    world: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = alignment_world(world)
    commitment = data["commitment"]
    theirs = make_group(world, "Nursing education", lead=world.stakeholder_lead)
    peers = make_group(world, "Pharmacy", lead=world.member)
    before = len(_entries(commitment))
    _moved_by_the_manager_after_the_form_checked(monkeypatch, commitment, peers)
    url = reverse("alignment:commitment_edit", kwargs={"program_id": world.program.pk, "pk": commitment.pk})
    response = client_for("stakeholder_lead").post(url, _form(commitment, group=theirs.pk))
    assert response.status_code == 400
    assert "You can only move a commitment between groups you lead." in response.content.decode()
    commitment.refresh_from_db()
    assert commitment.group == peers
    assert len(_entries(commitment)) == before


def test_an_edit_on_the_page_is_one_update_row_like_the_api(world: Any, client_for: Any) -> None:
    commitment = alignment_world(world)["commitment"]
    before = len(_entries(commitment))
    url = reverse("alignment:commitment_edit", kwargs={"program_id": world.program.pk, "pk": commitment.pk})
    response = client_for("stakeholder_lead").post(url, _form(commitment, what="Train the night shift too"))
    assert response.status_code == 302, response.content
    commitment.refresh_from_db()
    assert commitment.what == "Train the night shift too"
    entries = _entries(commitment)
    assert len(entries) == before + 1
    assert entries[-1].action == AuditAction.UPDATE and set(entries[-1].changes) == {"what"}
