"""Program pages: the list and switcher, the home page, members and roles, the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import TemplateView

from accord.core import services as core_services
from accord.core.permissions import Action, can_in_program
from accord.core.registry import home_panels, resolve
from accord.core.views import ProgramViewMixin, get_visible_or_404, render_page
from accord.programs import queries, services
from accord.programs.forms import (
    AddMemberForm,
    AuditFilterForm,
    ChangeRoleForm,
    NewProgramForm,
    ProgramForm,
    SaveAsTemplateForm,
)
from accord.programs.models import Membership, ProgramTemplate


class ProgramListView(LoginRequiredMixin, TemplateView):
    """The programs a person belongs to; not program-scoped, so it needs only a signed-in person."""

    template_name = "programs/program_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            rows=queries.list_programs_for(self.request.user), can_create=self.request.user.is_staff
        )
        return context


class ProgramCreateView(LoginRequiredMixin, UserPassesTestMixin, View):
    """A new program; not program-scoped (there is no program yet), so it asks for a platform
    administrator: anyone else signed in gets 403, whoever is signed out the sign-in page."""

    permission_denied_message = "Only platform administrators create programs."

    def test_func(self) -> bool:
        return self.request.user.is_staff

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_form(NewProgramForm(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = NewProgramForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                program = services.create_program(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Program “{program}” created; you are its program manager.")
                return redirect("programs:program_home", program_id=program.pk)
        return self.render_form(form, status=400)

    def render_form(self, form: ProgramForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "templates": ProgramTemplate.objects.all()}
        return render(self.request, "programs/program_form.html", context, status=status)


class ProgramHomeView(ProgramViewMixin, TemplateView):
    template_name = "programs/program_home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, program = self.request.user, self.program
        panels = []
        for panel in home_panels():
            if not can_in_program(user, Action.VIEW, panel.area, program.pk):
                continue
            panel_context = resolve(panel.context)(program=program, user=user)
            if panel_context is not None:
                panels.append({"template": panel.template, "context": panel_context})
        context.update(
            go_live=queries.go_live_status(program),
            member_summary=queries.summarise_members(program),
            panels=panels,
            can_edit=can_in_program(user, Action.CHANGE, "program", program.pk),
            recent_activity=queries.list_audit_entries(user=user, program=program)[:8]
            if can_in_program(user, Action.VIEW, "audit", program.pk)
            else None,
        )
        return context


class ProgramEditView(ProgramViewMixin, View):
    action = Action.CHANGE

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render_form(ProgramForm(instance=self.program, user=request.user))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = ProgramForm(request.POST, instance=self.program, user=request.user)
        if form.is_valid():
            try:
                core_services.update_record(instance=self.program, actor=request.user, data=form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Program saved.")
                return redirect("programs:program_home", program_id=self.program.pk)
        return self.render_form(form, status=400)

    def render_form(self, form: ProgramForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "program": self.program}
        return render(self.request, "programs/program_form.html", context, status=status)


class ProgramSaveAsTemplateView(ProgramViewMixin, View):
    """Save this program's names, definitions and cadences as a template for the next program."""

    def _check(self) -> None:
        # Templates serve whoever creates programs, so saving one is theirs too (not a program role).
        if not ProgramTemplate(kind=self.program.kind).permits(self.request.user, Action.ADD):
            raise PermissionDenied("Only people who create programs save a program as a template.")

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self._check()
        form = SaveAsTemplateForm(initial={"name": f"{self.program.name} template"})
        return self.render_form(form)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self._check()
        form = SaveAsTemplateForm(request.POST)
        if form.is_valid():
            try:
                template = services.save_program_as_template(
                    actor=request.user, program=self.program, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, f"Saved as the template “{template}”; new programs can start from it."
                )
                return redirect("programs:program_edit", program_id=self.program.pk)
        return self.render_form(form, status=400)

    def render_form(self, form: SaveAsTemplateForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "program": self.program}
        return render(self.request, "programs/program_save_as_template.html", context, status=status)


class MembershipListView(ProgramViewMixin, TemplateView):
    template_name = "programs/membership_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, program = self.request.user, self.program
        can_manage = can_in_program(user, Action.CHANGE, "program", program.pk)
        context.update(
            memberships=Membership.objects.visible_to(user)
            .filter(program=program)
            .select_related("person", "person__organisation")
            .order_by("role", "person__full_name"),
            can_manage=can_manage,
            add_form=AddMemberForm(program=program, user=user) if can_manage else None,
            role_form=ChangeRoleForm(),
        )
        return context


class MembershipAddView(ProgramViewMixin, View):
    action = Action.CHANGE

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = AddMemberForm(request.POST, program=self.program, user=request.user)
        if form.is_valid():
            try:
                membership = services.add_member(
                    actor=request.user, program=self.program, **form.cleaned_data
                )
            except ValidationError as error:
                messages.error(request, "; ".join(error.messages))
            else:
                messages.success(
                    request, f"{membership.person} is now {membership.get_role_display().lower()}."
                )
        else:
            messages.error(request, "Choose a person and a role.")
        return redirect("programs:membership_list", program_id=self.program.pk)


class MembershipChangeView(ProgramViewMixin, View):
    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        membership = get_visible_or_404(
            request.user, Membership.objects.filter(program=self.program), Action.CHANGE, pk=pk
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
                services.change_role(
                    actor=request.user, membership=membership, role=form.cleaned_data["role"]
                )
            except ValidationError as error:
                messages.error(request, "; ".join(error.messages))
            else:
                messages.success(
                    request, f"{membership.person} is now {membership.get_role_display().lower()}."
                )
        return redirect("programs:membership_list", program_id=self.program.pk)


class AuditPage(ProgramViewMixin, TemplateView):
    """The audit trail, filtered. A member whose role does not include it gets 403 rather than the
    mixin's 404: they know the program, and the trail is a part of it they are refused."""

    def fixed_filters(self) -> dict[str, Any]:
        return {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        request, program = self.request, self.program
        if not can_in_program(request.user, Action.VIEW, "audit", program.pk):
            raise PermissionDenied("Your role does not include the audit trail.")
        form = AuditFilterForm(
            request.GET or None, program=program, object_types=queries.list_audited_types(program)
        )
        filters: dict[str, Any] = {}
        if form.is_valid():
            filters = {k: v for k, v in form.cleaned_data.items() if v}
        entries = queries.list_audit_entries(
            user=request.user, program=program, **filters, **self.fixed_filters()
        )
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form, page=Paginator(entries, 50).get_page(request.GET.get("page")), query=query.urlencode()
        )
        return context


class AuditListView(AuditPage):
    template_name = "programs/audit_list.html"

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        return render_page(self.request, self.template_name, context, partial="programs/_audit_rows.html")


class RecordHistoryView(AuditPage):
    template_name = "programs/record_history.html"

    def fixed_filters(self) -> dict[str, Any]:
        return {"object_type": self.kwargs["object_type"], "object_id": self.kwargs["object_id"]}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.fixed_filters())
        return context
