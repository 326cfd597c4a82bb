"""SLA pages: contracts, targets, policy versions, ticket uploads with progress, the report and its exports.

Thin adapters on `ProgramViewMixin` (404 for a non-member or an area not shared with them): each view gets
its record through the access helpers, calls one service, renders.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views import View

from accord.core import services as core_services
from accord.core.permissions import Action, can, can_in_program
from accord.core.views import (
    FilteredListMixin,
    ProgramRecordFormView,
    ProgramViewMixin,
    get_visible_or_404,
    render_page,
)
from accord.sla import disputes, exports, periods, queries, services
from accord.sla.choices import ComputeStatus, DisputeStatus, ImportStatus, Party
from accord.sla.engine_bridge import period_label
from accord.sla.filters import ContractFilterSet, SlaDisputeFilterSet, SlaResultFilterSet
from accord.sla.forms import (
    AttainmentTargetForm,
    ComputeForm,
    ContractForm,
    DisputeAnswerForm,
    DisputeRaiseForm,
    DisputeSettleForm,
    PauseRowFormSet,
    PeriodIssueForm,
    PeriodReopenForm,
    PolicyVersionForm,
    StructuredPolicyForm,
    TargetRowFormSet,
    TicketUploadForm,
    structured_policy_yaml,
)
from accord.sla.models import (
    AttainmentTarget,
    ComputeJob,
    Contract,
    SlaDispute,
    SlaPeriod,
    SlaPolicy,
    SlaPolicyVersion,
    Ticket,
    TicketImport,
)

BREACHES_PER_PAGE = 50


class SlaPageView(ProgramViewMixin, View):
    """An SLA page: the program resolved and its area checked (404 when not shared) by the mixin."""

    area = "sla"

    def get_contract(self, action: str = Action.VIEW) -> Contract:
        """The contract named by `pk` in the URL: 404 when not visible, 403 when `action` is refused."""
        return get_visible_or_404(
            self.request.user,
            Contract.objects.filter(program=self.program).select_related("vendor"),
            action,
            pk=self.kwargs["pk"],
        )

    def page(self, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
        return render(self.request, template, {"program": self.program, **context}, status=status)


class ContractListView(FilteredListMixin, SlaPageView):
    """The program's contracts, narrowed by the contracts' FilterSet (`?vendor=`, `?reporting_frequency=`)."""

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        contracts = ContractFilterSet(
            request.GET or None, queryset=queries.list_contracts(user=request.user, program=self.program)
        )
        return self.page(
            "sla/contract_list.html",
            {
                "contracts": self.filtered(contracts),
                "filter": contracts,
                "filtered": contracts.is_bound,
                "can_add": can_in_program(request.user, Action.ADD, "sla", self.program.pk),
            },
            status=self.filter_status,
        )


class ContractFormView(ProgramRecordFormView):
    area = "sla"
    model = Contract
    form_class = ContractForm
    success_url_name = "sla:contract_list"


class ContractDetailView(SlaPageView):
    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        contract = self.get_contract()
        policy = SlaPolicy.objects.filter(contract=contract).first()
        versions = list(policy.versions.order_by("-effective_from")) if policy else []
        imports = TicketImport.objects.filter(contract=contract).select_related("actor")[:10]
        return self.page(
            "sla/contract_detail.html",
            {
                "contract": contract,
                "policy": policy,
                "versions": versions,
                "targets": AttainmentTarget.objects.filter(contract=contract),
                "imports": imports,
                "ticket_count": contract.tickets.count(),
                "can_change": can(request.user, Action.CHANGE, contract),
                "can_upload": can_in_program(request.user, Action.ADD, "tickets", self.program.pk),
            },
        )


class AttainmentTargetFormView(SlaPageView):
    """Add a target to a contract (no `target_pk`) or edit one, through the audited generic services."""

    def get_target(self, contract: Contract) -> AttainmentTarget | None:
        target_pk = self.kwargs.get("target_pk")
        if target_pk is None:
            return None
        return get_visible_or_404(
            self.request.user, AttainmentTarget.objects.filter(contract=contract), Action.CHANGE, pk=target_pk
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        contract = self.get_contract(Action.CHANGE)
        target = self.get_target(contract)
        return self.render_form(AttainmentTargetForm(instance=target), contract, target)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        contract = self.get_contract(Action.CHANGE)
        target = self.get_target(contract)
        form = AttainmentTargetForm(request.POST, instance=target)
        if form.is_valid():
            data = {**form.cleaned_data, "contract": contract, "program": self.program}
            try:
                if target is None:
                    core_services.create_record(model=AttainmentTarget, actor=request.user, data=data)
                else:
                    core_services.update_record(instance=target, actor=request.user, data=data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Attainment target saved.")
                return redirect(contract)
        return self.render_form(form, contract, target)

    def render_form(self, form: Any, contract: Contract, target: AttainmentTarget | None) -> HttpResponse:
        return self.page(
            "core/record_form.html",
            {
                "form": form,
                "object": target,
                "model_name": "attainment target",
                "cancel_url": contract.get_absolute_url(),
            },
            status=400 if form.errors else 200,
        )


class PolicyVersionSaving(SlaPageView):
    """The two policy pages (YAML and fields) save the next version through the same services."""

    def save_version(self, form: Any, contract: Contract, policy: SlaPolicy | None, yaml_text: str) -> Any:
        """The saved version, or None with the service's errors put on `form`."""
        cleaned = form.cleaned_data
        try:
            if policy is None:
                return services.create_policy(
                    contract=contract,
                    name=cleaned["name"],
                    yaml_text=yaml_text,
                    effective_from=cleaned["effective_from"],
                    note=cleaned["note"],
                    actor=self.request.user,
                )
            return services.create_policy_version(
                policy=policy,
                yaml_text=yaml_text,
                effective_from=cleaned["effective_from"],
                note=cleaned["note"],
                actor=self.request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return None

    def saved(self, version: SlaPolicyVersion, contract: Contract) -> HttpResponse:
        messages.success(
            self.request,
            f"Policy version {version.number} saved, in force from {version.effective_from:%d %b %Y}.",
        )
        return redirect(contract)


class PolicyStructuredView(PolicyVersionSaving):
    """The policy's next version from fields (working hours, holidays, targets, pause states and
    parties) instead of YAML; saved through the same service as the YAML page."""

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.handle(None)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.handle(request.POST)

    def handle(self, data: Any) -> HttpResponse:
        contract = self.get_contract(Action.CHANGE)
        policy = SlaPolicy.objects.filter(contract=contract).first()
        latest = policy.versions.order_by("-effective_from").first() if policy else None
        base = latest.spec if latest else {}
        form = StructuredPolicyForm(
            data, initial=StructuredPolicyForm.initial_from(base), needs_name=policy is None
        )
        targets = TargetRowFormSet(
            data,
            prefix="targets",
            initial=[
                {"priority": priority, **target, "calendar": target.get("calendar", "business")}
                for priority, target in (base.get("targets") or {}).items()
            ],
        )
        parties = base.get("pause_parties") or {}
        pauses = PauseRowFormSet(
            data,
            prefix="pauses",
            initial=[
                {"state": state, "party": parties.get(state, "")} for state in base.get("pause_states", [])
            ],
        )
        if data is not None:
            yaml_text = structured_policy_yaml(form, targets, pauses, base=base)
            if yaml_text is not None:
                version = self.save_version(form, contract, policy, yaml_text)
                if version is not None:
                    return self.saved(version, contract)
        return self.page(
            "sla/policy_structured.html",
            {
                "contract": contract,
                "policy": policy,
                "latest": latest,
                "form": form,
                "targets": targets,
                "pauses": pauses,
            },
            status=400 if data is not None else 200,
        )


class PolicyEditView(PolicyVersionSaving):
    """Define the policy or make its next version (the current text is the starting point)."""

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.handle(None, None)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.handle(request.POST, request.FILES)

    def handle(self, data: Any, files: Any) -> HttpResponse:
        contract = self.get_contract(Action.CHANGE)
        policy = SlaPolicy.objects.filter(contract=contract).first()
        latest = policy.versions.order_by("-effective_from").first() if policy else None
        initial = {"source_text": latest.source_text if latest else "", "effective_from": None}
        form = PolicyVersionForm(data, files, initial=initial, needs_name=policy is None)
        if data is not None and form.is_valid():
            version = self.save_version(form, contract, policy, form.cleaned_data["source_text"])
            if version is not None:
                return self.saved(version, contract)
        return self.page(
            "sla/policy_form.html",
            {"contract": contract, "policy": policy, "latest": latest, "form": form},
            status=400 if form.errors else 200,
        )


class PolicyExportView(SlaPageView):
    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        contract = self.get_contract()
        version = get_visible_or_404(
            request.user,
            SlaPolicyVersion.objects.filter(policy__contract=contract),
            pk=self.kwargs["version_pk"],
        )
        response = HttpResponse(
            services.export_policy_yaml(version), content_type="application/yaml; charset=utf-8"
        )
        name = f"{slugify(contract.name)}-policy-v{version.number}.yaml"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ImportUploadView(SlaPageView):
    """Upload a ticket file (or preview it); the import runs in the background with a progress page."""

    area = "tickets"

    def uploadable_contract(self) -> Contract:
        contract = self.get_contract()
        if not can_in_program(self.request.user, Action.ADD, "tickets", self.program.pk):
            raise PermissionDenied("Your role may not upload tickets.")
        return contract

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render_form(TicketUploadForm(), self.uploadable_contract())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        contract = self.uploadable_contract()
        form = TicketUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_form(form, contract)
        ticket_import = services.start_ticket_import(
            contract=contract,
            file_name=form.cleaned_data["file"].name,
            file_format=form.cleaned_data["format"],
            mode=form.cleaned_data["mode"],
            date_format=form.cleaned_data["date_format"],
            replace_events=form.cleaned_data["replace_events"],
            preview="preview" in request.POST,
            actor=request.user,
        )
        services.import_in_background(
            ticket_import=ticket_import,
            upload=form.cleaned_data["file"],
            events_upload=form.cleaned_data.get("events_file"),
            actor=request.user,
        )
        return redirect(ticket_import)

    def render_form(self, form: Any, contract: Contract) -> HttpResponse:
        return self.page(
            "sla/import_upload.html",
            {"contract": contract, "form": form},
            status=400 if form.errors else 200,
        )


class ImportDetailView(SlaPageView):
    """An import's progress and outcome; htmx polls the progress part while it runs."""

    area = "tickets"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        ticket_import = get_visible_or_404(
            request.user,
            TicketImport.objects.filter(program=self.program).select_related("contract", "actor"),
            pk=self.kwargs["pk"],
        )
        context = {
            "program": self.program,
            "ticket_import": ticket_import,
            "contract": ticket_import.contract,
            "ImportStatus": ImportStatus,
            "interrupted": services.INTERRUPTED_MESSAGE
            if ticket_import.status == ImportStatus.RUNNING and services.worker_is_gone(ticket_import.worker)
            else "",
            "changed_tickets": queries.list_import_changes(ticket_import)
            if ticket_import.is_finished
            else [],
        }
        return render_page(request, "sla/import_detail.html", context, partial="sla/_import_progress.html")


class TicketHistoryView(SlaPageView):
    """A ticket's history: each import that created or changed it, by whom, with before and after values."""

    area = "tickets"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        contract = self.get_contract()
        external_id = request.GET.get("id", "").strip()
        ticket = None
        changes: list[Any] = []
        if external_id:
            ticket = get_visible_or_404(
                request.user, Ticket.objects.filter(contract=contract), external_id=external_id
            )
            changes = queries.list_ticket_changes(ticket)
        return self.page(
            "sla/ticket_history.html",
            {"contract": contract, "ticket": ticket, "external_id": external_id, "changes": changes},
        )


class ComputeView(SlaPageView):
    """Queue a recompute for the task worker (a million tickets take longer than a request may) and
    show its progress page."""

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        contract = self.get_contract(Action.CHANGE)
        form = ComputeForm(request.POST, contract=contract)
        if not form.is_valid():
            messages.error(request, "Choose one of the listed versions.")
            return redirect("sla:report", program_id=self.program.pk, pk=contract.pk)
        try:
            job = services.request_compute(
                contract=contract,
                version=form.cleaned_data["version"],
                as_of=form.as_of_or_now(),
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
            return redirect(contract)
        return redirect(job)


class ComputeJobView(SlaPageView):
    """A recompute's progress (queued, running, done or failed); htmx polls the progress part."""

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        job = get_visible_or_404(
            request.user,
            ComputeJob.objects.filter(program=self.program).select_related("contract", "version", "actor"),
            pk=self.kwargs["pk"],
        )
        version_query = f"?version={job.version_id}" if job.version_id else ""
        abandoned = (
            services.ABANDONED_RECOVERY_NOTE
            if job.status == ComputeStatus.RUNNING and job.worker and services.worker_is_gone(job.worker)
            else ""
        )
        context = {
            "program": self.program,
            "job": job,
            "contract": job.contract,
            "report_url": f"{job.contract.get_absolute_url()}report/{version_query}",
            "abandoned": abandoned,
        }
        return render_page(request, "sla/compute_job.html", context, partial="sla/_compute_progress.html")


class ReportView(FilteredListMixin, SlaPageView):
    """The contract's report: attainment by period, credits, breaches, at-risk tickets, disagreements."""

    def chosen_version(self, contract: Contract) -> SlaPolicyVersion | None:
        """The version named by `?version=` for a comparison (404 when not one of this contract's)."""
        raw = self.request.GET.get("version", "")
        if not raw:
            return None
        if not raw.isdigit():
            raise Http404("No such version.")
        version = SlaPolicyVersion.objects.filter(policy__contract=contract, pk=int(raw)).first()
        if version is None:
            raise Http404("No such version of this contract's policy.")
        return version

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        contract = self.get_contract()
        version = self.chosen_version(contract)
        sla_report = queries.build_report(contract, version)
        # The breaches list is the results' FilterSet over the report's breached results, so the same
        # `?period=&priority=&clock=` selects the same results as /api/sla-results/.
        breach_filter = SlaResultFilterSet(request.GET, queryset=queries.list_breaches(contract, version))
        breaches = Paginator(self.filtered(breach_filter), BREACHES_PER_PAGE).get_page(
            request.GET.get("page")
        )
        breach_lines = queries.breach_lines(
            breaches, clock=breach_filter.form.cleaned_data.get("clock") or ""
        )
        at_risk = list(queries.list_at_risk(contract, version)[:50])
        versions = list(SlaPolicyVersion.objects.filter(policy__contract=contract).order_by("effective_from"))
        can_compute = can(request.user, Action.CHANGE, contract)
        query = request.GET.copy()
        query.pop("page", None)
        return self.page(
            "sla/report.html",
            {
                "contract": contract,
                "report": sla_report,
                "version": version,
                "versions": versions,
                "breaches": breaches,
                "breach_lines": breach_lines,
                "breach_filter": breach_filter,
                "priorities": sorted({row.priority for row in sla_report.rows}),
                "disagreements": queries.list_disagreements(contract) if version is None else [],
                "can_issue": can_compute and version is None,
                "can_dispute": can_in_program(request.user, Action.ADD, "sla_disputes", self.program.pk),
                "reopenable": periods.list_periods(contract) if can_compute else {},
                "at_risk": at_risk,
                "trend": sla_report.trend(),
                "query": query.urlencode(),
                "compute_form": ComputeForm(contract=contract, initial={"version": version})
                if can_compute
                else None,
                "party_labels": dict(Party.choices),
            },
            status=self.filter_status,
        )


class ReportExportView(ReportView):
    """The report (attainment and credits) or every result, as CSV or XLSX."""

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        contract = self.get_contract()
        version = self.chosen_version(contract)
        table = request.GET.get("table", "report")
        file_format = request.GET.get("format", "csv")
        if table not in ("report", "results") or file_format not in ("csv", "xlsx"):
            return HttpResponse(
                "Choose table=report|results and format=csv|xlsx.", status=400, content_type="text/plain"
            )
        if table == "report":
            headers, rows = (
                exports.REPORT_HEADERS,
                exports.report_rows(queries.build_report(contract, version)),
            )
        else:
            # The results the report stands on: closed periods as issued, open periods live.
            results = (
                queries.report_results(contract, version)
                .select_related("ticket", "version")
                .order_by("period_start", "ticket__external_id")
            )
            headers, rows = exports.RESULT_HEADERS, exports.result_rows(results.iterator(chunk_size=2000))
        name = f"{slugify(contract.name)}-sla-{table}{f'-v{version.number}' if version else ''}"
        if file_format == "csv":
            response: HttpResponse = StreamingHttpResponse(
                exports.to_csv(headers, rows), content_type="text/csv; charset=utf-8"
            )
        else:
            response = HttpResponse(
                exports.to_xlsx(headers, rows, title=f"SLA {table}"),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
        return response


# --- Report periods and disputes --------------------------------------------------------------------


def report_url(contract: Contract) -> str:
    return f"{contract.get_absolute_url()}report/"


class PeriodIssueView(SlaPageView):
    """Issue a period's report: the period closes and keeps the figures shown now."""

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        contract = self.get_contract(Action.CHANGE)
        form = PeriodIssueForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose the period to issue.")
            return redirect(report_url(contract))
        try:
            period = periods.issue_period_report(
                contract=contract, start=form.cleaned_data["start"], actor=request.user, now=timezone.now()
            )
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            label = period_label(period.start, contract.reporting_frequency)
            messages.success(request, f"Report of {label} issued: its figures are kept.")
        return redirect(report_url(contract))


class PeriodReopenView(SlaPageView):
    """Reopen an issued period after seeing its issued figures beside the live ones."""

    def get_period(self) -> SlaPeriod:
        return get_visible_or_404(
            self.request.user,
            SlaPeriod.objects.filter(program=self.program).select_related("contract", "issued_by"),
            Action.CHANGE,
            pk=self.kwargs["pk"],
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render_form(PeriodReopenForm(), self.get_period())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        period = self.get_period()
        form = PeriodReopenForm(request.POST)
        if form.is_valid():
            try:
                periods.reopen_period(period=period, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Period reopened: the live results apply to it again.")
                return redirect(report_url(period.contract))
        return self.render_form(form, period)

    def render_form(self, form: Any, period: SlaPeriod) -> HttpResponse:
        contract = period.contract
        return self.page(
            "sla/period_reopen.html",
            {
                "contract": contract,
                "period": period,
                "label": period_label(period.start, contract.reporting_frequency),
                "comparison": periods.compare_period(period) if period.is_closed else None,
                "form": form,
            },
            status=400 if form.errors else 200,
        )


class DisputePageView(SlaPageView):
    area = "sla_disputes"

    def get_dispute(self) -> SlaDispute:
        return get_visible_or_404(
            self.request.user,
            SlaDispute.objects.filter(program=self.program).select_related(
                "contract", "ticket", "raised_by", "answered_by", "settled_by"
            ),
            pk=self.kwargs["pk"],
        )


class DisputeListView(FilteredListMixin, DisputePageView):
    """A contract's disputes, narrowed by the disputes' FilterSet (`?status=`, `?period=`, `?clock=`...)."""

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        contract = self.get_contract()
        filterset = SlaDisputeFilterSet(
            request.GET or None, queryset=queries.list_disputes(contract, user=request.user)
        )
        return self.page(
            "sla/dispute_list.html",
            {
                "contract": contract,
                "filter": filterset,
                "disputes": self.filtered(filterset),
                "can_raise": can_in_program(request.user, Action.ADD, "sla_disputes", self.program.pk),
            },
            status=self.filter_status,
        )


class DisputeRaiseView(DisputePageView):
    def raisable_contract(self) -> Contract:
        contract = self.get_contract()
        if not can_in_program(self.request.user, Action.ADD, "sla_disputes", self.program.pk):
            raise PermissionDenied("Your role may not raise SLA disputes.")
        return contract

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        # A disagreement on the report links here with its ticket, clock and period filled in.
        return self.render_form(DisputeRaiseForm(initial=request.GET.dict()), self.raisable_contract())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        contract = self.raisable_contract()
        form = DisputeRaiseForm(request.POST)
        if form.is_valid():
            ticket = (
                Ticket.objects.visible_to(request.user)
                .filter(contract=contract, external_id=form.cleaned_data["ticket"].strip())
                .first()
            )
            if ticket is None:
                form.add_error("ticket", "No ticket with this number in the contract.")
            else:
                try:
                    dispute = disputes.raise_dispute(
                        ticket=ticket,
                        clock=form.cleaned_data["clock"],
                        reason=form.cleaned_data["reason"],
                        actor=request.user,
                        now=timezone.now(),
                    )
                except ValidationError as error:
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    messages.success(request, f"Dispute raised on ticket {ticket.external_id}.")
                    return redirect(dispute)
        return self.render_form(form, contract)

    def render_form(self, form: Any, contract: Contract) -> HttpResponse:
        return self.page(
            "sla/dispute_form.html",
            {"contract": contract, "form": form},
            status=400 if form.errors else 200,
        )


class DisputeDetailView(DisputePageView):
    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        dispute = self.get_dispute()
        open_moves = disputes.MOVES[dispute.status]
        may_answer = (
            DisputeStatus.ANSWERED in open_moves
            and can(request.user, "answer", dispute)
            and disputes.side_of(request.user, self.program.pk) != dispute.raised_side
        )
        may_settle = DisputeStatus.SETTLED in open_moves and can(request.user, "settle", dispute)
        return self.page(
            "sla/dispute_detail.html",
            {
                "contract": dispute.contract,
                "dispute": dispute,
                "answer_form": DisputeAnswerForm() if may_answer else None,
                "settle_form": DisputeSettleForm() if may_settle else None,
            },
        )


class DisputeMoveView(DisputePageView):
    """Answer or settle a dispute (`move`); errors come back as messages on the dispute's page."""

    move: str = ""
    form_class: type[DisputeAnswerForm] | type[DisputeSettleForm]
    done: str = ""

    def apply(self, dispute: SlaDispute, cleaned: dict[str, Any]) -> None:
        raise NotImplementedError("Each move names the service that makes it.")

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        dispute = self.get_dispute()
        if not can(request.user, self.move, dispute):
            raise PermissionDenied(f"Your role may not {self.move} SLA disputes.")
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
            return redirect(dispute)
        try:
            self.apply(dispute, form.cleaned_data)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(request, self.done)
        return redirect(dispute)


class DisputeAnswerView(DisputeMoveView):
    move = "answer"
    form_class = DisputeAnswerForm
    done = "Dispute answered."

    def apply(self, dispute: SlaDispute, cleaned: dict[str, Any]) -> None:
        disputes.answer_dispute(
            dispute=dispute, answer=cleaned["answer"], actor=self.request.user, now=timezone.now()
        )


class DisputeSettleView(DisputeMoveView):
    move = "settle"
    form_class = DisputeSettleForm
    done = "Dispute settled."

    def apply(self, dispute: SlaDispute, cleaned: dict[str, Any]) -> None:
        disputes.settle_dispute(
            dispute=dispute,
            outcome=cleaned["outcome"],
            note=cleaned["note"],
            actor=self.request.user,
            now=timezone.now(),
        )
