"""Alignment pages: stakeholder groups and their grid, readiness, the plus-sum ledger, the strategy versions
with comments and endorsements, commitments, and the alignment index. Thin adapters over services."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accord.alignment import engine, filters, forms, queries, services
from accord.alignment.models import (
    AlignmentWeights,
    Commitment,
    Endorsement,
    Impact,
    ReadinessAssessment,
    StakeholderGroup,
    StrategyComment,
    StrategyVersion,
)
from accord.core import services as core_services
from accord.core.permissions import Action, Visibility, audience_in, can, can_in_program
from accord.core.views import ProgramRecordFormView, get_program_or_404, get_visible_or_404, render_page
from accord.programs.models import Program


def _program(request: HttpRequest, program_id: int, area: str = "alignment") -> Program:
    program = get_program_or_404(request.user, program_id)
    request.program = program
    if not can_in_program(request.user, Action.VIEW, area, program.pk):
        raise Http404("This part of the program is not shared with you.")
    return program


def _error_text(error: ValidationError) -> str:
    return "; ".join(error.messages)


# --- Stakeholder groups ------------------------------------------------------------------------------------


@login_required
def group_list(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    groups = list(queries.list_groups(program=program, user=request.user))
    latest = queries.latest_assessments([g.pk for g in groups])
    rows = [{"group": g, "readiness": latest.get(g.pk)} for g in groups]
    return render(
        request,
        "alignment/group_list.html",
        {
            "program": program,
            "rows": rows,
            "can_add": can_in_program(request.user, Action.ADD, "alignment", program.pk),
        },
    )


@login_required
def group_grid(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    groups = list(queries.list_groups(program=program, user=request.user))
    return render(
        request,
        "alignment/group_grid.html",
        {
            "program": program,
            "quadrants": queries.grid(groups),
            "groups": groups,
            "high_from": engine.HIGH_FROM,
        },
    )


@login_required
def group_detail(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id)
    group = get_visible_or_404(
        request.user,
        StakeholderGroup.objects.filter(program=program)
        .select_related("lead", "organisation")
        .prefetch_related("members"),
        pk=pk,
    )
    today = timezone.localdate()
    trend = queries.readiness_trend(group)
    latest = trend[-1] if trend else None
    commitments = Commitment.objects.visible_to(request.user).filter(group=group)
    attention = queries.commitments_needing_attention(commitments, today)
    impacts = list(Impact.objects.visible_to(request.user).filter(group=group).select_related("initiative"))
    result = queries.compute_alignment(
        program=program, today=today, audience=audience_in(request.user, program.pk), groups=[group]
    )
    score = result.groups[0][1] if result.groups else None
    return render(
        request,
        "alignment/group_detail.html",
        {
            "program": program,
            "group": group,
            "trend": trend,
            "latest": latest,
            "adkar": [(e, getattr(latest, e)) for e in engine.ADKAR] if latest else [],
            "attention": attention,
            "commitments": commitments.select_related("group", "owner").order_by("due_date"),
            "impacts": impacts,
            "decisions": group.decisions.visible_to(request.user).order_by("-decided_on", "-pk"),
            "net": sum(i.score for i in impacts),
            "score": score,
            "can_edit": can(request.user, Action.CHANGE, group),
            "can_assess": can_in_program(request.user, Action.ADD, "alignment", program.pk),
            "can_commit": can_in_program(request.user, Action.ADD, "commitments", program.pk),
        },
    )


class GroupFormView(ProgramRecordFormView):
    area = "alignment"
    model = StakeholderGroup
    form_class = forms.StakeholderGroupForm
    success_url_name = "alignment:group_list"


@login_required
def readiness_create(request: HttpRequest, program_id: int, group_pk: int) -> HttpResponse:
    program = _program(request, program_id)
    group = get_visible_or_404(request.user, StakeholderGroup.objects.filter(program=program), pk=group_pk)
    if not can_in_program(request.user, Action.ADD, "alignment", program.pk):
        raise PermissionDenied("Your role may not record readiness assessments.")
    assessment = ReadinessAssessment(group=group, assessed_by=request.user)
    form = forms.ReadinessForm(
        request.POST or None,
        instance=assessment,
        program=program,
        user=request.user,
        initial={"assessed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "program": program, "group": group, "assessed_by": request.user}
        try:
            core_services.create_record(model=ReadinessAssessment, actor=request.user, data=data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Readiness of {group} recorded.")
            return redirect(group.get_absolute_url())
    return render(
        request,
        "core/record_form.html",
        {
            "program": program,
            "form": form,
            "model_name": f"readiness assessment of {group}",
            "cancel_url": group.get_absolute_url(),
        },
        status=400 if form.errors else 200,
    )


# --- Impacts and the ledger ----------------------------------------------------------------------------


class ImpactFormView(ProgramRecordFormView):
    area = "alignment"
    model = Impact
    form_class = forms.ImpactForm
    success_url_name = "alignment:ledger"


@login_required
def ledger(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    view = queries.build_ledger(program=program, user=request.user)
    return render(
        request,
        "alignment/ledger.html",
        {
            "program": program,
            "ledger": view,
            "nets": [view.nets[g.pk] for g in view.groups],
            "can_add": can_in_program(request.user, Action.ADD, "alignment", program.pk),
        },
    )


# --- Strategy versions -------------------------------------------------------------------------------------


@login_required
def version_list(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    versions = list(queries.list_versions(program=program, user=request.user))
    for version in versions:
        version.counts = Counter(e.status for e in version.endorsements.all())
    return render(
        request,
        "alignment/version_list.html",
        {
            "program": program,
            "versions": versions,
            "can_draft": can_in_program(request.user, Action.ADD, "alignment", program.pk)
            and not any(not v.is_published for v in versions),
        },
    )


@login_required
def version_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    if not can_in_program(request.user, Action.ADD, "alignment", program.pk):
        raise PermissionDenied("Your role may not draft strategy versions.")
    form = forms.StrategyDraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.create_strategy_draft(
                program=program, summary=form.cleaned_data["summary"], actor=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Draft v{version.number} opened; everyone can now comment on it.")
            return redirect(version.get_absolute_url())
    return render(
        request,
        "core/record_form.html",
        {
            "program": program,
            "form": form,
            "model_name": "strategy draft",
            "cancel_url": reverse("alignment:version_list", kwargs={"program_id": program.pk}),
        },
        status=400 if form.errors else 200,
    )


class VersionEditView(ProgramRecordFormView):
    area = "alignment"
    model = StrategyVersion
    form_class = forms.StrategyDraftForm
    success_url_name = "alignment:version_list"

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_object(self) -> Any:
        version = super().get_object()
        if version is not None and version.is_published:
            raise PermissionDenied("A published version is frozen; open a new draft instead.")
        return version


def _element_titles(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    sections = []
    for section, label in queries.SECTION_LABELS.items():
        elements = [{"key": key, **values} for key, values in snapshot.get(section, {}).items()]
        sections.append({"section": label, "elements": elements})
    return sections


@login_required
def version_detail(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id)
    version = get_visible_or_404(
        request.user, StrategyVersion.objects.filter(program=program).select_related("published_by"), pk=pk
    )
    snapshot = version.snapshot if version.is_published else queries.build_strategy_snapshot(program)
    snapshot = queries.filter_snapshot_for(snapshot, request.user, program.pk)
    comments = list(
        StrategyComment.objects.visible_to(request.user)
        .filter(version=version)
        .select_related("author")
        .prefetch_related("mentions")
    )
    by_element: dict[str, list[StrategyComment]] = {}
    for comment in comments:
        by_element.setdefault(comment.element, []).append(comment)
    sections = _element_titles(snapshot)
    for section in sections:
        for element in section["elements"]:
            element["comments"] = by_element.get(element["key"], [])
    endorsements = list(
        Endorsement.objects.visible_to(request.user)
        .filter(version=version)
        .select_related("group", "group__lead", "decided_by")
    )
    previous = (
        queries.previous_published(version) if version.is_published else queries.current_version(program)
    )
    diff = None
    if previous is not None and previous.pk != version.pk:
        previous_snapshot = queries.filter_snapshot_for(previous.snapshot, request.user, program.pk)
        diff = queries.diff_versions(previous, version, previous_snapshot, snapshot)
    current = queries.current_version(program)
    can_answer = {e.pk for e in endorsements if e.is_current and can(request.user, Action.CHANGE, e)}
    return render(
        request,
        "alignment/version_detail.html",
        {
            "program": program,
            "version": version,
            "sections": sections,
            "summary_comments": by_element.get("summary", []),
            "endorsements": endorsements,
            "answerable": can_answer,
            "objections": [e for e in endorsements if e.status == "objected"],
            "previous": previous if diff is not None else None,
            "diff": diff,
            "is_current": current is not None and current.pk == version.pk,
            "can_publish": not version.is_published
            and can_in_program(request.user, "publish", "alignment", program.pk),
            "can_edit": not version.is_published and can(request.user, Action.CHANGE, version),
            "can_comment": can_in_program(request.user, "comment", "alignment", program.pk),
            "comment_form": forms.CommentForm(),
            "endorsement_form": forms.EndorsementForm(),
            "is_partner": audience_in(request.user, program.pk) == Visibility.SHARED,
        },
    )


@login_required
@require_POST
def version_publish(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id)
    version = get_visible_or_404(request.user, StrategyVersion.objects.filter(program=program), pk=pk)
    if not can_in_program(request.user, "publish", "alignment", program.pk):
        raise PermissionDenied("Only the program manager publishes strategy versions.")
    try:
        services.publish_strategy_version(version=version, actor=request.user, now=timezone.now())
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, f"Strategy v{version.number} published; every group lead is asked to endorse it."
        )
    return redirect(version.get_absolute_url())


@login_required
@require_POST
def comment_create(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id)
    version = get_visible_or_404(request.user, StrategyVersion.objects.filter(program=program), pk=pk)
    if not can_in_program(request.user, "comment", "alignment", program.pk):
        raise PermissionDenied("Your role may not comment on the strategy.")
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_comment(
                version=version,
                element=form.cleaned_data["element"],
                body=form.cleaned_data["body"],
                actor=request.user,
                visibility="shared" if form.cleaned_data["shared"] else "internal",
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, "Comment added.")
    else:
        messages.error(request, "Write a comment first.")
    return redirect(version.get_absolute_url())


@login_required
@require_POST
def endorsement_decide(request: HttpRequest, program_id: int, pk: int, group_pk: int) -> HttpResponse:
    program = _program(request, program_id, area="endorsements")
    version = get_visible_or_404(request.user, StrategyVersion.objects.filter(program=program), pk=pk)
    endorsement = get_visible_or_404(
        request.user,
        Endorsement.objects.filter(version=version).select_related("group"),
        Action.CHANGE,
        group_id=group_pk,
    )
    form = forms.EndorsementForm(request.POST)
    if form.is_valid():
        try:
            services.decide_endorsement(
                version=version,
                group=endorsement.group,
                actor=request.user,
                now=timezone.now(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, f"Answer recorded for {endorsement.group}.")
    else:
        messages.error(request, "Choose endorse, endorse with conditions or object.")
    return redirect(version.get_absolute_url())


# --- Commitments -------------------------------------------------------------------------------------------


@login_required
def commitment_list(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id, area="commitments")
    today = timezone.localdate()
    commitments = Commitment.objects.visible_to(request.user).filter(program=program)
    # The API's FilterSet, so `?status=` (and `?group=`, `?owner=`) mean the same on the page.
    listed = filters.CommitmentFilterSet(request.GET, queryset=commitments, request=request).qs
    status = request.GET.get("status", "")
    return render_page(
        request,
        "alignment/commitment_list.html",
        {
            "program": program,
            "attention": queries.commitments_needing_attention(commitments, today),
            "commitments": listed.select_related("group", "owner").order_by("due_date", "pk"),
            "status": status,
            "statuses": Commitment._meta.get_field("status").choices,
            "today": today,
            "can_add": can_in_program(request.user, Action.ADD, "commitments", program.pk),
        },
    )


@login_required
def commitment_detail(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id, area="commitments")
    commitment = get_visible_or_404(
        request.user,
        Commitment.objects.filter(program=program).select_related(
            "group",
            "owner",
            "benefit",
            "initiative",
            "origin_action__agenda_item__meeting",
            "origin_decision",
        ),
        pk=pk,
    )
    return render(
        request,
        "alignment/commitment_detail.html",
        {
            "program": program,
            "commitment": commitment,
            "notes": commitment.notes.select_related("author"),
            "can_change": can(request.user, Action.CHANGE, commitment),
            "status_form": forms.CommitmentStatusForm(
                initial={"status": commitment.status, "dropped_reason": commitment.dropped_reason}
            ),
            "note_form": forms.ProgressNoteForm(),
            "overdue": commitment.is_open and commitment.due_date < timezone.localdate(),
        },
    )


class CommitmentFormView(ProgramRecordFormView):
    area = "commitments"
    model = Commitment
    form_class = forms.CommitmentForm
    success_url_name = "alignment:commitment_list"


@login_required
@require_POST
def commitment_status(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id, area="commitments")
    commitment = get_visible_or_404(
        request.user, Commitment.objects.filter(program=program), Action.CHANGE, pk=pk
    )
    form = forms.CommitmentStatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_commitment_status(
                commitment=commitment, actor=request.user, today=timezone.localdate(), **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, f"Commitment is now {commitment.get_status_display().lower()}.")
    else:
        messages.error(request, "Choose a status.")
    return redirect(commitment.get_absolute_url())


@login_required
@require_POST
def commitment_note(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = _program(request, program_id, area="commitments")
    commitment = get_visible_or_404(
        request.user, Commitment.objects.filter(program=program), Action.CHANGE, pk=pk
    )
    form = forms.ProgressNoteForm(request.POST)
    if form.is_valid():
        services.add_progress_note(
            commitment=commitment,
            text=form.cleaned_data["text"],
            actor=request.user,
            noted_on=timezone.localdate(),
        )
        messages.success(request, "Progress note added.")
    else:
        messages.error(request, "Write the note first.")
    return redirect(commitment.get_absolute_url())


# --- The alignment index ------------------------------------------------------------------------------------


@login_required
def alignment_index(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    today = timezone.localdate()
    groups = list(queries.list_groups(program=program, user=request.user))
    result = queries.compute_alignment(
        program=program, today=today, audience=audience_in(request.user, program.pk), groups=groups
    )
    history = queries.alignment_history(
        program=program, user=request.user, since=today - dt.timedelta(days=90)
    )
    dates = sorted({s.taken_on for snaps in history.values() for s in snaps})
    series = []
    for group, _score, _inputs in result.groups:
        by_day = {s.taken_on: s.score for s in history.get(group.pk, [])}
        series.append({"label": group.name, "values": [by_day.get(d) for d in dates]})
    program_by_day = {s.taken_on: s.score for s in history.get(None, [])}
    trend = {
        "dates": [d.isoformat() for d in dates],
        "series": [{"label": "Program", "values": [program_by_day.get(d) for d in dates]}, *series],
    }
    return render(
        request,
        "alignment/index.html",
        {
            "program": program,
            "result": result,
            "trend": trend,
            "trend_rows": [
                {"date": d, "values": [program_by_day.get(d)] + [s["values"][i] for s in series]}
                for i, d in enumerate(dates)
            ][-14:],
            "trend_labels": ["Program"] + [s["label"] for s in series],
            "can_weigh": can_in_program(request.user, "weights", "alignment", program.pk),
        },
    )


@login_required
def weights_edit(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    if not can_in_program(request.user, "weights", "alignment", program.pk):
        raise PermissionDenied("Only the program manager sets the alignment weights.")
    instance = AlignmentWeights.objects.filter(program=program).first() or AlignmentWeights(program=program)
    form = forms.WeightsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_alignment_weights(program=program, weights=form.cleaned_data, actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Alignment weights saved.")
            return redirect("alignment:index", program_id=program.pk)
    return render(
        request,
        "core/record_form.html",
        {
            "program": program,
            "form": form,
            "object": instance if instance.pk else None,
            "model_name": "alignment weights",
            "cancel_url": reverse("alignment:index", kwargs={"program_id": program.pk}),
        },
        status=400 if form.errors else 200,
    )
