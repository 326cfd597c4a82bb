"""SLA pages: contracts, targets, policy versions, ticket uploads with progress, the report and its exports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accord.core import services as core_services
from accord.core.permissions import Action, can, can_in_program
from accord.core.views import ProgramRecordFormView, get_program_or_404, get_visible_or_404, render_page
from accord.sla import exports, queries, services
from accord.sla.choices import ComputeStatus, ImportStatus, Party
from accord.sla.forms import (
    AttainmentTargetForm,
    ComputeForm,
    ContractForm,
    PolicyVersionForm,
    TicketUploadForm,
)
from accord.sla.models import (
    AttainmentTarget,
    ComputeJob,
    Contract,
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
    breaches = Paginator(queries.list_breaches(contract, version), BREACHES_PER_PAGE).get_page(
        request.GET.get("page")
    )
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
        results = (
            queries.results_for(contract, version)
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
