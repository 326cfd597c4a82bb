"""Alignment pages: stakeholder groups and their grid, readiness, the plus-sum ledger, the strategy versions
with comments and endorsements, commitments, and the alignment index. Thin adapters over services."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

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
from accord.core.views import (
    FilteredListMixin,
    ProgramRecordFormView,
    ProgramViewMixin,
    get_visible_or_404,
    require_program_permission,
)


def _error_text(error: ValidationError) -> str:
    return "; ".join(error.messages)


class AlignmentPage(ProgramViewMixin, TemplateView):
    area = "alignment"


class CommitmentsPage(ProgramViewMixin, TemplateView):
    area = "commitments"


def _record_form(
    request: HttpRequest, program: Any, form: Any, model_name: str, cancel_url: str, **extra: Any
) -> HttpResponse:
    """The shared record form page; 400 when the form carries errors, so a refused submission says so."""
    context = {"program": program, "form": form, "model_name": model_name, "cancel_url": cancel_url, **extra}
    return render(request, "core/record_form.html", context, status=400 if form.errors else 200)


# --- Stakeholder groups ------------------------------------------------------------------------------------


class GroupListView(AlignmentPage):
    template_name = "alignment/group_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        groups = list(queries.list_groups(program=self.program, user=self.request.user))
        latest = queries.latest_assessments([g.pk for g in groups])
        context.update(
            rows=[{"group": g, "readiness": latest.get(g.pk)} for g in groups],
            can_add=can_in_program(self.request.user, Action.ADD, "alignment", self.program.pk),
        )
        return context


class GroupGridView(AlignmentPage):
    template_name = "alignment/group_grid.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        groups = list(queries.list_groups(program=self.program, user=self.request.user))
        context.update(quadrants=queries.grid(groups), groups=groups, high_from=engine.HIGH_FROM)
        return context


class GroupDetailView(AlignmentPage):
    template_name = "alignment/group_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, program = self.request.user, self.program
        group = get_visible_or_404(
            user,
            StakeholderGroup.objects.filter(program=program)
            .select_related("lead", "organisation")
            .prefetch_related("members"),
            pk=self.kwargs["pk"],
        )
        today = timezone.localdate()
        trend = queries.readiness_trend(group)
        latest = trend[-1] if trend else None
        commitments = Commitment.objects.visible_to(user).filter(group=group)
        impacts = list(Impact.objects.visible_to(user).filter(group=group).select_related("initiative"))
        result = queries.compute_alignment(
            program=program, today=today, audience=audience_in(user, program.pk), groups=[group]
        )
        context.update(
            group=group,
            trend=trend,
            latest=latest,
            adkar=[(e, getattr(latest, e)) for e in engine.ADKAR] if latest else [],
            attention=queries.commitments_needing_attention(commitments, today),
            commitments=commitments.select_related("group", "owner").order_by("due_date"),
            impacts=impacts,
            decisions=group.decisions.visible_to(user).order_by("-decided_on", "-pk"),
            net=sum(i.score for i in impacts),
            score=result.groups[0][1] if result.groups else None,
            can_edit=can(user, Action.CHANGE, group),
            can_assess=can_in_program(user, Action.ADD, "alignment", program.pk),
            can_commit=can_in_program(user, Action.ADD, "commitments", program.pk),
        )
        return context


class GroupFormView(ProgramRecordFormView):
    area = "alignment"
    model = StakeholderGroup
    form_class = forms.StakeholderGroupForm
    success_url_name = "alignment:group_list"


class ReadinessCreateView(ProgramViewMixin, View):
    area = "alignment"

    def form(self, data: Any = None) -> forms.ReadinessForm:
        # The group first (404 when it is not shared with the person), then the right to assess (403).
        self.group = get_visible_or_404(
            self.request.user,
            StakeholderGroup.objects.filter(program=self.program),
            pk=self.kwargs["group_pk"],
        )
        require_program_permission(self.request.user, self.program, Action.ADD, "alignment")
        return forms.ReadinessForm(
            data,
            instance=ReadinessAssessment(group=self.group, assessed_by=self.request.user),
            program=self.program,
            user=self.request.user,
            initial={"assessed_on": timezone.localdate()},
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render_form(self.form())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            data = {
                **form.cleaned_data,
                "program": self.program,
                "group": self.group,
                "assessed_by": request.user,
            }
            try:
                core_services.create_record(model=ReadinessAssessment, actor=request.user, data=data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Readiness of {self.group} recorded.")
                return redirect(self.group.get_absolute_url())
        return self.render_form(form)

    def render_form(self, form: forms.ReadinessForm) -> HttpResponse:
        return _record_form(
            self.request,
            self.program,
            form,
            f"readiness assessment of {self.group}",
            self.group.get_absolute_url(),
        )


# --- Impacts and the ledger ----------------------------------------------------------------------------


class ImpactFormView(ProgramRecordFormView):
    area = "alignment"
    model = Impact
    form_class = forms.ImpactForm
    success_url_name = "alignment:ledger"


class LedgerView(AlignmentPage):
    template_name = "alignment/ledger.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ledger = queries.build_ledger(program=self.program, user=self.request.user)
        context.update(
            ledger=ledger,
            nets=[ledger.nets[g.pk] for g in ledger.groups],
            can_add=can_in_program(self.request.user, Action.ADD, "alignment", self.program.pk),
        )
        return context


# --- Strategy versions -------------------------------------------------------------------------------------


class VersionListView(AlignmentPage):
    template_name = "alignment/version_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        versions = list(queries.list_versions(program=self.program, user=self.request.user))
        for version in versions:
            version.counts = Counter(e.status for e in version.endorsements.all())
        context.update(
            versions=versions,
            can_draft=can_in_program(self.request.user, Action.ADD, "alignment", self.program.pk)
            and not any(not v.is_published for v in versions),
        )
        return context


class VersionCreateView(ProgramViewMixin, View):
    area = "alignment"
    action = Action.ADD

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render_form(forms.StrategyDraftForm())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = forms.StrategyDraftForm(request.POST)
        if form.is_valid():
            try:
                version = services.create_strategy_draft(
                    program=self.program, summary=form.cleaned_data["summary"], actor=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Draft v{version.number} opened; everyone can now comment on it.")
                return redirect(version.get_absolute_url())
        return self.render_form(form)

    def render_form(self, form: forms.StrategyDraftForm) -> HttpResponse:
        cancel_url = reverse("alignment:version_list", kwargs={"program_id": self.program.pk})
        return _record_form(self.request, self.program, form, "strategy draft", cancel_url)


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


class VersionDetailView(AlignmentPage):
    template_name = "alignment/version_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, program = self.request.user, self.program
        version = get_visible_or_404(
            user,
            StrategyVersion.objects.filter(program=program).select_related("published_by"),
            pk=self.kwargs["pk"],
        )
        snapshot = version.snapshot if version.is_published else queries.build_strategy_snapshot(program)
        snapshot = queries.filter_snapshot_for(snapshot, user, program.pk)
        comments = list(
            StrategyComment.objects.visible_to(user)
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
            Endorsement.objects.visible_to(user)
            .filter(version=version)
            .select_related("group", "group__lead", "decided_by")
        )
        previous = (
            queries.previous_published(version) if version.is_published else queries.current_version(program)
        )
        diff = None
        if previous is not None and previous.pk != version.pk:
            previous_snapshot = queries.filter_snapshot_for(previous.snapshot, user, program.pk)
            diff = queries.diff_versions(previous, version, previous_snapshot, snapshot)
        current = queries.current_version(program)
        context.update(
            version=version,
            sections=sections,
            summary_comments=by_element.get("summary", []),
            endorsements=endorsements,
            answerable={e.pk for e in endorsements if e.is_current and can(user, Action.CHANGE, e)},
            objections=[e for e in endorsements if e.status == "objected"],
            previous=previous if diff is not None else None,
            diff=diff,
            is_current=current is not None and current.pk == version.pk,
            can_publish=not version.is_published and can_in_program(user, "publish", "alignment", program.pk),
            can_edit=not version.is_published and can(user, Action.CHANGE, version),
            can_comment=can_in_program(user, "comment", "alignment", program.pk),
            comment_form=forms.CommentForm(),
            endorsement_form=forms.EndorsementForm(),
            is_partner=audience_in(user, program.pk) == Visibility.SHARED,
        )
        return context


class VersionActionView(ProgramViewMixin, View):
    """A POST on one strategy version: the version first (404 when it is not shared with the person), then
    the right this action needs (403), then the service; the answer is the version's page with a message."""

    area = "alignment"
    needs: str = ""

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        version = get_visible_or_404(
            request.user, StrategyVersion.objects.filter(program=self.program), pk=pk
        )
        if self.needs:
            require_program_permission(request.user, self.program, self.needs, self.area)
        self.act(version)
        return redirect(version.get_absolute_url())

    def act(self, version: StrategyVersion) -> None:
        raise NotImplementedError


