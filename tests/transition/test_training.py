"""Training: expiry, the completion matrix, the assignment guard for partner staff and the reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from accord.accounts.models import OrganisationKind
from accord.core.permissions import Role
from accord.notifications.models import Notification
from accord.notifications.services import set_email_preferences
from accord.transition import queries, services
from accord.transition.choices import HandoverStage, TrainingStatus
from accord.transition.models import TrainingModule, TrainingReminder
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.transition.factories import ServiceFactory, TrainingModuleFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 3)
NOW = dt.datetime(2026, 12, 3, 7, tzinfo=dt.UTC)


@pytest.fixture
def partner(db: Any) -> Any:
    service = ServiceFactory(stage=HandoverStage.REVERSE_SHADOW, name="Lab system interface")
    person = UserFactory(
        full_name="Priya Partner", organisation=OrganisationFactory(kind=OrganisationKind.OUTSOURCER)
    )
    MembershipFactory(program=service.program, person=person, role=Role.VENDOR)
    person.service = service
    return person


def test_a_completion_expires_after_the_modules_validity_on_the_same_day_or_the_months_last() -> None:
    module = TrainingModule(validity_months=12)
    assert module.expiry_for(dt.date(2026, 3, 15)) == dt.date(2027, 3, 15)
    assert TrainingModule(validity_months=1).expiry_for(dt.date(2027, 1, 31)) == dt.date(2027, 2, 28)
    assert TrainingModule(validity_months=None).expiry_for(dt.date(2027, 1, 31)) is None


def test_recording_training_sets_its_expiry_and_the_persons_attestation(partner: Any) -> None:
    module = TrainingModuleFactory(program=partner.service.program, validity_months=24)
    record = services.record_training(
        module=module, person=partner, completed_on=dt.date(2026, 1, 10), actor=partner, now=NOW
    )
    assert record.expires_on == dt.date(2028, 1, 10)
    assert record.attested


def test_partners_record_only_their_own_training(partner: Any) -> None:
    module = TrainingModuleFactory(program=partner.service.program)
    colleague = MembershipFactory(program=module.program, role=Role.VENDOR).person
    with pytest.raises(PermissionDenied):
        services.record_training(module=module, person=colleague, completed_on=TODAY, actor=partner, now=NOW)


def test_the_matrix_shows_done_expiring_expired_overdue_and_not_required(
    partner: Any, django_assert_max_num_queries: Any
) -> None:
    program = partner.service.program
    manager = MembershipFactory(program=program, role=Role.PROGRAM_MANAGER).person
    fresh = TrainingModuleFactory(program=program, title="Security awareness", validity_months=12)
    expiring = TrainingModuleFactory(program=program, title="HIPAA privacy", validity_months=12)
    expired = TrainingModuleFactory(program=program, title="Downtime procedures", validity_months=6)
    TrainingModuleFactory(program=program, title="Epic Bridges", due_on=dt.date(2026, 11, 30))
    for module, completed in (
        (fresh, dt.date(2026, 11, 1)),
        (expiring, dt.date(2025, 12, 20)),
        (expired, dt.date(2026, 1, 5)),
    ):
        services.record_training(
            module=module, person=partner, completed_on=completed, actor=manager, now=NOW
        )
    with django_assert_max_num_queries(6):
        matrix = queries.training_matrix(program=program, user=manager, today=TODAY)
    rows = {row["person"].full_name: [c["status"] for c in row["cells"]] for row in matrix.rows}
    titles = [m.title for m in matrix.modules]
    statuses = dict(zip(titles, rows["Priya Partner"], strict=True))
    assert statuses == {
        "Security awareness": TrainingStatus.DONE,
        "HIPAA privacy": TrainingStatus.EXPIRING,
        "Downtime procedures": TrainingStatus.EXPIRED,
        "Epic Bridges": TrainingStatus.OVERDUE,
    }
    # The manager's role is not in the modules' required roles.
    assert set(rows[manager.full_name]) == {TrainingStatus.NOT_REQUIRED}


def test_partner_staff_with_missing_or_expired_training_may_not_work_on_a_service_in_reverse_shadow(
    partner: Any,
) -> None:
    program = partner.service.program
    TrainingModuleFactory(program=program, title="HIPAA privacy")
    with pytest.raises(ValidationError) as error:
        services.check_partner_may_work_on(partner, partner.service, today=TODAY)
    assert (
        "Priya Partner cannot work on Lab system interface while it is in reverse shadow"
        in error.value.messages[0]
    )
    assert "HIPAA privacy (missing)" in error.value.messages[0]


def test_the_guard_lets_trained_partners_hospital_staff_and_early_stages_through(partner: Any) -> None:
    program = partner.service.program
    module = TrainingModuleFactory(program=program, title="HIPAA privacy")
    services.check_partner_may_work_on(partner.service.internal_owner, partner.service, today=TODAY)
    shadow = ServiceFactory(program=program, stage=HandoverStage.SHADOW)
    services.check_partner_may_work_on(partner, shadow, today=TODAY)
    services.record_training(
        module=module, person=partner, completed_on=dt.date(2026, 6, 1), actor=partner, now=NOW
    )
    services.check_partner_may_work_on(partner, partner.service, today=TODAY)
    # A year later the completion has expired and the guard refuses again.
    with pytest.raises(ValidationError, match=r"HIPAA privacy \(expired\)"):
        services.check_partner_may_work_on(partner, partner.service, today=dt.date(2027, 6, 2))


def test_reminders_go_once_a_week_in_the_app_and_by_email_unless_the_person_opted_out(
    partner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    program = partner.service.program
    TrainingModuleFactory(program=program, title="HIPAA privacy")
    other = MembershipFactory(program=program, role=Role.VENDOR).person
    set_email_preferences(person=other, choices={"training_due": False}, actor=other)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_training_reminders(now=NOW) == 2
    assert services.send_training_reminders(now=NOW + dt.timedelta(hours=5)) == 0
    assert TrainingReminder.objects.count() == 2
    assert Notification.objects.filter(recipient=partner, title="Training required: HIPAA privacy").exists()
    assert Notification.objects.filter(recipient=other).exists()
    assert [m.to for m in mail.outbox] == [[partner.email]]


def test_the_training_reminders_command_sends_the_reminders(partner: Any, capsys: Any) -> None:
    TrainingModuleFactory(program=partner.service.program, title="HIPAA privacy")
    call_command("training_reminders")
    assert "1 training reminder" in capsys.readouterr().out
    assert TrainingReminder.objects.filter(person=partner).exists()
