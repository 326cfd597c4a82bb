"""Change-control pages: the action plan and its items, change requests and their workflow, standard-change
templates, the CAB, the calendar and windows, measure thresholds, reconciliation.

Thin adapters on `ProgramViewMixin`: each reads its input, gets the record through the access helpers,
calls one service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accord.change_control import queries, reconciliation
from accord.change_control.choices import ChangeState, ChangeType, ItemStatus, PlanStatus, TemplateStatus
from accord.change_control.forms import (
    ActionItemForm,
    ChangeBoardForm,
    ChangeRequestForm,
    ChangeWindowForm,
    ExportUploadForm,
    MoveForm,
    PlanDecisionForm,
    ProgressForm,
    RetireForm,
    StandardChangeForm,
    StandardChangeTemplateForm,
    ThresholdsForm,
    VoteForm,
)
from accord.change_control.models import (
    ActionItem,
    ActionPlan,
    CalendarFeedToken,
    ChangeAdvisoryBoard,
    ChangeRequest,
    ChangeWindow,
    ReconciliationFinding,
    StandardChangeTemplate,
)
from accord.change_control.services import boards, changes, feeds, plans, templates
from accord.change_control.states import next_states
from accord.change_control.windows import valid_zone
from accord.core import services as core_services
from accord.core.permissions import Action, can, can_in_program
from accord.core.views import ProgramViewMixin, get_visible_or_404, require_program_permission


def _errors(error: ValidationError) -> list[str]:
    return list(error.messages)


class ChangesMixin(ProgramViewMixin):
    """A change-control page: the program resolved, the area visible (404 otherwise)."""

    area = "changes"

    def change(self, pk: int, action: str = Action.VIEW) -> ChangeRequest:
        return get_visible_or_404(
            self.request.user, ChangeRequest.objects.filter(program=self.program), action, pk=pk
        )

    def plan(self, pk: int) -> ActionPlan:
        return get_visible_or_404(self.request.user, ActionPlan.objects.filter(program=self.program), pk=pk)

    def template(self, pk: int, action: str = Action.VIEW) -> StandardChangeTemplate:
        return get_visible_or_404(
            self.request.user, StandardChangeTemplate.objects.filter(program=self.program), action, pk=pk
        )

    def render_page(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        return render(self.request, template, {"program": self.program, **context}, status=status)

    def render_form(
        self, form: Any, obj: Any, model_name: str, cancel_url: str, status: int = 200
    ) -> HttpResponse:
        return self.render_page(
            "core/record_form.html",
            {"form": form, "object": obj, "model_name": model_name, "cancel_url": cancel_url},
            status=status,
        )


# The action plan


class PlanListView(ChangesMixin, TemplateView):
    area = "action_plans"
    template_name = "change_control/plan_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["plans"] = queries.plans_for(self.request.user, self.program).order_by("-version")
        return context


class PlanDetailView(ChangesMixin, TemplateView):
    area = "action_plans"
    template_name = "change_control/plan_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        plan = self.plan(self.kwargs["pk"])
        today = timezone.localdate()
        previous = plan.previous if plan.previous_id and can(user, Action.VIEW, plan.previous) else None
        items = queries.items_of(plan)
        for item in items:
            item.can_note = plan.status != PlanStatus.SUPERSEDED and can(user, Action.CHANGE, item)
        context.update(
            {
                "plan": plan,
                "items": items,
                "today": today,
                "approvals": plan.approvals.select_related("approver"),
                "diff": queries.compare_versions(previous, plan) if previous else None,
                "previous": previous,
                "slippage": queries.slippage(plan, today),
                "can_manage": can(user, Action.CHANGE, plan),
                "can_edit_items": plan.editable
                and can_in_program(user, Action.CHANGE, "action_items", self.program.pk),
                "can_add_item": plan.editable
                and can_in_program(user, Action.ADD, "action_items", self.program.pk),
                "can_decide": plan.status == PlanStatus.SUBMITTED
                and can_in_program(user, "approve", "action_plans", self.program.pk)
                and not plan.approvals.filter(approver=user).exists(),
                "decision_form": PlanDecisionForm(),
                "item_statuses": ItemStatus.choices,
            }
        )
        return context


PLAN_STEPS = ("submit", "decide", "put-in-effect", "new-version")


class PlanStepView(ChangesMixin, View):
    """One step of a plan version's life: submit, a board member's decision, put in effect, start a new version."""

    area = "action_plans"

    def post(self, request: HttpRequest, pk: int, step: str, **kwargs: Any) -> HttpResponse:
        plan = self.plan(pk)
        now = timezone.now()
        if step not in PLAN_STEPS:
            raise Http404("No such step.")
        try:
            if step == "submit":
                plans.submit_plan(plan=plan, actor=request.user, now=now)
            elif step == "decide":
                form = PlanDecisionForm(request.POST)
                if not form.is_valid():
                    raise ValidationError("Choose approve or reject.")
                plans.decide_on_plan(plan=plan, actor=request.user, now=now, **form.cleaned_data)
            elif step == "put-in-effect":
                plans.put_plan_in_effect(plan=plan, actor=request.user, now=now)
            else:
                plan = plans.new_plan_version(
                    plan=plan, actor=request.user, now=now, change_note=request.POST.get("change_note", "")
                )
        except ValidationError as error:
            for message in _errors(error):
                messages.error(request, message)
            return redirect(plan.get_absolute_url())
        messages.success(request, "Done.")
        return redirect(plan.get_absolute_url())


class ActionItemFormView(ChangesMixin, View):
    """Add an item to a draft version (`plan_pk`) or edit one (`pk`); only a draft's items are edited here,
    and a moved due date is recorded with its reason."""

    area = "action_items"

    def _item_and_plan(self) -> tuple[ActionItem | None, ActionPlan]:
        if "pk" in self.kwargs:
            item = get_visible_or_404(
                self.request.user,
                ActionItem.objects.filter(program=self.program).select_related("plan"),
                Action.CHANGE,
                pk=self.kwargs["pk"],
            )
            plan = item.plan
        else:
            item = None
            plan = self.plan(self.kwargs["plan_pk"])
            require_program_permission(self.request.user, self.program, Action.ADD, "action_items")
        if not plan.editable:
            raise PermissionDenied(
                "Items change only while the version is a draft; start a new version, or note progress."
            )
        return item, plan

    def _form(self, item: ActionItem | None, plan: ActionPlan, data: Any = None) -> ActionItemForm:
        instance = item or ActionItem(plan=plan, program=plan.program)
        return ActionItemForm(data, instance=instance, plan=plan, user=self.request.user)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        item, plan = self._item_and_plan()
        return self.render_form(self._form(item, plan), item, "plan item", plan.get_absolute_url())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        item, plan = self._item_and_plan()
        form = self._form(item, plan, request.POST)
        if form.is_valid():
            try:
                if item is None:
                    plans.add_item(plan=plan, actor=request.user, data=form.item_data())
                else:
                    plans.update_item(
                        item=ActionItem.objects.get(pk=item.pk),
                        actor=request.user,
                        data=form.item_data(),
                        reason=form.cleaned_data.get("due_date_reason", ""),
                    )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Item saved.")
                return redirect(plan.get_absolute_url())
        return self.render_form(form, item, "plan item", plan.get_absolute_url(), status=400)


class ActionItemProgressView(ChangesMixin, View):
    """A dated progress note (and status) on an item, by its owner or the program manager, at any time."""

    area = "action_items"

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        item = get_visible_or_404(
            request.user,
            ActionItem.objects.filter(program=self.program).select_related("plan"),
            Action.CHANGE,
            pk=pk,
        )
        form = ProgressForm(request.POST)
        if not form.is_valid():
            for field, problems in form.errors.items():
                messages.error(request, f"{field}: {' '.join(problems)}")
            return redirect(item.plan.get_absolute_url())
        try:
            plans.note_progress(
                item=item,
                actor=request.user,
                today=timezone.localdate(),
                note=form.cleaned_data["note"],
                status=form.cleaned_data["status"],
                done_on=form.cleaned_data["done_on"],
            )
        except ValidationError as error:
            for message in _errors(error):
                messages.error(request, message)
        else:
            messages.success(request, "Progress noted.")
        return redirect(item.plan.get_absolute_url())


# Change requests


class ChangeListView(ChangesMixin, TemplateView):
    template_name = "change_control/change_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, program = self.request.user, self.program
        state = self.request.GET.get("state", "")
        if state not in ChangeState.values:
            state = ""
        context.update(
            {
                "changes": queries.list_changes(user=user, program=program, state=state),
                "states": ChangeState.choices,
                "state": state,
                "can_add": can_in_program(user, Action.ADD, "changes", program.pk),
                "can_reconcile": can_in_program(user, "reconcile", "changes", program.pk),
                "can_manage_cab": can_in_program(user, Action.CHANGE, "change_boards", program.pk),
            }
        )
        return context


class ChangeFormView(ChangesMixin, View):
    """A new draft, or a draft's edit; requests past draft are fixed (what the CAB approved stays approved)."""

    def _change(self) -> ChangeRequest | None:
        if self.kwargs.get("pk") is None:
            if not can_in_program(self.request.user, Action.ADD, "changes", self.program.pk):
                raise PermissionDenied("Your role may not raise change requests.")
            return None
        change = self.change(self.kwargs["pk"], Action.CHANGE)
        if change.state != ChangeState.DRAFT:
            raise PermissionDenied("Only a draft can be edited.")
        return change

    def _render(self, form: ChangeRequestForm, change: ChangeRequest | None, status: int) -> HttpResponse:
        return self.render_page("change_control/change_form.html", {"form": form, "object": change}, status)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        change = self._change()
        return self._render(
            ChangeRequestForm(instance=change, program=self.program, user=request.user), change, 200
        )

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        change = self._change()
        form = ChangeRequestForm(request.POST, instance=change, program=self.program, user=request.user)
        if form.is_valid():
            try:
                if change is None:
                    change = changes.create_change(
                        program=self.program, actor=request.user, data=form.change_data()
                    )
                else:
                    changes.update_draft(change=change, actor=request.user, data=form.change_data())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"{change.reference} saved.")
                return redirect(change.get_absolute_url())
        return self._render(form, change, 400)