class VersionPublishView(VersionActionView):
    needs = "publish"

    def act(self, version: StrategyVersion) -> None:
        try:
            services.publish_strategy_version(version=version, actor=self.request.user, now=timezone.now())
        except ValidationError as error:
            messages.error(self.request, _error_text(error))
        else:
            messages.success(
                self.request,
                f"Strategy v{version.number} published; every group lead is asked to endorse it.",
            )


class CommentCreateView(VersionActionView):
    needs = "comment"

    def act(self, version: StrategyVersion) -> None:
        form = forms.CommentForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, "Write a comment first.")
            return
        try:
            services.add_comment(
                version=version,
                element=form.cleaned_data["element"],
                body=form.cleaned_data["body"],
                actor=self.request.user,
                visibility="shared" if form.cleaned_data["shared"] else "internal",
            )
        except ValidationError as error:
            messages.error(self.request, _error_text(error))
        else:
            messages.success(self.request, "Comment added.")


class EndorsementDecideView(VersionActionView):
    # The endorsement's own row rule (its group's lead) is the check, through get_visible_or_404.
    area = "endorsements"

    def act(self, version: StrategyVersion) -> None:
        endorsement = get_visible_or_404(
            self.request.user,
            Endorsement.objects.filter(version=version).select_related("group"),
            Action.CHANGE,
            group_id=self.kwargs["group_pk"],
        )
        form = forms.EndorsementForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, "Choose endorse, endorse with conditions or object.")
            return
        try:
            services.decide_endorsement(
                version=version,
                group=endorsement.group,
                actor=self.request.user,
                now=timezone.now(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            messages.error(self.request, _error_text(error))
        else:
            messages.success(self.request, f"Answer recorded for {endorsement.group}.")


# --- Commitments -------------------------------------------------------------------------------------------


class CommitmentListView(FilteredListMixin, CommitmentsPage):
    template_name = "alignment/commitment_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        commitments = Commitment.objects.visible_to(self.request.user).filter(program=self.program)
        # The API's FilterSet, so `?status=` (and `?group=`, `?owner=`) mean the same on the page.
        filterset = filters.CommitmentFilterSet(self.request.GET, queryset=commitments, request=self.request)
        listed = self.filtered(filterset)
        context.update(
            attention=queries.commitments_needing_attention(commitments, today),
            filter=filterset,
            commitments=listed.select_related("group", "owner").order_by("due_date", "pk"),
            status=self.request.GET.get("status", ""),
            statuses=Commitment._meta.get_field("status").choices,
            today=today,
            can_add=can_in_program(self.request.user, Action.ADD, "commitments", self.program.pk),
        )
        return context


class CommitmentDetailView(CommitmentsPage):
    template_name = "alignment/commitment_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        commitment = get_visible_or_404(
            self.request.user,
            Commitment.objects.filter(program=self.program).select_related(
                "group",
                "owner",
                "benefit",
                "initiative",
                "origin_action__agenda_item__meeting",
                "origin_decision",
            ),
            pk=self.kwargs["pk"],
        )
        context.update(
            commitment=commitment,
            notes=commitment.notes.select_related("author"),
            can_change=can(self.request.user, Action.CHANGE, commitment),
            status_form=forms.CommitmentStatusForm(
                initial={"status": commitment.status, "dropped_reason": commitment.dropped_reason}
            ),
            note_form=forms.ProgressNoteForm(),
            overdue=commitment.is_open and commitment.due_date < timezone.localdate(),
        )
        return context


class CommitmentFormView(ProgramRecordFormView):
    area = "commitments"
    model = Commitment
    form_class = forms.CommitmentForm
    success_url_name = "alignment:commitment_list"

    def create_object(self, data: dict[str, Any]) -> Commitment:
        return services.create_commitment(data=data, actor=self.request.user, today=timezone.localdate())

    def update_object(self, obj: Any, data: dict[str, Any]) -> Commitment:
        # The API's PATCH service: the commitment locked and a move checked again under the lock.
        return services.update_commitment(
            commitment=obj, data=data, actor=self.request.user, today=timezone.localdate()
        )


class CommitmentActionView(ProgramViewMixin, View):
    """A POST on one commitment: 404 when it is not shared with the person, 403 when they may see but not
    change it (its group's lead, the program manager, or the partner whose group it is)."""

    area = "commitments"

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        commitment = get_visible_or_404(
            request.user, Commitment.objects.filter(program=self.program), Action.CHANGE, pk=pk
        )
        self.act(commitment)
        return redirect(commitment.get_absolute_url())

    def act(self, commitment: Commitment) -> None:
        raise NotImplementedError


class CommitmentStatusView(CommitmentActionView):
    def act(self, commitment: Commitment) -> None:
        form = forms.CommitmentStatusForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, "Choose a status.")
            return
        try:
            services.change_commitment_status(
                commitment=commitment,
                actor=self.request.user,
                today=timezone.localdate(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            messages.error(self.request, _error_text(error))
        else:
            messages.success(self.request, f"Commitment is now {commitment.get_status_display().lower()}.")


class CommitmentNoteView(CommitmentActionView):
    def act(self, commitment: Commitment) -> None:
        form = forms.ProgressNoteForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, "Write the note first.")
            return
        services.add_progress_note(
            commitment=commitment,
            text=form.cleaned_data["text"],
            actor=self.request.user,
            noted_on=timezone.localdate(),
        )
        messages.success(self.request, "Progress note added.")


# --- The alignment index ------------------------------------------------------------------------------------


class AlignmentIndexView(AlignmentPage):
    template_name = "alignment/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, program = self.request.user, self.program
        today = timezone.localdate()
        groups = list(queries.list_groups(program=program, user=user))
        result = queries.compute_alignment(
            program=program, today=today, audience=audience_in(user, program.pk), groups=groups
        )
        history = queries.alignment_history(program=program, user=user, since=today - dt.timedelta(days=90))
        dates = sorted({s.taken_on for snaps in history.values() for s in snaps})
        series = []
        for group, _score, _inputs in result.groups:
            by_day = {s.taken_on: s.score for s in history.get(group.pk, [])}
            series.append({"label": group.name, "values": [by_day.get(d) for d in dates]})
        program_by_day = {s.taken_on: s.score for s in history.get(None, [])}
        context.update(
            result=result,
            trend={
                "dates": [d.isoformat() for d in dates],
                "series": [{"label": "Program", "values": [program_by_day.get(d) for d in dates]}, *series],
            },
            trend_rows=[
                {"date": d, "values": [program_by_day.get(d)] + [s["values"][i] for s in series]}
                for i, d in enumerate(dates)
            ][-14:],
            trend_labels=["Program"] + [s["label"] for s in series],
            can_weigh=can_in_program(user, "weights", "alignment", program.pk),
        )
        return context


class WeightsEditView(ProgramViewMixin, View):
    area = "alignment"
    action = "weights"

    def get_instance(self) -> AlignmentWeights:
        return AlignmentWeights.objects.filter(program=self.program).first() or AlignmentWeights(
            program=self.program
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        instance = self.get_instance()
        return self.render_form(forms.WeightsForm(instance=instance), instance)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        instance = self.get_instance()
        form = forms.WeightsForm(request.POST, instance=instance)
        if form.is_valid():
            try:
                services.set_alignment_weights(
                    program=self.program, weights=form.cleaned_data, actor=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Alignment weights saved.")
                return redirect("alignment:index", program_id=self.program.pk)
        return self.render_form(form, instance)

    def render_form(self, form: forms.WeightsForm, instance: AlignmentWeights) -> HttpResponse:
        cancel_url = reverse("alignment:index", kwargs={"program_id": self.program.pk})
        return _record_form(
            self.request,
            self.program,
            form,
            "alignment weights",
            cancel_url,
            object=instance if instance.pk else None,
        )
