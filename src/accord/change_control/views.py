"""Change-control pages: the action plan, change requests and their workflow, the calendar, reconciliation.

Thin adapters: each reads its input, gets the record through the access helpers, calls one service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accord.change_control import queries, reconciliation
from accord.change_control.choices import ChangeState, ChangeType, PlanStatus
from accord.change_control.forms import (
    ChangeRequestForm,
    ChangeWindowForm,
    ExportUploadForm,
    MoveForm,
    PlanDecisionForm,
    VoteForm,
)
from accord.change_control.models import (
    ActionPlan,
    CalendarFeedToken,
    ChangeAdvisoryBoard,
    ChangeRequest,
    ChangeWindow,
    ReconciliationFinding,
)
from accord.change_control.services import changes, feeds, plans
from accord.change_control.states import next_states
from accord.change_control.windows import valid_zone
from accord.core import services as core_services
from accord.core.permissions import Action, can, can_in_program
from accord.core.views import get_program_or_404, get_visible_or_404


def _program(request: HttpRequest, program_id: int, area: str = "changes") -> Any:
    program = get_program_or_404(request.user, program_id)
    request.program = program
    if not can_in_program(request.user, Action.VIEW, area, program.pk):
        raise Http404("This part of the program is not shared with you.")
    return program


def _change(request: HttpRequest, program: Any, pk: int) -> ChangeRequest:
    return get_visible_or_404(request.user, ChangeRequest.objects.filter(program=program), pk=pk)


def _plan(request: HttpRequest, program: Any, pk: int) -> ActionPlan:
    return get_visible_or_404(request.user, ActionPlan.objects.filter(program=program), pk=pk)


def _errors(error: ValidationError) -> list[str]:
    return list(error.messages)


# The action plan


@login_required
@require_GET
def plan_list(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id, "action_plans")
    return render(
        request,
        "change_control/plan_list.html",
        {"program": program, "plans": queries.plans_for(request.user, program).order_by("-version")},
    )


@login_required
@require_GET
def plan_detail(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id, "action_plans")
    plan = _plan(request, program, pk)
    today = timezone.localdate()
    previous = plan.previous if plan.previous_id and can(request.user, Action.VIEW, plan.previous) else None
    user = request.user
    return render(
        request,
        "change_control/plan_detail.html",
        {
            "program": program,
            "plan": plan,
            "items": queries.items_of(plan),
            "today": today,
            "approvals": plan.approvals.select_related("approver"),
            "diff": queries.compare_versions(previous, plan) if previous else None,
            "previous": previous,
            "slippage": queries.slippage(plan, today),
            "can_manage": can(user, Action.CHANGE, plan),
            "can_decide": plan.status == PlanStatus.SUBMITTED
            and can_in_program(user, "approve", "action_plans", program.pk)
            and not plan.approvals.filter(approver=user).exists(),
            "decision_form": PlanDecisionForm(),
        },
    )


PLAN_STEPS = ("submit", "decide", "put-in-effect", "new-version")


@login_required
@require_POST
def plan_step(request: HttpRequest, program_id: int, pk: int, step: str) -> HttpResponse:
    """One step of a plan version's life: submit, a board member's decision, put in effect, start a new version."""
    program = _program(request, program_id, "action_plans")
    plan = _plan(request, program, pk)
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


# Change requests


@login_required
@require_GET
def change_list(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    state = request.GET.get("state", "")
    if state not in ChangeState.values:
        state = ""
    return render(
        request,
        "change_control/change_list.html",
        {
            "program": program,
            "changes": queries.list_changes(user=request.user, program=program, state=state),
            "states": ChangeState.choices,
            "state": state,
            "can_add": can_in_program(request.user, Action.ADD, "changes", program.pk),
            "can_reconcile": can_in_program(request.user, "reconcile", "changes", program.pk),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_form(request: HttpRequest, program_id: int, pk: int | None = None) -> HttpResponse:
    """A new draft, or a draft's edit; requests past draft are fixed (what the CAB approved stays approved)."""
    program = _program(request, program_id)
    change = None
    if pk is not None:
        change = get_visible_or_404(
            request.user, ChangeRequest.objects.filter(program=program), Action.CHANGE, pk=pk
        )
        if change.state != ChangeState.DRAFT:
            raise PermissionDenied("Only a draft can be edited.")
    elif not can_in_program(request.user, Action.ADD, "changes", program.pk):
        raise PermissionDenied("Your role may not raise change requests.")
    form = ChangeRequestForm(request.POST or None, instance=change, program=program, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if change is None:
                change = changes.create_change(program=program, actor=request.user, data=form.change_data())
            else:
                changes.update_draft(change=change, actor=request.user, data=form.change_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{change.reference} saved.")
            return redirect(change.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "change_control/change_form.html",
        {"program": program, "form": form, "object": change},
        status=status,
    )


def _detail_context(request: HttpRequest, program: Any, change: ChangeRequest) -> dict[str, Any]:
    board = (
        ChangeAdvisoryBoard.objects.filter(program=program)
        .prefetch_related("members", "emergency_members", "clinical_approvers")
        .first()
    )
    user = request.user
    seats = []
    if board is not None:
        seats = list(
            board.emergency_members.all()
            if change.change_type == ChangeType.EMERGENCY
            else board.members.all()
        )
    clinical = changes.requires_clinical_signoff(change)
    return {
        "program": program,
        "change": change,
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


@login_required
@require_GET
def change_detail(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id)
    change = _change(request, program, pk)
    return render(request, "change_control/change_detail.html", _detail_context(request, program, change))


def _refused(request: HttpRequest, program: Any, change: ChangeRequest, problems: list[str]) -> HttpResponse:
    context = _detail_context(request, program, change)
    context["problems"] = problems
    return render(request, "change_control/change_detail.html", context, status=400)


@login_required
@require_POST
def change_move(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    """A workflow move; an illegal one is a 400 page that names the allowed next states."""
    program = _program(request, program_id)
    change = _change(request, program, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, program, change, [f"{k}: {' '.join(v)}" for k, v in form.errors.items()])
    try:
        changes.transition_change(change=change, actor=request.user, now=timezone.now(), **form.move_data())
    except ValidationError as error:  # IllegalMove included: its message lists the allowed states
        return _refused(request, program, change, _errors(error))
    messages.success(request, f"{change.reference} moved to {form.cleaned_data['to']}.")
    return redirect(change.get_absolute_url())


@login_required
@require_POST
def change_vote(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id)
    change = _change(request, program, pk)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, program, change, ["Choose approve or reject."])
    try:
        changes.vote_on_change(change=change, actor=request.user, now=timezone.now(), **form.cleaned_data)
    except ValidationError as error:
        return _refused(request, program, change, _errors(error))
    messages.success(request, "Your vote is recorded.")
    return redirect(change.get_absolute_url())


@login_required
@require_POST
def change_signoff(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id)
    change = _change(request, program, pk)
    try:
        changes.sign_off_clinically(
            change=change, actor=request.user, now=timezone.now(), note=request.POST.get("note", "")
        )
    except ValidationError as error:
        return _refused(request, program, change, _errors(error))
    messages.success(request, "Clinical sign-off recorded.")
    return redirect(change.get_absolute_url())


# Calendar and windows


def _month(value: str, zone: ZoneInfo) -> dt.datetime:
    today = timezone.now().astimezone(zone).date()
    try:
        first = dt.date.fromisoformat(f"{value}-01") if value else today.replace(day=1)
    except ValueError:
        first = today.replace(day=1)
    return dt.datetime.combine(first, dt.time.min, tzinfo=zone)


@login_required
@require_GET
def calendar(request: HttpRequest, program_id: int) -> HttpResponse:
    """A month of changes and windows, shown in the reader's chosen zone; and the reader's feed URL."""
    program = _program(request, program_id)
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
    return render(
        request,
        "change_control/calendar.html",
        {
            "program": program,
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
        },
    )


@login_required
@require_POST
def feed_token(request: HttpRequest, program_id: int) -> HttpResponse:
    """Issue (replacing any earlier one) or revoke the reader's secret feed URL; the secret is shown once."""
    program = _program(request, program_id)
    now = timezone.now()
    if request.POST.get("action") == "revoke":
        feeds.revoke_feed_token(program=program, actor=request.user, now=now)
        messages.success(request, "Your calendar feed URL no longer works.")
    else:
        request.session["change_feed_token"] = feeds.issue_feed_token(
            program=program, actor=request.user, now=now
        )
        messages.success(request, "A new feed URL is ready; any earlier one stopped working.")
    return redirect("change_control:calendar", program_id=program.pk)


@login_required
@require_http_methods(["GET", "POST"])
def window_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id, "change_windows")
    if not can_in_program(request.user, Action.ADD, "change_windows", program.pk):
        raise PermissionDenied("Your role may not set change windows.")
    form = ChangeWindowForm(request.POST or None, program=program, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "program": program, "services": list(form.cleaned_data["services"])}
        try:
            core_services.create_record(model=ChangeWindow, actor=request.user, data=data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Window saved.")
            return redirect("change_control:calendar", program_id=program.pk)
    return render(
        request,
        "core/record_form.html",
        {
            "program": program,
            "form": form,
            "object": None,
            "model_name": "change window",
            "cancel_url": reverse("change_control:calendar", kwargs={"program_id": program.pk}),
        },
        status=400 if request.method == "POST" else 200,
    )


# Reconciliation


@login_required
@require_http_methods(["GET", "POST"])
def reconciliation_report(request: HttpRequest, program_id: int) -> HttpResponse:
    """What the partner's exports and tickets show without an approved change; POST runs it (with an export)."""
    program = _program(request, program_id)
    form = ExportUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST":
        if not can_in_program(request.user, "reconcile", "changes", program.pk):
            raise PermissionDenied("Your role may not run the reconciliation.")
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            try:
                result = reconciliation.reconcile(
                    program=program,
                    actor=request.user,
                    now=timezone.now(),
                    content=upload.read() if upload else None,
                    time_zone=form.cleaned_data["time_zone"],
                )
            except ValidationError as error:
                problems = _errors(error)
            else:
                messages.success(
                    request,
                    f"Read {result.rows} row(s); {len(result.findings)} finding(s), {result.new} new.",
                )
                return redirect("change_control:reconciliation", program_id=program.pk)
    findings = (
        ReconciliationFinding.objects.visible_to(request.user)
        .filter(program=program)
        .select_related("change", "red_flag")
        .order_by("red_flag_id", "-occurred_at", "pk")
    )
    return render(
        request,
        "change_control/reconciliation.html",
        {
            "program": program,
            "form": form,
            "problems": problems,
            "findings": findings,
            "can_run": can_in_program(request.user, "reconcile", "changes", program.pk),
            "can_flag": can_in_program(request.user, Action.ADD, "red_flags", program.pk),
        },
        status=400 if problems or (request.method == "POST" and not form.is_valid()) else 200,
    )


@login_required
@require_POST
def finding_flag(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id)
    finding = get_visible_or_404(request.user, ReconciliationFinding.objects.filter(program=program), pk=pk)
    try:
        flag = reconciliation.raise_flag_for_finding(finding=finding, actor=request.user, now=timezone.now())
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        return redirect("change_control:reconciliation", program_id=program.pk)
    messages.success(request, f"Red flag raised: {flag.title}")
    return redirect("change_control:reconciliation", program_id=program.pk)
