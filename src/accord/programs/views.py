"""Program pages: the list and switcher, the home page, members and roles, the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accord.core import services as core_services
from accord.core.permissions import Action, can_in_program
from accord.core.registry import home_panels, resolve
from accord.core.views import get_program_or_404, get_visible_or_404, render_page, require_program_permission
from accord.programs import queries, services
from accord.programs.forms import AddMemberForm, AuditFilterForm, ChangeRoleForm, ProgramForm
from accord.programs.models import Membership, Program


@login_required
def program_list(request: HttpRequest) -> HttpResponse:
    rows = queries.list_programs_for(request.user)
    return render(request, "programs/program_list.html", {"rows": rows, "can_create": request.user.is_staff})


@login_required
def program_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied("Only platform administrators create programs.")
    form = ProgramForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            program = services.create_program(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Program “{program}” created; you are its program manager.")
            return redirect("programs:program_home", program_id=program.pk)
    return render(request, "programs/program_form.html", {"form": form}, status=400 if form.errors else 200)


def _program(request: HttpRequest, program_id: int) -> Program:
    program = get_program_or_404(request.user, program_id)
    request.program = program
    return program


@login_required
def program_home(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    panels = []
    for panel in home_panels():
        if not can_in_program(request.user, Action.VIEW, panel.area, program.pk):
            continue
        context = resolve(panel.context)(program=program, user=request.user)
        if context is not None:
            panels.append({"template": panel.template, "context": context})
    context = {
        "program": program,
        "go_live": queries.go_live_status(program),
        "member_summary": queries.summarise_members(program),
        "panels": panels,
        "can_edit": can_in_program(request.user, Action.CHANGE, "program", program.pk),
        "recent_activity": queries.list_audit_entries(user=request.user, program=program)[:8]
        if can_in_program(request.user, Action.VIEW, "audit", program.pk)
        else None,
    }
    return render(request, "programs/program_home.html", context)


@login_required
def program_edit(request: HttpRequest, program_id: int) -> HttpResponse:
    program = get_visible_or_404(request.user, Program, Action.CHANGE, pk=program_id)
    request.program = program
    form = ProgramForm(request.POST or None, instance=program, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            core_services.update_record(instance=program, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Program saved.")
            return redirect("programs:program_home", program_id=program.pk)
    return render(
        request,
        "programs/program_form.html",
        {"form": form, "program": program},
        status=400 if form.errors else 200,
    )


@login_required
def membership_list(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    memberships = (
        Membership.objects.visible_to(request.user)
        .filter(program=program)
        .select_related("person", "person__organisation")
        .order_by("role", "person__full_name")
    )
    can_manage = can_in_program(request.user, Action.CHANGE, "program", program.pk)
    context = {
        "program": program,
        "memberships": memberships,
        "can_manage": can_manage,
        "add_form": AddMemberForm(program=program, user=request.user) if can_manage else None,
        "role_form": ChangeRoleForm(),
    }
    return render(request, "programs/membership_list.html", context)


@login_required
@require_POST
def membership_add(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    require_program_permission(request.user, program, Action.CHANGE, "program")
    form = AddMemberForm(request.POST, program=program, user=request.user)
    if form.is_valid():
        try:
            membership = services.add_member(actor=request.user, program=program, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(request, f"{membership.person} is now {membership.get_role_display().lower()}.")
    else:
        messages.error(request, "Choose a person and a role.")
    return redirect("programs:membership_list", program_id=program.pk)


@login_required
@require_POST
def membership_change(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id)
    membership = get_visible_or_404(
        request.user, Membership.objects.filter(program=program), Action.CHANGE, pk=pk
    )
    form = ChangeRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the listed roles.")
    elif request.POST.get("remove"):
        try:
            services.remove_member(actor=request.user, membership=membership)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(request, f"{membership.person} was removed from the program.")
    else:
        try:
            services.change_role(actor=request.user, membership=membership, role=form.cleaned_data["role"])
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(request, f"{membership.person} is now {membership.get_role_display().lower()}.")
    return redirect("programs:membership_list", program_id=program.pk)


def _audit_page(request: HttpRequest, program: Program, **fixed: Any) -> dict[str, Any]:
    if not can_in_program(request.user, Action.VIEW, "audit", program.pk):
        raise PermissionDenied("Your role does not include the audit trail.")
    form = AuditFilterForm(
        request.GET or None, program=program, object_types=queries.list_audited_types(program)
    )
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    entries = queries.list_audit_entries(user=request.user, program=program, **filters, **fixed)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"program": program, "form": form, "page": page, "query": query.urlencode()}


@login_required
def audit_list(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    context = _audit_page(request, program)
    return render_page(request, "programs/audit_list.html", context, partial="programs/_audit_rows.html")


@login_required
def record_history(request: HttpRequest, program_id: int, object_type: str, object_id: str) -> HttpResponse:
    program = _program(request, program_id)
    context = _audit_page(request, program, object_type=object_type, object_id=object_id)
    context.update(object_type=object_type, object_id=object_id)
    return render(request, "programs/record_history.html", context)
