"""API deletes of alignment records: history (a published strategy version, a group that endorsed or promised,
a closed commitment) is refused with a reason and kept; a legitimate delete audits each dependant it takes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from accord.alignment import services
from accord.alignment.choices import CommitmentStatus
from accord.alignment.models import (
    Commitment,
    CommitmentNote,
    Endorsement,
    StakeholderGroup,
    StrategyComment,
    StrategyVersion,
)
from accord.core.models import AuditAction, AuditEntry
from tests.alignment.factories import CommitmentFactory, StakeholderGroupFactory
from tests.api_helpers import api, refusal

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)


def deleted(model: type, pk: int) -> bool:
    return AuditEntry.objects.filter(
        action=AuditAction.DELETE, object_type=model._meta.label_lower, object_id=str(pk)
    ).exists()


def test_a_published_strategy_version_is_refused_and_keeps_its_endorsements_and_comments(world: Any) -> None:
    StakeholderGroupFactory(program=world.program, name="Nursing", lead=world.stakeholder_lead)
    version = services.create_strategy_draft(
        program=world.program, summary="One", actor=world.program_manager
    )
    services.publish_strategy_version(version=version, actor=world.program_manager, now=timezone.now())
    services.add_comment(version=version, element="summary", body="Agreed.", actor=world.member)
    response = api(world.program_manager).delete(f"/api/strategy-versions/{version.pk}/")
    message = refusal(response)
    assert "published strategy version is history" in message
    assert "Publish a new version instead" in message
    assert StrategyVersion.objects.filter(pk=version.pk).exists()
    assert Endorsement.objects.filter(version=version).count() == 1
    assert StrategyComment.objects.filter(version=version).count() == 1
    assert not deleted(StrategyVersion, version.pk)


def test_deleting_a_draft_version_audits_each_comment_that_goes_with_it(world: Any) -> None:
    draft = services.create_strategy_draft(program=world.program, summary="Two", actor=world.program_manager)
    first = services.add_comment(version=draft, element="summary", body="Too long.", actor=world.member)
    second = services.add_comment(
        version=draft, element="summary", body="Shorter.", actor=world.program_manager
    )
    response = api(world.program_manager).delete(f"/api/strategy-versions/{draft.pk}/")
    assert response.status_code == 204, response.content
    assert not StrategyComment.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert deleted(StrategyVersion, draft.pk)
    assert deleted(StrategyComment, first.pk) and deleted(StrategyComment, second.pk)
    entry = AuditEntry.objects.get(
        action=AuditAction.DELETE, object_id=str(first.pk), object_type="alignment.strategycomment"
    )
    assert entry.changes["body"] == ["Too long.", None]


def test_a_group_asked_to_endorse_is_refused_and_keeps_its_endorsement(world: Any) -> None:
    group = StakeholderGroupFactory(program=world.program, name="Pharmacy")
    version = services.create_strategy_draft(
        program=world.program, summary="One", actor=world.program_manager
    )
    services.publish_strategy_version(version=version, actor=world.program_manager, now=timezone.now())
    message = refusal(api(world.program_manager).delete(f"/api/stakeholder-groups/{group.pk}/"))
    assert "endorsements are history" in message
    assert StakeholderGroup.objects.filter(pk=group.pk).exists()
    assert Endorsement.objects.filter(group=group).exists()


def test_a_delivered_commitment_is_refused(world: Any) -> None:
    commitment = CommitmentFactory(
        program=world.program, group__program=world.program, status=CommitmentStatus.DONE, done_on=TODAY
    )
    message = refusal(api(world.program_manager).delete(f"/api/commitments/{commitment.pk}/"))
    assert "a done commitment counts in the group's delivery record" in message
    assert "dropped with a reason" in message
    assert Commitment.objects.filter(pk=commitment.pk, status=CommitmentStatus.DONE).exists()


def test_deleting_an_open_commitment_audits_its_progress_notes(world: Any) -> None:
    commitment = CommitmentFactory(program=world.program, group__program=world.program)
    note = services.add_progress_note(
        commitment=commitment, text="Wards 3 and 4 trained.", actor=world.program_manager, noted_on=TODAY
    )
    response = api(world.program_manager).delete(f"/api/commitments/{commitment.pk}/")
    assert response.status_code == 204, response.content
    assert not CommitmentNote.objects.filter(pk=note.pk).exists()
    assert deleted(CommitmentNote, note.pk)


def test_a_group_with_commitments_is_refused_and_keeps_them(world: Any) -> None:
    commitment = CommitmentFactory(program=world.program, group__program=world.program)
    message = refusal(api(world.program_manager).delete(f"/api/stakeholder-groups/{commitment.group_id}/"))
    assert "it has commitments on record" in message
    assert Commitment.objects.filter(pk=commitment.pk).exists()
