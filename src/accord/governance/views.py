"""Governance pages: the red-flag register, raising and answering flags, risks and the heat map, decisions.

Thin adapters: each view gets its record through the access helpers, calls one service, renders.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accord.core.permissions import Action, can, can_in_program
from accord.core.views import (
    FilteredListMixin,
    ProgramRecordFormView,
    ProgramViewMixin,
    get_visible_or_404,
    render_page,
    require_program_permission,
)
from accord.governance import filters, queries, services, states
from accord.governance.choices import EscalationLevel
from accord.governance.forms import (
    CommentForm,
    ConvertToRiskForm,
    DecisionForm,
    EscalateForm,
    EscalationRuleForm,
    MergeForm,
    RaiseRedFlagForm,
    RiskForm,
    TransitionForm,
)
from accord.governance.models import Decision, EscalationRule, RedFlag, Risk


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


class RedFlagListView(FilteredListMixin, ProgramViewMixin, TemplateView):
    area = "red_flags"
    template_name = "governance/red_flag_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filterset = filters.RedFlagFilterSet(
            self.request.GET,
            queryset=queries.list_red_flags(user=self.request.user, program=self.program),
            request=self.request,
        )
        page = Paginator(self.filtered(filterset), 50).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter=filterset,
            form=filterset.form,
            page_filters=filterset.page_filters,
            page=page,
            query=query.urlencode(),
            can_raise=can_in_program(self.request.user, Action.ADD, "red_flags", self.program.pk),
        )
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        return render_page(
            self.request,
            self.template_name,
            context,
            partial="governance/_red_flag_rows.html",
            status=self.filter_status,
        )


class RaiseRedFlagView(ProgramViewMixin, View):
    area = "red_flags"
    action = Action.ADD

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = RaiseRedFlagForm(program=self.program, user=request.user)
        return render_page(request, "governance/red_flag_raise.html", {"program": self.program, "form": form})

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = RaiseRedFlagForm(request.POST, program=self.program, user=request.user)
        if form.is_valid():
            try:
                flag = services.raise_red_flag(
                    program=self.program, actor=request.user, now=timezone.now(), **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    "Red flag raised. The program manager has been told; you can follow its answers here.",
                )
                return HttpResponseRedirect(flag.get_absolute_url())
        return render_page(
            request, "governance/red_flag_raise.html", {"program": self.program, "form": form}, status=400
        )


class RedFlagDetailView(ProgramViewMixin, View):
    area = "red_flags"

    def get_flag(self) -> RedFlag:
        qs = RedFlag.objects.filter(program=self.program).select_related(
            "raised_by",
            "owner",
            "merged_into",
            "threatens_benefit",
            "threatens_success_factor",
            "threatens_group",
            "threatens_initiative",
        )
        return get_visible_or_404(self.request.user, qs, Action.VIEW, pk=self.kwargs["pk"])

    def context(self, flag: RedFlag, **forms: Any) -> dict[str, Any]:
        user = self.request.user
        moves = [
            t
            for t in states.allowed_from(flag.state)
            if services._may_transition(user, flag, t) and not (t.is_reopen and flag.merged_into_id)
        ]
        may_triage = can_in_program(user, states.TRIAGE, "red_flags", self.program.pk)
        transition_forms = []
        for move in moves:
            bound = forms.get("transition")
            form = (
                bound
                if bound is not None and bound.data.get("to") == move.target
                else TransitionForm(flag=flag, transition=move)
            )
            transition_forms.append({"transition": move, "form": form})
        risk = getattr(flag, "risk", None)
        return {
            "program": self.program,
            "flag": flag,
            "history": queries.list_flag_history(flag, user),
            "duplicates": list(RedFlag.objects.visible_to(user).filter(merged_into=flag)),
            "risk": risk if risk is not None and risk.permits(user, Action.VIEW) else None,
            "transition_forms": transition_forms,
            "comment_form": forms.get("comment") or (CommentForm() if can(user, "comment", flag) else None),
            "merge_form": (forms.get("merge") or MergeForm(flag=flag, user=user))
            if may_triage and not flag.merged_into_id
            else None,
            "escalate_form": (forms.get("escalate") or EscalateForm())
            if may_triage
            and flag.is_open
            and not flag.merged_into_id
            and flag.escalation_level < EscalationLevel.BOARD
            else None,
            "can_convert": risk is None and can_in_program(user, Action.ADD, "risks", self.program.pk),
            "is_raiser": flag.raised_by_id == user.pk,
            "decisions": list(flag.decisions.visible_to(user).order_by("-decided_on")),
        }

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        flag = self.get_flag()
        return render_page(
            request,
            "governance/red_flag_detail.html",
            self.context(flag),
            partial="governance/_red_flag_panel.html",
        )

    def _after_write(self, flag: RedFlag, done: str) -> HttpResponse:
        """htmx swaps the refreshed panel in place; a plain form post is redirected to the page."""
        if getattr(self.request, "htmx", False):
            return render_page(
                self.request,
                "governance/red_flag_detail.html",
                {**self.context(self.get_flag()), "done": done},
                partial="governance/_red_flag_panel.html",
            )
        messages.success(self.request, done)
        return redirect(flag.get_absolute_url())


class RedFlagTransitionView(RedFlagDetailView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        flag = self.get_flag()
        to = request.POST.get("to", "")
        try:
            transition = states.find(flag.state, to)
        except states.IllegalTransition as error:
            messages.error(request, str(error))
            return render_page(
                request,
                "governance/red_flag_detail.html",
                self.context(flag),
                status=400,
                partial="governance/_red_flag_panel.html",
            )
        if not services._may_transition(request.user, flag, transition):
            raise PermissionDenied(f"You may not {transition.label.lower()} this red flag.")
        form = TransitionForm(request.POST, flag=flag, transition=transition)
        if form.is_valid():
            try:
                services.transition_red_flag(
                    flag=flag,
                    to=to,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    now=timezone.now(),
                    **form.transition_fields(),
                )
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                done = f"{transition.label}: the flag is now {transition.target.replace('_', ' ')}."
                return self._after_write(flag, done)
        return render_page(
            request,
            "governance/red_flag_detail.html",
            self.context(flag, transition=form),
            status=400,
            partial="governance/_red_flag_panel.html",
        )


class RedFlagCommentView(RedFlagDetailView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        flag = self.get_flag()
        if not can(request.user, "comment", flag):
            raise PermissionDenied("You may not comment on this red flag.")
        form = CommentForm(request.POST)
        if form.is_valid():
            services.comment_on_red_flag(
                flag=flag, actor=request.user, note=form.cleaned_data["note"], now=timezone.now()
            )
            return self._after_write(flag, "Comment added.")
        return render_page(
            request, "governance/red_flag_detail.html", self.context(flag, comment=form), status=400
        )


class RedFlagMergeView(RedFlagDetailView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        flag = self.get_flag()
        if not can_in_program(request.user, states.TRIAGE, "red_flags", self.program.pk):
            raise PermissionDenied("Only people who triage red flags may merge them.")
        form = MergeForm(request.POST, flag=flag, user=request.user)
        if form.is_valid():
            try:
                services.merge_red_flags(
                    duplicate=flag,
                    into=form.cleaned_data["into"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    now=timezone.now(),
                )
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                messages.success(
                    request, f"Merged into #{form.cleaned_data['into'].pk}; this flag is closed."
                )
                return redirect(form.cleaned_data["into"].get_absolute_url())
        return render_page(
            request, "governance/red_flag_detail.html", self.context(flag, merge=form), status=400
        )


class RedFlagEscalateView(RedFlagDetailView):
    """The manager takes a flag to the board now (the scheduled escalation waits for the rule's clock)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        flag = self.get_flag()
        if not can_in_program(request.user, states.TRIAGE, "red_flags", self.program.pk):
            raise PermissionDenied("Only people who triage red flags may escalate them to the board.")
        form = EscalateForm(request.POST)
        if form.is_valid():
            try:
                services.escalate_red_flag_to_board(
                    flag=flag, actor=request.user, reason=form.cleaned_data["reason"], now=timezone.now()
                )
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                return self._after_write(
                    flag, "Escalated to the governance board: it is on the board's agenda."
                )
        return render_page(
            request, "governance/red_flag_detail.html", self.context(flag, escalate=form), status=400
        )


class RedFlagConvertView(RedFlagDetailView):
    """Register a red flag as a risk, linked both ways."""

    def _page(self, flag: RedFlag, form: ConvertToRiskForm, status: int = 200) -> HttpResponse:
        return render_page(
            self.request,
            "governance/red_flag_convert.html",
            {"program": self.program, "flag": flag, "form": form},
            status=status,
        )

    def _flag_for_conversion(self) -> RedFlag:
        flag = self.get_flag()
        if not can_in_program(self.request.user, Action.ADD, "risks", self.program.pk):
            raise PermissionDenied("Your role may not add risks to the register.")
        return flag

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        flag = self._flag_for_conversion()
        risk = getattr(flag, "risk", None)
        if risk is not None:
            messages.info(request, "This red flag is already in the risk register.")
            return redirect(
                risk.get_absolute_url()
                if risk.permits(request.user, Action.VIEW)
                else flag.get_absolute_url()
            )
        return self._page(flag, ConvertToRiskForm(flag=flag))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        flag = self._flag_for_conversion()
        form = ConvertToRiskForm(request.POST, flag=flag)
        if form.is_valid():
            try:
                risk = services.convert_red_flag_to_risk(
                    flag=flag, actor=request.user, now=timezone.now(), **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                messages.success(request, f"Registered as a risk with score {risk.score}.")
                return redirect(risk.get_absolute_url())
        return self._page(flag, form, status=400)


class EscalationRuleListView(ProgramViewMixin, TemplateView):
    area = "red_flags"
    template_name = "governance/escalation_rules.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rules"] = EscalationRule.objects.filter(program=self.program).order_by("triage_hours")
        context["can_edit"] = can_in_program(self.request.user, Action.CHANGE, "red_flags", self.program.pk)
        return context


class EscalationRuleEditView(ProgramRecordFormView):
    area = "red_flags"
    model = EscalationRule
    form_class = EscalationRuleForm
    success_url_name = "governance:escalation_rules"

    def success_url(self, obj: Any) -> str:
        return reverse(self.success_url_name, kwargs={"program_id": self.program.pk})


class RiskListView(FilteredListMixin, ProgramViewMixin, TemplateView):
    area = "risks"
    template_name = "governance/risk_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)

        # The API's FilterSet, so `?status=open` (not closed), `?likelihood=`, `?impact=`, `?min_score=`...
        # select the same risks here and in /api/risks/; without a status the register shows the open ones.
        query = self.request.GET.copy()
        query.setdefault("status", "open")
        visible = Risk.objects.visible_to(self.request.user).filter(program=self.program)
        filterset = filters.RiskFilterSet(query, queryset=visible, request=self.request)
        filterset.offer_owners(queries.list_risk_owners(risks=visible))
        risks = self.filtered(filterset)
        # A cell's link keeps the page's filter and adds the cell's own likelihood and impact, so the list it
        # opens counts what the cell counts.
        cell_query = query.copy()
        for name in ("likelihood", "impact", "page"):
            cell_query.pop(name, None)
        context.update(
            filter=filterset,
            risks=risks.select_related("owner", "source_flag").order_by("-score", "title"),
            heat_map=queries.risk_heat_map(risks=risks),
            cell_query=cell_query.urlencode(),
            can_add=can_in_program(self.request.user, Action.ADD, "risks", self.program.pk),
        )
        return context


class RiskHeatMapView(RiskListView):
    template_name = "governance/risk_heat_map.html"


class RiskDetailView(ProgramViewMixin, TemplateView):
    area = "risks"
    template_name = "governance/risk_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        risk = get_visible_or_404(
            self.request.user,
            Risk.objects.filter(program=self.program).select_related("owner", "source_flag"),
            pk=kwargs["pk"],
        )
        flag = risk.source_flag
        context.update(
            risk=risk,
            flag=flag if flag is not None and flag.permits(self.request.user, "view") else None,
            decisions=risk.decisions.visible_to(self.request.user),
            can_edit=risk.permits(self.request.user, Action.CHANGE),
        )
        return context


