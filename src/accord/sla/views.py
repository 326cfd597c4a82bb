"""SLA pages: contracts, targets, policy versions, ticket uploads with progress, the report and its exports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accord.core import services as core_services
from accord.core.permissions import Action, can, can_in_program
from accord.core.views import ProgramRecordFormView, get_program_or_404, get_visible_or_404, render_page
from accord.sla import disputes, exports, periods, queries, services
from accord.sla.choices import ComputeStatus, DisputeStatus, ImportStatus, Party
from accord.sla.engine_bridge import period_label
from accord.sla.filters import BreachFilterSet, SlaDisputeFilterSet
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


def _program(request: HttpRequest, program_id: int, area: str = "sla") -> Any:
    program = get_program_or_404(request.user, program_id)
    request.program = program
    if not can_in_program(request.user, Action.VIEW, area, program.pk):
        raise Http404("This part of the program is not shared with you.")
    return program


def _contract(request: HttpRequest, program: Any, pk: int, action: str = Action.VIEW) -> Contract:
    return get_visible_or_404(
        request.user, Contract.objects.filter(program=program).select_related("vendor"), action, pk=pk
    )


@login_required
def contract_list(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    return render(
        request,
        "sla/contract_list.html",
        {
            "program": program,
            "contracts": queries.list_contracts(user=request.user, program=program),
            "can_add": can_in_program(request.user, Action.ADD, "sla", program.pk),
        },
    )


class ContractFormView(ProgramRecordFormView):
    area = "sla"
    model = Contract
    form_class = ContractForm
    success_url_name = "sla:contract_list"


@login_required
def contract_detail(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id)
    contract = _contract(request, program, pk)
    policy = SlaPolicy.objects.filter(contract=contract).first()
    versions = list(policy.versions.order_by("-effective_from")) if policy else []
    imports = TicketImport.objects.filter(contract=contract).select_related("actor")[:10]
    return render(
        request,
        "sla/contract_detail.html",
        {
            "program": program,
            "contract": contract,
            "policy": policy,
            "versions": versions,
            "targets": AttainmentTarget.objects.filter(contract=contract),
            "imports": imports,
            "ticket_count": contract.tickets.count(),
            "can_change": can(request.user, Action.CHANGE, contract),
            "can_upload": can_in_program(request.user, Action.ADD, "tickets", program.pk),
        },
    )


def _target_form(request: HttpRequest, program_id: int, pk: int, target_pk: int | None) -> HttpResponse:
    program = _program(request, program_id)
    contract = _contract(request, program, pk, Action.CHANGE)
    target = None
    if target_pk is not None:
        target = get_visible_or_404(
            request.user, AttainmentTarget.objects.filter(contract=contract), Action.CHANGE, pk=target_pk
        )
    form = AttainmentTargetForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "contract": contract, "program": program}
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
    return render(
        request,
        "core/record_form.html",
        {
            "program": program,
            "form": form,
            "object": target,
            "model_name": "attainment target",
            "cancel_url": contract.get_absolute_url(),
        },
        status=400 if form.errors else 200,
    )


@login_required
def target_create(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    return _target_form(request, program_id, pk, None)


@login_required
def target_edit(request: HttpRequest, program_id: int, pk: int, target_pk: int) -> HttpResponse:
    return _target_form(request, program_id, pk, target_pk)


@login_required
def policy_structured(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    """The policy's next version from fields (working hours, holidays, targets, pause states and
    parties) instead of YAML; saved through the same service as the YAML page."""
    program = _program(request, program_id)
    contract = _contract(request, program, pk, Action.CHANGE)
    policy = SlaPolicy.objects.filter(contract=contract).first()
    latest = policy.versions.order_by("-effective_from").first() if policy else None
    base = latest.spec if latest else {}
    data = request.POST if request.method == "POST" else None
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
        initial=[{"state": state, "party": parties.get(state, "")} for state in base.get("pause_states", [])],
    )
    if request.method == "POST":
        yaml_text = structured_policy_yaml(form, targets, pauses, base=base)
        if yaml_text is not None:
            cleaned = form.cleaned_data
            try:
                if policy is None:
                    version = services.create_policy(
                        contract=contract,
                        name=cleaned["name"],
                        yaml_text=yaml_text,
                        effective_from=cleaned["effective_from"],
                        note=cleaned["note"],
                        actor=request.user,
                    )
                else:
                    version = services.create_policy_version(
                        policy=policy,
                        yaml_text=yaml_text,
                        effective_from=cleaned["effective_from"],
                        note=cleaned["note"],
                        actor=request.user,
                    )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    f"Policy version {version.number} saved, in force from {version.effective_from:%d %b %Y}.",
                )
                return redirect(contract)
    invalid = request.method == "POST"
    return render(
        request,
        "sla/policy_structured.html",
        {
            "program": program,
            "contract": contract,
            "policy": policy,
            "latest": latest,
            "form": form,
            "targets": targets,
            "pauses": pauses,
        },
        status=400 if invalid else 200,
    )


@login_required
def policy_edit(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    """Define the policy or make its next version (the current text is the starting point)."""
    program = _program(request, program_id)
    contract = _contract(request, program, pk, Action.CHANGE)
    policy = SlaPolicy.objects.filter(contract=contract).first()
    latest = policy.versions.order_by("-effective_from").first() if policy else None
    initial = {"source_text": latest.source_text if latest else "", "effective_from": None}
    form = PolicyVersionForm(
        request.POST or None, request.FILES or None, initial=initial, needs_name=policy is None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if policy is None:
                version = services.create_policy(
                    contract=contract,
                    name=data["name"],
                    yaml_text=data["source_text"],
                    effective_from=data["effective_from"],
                    note=data["note"],
                    actor=request.user,
                )
            else:
                version = services.create_policy_version(
                    policy=policy,
                    yaml_text=data["source_text"],
                    effective_from=data["effective_from"],
                    note=data["note"],
                    actor=request.user,
                )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                f"Policy version {version.number} saved, in force from {version.effective_from:%d %b %Y}.",
            )
            return redirect(contract)
    return render(
        request,
        "sla/policy_form.html",
        {
            "program": program,
            "contract": contract,
            "policy": policy,
            "latest": latest,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def policy_export(request: HttpRequest, program_id: int, pk: int, version_pk: int) -> HttpResponse:
    program = _program(request, program_id)
    contract = _contract(request, program, pk)
    version = get_visible_or_404(
        request.user, SlaPolicyVersion.objects.filter(policy__contract=contract), pk=version_pk
    )
    response = HttpResponse(
        services.export_policy_yaml(version), content_type="application/yaml; charset=utf-8"
    )
    name = f"{slugify(contract.name)}-policy-v{version.number}.yaml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def import_upload(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id, area="tickets")
    contract = _contract(request, program, pk)
    if not can_in_program(request.user, Action.ADD, "tickets", program.pk):
        raise PermissionDenied("Your role may not upload tickets.")
    form = TicketUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
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
    return render(
        request,
        "sla/import_upload.html",
        {"program": program, "contract": contract, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def import_detail(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id, area="tickets")
    ticket_import = get_visible_or_404(
        request.user, TicketImport.objects.filter(program=program).select_related("contract", "actor"), pk=pk
    )
    context = {
        "program": program,
        "ticket_import": ticket_import,
        "contract": ticket_import.contract,
        "ImportStatus": ImportStatus,
        "interrupted": services.INTERRUPTED_MESSAGE
        if ticket_import.status == ImportStatus.RUNNING and services.worker_is_gone(ticket_import.worker)
        else "",
        "changed_tickets": queries.list_import_changes(ticket_import) if ticket_import.is_finished else [],
    }
    return render_page(request, "sla/import_detail.html", context, partial="sla/_import_progress.html")


@login_required
def ticket_history(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    """A ticket's history: each import that created or changed it, by whom, with before and after values."""
    program = _program(request, program_id, area="tickets")
    contract = _contract(request, program, pk)
    external_id = request.GET.get("id", "").strip()
    ticket = None
    changes: list[Any] = []
    if external_id:
        ticket = get_visible_or_404(
            request.user, Ticket.objects.filter(contract=contract), external_id=external_id
        )
        changes = queries.list_ticket_changes(ticket)
    return render(
        request,
        "sla/ticket_history.html",
        {
            "program": program,
            "contract": contract,
            "ticket": ticket,
            "external_id": external_id,
            "changes": changes,
        },
    )


