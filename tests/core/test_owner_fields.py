"""Every program-scoped record that can be hospital-internal and names a person says which of its person
fields name who is answerable for it (`owner_fields`), so `core.models.check_owners_see` refuses an internal
record a partner would own, on the page and in the API alike; a model whose person fields name no owner is
listed here with the reason."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError

from accord.core.models import ProgramScopedModel, check_owners_see
from accord.core.permissions import Role, Visibility
from tests.factories import MembershipFactory, ProgramFactory, UserFactory

# Person fields that record who wrote, asked, answered or was invited: authors, not owners. A partner who
# wrote something on a shared record that later becomes internal is a question for the visibility rule
# of that record, not an ownership.
NO_OWNER: dict[str, str] = {
    "benefits.Measurement": "entered_by records who entered a reading",
    "alignment.ReadinessAssessment": "assessed_by records who scored the group",
    "alignment.StrategyComment": "its author wrote it",
    "alignment.Endorsement": "decided_by records who endorsed for the group",
    "alignment.CommitmentNote": "its author wrote it",
    "governance.RedFlagEvent": "the actor of one step of the flag's history",
    "governance.Decision": "recorded_by records who logged it",
    "sla.SlaPolicyVersion": "created_by records who wrote the version",
    "sla.TicketImport": "the actor who uploaded the file",
    "sla.ComputeJob": "the actor who started the computation",
    "sla.SlaPeriod": "issued_by records who issued the period",
    "sla.SlaDispute": "who raised, answered and settled it: each step's author",
    "transition.StageSignOff": "signed_by records who signed",
    "transition.StageChange": "changed_by records who moved the stage",
    "transition.KnowledgeItem": "its author and approver: authors, checked by the service's own owners",
    "transition.KnowledgeAttachment": "uploaded_by records who uploaded it",
    "transparency.Question": "who asked and who answered",
    "change_control.PlanApproval": "the approver's decision on record",
    "change_control.CabVote": "the member's vote on record",
    # The owner sees an action of theirs whatever its visibility (`personal_access`).
    "change_control.ActionItem": "its owner sees it through personal_access",
    "meetings.MeetingAction": "its owner sees it through personal_access",
}


def person_fields(model: type) -> list[str]:
    user_label = settings.AUTH_USER_MODEL.lower()
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is not None and f.related_model._meta.label_lower == user_label
    ]


def scoped_models_with_visibility_and_people() -> list[type]:
    found = []
    for model in apps.get_models():
        if not issubclass(model, ProgramScopedModel) or model._meta.abstract:
            continue
        if model.visibility_lookup() is None or not person_fields(model):
            continue
        found.append(model)
    return found


def test_there_are_models_to_check() -> None:
    labels = {model._meta.label for model in scoped_models_with_visibility_and_people()}
    assert {"governance.Risk", "governance.RedFlag", "transition.Service", "alignment.Commitment"} <= labels


def test_every_internal_capable_model_with_a_person_declares_its_owners() -> None:
    undeclared = []
    for model in scoped_models_with_visibility_and_people():
        label = model._meta.label
        declared = model.owner_fields is not None
        if declared == (label in NO_OWNER):
            undeclared.append(f"{label} (person fields: {', '.join(person_fields(model))})")
    assert not undeclared, "declare owner_fields or list the model in NO_OWNER with a reason: " + ", ".join(
        undeclared
    )


def test_declared_owner_fields_are_person_fields() -> None:
    for model in scoped_models_with_visibility_and_people():
        for name in model.owner_fields or ():
            assert name in person_fields(model), f"{model._meta.label}.{name} is not a person field"


@pytest.mark.django_db
def test_the_rule_refuses_a_partner_on_an_internal_record_only() -> None:
    program = ProgramFactory()
    vendor = MembershipFactory(program=program, role=Role.VENDOR).person
    hospital = MembershipFactory(program=program, role=Role.PROGRAM_MANAGER).person
    outsider = UserFactory()
    with pytest.raises(ValidationError) as refused:
        check_owners_see(
            program_id=program.pk,
            visibility=Visibility.INTERNAL,
            owners={"owner": vendor, "helper": hospital},
        )
    assert set(refused.value.message_dict) == {"owner"}
    assert str(vendor) in refused.value.message_dict["owner"][0]
    check_owners_see(program_id=program.pk, visibility=Visibility.SHARED, owners={"owner": vendor})
    check_owners_see(program_id=program.pk, visibility=Visibility.INTERNAL, owners={"owner": hospital})
    # Not a member: the membership rule speaks for that one.
    check_owners_see(program_id=program.pk, visibility=Visibility.INTERNAL, owners={"owner": outsider})
    with pytest.raises(ValidationError) as several:
        check_owners_see(
            program_id=program.pk, visibility=Visibility.INTERNAL, owners={"visibility": [hospital, vendor]}
        )
    assert list(several.value.message_dict) == ["visibility"]
