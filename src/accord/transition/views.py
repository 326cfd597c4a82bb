"""Transition pages: dashboard, services and their stages, coverage matrix, knowledge, interviews, training.

Thin adapters: find the record through the access helpers, call one service, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accord.core import services as core_services
from accord.core.permissions import Action, can, can_in_program
from accord.core.registry import providers
from accord.core.views import (
    FilteredListMixin,
    PreviewedImportConfirmView,
    PreviewedImportView,
    PreviewedUploads,
    ProgramRecordFormView,
    ProgramViewMixin,
    get_visible_or_404,
)
from accord.transition import forms, imports, queries, services
from accord.transition.choices import HandoverStage, KnowledgeStatus
from accord.transition.filters import (
    KnowledgeItemFilterSet,
    ServiceFilterSet,
    TrainingModuleFilterSet,
    TrainingRecordFilterSet,
)
from accord.transition.markdown import render_markdown
from accord.transition.models import (
    Interview,
    KnowledgeAttachment,
    KnowledgeItem,
    KnowledgeTemplate,
    Service,
    StageChange,
    StageExitCriteria,
    StageSignOff,
    TrainingModule,
    TrainingRecord,
)


class TransitionPageView(ProgramViewMixin, View):
    """A transition page: the program resolved and its area checked (404 when not shared) by the mixin."""

    area = "transition"

    def get_service(self, action: str = Action.VIEW) -> Service:
        """The service named by `pk`: 404 when not visible, 403 when `action` is refused."""
        return get_visible_or_404(
            self.request.user,
            Service.objects.filter(program=self.program).select_related(
                "internal_owner", "partner_owner", "contract"
            ),
            action,
            pk=self.kwargs["pk"],
        )

    def get_item(self, action: str = Action.VIEW) -> KnowledgeItem:
        """The knowledge item named by `pk`: 404 when not visible, 403 when `action` is refused."""
        return get_visible_or_404(
            self.request.user,
            KnowledgeItem.objects.filter(program=self.program).select_related(
                "service__internal_owner", "template", "author", "approved_by"
            ),
            action,
            pk=self.kwargs["pk"],
        )

    def page(self, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
        return render(self.request, template, {"program": self.program, **context}, status=status)


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Dashboard, services, coverage -----------------------------------------------------------------------


class DashboardView(TransitionPageView):
    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        context = queries.summarise_dashboard(
            program=self.program, user=request.user, today=timezone.localdate()
        )
        # Other apps (change control) add tiles without this app importing them.
        tiles = [
            tile
            for provider in providers("accord_transition_dashboard_tiles")
            for tile in [provider(program=self.program, user=request.user)]
            if tile
        ]
        return self.page("transition/dashboard.html", {"tiles": tiles, **context})


class ServiceListView(FilteredListMixin, TransitionPageView):
    """The services with their coverage, narrowed by the services' FilterSet (`?stage=`, `?kind=`,
    `?criticality=`, `?clinical_impact=`) as /api/services/ is."""

    template_name = "transition/service_list.html"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        chosen = ServiceFilterSet(request.GET or None, queryset=Service.objects.all())
        matrix = queries.coverage_matrix(
            program=self.program,
            user=request.user,
            today=timezone.localdate(),
            services=self.filtered(chosen),
        )
        context = {
            "matrix": matrix,
            "rows": matrix.rows,
            "filter": chosen,
            "filtered": chosen.is_bound,
            "can_add": can_in_program(request.user, Action.ADD, "transition", self.program.pk),
        }
        return self.page(self.template_name, context, status=self.filter_status)


class CoverageView(ServiceListView):
    """The coverage matrix of the services the same FilterSet selects (all of them without a filter)."""

    template_name = "transition/coverage.html"


class ServiceFormView(ProgramRecordFormView):
    area = "transition"
    model = Service
    form_class = forms.ServiceForm
    template_name = "transition/record_form.html"
    success_url_name = "transition:service_list"


class ServiceDetailView(TransitionPageView):
    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        service = self.get_service()
        visible_items = KnowledgeItem.objects.visible_to(request.user).filter(service=service)
        templates = queries.templates_of(self.program)
        cov = queries.coverage_by_service([service], templates, visible_items)[service.pk]
        names = {t.pk: t for t in templates}
        context = {
            "service": service,
            "coverage": cov,
            "gaps": [names[t] for t in cov.gaps],
            "items": visible_items.select_related("template", "author").order_by(
                "template__name", "-updated_at"
            ),
            "interviews": Interview.objects.visible_to(request.user)
            .filter(service=service)
            .select_related("expert", "interviewer"),
            "sign_offs": StageSignOff.objects.filter(service=service, voided_at__isnull=True).select_related(
                "signed_by"
            ),
            "history": StageChange.objects.filter(service=service).select_related("changed_by")[:20],
            "missing": queries.missing_to_leave_stage(service, today=timezone.localdate()),
            "stages": list(HandoverStage),
            "can_change": can(request.user, Action.CHANGE, service),
            "can_move": can(request.user, "stage", service),
            "can_sign": request.user.pk in {service.internal_owner_id, service.partner_owner_id}
            and can(request.user, "signoff", service),
            "can_write": can_in_program(request.user, Action.ADD, "knowledge", self.program.pk),
            "stage_form": forms.StageMoveForm(),
        }
        return self.page("transition/service_detail.html", context)


class ServiceSignOffView(TransitionPageView):
    """The reader signs off the service's current stage; the service decides whether they may."""

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        service = self.get_service()
        form = forms.SignOffForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            services.sign_off_stage(service=service, actor=request.user, note=note)
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, f"You signed off {service.get_stage_display()}.")
        return redirect(service)


