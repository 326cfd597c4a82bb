"""Permission-matrix rows for notifications: everyone reaches their own inbox; a notification is its recipient's only."""

from __future__ import annotations

from typing import Any

from accord.notifications.choices import NotificationKind
from accord.notifications.services import notify
from tests.matrix import MEMBERS, Endpoint

OWN_UI = {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 302}
OWN_API = {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 401}


def members_notification(world: Any) -> dict[str, int]:
    """A notification addressed to the plain member: only they may see or mark it."""
    [notification] = notify(
        recipients=[world.member],
        kind=NotificationKind.OTHER,
        title="For the member only",
        about=world.program,
        program=world.program,
    )
    return {"pk": notification.pk}


def only_the_member(ok: int, *, anonymous: int) -> dict[str, int]:
    return {**{p: 404 for p in MEMBERS}, "member": ok, "outsider": 404, "anonymous": anonymous}


ENDPOINTS = [
    Endpoint("notifications:notification_list", OWN_UI),
    Endpoint("notifications:badge", OWN_UI),
    Endpoint("notifications:preferences", OWN_UI),
    Endpoint(
        "notifications:preferences",
        {**{p: 302 for p in MEMBERS}, "outsider": 302, "anonymous": 302},
        method="post",
        data=lambda w: {NotificationKind.MENTION: "on"},
    ),
    Endpoint(
        "notifications:notification_read_all",
        {**{p: 302 for p in MEMBERS}, "outsider": 302, "anonymous": 302},
        method="post",
        data=lambda w: {},
    ),
    Endpoint(
        "notifications:notification_read",
        only_the_member(302, anonymous=302),
        method="post",
        kwargs=members_notification,
        data=lambda w: {},
    ),
    Endpoint("notification-list", OWN_API, api=True),
    Endpoint("notification-list", OWN_API, api=True, query="?unread=true", label="unread"),
    Endpoint(
        "notification-detail", only_the_member(200, anonymous=401), api=True, kwargs=members_notification
    ),
    Endpoint(
        "notification-read",
        only_the_member(200, anonymous=401),
        api=True,
        method="post",
        kwargs=members_notification,
    ),
    Endpoint("notification-read-all", OWN_API, api=True, method="post"),
]
