"""Meeting pages: list, create/edit, the agenda with minutes, drafting, actions, the printable and PDF minutes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views import View

from accord.core.permissions import Action, can, can_in_program
from accord.core.views import FilteredListMixin, ProgramRecordFormView, ProgramViewMixin, get_visible_or_404
from accord.meetings import filters, queries, services
from accord.meetings.choices import ActionStatus
from accord.meetings.forms import (
    ActionForm,
    AgendaItemForm,
    CommitmentFromActionForm,
    DecisionForm,
    DiscussionForm,
    MeetingForm,
)
from accord.meetings.models import AgendaItem, GovernanceBody, Meeting, MeetingAction
from accord.meetings.pdf import render_minutes_pdf


class MeetingList(ProgramViewMixin, View):
    area = "governance"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        context = {
            "program": self.program,
            "meetings": queries.list_meetings(program=self.program, user=request.user),
            "can_add": can_in_program(request.user, Action.ADD, "governance", self.program.pk),
            "bodies": GovernanceBody.objects.visible_to(request.user).filter(program=self.program),
        }
        return render(request, "meetings/meeting_list.html", context)


class MeetingFormView(ProgramRecordFormView):
    area = "governance"
    model = Meeting
    form_class = MeetingForm
    success_url_name = "meetings:meeting_list"


class MeetingMixin(ProgramViewMixin):
    """Resolves the meeting from the URL: 404 when invisible, 403 when `meeting_action` is not allowed."""

    area = "governance"
    meeting_action: str = Action.VIEW

    def get_meeting(self) -> Meeting:
        return get_visible_or_404(
            self.request.user,
            Meeting.objects.filter(program=self.program),
            self.meeting_action,
            pk=self.kwargs["pk"],
        )

    def get_item(self, meeting: Meeting) -> AgendaItem:
        return get_visible_or_404(
            self.request.user,
            AgendaItem.objects.filter(meeting=meeting),
            Action.CHANGE,
            pk=self.kwargs["item_pk"],
        )

    def back(self, meeting: Meeting, anchor: str = "") -> HttpResponse:
        response = redirect("meetings:meeting_detail", program_id=self.program.pk, pk=meeting.pk)
        if anchor:
            response["Location"] += f"#{anchor}"
        return response


def minutes_context(request: HttpRequest, program: Any, meeting: Meeting) -> dict[str, Any]:
    items = queries.get_meeting_with_minutes(meeting=meeting, user=request.user)
    return {
        "program": program,
        "meeting": meeting,
        "items": items,
        "attendees": list(meeting.attendees.order_by("full_name")),
        "decision_count": sum(len(i.decisions.all()) for i in items),
        "action_count": sum(len(i.actions.all()) for i in items),
        "generated_at": timezone.now(),
    }


class MeetingDetail(MeetingMixin, View):
    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        meeting = self.get_meeting()
        context = minutes_context(request, self.program, meeting)
        can_edit = can(request.user, Action.CHANGE, meeting)
        action_form = ActionForm(program=self.program) if can_edit else None
        context.update(
            can_edit=can_edit,
            can_commit=can_in_program(request.user, Action.ADD, "commitments", self.program.pk),
            item_form=AgendaItemForm(),
            decision_form=DecisionForm(),
            action_form=action_form,
            # Listed once: every item's action form offers the same people.
            owner_choices=[(p.pk, p.full_name) for p in action_form.fields["owner"].queryset]
            if action_form
            else [],
        )
        return render(request, "meetings/meeting_detail.html", context)


class MeetingDraftAgenda(MeetingMixin, View):
    meeting_action = Action.CHANGE

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        meeting = self.get_meeting()
        try:
            created = services.draft_agenda(meeting=meeting, actor=request.user, now=timezone.now())
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(
                request,
                f"{len(created)} item{'s' if len(created) != 1 else ''} added to the agenda."
                if created
                else "Nothing new needs this body: the agenda is up to date.",
            )
        return self.back(meeting)


class MeetingHold(MeetingMixin, View):
    meeting_action = Action.CHANGE

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        meeting = self.get_meeting()
        try:
            services.mark_held(meeting=meeting, actor=request.user)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(request, "Meeting marked held.")
        return self.back(meeting)


class AgendaItemAdd(MeetingMixin, View):
    meeting_action = Action.CHANGE

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        meeting = self.get_meeting()
        form = AgendaItemForm(request.POST)
        if form.is_valid():
            services.add_agenda_item(meeting=meeting, actor=request.user, **form.cleaned_data)
            messages.success(request, "Item added to the agenda.")
        else:
            messages.error(request, "An agenda item needs a title.")
        return self.back(meeting)


class AgendaItemMinutes(MeetingMixin, View):
    """Record the discussion of one item (htmx swaps the item's minutes in place)."""

    meeting_action = Action.CHANGE

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        meeting = self.get_meeting()
        item = self.get_item(meeting)
        form = DiscussionForm(request.POST)
        if form.is_valid():
            services.record_discussion(
                item=item, actor=request.user, discussion=form.cleaned_data["discussion"]
            )
            messages.success(request, "Discussion saved.")
        return self.back(meeting, f"item-{item.pk}")


class AgendaItemDecision(MeetingMixin, View):
    meeting_action = Action.CHANGE

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        meeting = self.get_meeting()
        item = self.get_item(meeting)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "A decision needs a title and what was decided.")
            return self.back(meeting, f"item-{item.pk}")
        try:
            decision = services.record_decision(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(request, f"Decision “{decision.title}” recorded in the decision log.")
        return self.back(meeting, f"item-{item.pk}")


class AgendaItemAction(MeetingMixin, View):
    meeting_action = Action.CHANGE

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        meeting = self.get_meeting()
        item = self.get_item(meeting)
        form = ActionForm(request.POST, program=self.program)
        if not form.is_valid():
            messages.error(
                request, "An action needs a description, an owner from the program and a due date."
            )
            return self.back(meeting, f"item-{item.pk}")
        try:
            action = services.add_action(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(request, f"Action given to {action.owner}, due {action.due_date:%d %b %Y}.")
        return self.back(meeting, f"item-{item.pk}")


class MeetingMinutes(MeetingMixin, View):
    """The minutes as a printable page."""

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        meeting = self.get_meeting()
        return render(request, "meetings/minutes.html", minutes_context(request, self.program, meeting))


class MeetingMinutesPdf(MeetingMixin, View):
    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        meeting = self.get_meeting()
        pdf = render_minutes_pdf(minutes_context(request, self.program, meeting))
        response = HttpResponse(pdf, content_type="application/pdf")
        name = slugify(f"{meeting.title}-{meeting.scheduled_at:%Y-%m-%d}") or f"meeting-{meeting.pk}"
        response["Content-Disposition"] = f'attachment; filename="minutes-{name}.pdf"'
        return response


class MyActions(FilteredListMixin, ProgramViewMixin, View):
    """Actions meetings gave the signed-in person in this program."""

    area = "program"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        # The API's FilterSet over the person's own actions, so `?status=open|done` means the same as in
        # /api/meeting-actions/?owner=<me>; without a status the page shows the open ones, `?status=` all.
        query = request.GET.copy()
        query.setdefault("status", ActionStatus.OPEN)
        filterset = filters.MeetingActionFilterSet(
            query,
            queryset=queries.list_my_actions(program=self.program, user=request.user, include_done=True),
            request=request,
        )
        actions = self.filtered(filterset)
        show_done = query["status"] != ActionStatus.OPEN
        return render(
            request,
            "meetings/my_actions.html",
            {
                "program": self.program,
                "actions": actions,
                "filter": filterset,
                "show_done": show_done,
                "today": timezone.localdate(),
            },
            status=self.filter_status,
        )


class ActionComplete(ProgramViewMixin, View):
    area = "program"

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        action = get_visible_or_404(
            request.user, MeetingAction.objects.filter(program=self.program), Action.CHANGE, pk=kwargs["pk"]
        )
        try:
            services.complete_action(action=action, actor=request.user, done_on=timezone.localdate())
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(request, "Action marked done.")
        target = request.POST.get("next")
        if target == "meeting":
            return redirect(
                "meetings:meeting_detail", program_id=self.program.pk, pk=action.agenda_item.meeting_id
            )
        return redirect("meetings:my_actions", program_id=self.program.pk)


class ActionCommitment(ProgramViewMixin, View):
    """Turn a minute's action into a stakeholder group's commitment that keeps its origin."""

    area = "commitments"
    action = Action.ADD

    def get_form(self, meeting_action: MeetingAction, data: Any = None) -> CommitmentFromActionForm:
        return CommitmentFromActionForm(
            data,
            action=meeting_action,
            groups=queries.list_committable_groups(action=meeting_action, user=self.request.user),
            decisions=meeting_action.agenda_item.decisions.visible_to(self.request.user),
        )

    def get_action(self) -> MeetingAction:
        return get_visible_or_404(
            self.request.user,
            MeetingAction.objects.filter(program=self.program).select_related(
                "owner", "agenda_item", "agenda_item__meeting"
            ),
            pk=self.kwargs["pk"],
        )

    def render_form(self, meeting_action: MeetingAction, form: Any, status: int = 200) -> HttpResponse:
        context = {"program": self.program, "meeting_action": meeting_action, "form": form}
        return render(
            request=self.request,
            template_name="meetings/action_commitment.html",
            context=context,
            status=status,
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        meeting_action = self.get_action()
        return self.render_form(meeting_action, self.get_form(meeting_action))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        meeting_action = self.get_action()
        form = self.get_form(meeting_action, request.POST)
        if form.is_valid():
            try:
                commitment = services.turn_action_into_commitment(
                    action=meeting_action, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, f"The action is now a commitment of {commitment.group}.")
                return redirect(commitment.get_absolute_url())
        return self.render_form(meeting_action, form, status=400)