class ServiceStageView(TransitionPageView):
    """Move the service's stage; refusals (missing exit criteria, no reason to go back) come back as messages."""

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        service = self.get_service()
        form = forms.StageMoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a stage.")
            return redirect(service)
        try:
            services.move_stage(
                service=service,
                to=form.cleaned_data["to"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            service.refresh_from_db()
            messages.success(request, f"{service.name} is now in {service.get_stage_display()}.")
        return redirect(service)


SERVICE_UPLOADS = PreviewedUploads("transition_service")


class ServiceImportView(PreviewedImportView):
    """Step 1: upload and preview the service catalogue (nothing saved). Step 2 applies exactly the previewed file."""

    area = "transition"
    form_class = forms.ServiceImportForm
    template_name = "transition/service_import.html"
    uploads = SERVICE_UPLOADS

    def preview(self, *, form: Any, filename: str, content: bytes) -> Any:
        return imports.preview_service_import(
            program=self.program, user=self.request.user, filename=filename, content=content
        )


class ServiceImportConfirmView(PreviewedImportConfirmView, ServiceImportView):
    upload_url_name = "transition:service_import"
    done_url_name = "transition:service_list"

    def apply(self, *, pending: dict[str, Any], content: bytes) -> Any:
        return imports.import_services(
            program=self.program, actor=self.request.user, filename=pending["filename"], content=content
        )


class ExitCriteriaFormView(ProgramRecordFormView):
    """The program's checklist for leaving one stage; created with the defaults the first time it is edited."""

    area = "transition"
    model = StageExitCriteria
    form_class = forms.ExitCriteriaForm
    template_name = "transition/record_form.html"
    success_url_name = "transition:dashboard"

    def get_object(self) -> StageExitCriteria | None:
        stage = self.kwargs["stage"]
        if stage not in {s.value for s in HandoverStage if s != HandoverStage.HANDOVER}:
            raise Http404("No such stage to leave.")
        existing = StageExitCriteria.objects.filter(program=self.program, stage=stage).first()
        if existing is not None:
            return get_visible_or_404(
                self.request.user, StageExitCriteria.objects.filter(pk=existing.pk), Action.CHANGE
            )
        return None

    def form_kwargs(self) -> dict[str, Any]:
        kwargs = super().form_kwargs()
        if self.get_object() is None:
            default = queries.DEFAULT_EXIT_CRITERIA[HandoverStage(self.kwargs["stage"])]
            kwargs["initial"] = {
                "min_coverage_percent": default.min_coverage_percent,
                "require_training": default.require_training,
                "min_incidents_handled": default.min_incidents_handled,
                "sla_weeks": default.sla_weeks,
            }
        return kwargs

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        if obj is None and not can_in_program(request.user, Action.ADD, "transition", self.program.pk):
            raise PermissionDenied("Your role in this program does not allow this.")
        form = self.form_class(request.POST, instance=obj, **self.form_kwargs())
        if form.is_valid():
            data = {**form.cleaned_data, "program": self.program, "stage": self.kwargs["stage"]}
            try:
                if obj is None:
                    core_services.create_record(model=StageExitCriteria, actor=request.user, data=data)
                else:
                    core_services.update_record(instance=obj, actor=request.user, data=data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Exit criteria saved.")
                return HttpResponseRedirect(
                    reverse("transition:dashboard", kwargs={"program_id": self.program.pk})
                )
        return self.render_form(form, obj, status=400)


# --- Knowledge ------------------------------------------------------------------------------------------


class TemplateListView(TransitionPageView):
    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.page(
            "transition/template_list.html",
            {
                "templates": KnowledgeTemplate.objects.visible_to(request.user).filter(program=self.program),
                "can_add": can_in_program(request.user, Action.ADD, "transition", self.program.pk),
            },
        )


class KnowledgeTemplateFormView(ProgramRecordFormView):
    area = "transition"
    model = KnowledgeTemplate
    form_class = forms.KnowledgeTemplateForm
    template_name = "transition/record_form.html"
    success_url_name = "transition:template_list"

    def success_url(self, obj: Any) -> str:
        return reverse(self.success_url_name, kwargs={"program_id": self.program.pk})


class KnowledgeItemFormView(TransitionPageView):
    """Write a new item (a draft by the reader) or edit a draft or an item in review."""

    area = "knowledge"

    def get_object(self) -> KnowledgeItem | None:
        return None if self.kwargs.get("pk") is None else self.get_item(Action.CHANGE)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        item = self.get_object()
        if item is None and not can_in_program(request.user, Action.ADD, "knowledge", self.program.pk):
            raise PermissionDenied("Your role in this program may not write knowledge items.")
        initial = {}
        if item is None and request.GET.get("service", "").isdigit():
            initial["service"] = int(request.GET["service"])
        form = forms.KnowledgeItemForm(
            instance=item, initial=initial, program=self.program, user=request.user
        )
        return self.render_form(form, item)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        item = self.get_object()
        if item is None and not can_in_program(request.user, Action.ADD, "knowledge", self.program.pk):
            raise PermissionDenied("Your role in this program may not write knowledge items.")
        form = forms.KnowledgeItemForm(request.POST, instance=item, program=self.program, user=request.user)
        if form.is_valid():
            try:
                if item is None:
                    item = services.create_knowledge_item(
                        actor=request.user, data={**form.cleaned_data, "program": self.program}
                    )
                else:
                    item = services.update_knowledge_item(
                        item=item, actor=request.user, data=form.cleaned_data
                    )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Knowledge item saved.")
                return redirect(item)
        return self.render_form(form, item, status=400)

    def render_form(self, form: Any, item: KnowledgeItem | None, status: int = 200) -> HttpResponse:
        cancel = (
            item.get_absolute_url() if item else reverse("transition:service_list", args=[self.program.pk])
        )
        context = {
            "program": self.program,
            "form": form,
            "object": item,
            "model_name": "knowledge item",
            "cancel_url": cancel,
        }
        return render(self.request, "transition/record_form.html", context, status=status)


class KnowledgeListView(FilteredListMixin, TransitionPageView):
    """The knowledge items the reader may see, narrowed by the items' FilterSet (`?status=`, `?service=`,
    `?template=`, `?review_due_before=`) as /api/knowledge-items/ is."""

    area = "knowledge"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        chosen = KnowledgeItemFilterSet(
            request.GET or None,
            queryset=KnowledgeItem.objects.visible_to(request.user)
            .filter(program=self.program)
            .select_related("service", "template", "author")
            .order_by("service__name", "template__name", "title", "pk"),
        )
        items = Paginator(self.filtered(chosen), 50).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return self.page(
            "transition/knowledge_list.html",
            {
                "items": items,
                "filter": chosen,
                "filtered": chosen.is_bound and bool(query),
                "query": query.urlencode(),
                "can_write": can_in_program(request.user, Action.ADD, "knowledge", self.program.pk),
            },
            status=self.filter_status,
        )


class KnowledgeDetailView(TransitionPageView):
    area = "knowledge"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        item = self.get_item()
        owner = item.service.internal_owner_id == request.user.pk or request.user.is_superuser
        context = {
            "item": item,
            "html": render_markdown(item.content),
            "missing_sections": item.missing_sections() if item.status == KnowledgeStatus.DRAFT else [],
            "attachments": KnowledgeAttachment.objects.filter(item=item),
            "can_edit": item.status in services.EDITABLE_STATUSES and can(request.user, Action.CHANGE, item),
            "can_approve": owner and can(request.user, "approve", item),
            "review_form": forms.ReviewForm(),
            "attachment_form": forms.AttachmentForm(),
        }
        return self.page("transition/knowledge_detail.html", context)


class KnowledgeReviewView(TransitionPageView):
    """Submit, approve, return or supersede an item; each service decides who may."""

    area = "knowledge"

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        item = self.get_item()
        form = forms.ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose submit, approve, return or supersede.")
            return redirect(item)
        action, note = form.cleaned_data["action"], form.cleaned_data["note"]
        try:
            if action == "submit":
                services.submit_for_review(item=item, actor=request.user)
            elif action == "approve":
                services.approve_knowledge_item(item=item, actor=request.user)
            elif action == "return":
                services.return_to_draft(item=item, actor=request.user, note=note)
            else:
                services.supersede_knowledge_item(item=item, actor=request.user)
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, f"{item.title} is now {item.get_status_display().lower()}.")
        return redirect(item)


class KnowledgeAttachView(TransitionPageView):
    area = "knowledge"

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        item = self.get_item(Action.CHANGE)
        form = forms.AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, "Choose a file to attach.")
            return redirect(item)
        try:
            services.attach_file(item=item, upload=form.cleaned_data["file"], actor=request.user)
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, "File attached.")
        return redirect(item)