class ChangeDetailMixin(ChangesMixin):
    def detail_context(self, change: ChangeRequest) -> dict[str, Any]:
        program, user = self.program, self.request.user
        board = (
            ChangeAdvisoryBoard.objects.filter(program=program)
            .prefetch_related("members", "emergency_members", "clinical_approvers")
            .first()
        )
        seats = []
        if board is not None:
            seats = list(
                board.emergency_members.all()
                if change.change_type == ChangeType.EMERGENCY
                else board.members.all()
            )
        clinical = changes.requires_clinical_signoff(change)
        template = change.template if change.template_id and can(user, Action.VIEW, change.template) else None
        return {
            "program": program,
            "change": change,
            "template": template,
            "services": list(change.services.all()),
            "votes": change.votes.select_related("member"),
            "conflicts": queries.conflicts_for(change, user),
            "blocking": changes.windows_blocking(change),
            "next_states": next_states(change.state),
            "board": board,
            "needs_clinical": clinical,
            "can_vote": user in seats and not change.votes.filter(member=user).exists(),
            "can_sign_off": clinical
            and board is not None
            and change.clinical_signoff_at is None
            and board.clinical_approvers.filter(pk=user.pk).exists(),
            "can_edit": change.state == ChangeState.DRAFT and can(user, Action.CHANGE, change),
            "move_form": MoveForm(),
            "vote_form": VoteForm(),
        }

    def refused(self, change: ChangeRequest, problems: list[str]) -> HttpResponse:
        context = self.detail_context(change)
        context["problems"] = problems
        return render(self.request, "change_control/change_detail.html", context, status=400)


