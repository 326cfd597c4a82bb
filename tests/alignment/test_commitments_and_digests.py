"""Commitments and the weekly digest: `accord send-digests` e-mails each group lead (their groups) and each
program manager (the whole program) what is late and what is due within a week, once a week."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from accord.alignment import services
from accord.alignment.models import Commitment, DigestDelivery
from accord.core.permissions import Visibility
from tests.alignment.builders import TODAY, commit, make_group


@pytest.fixture
def due(world):
    """Monday 2 March 2026: Nursing has one overdue, one marked late and one soon-due commitment; the vendor
    one soon-due; Pharmacy (led by the member) has nothing before April."""
    nursing = make_group(world, "Nursing", lead=world.stakeholder_lead)
    vendor = make_group(world, "EHR vendor", lead=world.vendor, visibility=Visibility.SHARED, kind="vendor")
    pharmacy = make_group(world, "Pharmacy", lead=world.member)
    rows = {
        "overdue": commit(
            world, nursing, "Train every ward", dt.date(2026, 2, 20), owner=world.stakeholder_lead
        ),
        "marked_late": commit(world, nursing, "Name super-users", dt.date(2026, 3, 20), status="late"),
        "soon": commit(world, nursing, "Test the scanners", dt.date(2026, 3, 9)),
        "later": commit(world, nursing, "Retire paper charts", dt.date(2026, 3, 10)),
        "done": commit(world, nursing, "Sign the go-live plan", dt.date(2026, 2, 1)),
        "vendor_soon": commit(world, vendor, "Deliver the build", dt.date(2026, 3, 5), owner=world.vendor),
        "pharmacy_later": commit(world, pharmacy, "Load the formulary", dt.date(2026, 4, 1)),
    }
    services.change_commitment_status(
        commitment=rows["done"], status="done", actor=world.stakeholder_lead, today=dt.date(2026, 1, 30)
    )
    return rows


def _send(django_capture_on_commit_callbacks, now: str = "2026-03-02T09:00") -> str:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", now=now, stdout=out)
    return out.getvalue()


def _digest_to(person) -> mail.EmailMessage:
    messages = [m for m in mail.outbox if m.to == [person.email]]
    assert len(messages) == 1, f"{person} got {len(messages)} digests"
    return messages[0]


def test_each_group_lead_gets_the_late_and_soon_due_commitments_of_their_own_groups(
    world, due, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    _send(django_capture_on_commit_callbacks)
    digest = _digest_to(world.stakeholder_lead)
    assert digest.subject == "[Accord · Program A] 2 late, 1 due soon: your weekly commitments digest"
    assert "week of 02 Mar 2026" in digest.body
    assert "Your groups: Nursing." in digest.body
    late, soon = digest.body.split("Late (2)")[1].split("Due in the next 7 days (1)")
    assert "- [Nursing] Train every ward — due 20 Feb 2026 (Not started, owner Stakeholder lead)" in late
    assert "- [Nursing] Name super-users — due 20 Mar 2026 (Late)" in late
    assert "- [Nursing] Test the scanners — due 09 Mar 2026 (Not started)" in soon
    for absent in ("Retire paper charts", "Sign the go-live plan", "Deliver the build", "Load the formulary"):
        assert absent not in digest.body
    assert f"/programs/{world.program.pk}/alignment/commitments/" in digest.body


def test_the_vendor_lead_hears_only_of_the_vendor_groups_commitments(
    world, due, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    _send(django_capture_on_commit_callbacks)
    digest = _digest_to(world.vendor)
    assert digest.subject.startswith("[Accord · Program A] 0 late, 1 due soon")
    assert "- [EHR vendor] Deliver the build — due 05 Mar 2026 (Not started, owner Vendor)" in digest.body
    assert "Nursing" not in digest.body and "Late (" not in digest.body


def test_the_program_manager_gets_every_groups_late_and_soon_due_commitments(
    world, due, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    _send(django_capture_on_commit_callbacks)
    digest = _digest_to(world.program_manager)
    assert digest.subject.startswith("[Accord · Program A] 2 late, 2 due soon")
    assert "Your groups" not in digest.body
    assert "[Nursing] Train every ward" in digest.body and "[EHR vendor] Deliver the build" in digest.body


def test_a_lead_with_nothing_late_or_due_soon_gets_no_digest(
    world, due, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    output = _send(django_capture_on_commit_callbacks)
    assert not [m for m in mail.outbox if world.member.email in m.to]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.program_manager.email, world.stakeholder_lead.email, world.vendor.email]
    )
    assert output.strip() == "Sent 3 digests."
    assert not DigestDelivery.objects.filter(recipient=world.member).exists()


def test_a_second_run_in_the_same_week_sends_nothing_twice_and_next_week_sends_again(
    world, due, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    _send(django_capture_on_commit_callbacks)
    assert _send(django_capture_on_commit_callbacks, now="2026-03-05T09:00").strip() == "Sent 0 digests."
    assert len(mail.outbox) == 3
    delivery = DigestDelivery.objects.get(recipient=world.stakeholder_lead)
    assert (delivery.week_of, delivery.late_count, delivery.due_soon_count) == (dt.date(2026, 3, 2), 2, 1)
    assert _send(django_capture_on_commit_callbacks, now="2026-03-09T09:00").strip() == "Sent 3 digests."
    assert len(mail.outbox) == 6


def test_a_lead_who_is_also_program_manager_gets_one_digest_of_the_whole_program(
    world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    it = make_group(world, "Information technology", lead=world.program_manager)
    nursing = make_group(world, "Nursing")
    commit(world, it, "Freeze the build", dt.date(2026, 3, 4))
    commit(world, nursing, "Train every ward", dt.date(2026, 3, 4))
    _send(django_capture_on_commit_callbacks)
    digest = _digest_to(world.program_manager)
    assert (
        "[Information technology] Freeze the build" in digest.body
        and "[Nursing] Train every ward" in digest.body
    )


def test_the_digest_judges_late_by_the_hospitals_calendar_not_utc(
    world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    # 03:00 UTC on Monday is still Sunday 1 March, 21:00, in Chicago: a commitment due that Sunday is not late.
    nursing = make_group(world, "Nursing", lead=world.stakeholder_lead)
    commit(world, nursing, "Train every ward", dt.date(2026, 3, 1))
    _send(django_capture_on_commit_callbacks, now="2026-03-02T03:00:00+00:00")
    digest = _digest_to(world.stakeholder_lead)
    assert digest.subject.startswith("[Accord · Program A] 0 late, 1 due soon")
    assert "week of 23 Feb 2026" in digest.body


def test_a_bad_now_is_refused(world) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO"):
        call_command("send_digests", now="next monday")


def test_marking_a_commitment_done_records_the_day_and_takes_it_off_the_digest(
    world, due, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    services.change_commitment_status(
        commitment=due["overdue"],
        status="done",
        actor=world.stakeholder_lead,
        today=TODAY,
        note="All wards trained.",
    )
    services.change_commitment_status(
        commitment=due["marked_late"],
        status="dropped",
        actor=world.program_manager,
        today=TODAY,
        dropped_reason="The vendor provides super-users.",
    )
    overdue = Commitment.objects.get(pk=due["overdue"].pk)
    assert (overdue.status, overdue.done_on) == ("done", TODAY)
    assert overdue.notes.get().text == "All wards trained."
    _send(django_capture_on_commit_callbacks)
    digest = _digest_to(world.stakeholder_lead)
    assert digest.subject.startswith("[Accord · Program A] 0 late, 1 due soon")
    assert "Train every ward" not in digest.body and "Name super-users" not in digest.body


def test_dropping_a_commitment_needs_a_reason(world, due) -> None:
    with pytest.raises(ValidationError, match="Say why"):
        services.change_commitment_status(
            commitment=due["soon"], status="dropped", actor=world.program_manager, today=TODAY
        )
    assert Commitment.objects.get(pk=due["soon"].pk).status == "not_started"


def test_a_lead_cannot_move_another_groups_commitment(world, due) -> None:
    with pytest.raises(PermissionDenied):
        services.change_commitment_status(
            commitment=due["pharmacy_later"], status="done", actor=world.stakeholder_lead, today=TODAY
        )
    assert Commitment.objects.get(pk=due["pharmacy_later"].pk).status == "not_started"


def test_the_commitment_list_shows_what_is_late_and_what_is_due_within_a_week(world, client_for) -> None:
    today = timezone.localdate()
    nursing = make_group(world, "Nursing", lead=world.stakeholder_lead)
    commit(world, nursing, "Train every ward", today - dt.timedelta(days=3))
    commit(world, nursing, "Test the scanners", today + dt.timedelta(days=2))
    commit(world, nursing, "Retire paper charts", today + dt.timedelta(days=30))
    html = client_for("member").get(f"/programs/{world.program.pk}/alignment/commitments/").content.decode()
    late = html.split('id="late-h"')[1].split('id="soon-h"')[0]
    soon = html.split('id="soon-h"')[1].split("All commitments</h2>")[0]
    assert "Late (1)" in late and "Train every ward" in late and "Test the scanners" not in late
    assert (
        "Due within a week (1)" in soon and "Test the scanners" in soon and "Retire paper charts" not in soon
    )
    assert "Retire paper charts" in html.split("All commitments</h2>")[1]