class AttachmentDownloadView(TransitionPageView):
    area = "knowledge"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        attachment = get_visible_or_404(
            request.user, KnowledgeAttachment.objects.filter(program=self.program), pk=self.kwargs["pk"]
        )
        # Served as a download, never inline: a partner-uploaded HTML file must not run in the hospital's
        # origin.
        return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


class InterviewFormView(ProgramRecordFormView):
    area = "knowledge"
    model = Interview
    form_class = forms.InterviewForm
    template_name = "transition/record_form.html"
    success_url_name = "transition:service_list"


# --- Training -------------------------------------------------------------------------------------------


# The parameters that narrow the training records but not the modules: with one of them the matrix keeps
# only the cells of the records they select; `?kind=` (both FilterSets) narrows the modules as before.
RECORD_ONLY_FILTERS = tuple(
    name for name in TrainingRecordFilterSet.base_filters if name not in TrainingModuleFilterSet.base_filters
)


class TrainingView(FilteredListMixin, TransitionPageView):
    """The training matrix (people by modules), the plan by role and organisation, what to attest and the
    completions, narrowed as the API narrows them: the modules by `TrainingModuleFilterSet` (`?kind=`, as
    /api/training-modules/), the records by `TrainingRecordFilterSet` (`?person=`, `?organisation=`,
    `?module=`, `?kind=`, `?attested=`, as /api/training-records/)."""

    area = "training"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        query = request.GET or None
        chosen = TrainingModuleFilterSet(query, queryset=TrainingModule.objects.all())
        record_filter = TrainingRecordFilterSet(
            query,
            queryset=TrainingRecord.objects.visible_to(request.user).filter(program=self.program),
            request=request,
        )
        record_filter.offer_choices(
            **queries.training_filter_choices(program=self.program, user=request.user)
        )
        modules = self.filtered(chosen)
        records = self.filtered(record_filter)
        narrows_records = any(request.GET.get(name) for name in RECORD_ONLY_FILTERS)
        matrix = queries.training_matrix(
            program=self.program,
            user=request.user,
            today=timezone.localdate(),
            modules=modules,
            records=records if narrows_records else None,
        )
        completions = Paginator(
            records.select_related("person__organisation", "module").order_by(
                "person__full_name", "module__title", "-completed_on", "-pk"
            ),
            50,
        ).get_page(request.GET.get("page"))
        others = request.GET.copy()
        others.pop("page", None)
        return self.page(
            "transition/training.html",
            {
                "matrix": matrix,
                "plan": queries.training_plan(program=self.program, modules=matrix.modules),
                "to_attest": records.filter(person=request.user, attested=False).select_related("module"),
                "completions": completions,
                "can_add_module": can_in_program(request.user, Action.ADD, "training", self.program.pk),
                "can_record": can_in_program(request.user, Action.ADD, "training_records", self.program.pk),
                "filter": record_filter,
                "filtered": bool(others),
                "narrows_records": narrows_records,
                "query": others.urlencode(),
            },
            status=self.filter_status,
        )