class ChangeDetailView(ChangeDetailMixin, View):
    def get(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        change = self.change(pk)
        return render(request, "change_control/change_detail.html", self.detail_context(change))


class ChangeMoveView(ChangeDetailMixin, View):
    """A workflow move; an illegal one is a 400 page that names the allowed next states."""

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        change = self.change(pk)
        form = MoveForm(request.POST)
        if not form.is_valid():
            return self.refused(change, [f"{k}: {' '.join(v)}" for k, v in form.errors.items()])
        try:
            changes.transition_change(
                change=change, actor=request.user, now=timezone.now(), **form.move_data()
            )
        except ValidationError as error:  # IllegalMove included: its message lists the allowed states
            return self.refused(change, _errors(error))
        messages.success(request, f"{change.reference} moved to {form.cleaned_data['to']}.")
        return redirect(change.get_absolute_url())


class ChangeVoteView(ChangeDetailMixin, View):
    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        change = self.change(pk)
        form = VoteForm(request.POST)
        if not form.is_valid():
            return self.refused(change, ["Choose approve or reject."])
        try:
            changes.vote_on_change(change=change, actor=request.user, now=timezone.now(), **form.cleaned_data)
        except ValidationError as error:
            return self.refused(change, _errors(error))
        messages.success(request, "Your vote is recorded.")
        return redirect(change.get_absolute_url())


class ChangeSignoffView(ChangeDetailMixin, View):
    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        change = self.change(pk)
        try:
            changes.sign_off_clinically(
                change=change, actor=request.user, now=timezone.now(), note=request.POST.get("note", "")
            )
        except ValidationError as error:
            return self.refused(change, _errors(error))
        messages.success(request, "Clinical sign-off recorded.")
        return redirect(change.get_absolute_url())


# Standard-change templates


class TemplateListView(ChangesMixin, TemplateView):
    area = "change_templates"
    template_name = "change_control/template_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["templates"] = (
            StandardChangeTemplate.objects.visible_to(self.request.user)
            .filter(program=self.program)
            .select_related("approved_by")
            .prefetch_related("services")
        )
        context["can_add"] = can_in_program(
            self.request.user, Action.ADD, "change_templates", self.program.pk
        )
        return context