@login_required
@require_POST
def compute(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    """Queue a recompute for the task worker (a million tickets take longer than a request may) and
    show its progress page."""
    program = _program(request, program_id)
    contract = _contract(request, program, pk, Action.CHANGE)
    form = ComputeForm(request.POST, contract=contract)
    if not form.is_valid():
        messages.error(request, "Choose one of the listed versions.")
        return redirect("sla:report", program_id=program.pk, pk=contract.pk)
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


@login_required
def compute_job(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    """A recompute's progress (queued, running, done or failed); htmx polls the progress part."""
    program = _program(request, program_id)
    job = get_visible_or_404(
        request.user,
        ComputeJob.objects.filter(program=program).select_related("contract", "version", "actor"),
        pk=pk,
    )
    report_url = (
        f"{job.contract.get_absolute_url()}report/{f'?version={job.version_id}' if job.version_id else ''}"
    )
    abandoned = (
        services.ABANDONED_RECOVERY_NOTE
        if job.status == ComputeStatus.RUNNING and job.worker and services.worker_is_gone(job.worker)
        else ""
    )
    context = {
        "program": program,
        "job": job,
        "contract": job.contract,
        "report_url": report_url,
        "abandoned": abandoned,
    }
    return render_page(request, "sla/compute_job.html", context, partial="sla/_compute_progress.html")


def _chosen_version(request: HttpRequest, contract: Contract) -> SlaPolicyVersion | None:
    raw = request.GET.get("version", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("No such version.")
    version = SlaPolicyVersion.objects.filter(policy__contract=contract, pk=int(raw)).first()
    if version is None:
        raise Http404("No such version of this contract's policy.")
    return version


@login_required
def report(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id)
    contract = _contract(request, program, pk)
    version = _chosen_version(request, contract)
    sla_report = queries.build_report(contract, version)
    breach_filter = BreachFilterSet(request.GET, queryset=queries.list_breaches(contract, version))
    breaches = Paginator(
        breach_filter.qs if breach_filter.is_valid() else queries.list_breaches(contract, version).none(),
        BREACHES_PER_PAGE,
    ).get_page(request.GET.get("page"))
    breach_lines = queries.breach_lines(breaches, clock=breach_filter.form.cleaned_data.get("clock") or "")
    at_risk = list(queries.list_at_risk(contract, version)[:50])
    versions = list(SlaPolicyVersion.objects.filter(policy__contract=contract).order_by("effective_from"))
    can_compute = can(request.user, Action.CHANGE, contract)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sla/report.html",
        {
            "program": program,
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
            "can_dispute": can_in_program(request.user, Action.ADD, "sla_disputes", program.pk),
            "reopenable": periods.list_periods(contract) if can_compute else {},
            "at_risk": at_risk,
            "trend": sla_report.trend(),
            "query": query.urlencode(),
            "compute_form": ComputeForm(contract=contract, initial={"version": version})
            if can_compute
            else None,
            "party_labels": dict(Party.choices),
        },
    )


@login_required
def report_export(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    """The report (attainment and credits) or every result, as CSV or XLSX."""
    program = _program(request, program_id)
    contract = _contract(request, program, pk)
    version = _chosen_version(request, contract)
    table = request.GET.get("table", "report")
    file_format = request.GET.get("format", "csv")
    if table not in ("report", "results") or file_format not in ("csv", "xlsx"):
        return HttpResponse(
            "Choose table=report|results and format=csv|xlsx.", status=400, content_type="text/plain"
        )
    if table == "report":
        headers, rows = exports.REPORT_HEADERS, exports.report_rows(queries.build_report(contract, version))
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


def _report_url(contract: Contract) -> str:
    return f"{contract.get_absolute_url()}report/"


@login_required
@require_POST
def period_issue(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    """Issue a period's report: the period closes and keeps the figures shown now."""
    program = _program(request, program_id)
    contract = _contract(request, program, pk, Action.CHANGE)
    form = PeriodIssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the period to issue.")
        return redirect(_report_url(contract))
    try:
        period = periods.issue_period_report(
            contract=contract, start=form.cleaned_data["start"], actor=request.user, now=timezone.now()
        )
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(
            request,
            f"Report of {period_label(period.start, contract.reporting_frequency)} issued: its figures are kept.",
        )
    return redirect(_report_url(contract))


@login_required
def period_reopen(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    """Reopen an issued period after seeing its issued figures beside the live ones."""
    program = _program(request, program_id)
    period = get_visible_or_404(
        request.user,
        SlaPeriod.objects.filter(program=program).select_related("contract", "issued_by"),
        Action.CHANGE,
        pk=pk,
    )
    contract = period.contract
    form = PeriodReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            periods.reopen_period(period=period, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Period reopened: the live results apply to it again.")
            return redirect(_report_url(contract))
    comparison = periods.compare_period(period) if period.is_closed else None
    return render(
        request,
        "sla/period_reopen.html",
        {
            "program": program,
            "contract": contract,
            "period": period,
            "label": period_label(period.start, contract.reporting_frequency),
            "comparison": comparison,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def _dispute(request: HttpRequest, program: Any, pk: int) -> SlaDispute:
    return get_visible_or_404(
        request.user,
        SlaDispute.objects.filter(program=program).select_related(
            "contract", "ticket", "raised_by", "answered_by", "settled_by"
        ),
        pk=pk,
    )


@login_required
def dispute_list(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    """A contract's disputes and the disagreements not yet disputed."""
    program = _program(request, program_id, area="sla_disputes")
    contract = _contract(request, program, pk)
    filterset = SlaDisputeFilterSet(
        request.GET or None, queryset=queries.list_disputes(contract, user=request.user)
    )
    return render(
        request,
        "sla/dispute_list.html",
        {
            "program": program,
            "contract": contract,
            "filter": filterset,
            "disputes": filterset.qs if filterset.is_bound else filterset.queryset,
            "can_raise": can_in_program(request.user, Action.ADD, "sla_disputes", program.pk),
        },
        status=400 if filterset.is_bound and filterset.errors else 200,
    )


@login_required
def dispute_raise(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id, area="sla_disputes")
    contract = _contract(request, program, pk)
    if not can_in_program(request.user, Action.ADD, "sla_disputes", program.pk):
        raise PermissionDenied("Your role may not raise SLA disputes.")
    form = DisputeRaiseForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
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
    return render(
        request,
        "sla/dispute_form.html",
        {"program": program, "contract": contract, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def dispute_detail(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id, area="sla_disputes")
    dispute = _dispute(request, program, pk)
    open_moves = disputes.MOVES[dispute.status]
    may_answer = (
        DisputeStatus.ANSWERED in open_moves
        and can(request.user, "answer", dispute)
        and disputes.side_of(request.user, program.pk) != dispute.raised_side
    )
    return render(
        request,
        "sla/dispute_detail.html",
        {
            "program": program,
            "contract": dispute.contract,
            "dispute": dispute,
            "answer_form": DisputeAnswerForm() if may_answer else None,
            "settle_form": DisputeSettleForm()
            if DisputeStatus.SETTLED in open_moves and can(request.user, "settle", dispute)
            else None,
        },
    )


def _dispute_move(request: HttpRequest, program_id: int, pk: int, move: str) -> HttpResponse:
    program = _program(request, program_id, area="sla_disputes")
    dispute = _dispute(request, program, pk)
    if not can(request.user, move, dispute):
        raise PermissionDenied(f"Your role may not {move} SLA disputes.")
    form: Any = DisputeAnswerForm(request.POST) if move == "answer" else DisputeSettleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(dispute)
    try:
        if move == "answer":
            disputes.answer_dispute(
                dispute=dispute, answer=form.cleaned_data["answer"], actor=request.user, now=timezone.now()
            )
        else:
            disputes.settle_dispute(
                dispute=dispute,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                actor=request.user,
                now=timezone.now(),
            )
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(request, "Dispute answered." if move == "answer" else "Dispute settled.")
    return redirect(dispute)


@login_required
@require_POST
def dispute_answer(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    return _dispute_move(request, program_id, pk, "answer")


@login_required
@require_POST
def dispute_settle(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    return _dispute_move(request, program_id, pk, "settle")