class TrainingModuleFormView(ProgramRecordFormView):
    area = "training"
    model = TrainingModule
    form_class = forms.TrainingModuleForm
    template_name = "transition/record_form.html"
    success_url_name = "transition:training_matrix"

    def success_url(self, obj: Any) -> str:
        return reverse(self.success_url_name, kwargs={"program_id": self.program.pk})


class TrainingRecordView(ProgramViewMixin, View):
    area = "training_records"
    action = Action.ADD

    def form(self, data: Any = None) -> forms.TrainingRecordForm:
        others = can_in_program(self.request.user, Action.CHANGE, "training_records", self.program.pk)
        return forms.TrainingRecordForm(
            data, program=self.program, user=self.request.user, may_record_for_others=others
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render_form(self.form())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            try:
                services.record_training(
                    module=form.cleaned_data["module"],
                    person=form.cleaned_data.get("person") or request.user,
                    completed_on=form.cleaned_data["completed_on"],
                    evidence=form.cleaned_data["evidence"],
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Training recorded.")
                return redirect("transition:training_matrix", program_id=self.program.pk)
        return self.render_form(form, status=400)

    def render_form(self, form: Any, status: int = 200) -> HttpResponse:
        context = {
            "program": self.program,
            "form": form,
            "object": None,
            "model_name": "training record",
            "cancel_url": reverse("transition:training_matrix", args=[self.program.pk]),
        }
        return render(self.request, "transition/record_form.html", context, status=status)


class TrainingAttestView(TransitionPageView):
    """The trained person attests their own record."""

    area = "training"

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        record = get_visible_or_404(
            request.user, TrainingRecord.objects.filter(program=self.program), "attest", pk=self.kwargs["pk"]
        )
        services.attest_training(record=record, actor=request.user)
        messages.success(request, f"You attested {record.module}.")
        return redirect("transition:training_matrix", program_id=self.program.pk)