class TemplateFormView(ChangesMixin, View):
    """Propose a template, or edit one still proposed (what the CAB approved stays as approved)."""

    area = "change_templates"

    def _template(self) -> StandardChangeTemplate | None:
        if self.kwargs.get("pk") is None:
            require_program_permission(self.request.user, self.program, Action.ADD, "change_templates")
            return None
        template = self.template(self.kwargs["pk"], Action.CHANGE)
        if template.status != TemplateStatus.PROPOSED:
            raise PermissionDenied("Only a proposed template can be edited; retire it and propose another.")
        return template

    def _cancel(self, template: StandardChangeTemplate | None) -> str:
        if template is not None:
            return template.get_absolute_url()
        return reverse("change_control:template_list", kwargs={"program_id": self.program.pk})

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        template = self._template()
        form = StandardChangeTemplateForm(instance=template, program=self.program, user=request.user)
        return self.render_form(form, template, "standard-change template", self._cancel(template))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        template = self._template()
        form = StandardChangeTemplateForm(
            request.POST, instance=template, program=self.program, user=request.user
        )
        if form.is_valid():
            try:
                if template is None:
                    template = templates.propose_template(
                        program=self.program, actor=request.user, data=form.template_data()
                    )
                else:
                    templates.update_template(
                        template=StandardChangeTemplate.objects.get(pk=template.pk),
                        actor=request.user,
                        data=form.template_data(),
                    )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Template saved; the CAB approves it before it is used.")
                return redirect(template.get_absolute_url())
        return self.render_form(
            form, template, "standard-change template", self._cancel(template), status=400
        )


class TemplateDetailView(ChangesMixin, TemplateView):
    area = "change_templates"
    template_name = "change_control/template_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, program = self.request.user, self.program
        template = self.template(self.kwargs["pk"])
        board = ChangeAdvisoryBoard.objects.filter(program=program).first()
        seated = (
            board is not None
            and can_in_program(user, "approve", "change_templates", program.pk)
            and board.members.filter(pk=user.pk).exists()
        )
        context.update(
            {
                "template": template,
                "services": list(template.services.all()),
                "changes": queries.changes_for(user, program).filter(template=template).order_by("-number"),
                "can_edit": template.status == TemplateStatus.PROPOSED and can(user, Action.CHANGE, template),
                "can_approve": seated and template.status == TemplateStatus.PROPOSED,
                "can_retire": seated and template.status != TemplateStatus.RETIRED,
                "can_raise": template.active and can_in_program(user, Action.ADD, "changes", program.pk),
                "retire_form": RetireForm(),
            }
        )
        return context


class TemplateApproveView(ChangesMixin, View):
    area = "change_templates"

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        template = self.template(pk)
        try:
            templates.approve_template(template=template, actor=request.user, now=timezone.now())
        except ValidationError as error:
            for message in _errors(error):
                messages.error(request, message)
        else:
            messages.success(request, "Template approved: changes raised from it are pre-approved.")
        return redirect(template.get_absolute_url())


