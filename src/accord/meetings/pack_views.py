"""The board pack pages: for a program and a date, or for a board meeting (its date), printable and as a PDF."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from accord.core.views import ProgramViewMixin
from accord.meetings.board_pack import BoardPack, build_board_pack, render_board_pack_pdf
from accord.meetings.views import MeetingMixin


def _pdf_response(request: HttpRequest, pack: BoardPack) -> HttpResponse:
    response = HttpResponse(render_board_pack_pdf(pack, request=request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pack.file_name}"'
    return response


class BoardPackForDate(ProgramViewMixin, View):
    """The pack as the program stood at the end of `?date=` (today without it): whoever sees the program home
    may read it, with their own visibility."""

    area = "program"
    pdf = False

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        text = request.GET.get("date", "").strip()
        today = timezone.localdate()
        try:
            as_of = dt.date.fromisoformat(text) if text else today
        except ValueError:
            as_of, error = None, f"“{text}” is not a date: give it as YYYY-MM-DD, e.g. {today.isoformat()}."
        else:
            error = (
                f"The pack describes the past: choose today ({today.isoformat()}) or earlier."
                if as_of > today
                else ""
            )
        if error:
            context = {"program": self.program, "error": error, "date_text": text}
            return render(request, "meetings/board_pack.html", context, status=400)
        pack = build_board_pack(program=self.program, user=request.user, as_of=as_of)
        if self.pdf:
            return _pdf_response(request, pack)
        return render(request, "meetings/board_pack.html", {"program": self.program, "pack": pack})


class BoardPackForMeeting(MeetingMixin, View):
    """The pack for one meeting: as the program stood on the meeting's day (today, for one still ahead)."""

    pdf = False

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        meeting = self.get_meeting()
        as_of = min(timezone.localtime(meeting.scheduled_at).date(), timezone.localdate())
        pack = build_board_pack(program=self.program, user=request.user, as_of=as_of, meeting=meeting)
        if self.pdf:
            return _pdf_response(request, pack)
        return render(request, "meetings/board_pack.html", {"program": self.program, "pack": pack})
