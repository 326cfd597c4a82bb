"""Benefits pages: dashboard, strategy map, benefit and KPI pages, measurement entry and import,
initiatives and success factors. Thin adapters over queries and services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accord.benefits import engine, filters, forms, queries, services
from accord.benefits.models import Benefit, Initiative, Kpi, Objective, ObjectiveLink, SuccessFactor
from accord.core import services as core_services
from accord.core.permissions import Action, can_in_program
from accord.core.views import (
    FilteredListMixin,
    PreviewedImportConfirmView,
    PreviewedImportView,
    PreviewedUploads,
    ProgramRecordFormView,
    ProgramViewMixin,
    get_visible_or_404,
    render_page,
)


class BenefitsPage(ProgramViewMixin, TemplateView):
    area = "benefits"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_edit"] = can_in_program(self.request.user, Action.ADD, "benefits", self.program.pk)
        context["today"] = timezone.localdate()
        return context


class DashboardView(BenefitsPage):
    template_name = "benefits/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        summary = queries.summarise_benefits(
            program=self.program, user=self.request.user, today=context["today"]
        )
        context["summary"] = summary
        context["chart"] = {
            "labels": [p["month"].isoformat() for p in summary["over_time"]],
            "actual": [round(p["actual"], 1) for p in summary["over_time"]],
            "planned": [round(p["planned"], 1) for p in summary["over_time"]],
            "goLive": summary["go_live"].isoformat() if summary["go_live"] else None,
        }
        context["can_import"] = can_in_program(self.request.user, Action.ADD, "measurements", self.program.pk)
        return context


class StrategyMapView(BenefitsPage):
    template_name = "benefits/strategy_map.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["map"] = queries.get_strategy_map(
            program=self.program, user=self.request.user, today=context["today"]
        )
        if context["can_edit"]:
            context["link_form"] = forms.ObjectiveLinkForm(program=self.program, user=self.request.user)
        return context


class ObjectiveLinkCreateView(ProgramViewMixin, View):
    area = "benefits"
    action = Action.ADD

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = forms.ObjectiveLinkForm(request.POST, program=self.program, user=request.user)
        if form.is_valid():
            try:
                core_services.create_record(
                    model=ObjectiveLink,
                    actor=request.user,
                    data={**form.cleaned_data, "program": self.program},
                )
            except ValidationError as error:
                messages.error(request, "; ".join(error.messages))
            else:
                messages.success(request, "Link added to the strategy map.")
        else:
            messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
        return redirect("benefits:strategy_map", program_id=self.program.pk)


class ObjectiveLinkDeleteView(ProgramViewMixin, View):
    area = "benefits"
    action = Action.DELETE

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        link = get_visible_or_404(
            request.user, ObjectiveLink.objects.filter(program=self.program), Action.DELETE, pk=pk
        )
        core_services.delete_record(instance=link, actor=request.user)
        messages.success(request, f"Link {link} removed.")
        return redirect("benefits:strategy_map", program_id=self.program.pk)


class BenefitDetailView(BenefitsPage):
    template_name = "benefits/benefit_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        benefit = get_visible_or_404(
            self.request.user,
            Benefit.objects.filter(program=self.program)
            .select_related("owner")
            .prefetch_related("objectives"),
            pk=self.kwargs["pk"],
        )
        kpis = list(Kpi.objects.visible_to(self.request.user).filter(benefit=benefit))
        for kpi in kpis:
            kpi.benefit = benefit
        queries.attach_readings(kpis, today=context["today"])
        charts = [
            (
                kpi,
                f"kpi-chart-data-{kpi.pk}",
                queries.kpi_chart(kpi, program=self.program, today=context["today"]),
            )
            for kpi in kpis
        ]
        context.update(
            benefit=benefit,
            kpis=kpis,
            charts=charts,
            concerns=queries.get_benefit_concerns(benefit=benefit, user=self.request.user),
        )
        return context


class KpiListView(FilteredListMixin, BenefitsPage):
    """The program's KPIs with their status, narrowed by the API's KpiFilterSet (`?rag=`, `?overdue=`,
    `?benefit=`...), so the program home's RAG figures link here and list what they count."""

    template_name = "benefits/kpi_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        visible = Kpi.objects.visible_to(self.request.user).filter(program=self.program)
        filterset = filters.KpiFilterSet(self.request.GET, queryset=visible, request=self.request)
        kpis = list(self.filtered(filterset).select_related("benefit").order_by("name", "pk"))
        queries.attach_latest_readings(kpis, as_of=context["today"])
        context.update(kpis=kpis, filter=filterset, form=filterset.form)
        return context