class TemplateRetireView(ChangesMixin, View):
    area = "change_templates"

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        template = self.template(pk)
        form = RetireForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError({"reason": "Say why the template is retired."})
            templates.retire_template(
                template=template, actor=request.user, now=timezone.now(), reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            for message in _errors(error):
                messages.error(request, message)
        else:
            messages.success(request, "Template retired.")
        return redirect(template.get_absolute_url())


class StandardChangeRaiseView(ChangesMixin, View):
    """Raise a standard change from an active template: a draft, pre-approved when submitted."""

    def _template(self) -> StandardChangeTemplate:
        if not can_in_program(self.request.user, Action.ADD, "changes", self.program.pk):
            raise PermissionDenied("Your role may not raise change requests.")
        template = self.template(self.kwargs["pk"])
        if not template.active:
            raise PermissionDenied(
                f"This template is {template.get_status_display().lower()}; only an active one is used."
            )
        return template

    def _render(
        self, form: StandardChangeForm, template: StandardChangeTemplate, status: int
    ) -> HttpResponse:
        return self.render_page(
            "change_control/standard_change_form.html", {"form": form, "template": template}, status
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        template = self._template()
        return self._render(StandardChangeForm(template=template, user=request.user), template, 200)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        template = self._template()
        form = StandardChangeForm(request.POST, template=template, user=request.user)
        if form.is_valid():
            try:
                change = templates.raise_standard_change(
                    template=template, actor=request.user, data=form.change_data()
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"{change.reference} raised; submit it to have it pre-approved.")
                return redirect(change.get_absolute_url())
        return self._render(form, template, 400)


# The CAB and the measures' thresholds


class BoardEditView(ChangesMixin, View):
    """Who sits on the CAB, who decides emergencies (and how many of them), who signs off clinical changes."""

    area = "change_boards"

    def _board(self) -> ChangeAdvisoryBoard | None:
        board = ChangeAdvisoryBoard.objects.filter(program=self.program).first()
        action = Action.CHANGE if board is not None else Action.ADD
        require_program_permission(self.request.user, self.program, action, "change_boards")
        return board

    def _render(
        self, form: ChangeBoardForm, board: ChangeAdvisoryBoard | None, status: int = 200
    ) -> HttpResponse:
        cancel = reverse("change_control:change_list", kwargs={"program_id": self.program.pk})
        return self.render_form(form, board, "change advisory board", cancel, status)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        board = self._board()
        return self._render(ChangeBoardForm(instance=board, program=self.program, user=request.user), board)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        board = self._board()
        instance = board or ChangeAdvisoryBoard(program=self.program)
        form = ChangeBoardForm(request.POST, instance=instance, program=self.program, user=request.user)
        if form.is_valid():
            try:
                boards.save_board(program=self.program, actor=request.user, data=form.board_data())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "The CAB is saved.")
                return redirect("change_control:change_list", program_id=self.program.pk)
        return self._render(form, board, status=400)


class ThresholdsView(ChangesMixin, View):
    """The lines past which change measures show red on the dashboard and go on the board's agenda."""

    area = "change_boards"

    def _render(self, form: ThresholdsForm, status: int = 200) -> HttpResponse:
        cancel = reverse("change_control:change_list", kwargs={"program_id": self.program.pk})
        return self.render_form(
            form, form.instance if form.instance.pk else None, "measure thresholds", cancel, status
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        require_program_permission(request.user, self.program, Action.CHANGE, "change_boards")
        return self._render(ThresholdsForm(instance=queries.thresholds_of(self.program)))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        require_program_permission(request.user, self.program, Action.CHANGE, "change_boards")
        form = ThresholdsForm(request.POST, instance=queries.thresholds_of(self.program))
        if form.is_valid():
            try:
                boards.save_thresholds(program=self.program, actor=request.user, data=form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Thresholds saved.")
                return redirect("change_control:change_list", program_id=self.program.pk)
        return self._render(form, status=400)


# Calendar and windows


def _month(value: str, zone: ZoneInfo) -> dt.datetime:
    today = timezone.now().astimezone(zone).date()
    try:
        first = dt.date.fromisoformat(f"{value}-01") if value else today.replace(day=1)
    except ValueError:
        first = today.replace(day=1)
    return dt.datetime.combine(first, dt.time.min, tzinfo=zone)


class CalendarView(ChangesMixin, TemplateView):
    """A month of changes and windows, shown in the reader's chosen zone; and the reader's feed URL."""

    template_name = "change_control/calendar.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        request, program = self.request, self.program
        zone_name = request.GET.get("tz", "UTC")
        if not valid_zone(zone_name):
            zone_name = "UTC"
        zone = ZoneInfo(zone_name)
        start = _month(request.GET.get("month", ""), zone)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        entries = queries.calendar(user=request.user, program=program, start=start, end=end)
        for entry in entries:
            entry.local_start = entry.start.astimezone(zone)
            entry.local_end = entry.end.astimezone(zone)
        token = CalendarFeedToken.objects.filter(
            program=program, person=request.user, revoked_at__isnull=True
        ).first()
        context.update(
            {
                "entries": entries,
                "month": start,
                "previous_month": (start - dt.timedelta(days=1)).strftime("%Y-%m"),
                "next_month": end.strftime("%Y-%m"),
                "zone": zone_name,
                "token": token,
                "new_token": request.session.pop("change_feed_token", None),
                "feed_base": request.build_absolute_uri(reverse("change_calendar_feed")),
                "windows": queries.windows_for(request.user, program),
                "can_add_window": can_in_program(request.user, Action.ADD, "change_windows", program.pk),
            }
        )
        return context


class FeedTokenView(ChangesMixin, View):
    """Issue (replacing any earlier one) or revoke the reader's secret feed URL; the secret is shown once."""

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        now = timezone.now()
        if request.POST.get("action") == "revoke":
            feeds.revoke_feed_token(program=self.program, actor=request.user, now=now)
            messages.success(request, "Your calendar feed URL no longer works.")
        else:
            request.session["change_feed_token"] = feeds.issue_feed_token(
                program=self.program, actor=request.user, now=now
            )
            messages.success(request, "A new feed URL is ready; any earlier one stopped working.")
        return redirect("change_control:calendar", program_id=self.program.pk)


class WindowCreateView(ChangesMixin, View):
    area = "change_windows"

    def _form(self, data: Any = None) -> ChangeWindowForm:
        require_program_permission(self.request.user, self.program, Action.ADD, "change_windows")
        return ChangeWindowForm(data, program=self.program, user=self.request.user)

    def _render(self, form: ChangeWindowForm, status: int = 200) -> HttpResponse:
        cancel = reverse("change_control:calendar", kwargs={"program_id": self.program.pk})
        return self.render_form(form, None, "change window", cancel, status)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self._render(self._form())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            data = {
                **form.cleaned_data,
                "program": self.program,
                "services": list(form.cleaned_data["services"]),
            }
            try:
                core_services.create_record(model=ChangeWindow, actor=request.user, data=data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Window saved.")
                return redirect("change_control:calendar", program_id=self.program.pk)
        return self._render(form, status=400)


# Reconciliation


class ReconciliationView(ChangesMixin, View):
    """What the partner's exports and tickets show without an approved change; POST runs it (with an export)."""

    def _render(self, form: ExportUploadForm, problems: list[str], status: int) -> HttpResponse:
        user, program = self.request.user, self.program
        findings = (
            ReconciliationFinding.objects.visible_to(user)
            .filter(program=program)
            .select_related("change", "red_flag")
            .order_by("red_flag_id", "-occurred_at", "pk")
        )
        return self.render_page(
            "change_control/reconciliation.html",
            {
                "form": form,
                "problems": problems,
                "findings": findings,
                "can_run": can_in_program(user, "reconcile", "changes", program.pk),
                "can_flag": can_in_program(user, Action.ADD, "red_flags", program.pk),
            },
            status,
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self._render(ExportUploadForm(), [], 200)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not can_in_program(request.user, "reconcile", "changes", self.program.pk):
            raise PermissionDenied("Your role may not run the reconciliation.")
        form = ExportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(form, [], 400)
        upload = form.cleaned_data.get("file")
        try:
            result = reconciliation.reconcile(
                program=self.program,
                actor=request.user,
                now=timezone.now(),
                content=upload.read() if upload else None,
                time_zone=form.cleaned_data["time_zone"],
            )
        except ValidationError as error:
            return self._render(form, _errors(error), 400)
        messages.success(
            request, f"Read {result.rows} row(s); {len(result.findings)} finding(s), {result.new} new."
        )
        return redirect("change_control:reconciliation", program_id=self.program.pk)


class FindingFlagView(ChangesMixin, View):
    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        finding = get_visible_or_404(
            request.user, ReconciliationFinding.objects.filter(program=self.program), pk=pk
        )
        try:
            flag = reconciliation.raise_flag_for_finding(
                finding=finding, actor=request.user, now=timezone.now()
            )
        except ValidationError as error:
            for message in _errors(error):
                messages.error(request, message)
            return redirect("change_control:reconciliation", program_id=self.program.pk)
        messages.success(request, f"Red flag raised: {flag.title}")
        return redirect("change_control:reconciliation", program_id=self.program.pk)
