"""notify(): in-app rows for every recipient, e-mail only per preference and only after commit."""

from __future__ import annotations

from typing import Any

from django.core import mail

from accord.notifications.choices import NotificationKind
from accord.notifications.models import Notification
from accord.notifications.services import mark_read, notify, set_email_preferences


def _raise_flag_notice(world: Any, recipients: list[Any], actor: Any = None) -> list[Notification]:
    return notify(
        recipients=recipients,
        kind=NotificationKind.RED_FLAG_RAISED,
        title="Physician engagement is slipping",
        body="Only 3 of 40 hospitalists attended design sessions.",
        url="/programs/1/",
        program=world.program,
        about=world.program,
        actor=actor,
    )


def test_notify_creates_one_unread_row_per_recipient(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        created = _raise_flag_notice(
            world, [world.program_manager, world.board_member, world.program_manager]
        )
    assert len(created) == 2
    rows = Notification.objects.filter(program=world.program).order_by("recipient__email")
    assert [(n.recipient.email, n.read_at) for n in rows] == [
        ("board_member@example.org", None),
        ("program_manager@example.org", None),
    ]
    assert rows[0].title == "Physician engagement is slipping"


def test_the_person_who_caused_the_event_is_not_notified(world: Any) -> None:
    _raise_flag_notice(world, [world.program_manager, world.consultant], actor=world.consultant)
    assert list(Notification.objects.values_list("recipient__email", flat=True)) == [
        "program_manager@example.org"
    ]


def test_email_is_sent_only_after_commit(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _raise_flag_notice(world, [world.program_manager])
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["program_manager@example.org"]]
    assert "Physician engagement is slipping" in mail.outbox[0].subject
    assert "Only 3 of 40 hospitalists" in mail.outbox[0].body


def test_email_follows_each_persons_preference_for_the_kind(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    set_email_preferences(
        person=world.board_member, choices={NotificationKind.RED_FLAG_RAISED: False}, actor=world.board_member
    )
    set_email_preferences(
        person=world.program_manager, choices={NotificationKind.MENTION: False}, actor=world.program_manager
    )
    with django_capture_on_commit_callbacks(execute=True):
        _raise_flag_notice(world, [world.program_manager, world.board_member])
    assert [m.to for m in mail.outbox] == [["program_manager@example.org"]]
    # the in-app notification reaches both, whatever their e-mail choice
    assert Notification.objects.filter(recipient=world.board_member).count() == 1


def test_mark_read_touches_only_the_persons_own_notifications(world: Any) -> None:
    mine = _raise_flag_notice(world, [world.member])
    theirs = _raise_flag_notice(world, [world.vendor])
    changed = mark_read(person=world.member, notifications=mine + theirs)
    assert changed == 1
    assert Notification.objects.get(recipient=world.member).read_at is not None
    assert Notification.objects.get(recipient=world.vendor).read_at is None


def test_mark_all_read(world: Any) -> None:
    _raise_flag_notice(world, [world.member])
    _raise_flag_notice(world, [world.member])
    assert mark_read(person=world.member, all=True) == 2
    assert not Notification.objects.filter(recipient=world.member, read_at__isnull=True).exists()
