"""The change calendar as iCalendar (RFC 5545): changes and freeze windows of one program, as one person sees them."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from accord.change_control.queries import CalendarEntry


def build_feed(*, program: Any, entries: list[CalendarEntry], host: str, now: dt.datetime) -> bytes:
    """One VEVENT per entry, in UTC; windows are marked free time (they block changes, not people).

    A recurring window is one VEVENT with its RRULE, its first occurrence written in its own zone (with
    that zone's VTIMEZONE), so calendar clients repeat it at the same local time across DST changes.
    """
    feed = Calendar()
    feed.add("prodid", "-//Accord//Change calendar//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", f"{program.name}: changes")
    for entry in entries:
        event = Event()
        event.add("uid", f"{entry.kind}-{entry.record.pk}@{host}")
        event.add("dtstamp", now.astimezone(dt.UTC))
        recurrence = getattr(entry.record, "recurrence", "") if entry.kind == "window" else ""
        if recurrence:
            zone = ZoneInfo(entry.record.time_zone)
            event.add("dtstart", entry.start.astimezone(zone))
            event.add("dtend", entry.end.astimezone(zone))
            event.add("rrule", vRecur.from_ical(recurrence))
        else:
            event.add("dtstart", entry.start.astimezone(dt.UTC))
            event.add("dtend", entry.end.astimezone(dt.UTC))
        summary = entry.title + (f" [{'; '.join(entry.flags)}]" if entry.flags else "")
        event.add("summary", summary)
        if entry.kind == "change":
            change = entry.record
            event.add("categories", ["Change", change.get_change_type_display()])
            event.add(
                "description",
                f"{change.description}\n\nBackout: {change.backout_plan or 'none given'}\n"
                f"Risk {change.risk_score} (likelihood {change.likelihood} x impact {change.impact}).",
            )
            event.add("status", "CONFIRMED" if change.state != "submitted" else "TENTATIVE")
            if entry.url:
                event.add("url", f"https://{host}{entry.url}")
        else:
            window = entry.record
            event.add("categories", ["Change window", window.get_kind_display()])
            event.add("description", window.reason or window.get_kind_display())
            event.add("transp", "TRANSPARENT")
        feed.add_component(event)
    feed.add_missing_timezones()
    return feed.to_ical()