class KpiDetailView(BenefitsPage):
    template_name = "benefits/kpi_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        kpi = get_visible_or_404(
            self.request.user,
            Kpi.objects.filter(program=self.program).select_related("benefit"),
            pk=self.kwargs["pk"],
        )
        queries.attach_readings([kpi], today=context["today"])
        measurements = list(kpi.measurements.select_related("entered_by").order_by("-measured_on"))
        spec = kpi.spec()
        context.update(
            kpi=kpi,
            measurements=measurements,
            trajectory=engine.trajectory(spec),
            can_measure=can_in_program(self.request.user, Action.ADD, "measurements", self.program.pk),
            measurement_form=kwargs.get("measurement_form")
            or forms.MeasurementForm(initial={"measured_on": context["today"]}),
            chart=queries.kpi_chart(kpi, program=self.program, today=context["today"]),
        )
        return context


class MeasurementAddView(ProgramViewMixin, View):
    area = "measurements"
    action = Action.ADD

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        kpi = get_visible_or_404(request.user, Kpi.objects.filter(program=self.program), pk=pk)
        form = forms.MeasurementForm(request.POST)
        if form.is_valid():
            try:
                outcome = services.record_measurement(kpi=kpi, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Measurement {outcome.result}: {outcome.measurement}.")
                return HttpResponseRedirect(kpi.get_absolute_url())
        view = KpiDetailView()
        view.setup(request, program_id=self.program.pk, pk=pk)
        view.program = self.program
        context = view.get_context_data(measurement_form=form)
        return render_page(request, "benefits/kpi_detail.html", context, status=400)


MEASUREMENT_UPLOADS = PreviewedUploads("benefits")


class MeasurementImportView(PreviewedImportView):
    """Step 1: upload and preview measurements (nothing saved). Step 2 applies exactly the previewed file."""

    area = "measurements"
    form_class = forms.MeasurementImportForm
    template_name = "benefits/measurement_import.html"
    uploads = MEASUREMENT_UPLOADS

    def preview(self, *, form: Any, filename: str, content: bytes) -> Any:
        # imports.py refuses an XLSX past its cell budget, so at most 10,000 rows are parsed here.
        return services.preview_measurement_import(
            program=self.program,
            user=self.request.user,
            filename=filename,
            content=content,
            decimal=form.cleaned_data["decimal"],
        )

    def kept_options(self, form: Any) -> dict[str, Any]:
        return {"decimal": form.cleaned_data["decimal"]}


class MeasurementImportConfirmView(PreviewedImportConfirmView, MeasurementImportView):
    upload_url_name = "benefits:measurement_import"
    done_url_name = "benefits:dashboard"

    def apply(self, *, pending: dict[str, Any], content: bytes) -> Any:
        return services.import_measurements(
            program=self.program,
            actor=self.request.user,
            filename=pending["filename"],
            content=content,
            decimal=pending.get("decimal", "auto"),
        )


class InitiativeListView(BenefitsPage):
    template_name = "benefits/initiative_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["initiatives"] = queries.list_initiatives(program=self.program, user=self.request.user)
        return context


class SuccessFactorListView(BenefitsPage):
    template_name = "benefits/success_factor_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["factors"] = queries.list_success_factors(program=self.program, user=self.request.user)
        return context


class BenefitsFormView(ProgramRecordFormView):
    area = "benefits"


class ObjectiveFormView(BenefitsFormView):
    model = Objective
    form_class = forms.ObjectiveForm
    success_url_name = "benefits:strategy_map"


class BenefitFormView(BenefitsFormView):
    model = Benefit
    form_class = forms.BenefitForm
    success_url_name = "benefits:dashboard"


class KpiFormView(BenefitsFormView):
    model = Kpi
    form_class = forms.KpiForm
    success_url_name = "benefits:dashboard"

    def form_kwargs(self) -> dict[str, Any]:
        kwargs = super().form_kwargs()
        benefit = self.request.GET.get("benefit", "")
        if self.kwargs.get("pk") is None and benefit.isdigit():
            kwargs["initial"] = {"benefit": int(benefit)}
        return kwargs


class InitiativeFormView(BenefitsFormView):
    model = Initiative
    form_class = forms.InitiativeForm
    success_url_name = "benefits:initiative_list"

    def success_url(self, obj: Any) -> str:
        return reverse(self.success_url_name, kwargs={"program_id": self.program.pk})


class SuccessFactorFormView(BenefitsFormView):
    model = SuccessFactor
    form_class = forms.SuccessFactorForm
    success_url_name = "benefits:success_factor_list"

    def success_url(self, obj: Any) -> str:
        return reverse(self.success_url_name, kwargs={"program_id": self.program.pk})