class RiskFormView(ProgramRecordFormView):
    area = "risks"
    model = Risk
    form_class = RiskForm
    success_url_name = "governance:risk_list"


class DecisionListView(ProgramViewMixin, TemplateView):
    area = "governance"
    template_name = "governance/decision_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        decisions = (
            Decision.objects.visible_to(self.request.user)
            .filter(program=self.program)
            .annotate(flag_count=Count("flags", distinct=True), risk_count=Count("risks", distinct=True))
            .order_by("-decided_on", "-pk")
        )
        context.update(
            page=Paginator(decisions, 50).get_page(self.request.GET.get("page")),
            can_add=can_in_program(self.request.user, Action.ADD, "governance", self.program.pk),
        )
        return context


class DecisionDetailView(ProgramViewMixin, TemplateView):
    area = "governance"
    template_name = "governance/decision_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        decision = get_visible_or_404(
            user, Decision.objects.filter(program=self.program).select_related("recorded_by"), pk=kwargs["pk"]
        )
        context.update(
            decision=decision,
            flags=decision.flags.visible_to(user),
            risks=decision.risks.visible_to(user),
            benefits=decision.benefits.visible_to(user),
            groups=decision.groups.visible_to(user),
            initiatives=decision.initiatives.visible_to(user),
            success_factors=decision.success_factors.visible_to(user),
            can_edit=decision.permits(user, Action.CHANGE),
        )
        return context


class DecisionFormView(ProgramRecordFormView):
    area = "governance"
    model = Decision
    form_class = DecisionForm
    success_url_name = "governance:decision_list"

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if self.kwargs.get("pk") is not None:
            return super().post(request, **kwargs)
        # New decisions go through the service the meeting minutes use too, so both record alike.
        require_program_permission(request.user, self.program, Action.ADD, "governance")
        form = self.form_class(request.POST, program=self.program, user=request.user)
        if form.is_valid():
            try:
                decision = services.create_decision(
                    program=self.program, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Decision recorded.")
                return HttpResponseRedirect(decision.get_absolute_url())
        return self.render_form(form, None, status=400)
