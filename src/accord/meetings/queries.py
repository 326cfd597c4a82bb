"""Reads for meetings: the list, one meeting with its agenda and minutes, a person's actions, the home panel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from accord.core.permissions import Action
from accord.core.timeline import end_of_day
from accord.meetings.choices import MeetingStatus
from accord.meetings.models import AgendaItem, Meeting, MeetingAction


def list_meetings(*, program: Any, user: Any) -> QuerySet[Meeting]:
    return (
        Meeting.objects.visible_to(user)
        .filter(program=program)
        .annotate(item_count=Count("agenda_items", distinct=True))
        .order_by("-scheduled_at", "-pk")
    )


def get_meeting_with_minutes(*, meeting: Meeting, user: Any) -> list[AgendaItem]:
    """The agenda items the person may see, each with its decisions and actions, in a fixed number of queries."""
    decisions_model = AgendaItem._meta.get_field("decisions").related_model
    # The commitments each action became (alignment declares the link; meetings need not import it).
    commitment_model = MeetingAction._meta.get_field("commitments").related_model
    commitments = Prefetch(
        "commitments",
        queryset=commitment_model.objects.visible_to(user).select_related("group").order_by("pk"),
        to_attr="visible_commitments",
    )
    return list(
        AgendaItem.objects.visible_to(user)
        .filter(meeting=meeting)
        .select_related("source_type")
        .prefetch_related(
            Prefetch("decisions", queryset=decisions_model.objects.visible_to(user).order_by("pk")),
            Prefetch(
                "actions",
                queryset=MeetingAction.objects.visible_to(user, Action.VIEW)
                .select_related("owner")
                .prefetch_related(commitments)
                .order_by("due_date", "pk"),
            ),
        )
        .order_by("order", "pk")
    )


def list_my_actions(*, program: Any, user: Any, include_done: bool = False) -> QuerySet[MeetingAction]:
    actions = (
        MeetingAction.objects.filter(program=program, owner=user)
        .select_related("agenda_item", "agenda_item__meeting")
        .order_by("status", "due_date", "pk")
    )
    return actions if include_done else actions.open()


def home_panel(
    *, program: Any, user: Any, today: dt.date | None = None, as_of: dt.date | None = None
) -> dict[str, Any] | None:
    """The person's open actions in this program and the next meeting they may see.

    With `as_of`, the next planned meeting after the end of that day; the actions are the open ones now.
    """
    today = as_of or today or timezone.localdate()
    actions = list(list_my_actions(program=program, user=user)[:5])
    now = end_of_day(as_of) if as_of is not None else timezone.now()
    upcoming = (
        Meeting.objects.visible_to(user)
        .filter(program=program, status=MeetingStatus.PLANNED, scheduled_at__gte=now)
        .order_by("scheduled_at")
        .first()
    )
    overdue = sum(1 for a in actions if a.due_date < today)
    open_count = MeetingAction.objects.filter(program=program, owner=user).open().count() if actions else 0
    return {
        "program": program,
        "actions": actions,
        "open_count": open_count,
        "overdue": overdue,
        "upcoming": upcoming,
        "today": today,
    }


def list_committable_groups(*, action: MeetingAction, user: Any) -> QuerySet:
    """The stakeholder groups this person may commit to the action: those visible to them for which the
    commitment's own rule lets them add one (a program has a handful of groups, so one check each)."""
    commitment_model = MeetingAction._meta.get_field("commitments").related_model
    group_model = commitment_model._meta.get_field("group").related_model
    groups = list(group_model.objects.visible_to(user).filter(program_id=action.program_id).order_by("name"))
    allowed = [
        g.pk
        for g in groups
        if commitment_model(program_id=action.program_id, group=g).permits(user, Action.ADD)
    ]
    return group_model.objects.filter(pk__in=allowed).order_by("name")
