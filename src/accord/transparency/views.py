"""Transparency pages: the roster, the Q&A board, anonymous concerns (submission, receipt, triage), pulse
surveys and the trust index. Thin adapters over `services` and `queries`.

The concern submission and receipt pages never use the messages framework (it may store text in the
session) and render the receipt code in the response itself, once.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accord.core.permissions import Action, can, can_in_program
from accord.core.views import FilteredListMixin, ProgramRecordFormView, ProgramViewMixin, get_visible_or_404
from accord.transparency import filters, queries, services
from accord.transparency.choices import SurveyDimension, SurveyStatus
from accord.transparency.forms import (
    AnswerForm,
    AssignmentForm,
    ConcernAnswerForm,
    ConcernConvertForm,
    ConcernForm,
    ConcernTransitionForm,
    OpenDoorHoursForm,
    QuestionForm,
    ReceiptForm,
    ReplyForm,
    SurveyForm,
    SurveyResponseForm,
)
from accord.transparency.models import (
    Assignment,
    Concern,
    OpenDoorHours,
    PulseSurvey,
    Question,
    SurveyInvitation,
)
from accord.transparency.throttling import receipt_attempt_allowed


def _error_text(error: ValidationError) -> str:
    return "; ".join(error.messages)


# --- Roster ----------------------------------------------------------------------------------------------


class Roster(ProgramViewMixin, View):
    area = "transparency"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        roster = queries.get_roster(program=self.program, user=request.user, today=timezone.localdate())
        context = {
            "program": self.program,
            **roster,
            "can_manage": can_in_program(request.user, Action.ADD, "transparency", self.program.pk),
        }
        return render(request, "transparency/roster.html", context)


class AssignmentFormView(ProgramRecordFormView):
    """Create or edit an assignment through the roster service (a partner passes the training guard)."""

    area = "transparency"
    model = Assignment
    form_class = AssignmentForm
    success_url_name = "transparency:roster"

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        if obj is None and not can_in_program(request.user, Action.ADD, "transparency", self.program.pk):
            raise PermissionDenied("Your role in this program may not change the roster.")
        form = self.form_class(request.POST, instance=obj, **self.form_kwargs())
        if form.is_valid():
            data = {**form.cleaned_data, "program": self.program}
            try:
                if obj is None:
                    services.assign_to_service(actor=request.user, data=data)
                else:
                    services.change_assignment(assignment=obj, actor=request.user, data=data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Roster saved.")
                return redirect("transparency:roster", program_id=self.program.pk)
        return self.render_form(form, obj, status=400)


class OpenDoorFormView(ProgramRecordFormView):
    area = "transparency"
    model = OpenDoorHours
    form_class = OpenDoorHoursForm
    success_url_name = "transparency:roster"


# --- Q&A board -------------------------------------------------------------------------------------------


class QuestionBoard(ProgramViewMixin, View):
    area = "transparency"

    def context(self, request: HttpRequest, form: QuestionForm | None = None) -> dict[str, Any]:
        questions = list(queries.list_questions(program=self.program, user=request.user))
        may_ask = can_in_program(request.user, "ask", "transparency", self.program.pk)
        return {
            "program": self.program,
            "open_questions": [q for q in questions if not q.is_answered],
            "answered_questions": [q for q in questions if q.is_answered],
            "form": (form or QuestionForm()) if may_ask else None,
            "can_answer": can_in_program(request.user, "answer", "transparency", self.program.pk),
            "answer_form": AnswerForm(),
            "unanswered_after": queries.UNANSWERED_AFTER_DAYS,
            "today": timezone.localdate(),
        }

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return render(request, "transparency/question_board.html", self.context(request))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not can_in_program(request.user, "ask", "transparency", self.program.pk):
            raise PermissionDenied("Your role in this program may not ask on the board.")
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                services.ask_question(
                    program=self.program,
                    actor=request.user,
                    text=form.cleaned_data["text"],
                    anonymous=form.cleaned_data["anonymous"],
                    visibility=form.visibility(),
                    today=timezone.localdate(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your question is on the board.")
                return redirect("transparency:question_board", program_id=self.program.pk)
        return render(request, "transparency/question_board.html", self.context(request, form), status=400)


class QuestionAnswer(ProgramViewMixin, View):
    area = "transparency"

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        question = get_visible_or_404(
            request.user, Question.objects.filter(program=self.program), "answer", pk=kwargs["pk"]
        )
        form = AnswerForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Write the answer.")
        else:
            try:
                services.answer_question(
                    question=question,
                    actor=request.user,
                    answer=form.cleaned_data["answer"],
                    today=timezone.localdate(),
                )
            except ValidationError as error:
                messages.error(request, _error_text(error))
            else:
                messages.success(request, "Answer published on the board.")
        return HttpResponseRedirect(question.get_absolute_url())


# --- Anonymous concerns: submission and receipt ----------------------------------------------------------


class ConcernSubmit(ProgramViewMixin, View):
    area = "concerns"
    action = Action.ADD

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return render(
            request, "transparency/concern_submit.html", {"program": self.program, "form": ConcernForm()}
        )

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = ConcernForm(request.POST)
        if form.is_valid():
            try:
                _concern, code = services.submit_concern(
                    program=self.program,
                    actor=request.user,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    today=timezone.localdate(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                # Shown here once and never again: only its keyed digest is kept.
                response = render(
                    request, "transparency/concern_receipt_code.html", {"program": self.program, "code": code}
                )
                response["Cache-Control"] = "no-store"
                return response
        return render(
            request, "transparency/concern_submit.html", {"program": self.program, "form": form}, status=400
        )


class ConcernReceipt(View):
    """Read a concern's answers and reply by its receipt code: no sign-in, the code is the only key.

    The code travels in the body of a POST, never the URL, so no log of URLs can hold it.
    """

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return render(
            request,
            "transparency/concern_receipt.html",
            {"program_id": kwargs["program_id"], "form": ReceiptForm(), "concern": None},
        )

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        program_id = kwargs["program_id"]
        context: dict[str, Any] = {
            "program_id": program_id,
            "concern": None,
            "form": ReceiptForm(request.POST),
        }
        if not receipt_attempt_allowed(request):
            context["error"] = "Too many receipt codes tried from here; wait an hour and try again."
            return render(request, "transparency/concern_receipt.html", context, status=429)
        code = request.POST.get("receipt_code", "")
        concern = services.find_concern_by_receipt(code)
        if concern is None or concern.program_id != program_id:
            context["error"] = "No concern has this receipt code. Check it and try again."
            return render(request, "transparency/concern_receipt.html", context, status=404)
        reply_form = ReplyForm(initial={"receipt_code": code})
        status = 200
        if "body" in request.POST:
            reply_form = ReplyForm(request.POST)
            if reply_form.is_valid():
                try:
                    services.reply_to_concern(
                        code=code, body=reply_form.cleaned_data["body"], today=timezone.localdate()
                    )
                except ValidationError as error:
                    reply_form.add_error(None, error)
                    status = 400
                else:
                    context["replied"] = True
                    reply_form = ReplyForm(initial={"receipt_code": code})
                    concern.refresh_from_db()
            else:
                status = 400
        context.update(concern=concern, thread=queries.get_concern_thread(concern), reply_form=reply_form)
        response = render(request, "transparency/concern_receipt.html", context, status=status)
        response["Cache-Control"] = "no-store"
        return response


# --- Concern triage ----------------------------------------------------------------------------------------


class ConcernList(FilteredListMixin, ProgramViewMixin, View):
    area = "concerns"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        # The API's FilterSet, so `?state=open` (submitted, triaged or answered) selects the same concerns here
        # as in /api/concerns/ and as the program home counts.
        filterset = filters.ConcernFilterSet(
            request.GET,
            queryset=queries.list_concerns(program=self.program, user=request.user),
            request=request,
        )
        concerns = self.filtered(filterset)
        return render(
            request,
            "transparency/concern_list.html",
            {"program": self.program, "concerns": concerns, "filter": filterset},
            status=self.filter_status,
        )


class ConcernMixin(ProgramViewMixin):
    area = "concerns"

    def get_concern(self, action: str = Action.VIEW) -> Concern:
        return get_visible_or_404(
            self.request.user, Concern.objects.filter(program=self.program), action, pk=self.kwargs["pk"]
        )

    def back(self, concern: Concern) -> HttpResponse:
        return redirect("transparency:concern_detail", program_id=self.program.pk, pk=concern.pk)


class ConcernDetail(ConcernMixin, View):
    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        concern = self.get_concern()
        context = {
            "program": self.program,
            "concern": concern,
            "thread": queries.get_concern_thread(concern),
            "can_triage": can(request.user, "triage", concern),
            "answer_form": ConcernAnswerForm(),
            "transition_form": ConcernTransitionForm(),
            "convert_form": ConcernConvertForm(),
        }
        return render(request, "transparency/concern_detail.html", context)


class ConcernAnswer(ConcernMixin, View):
    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        concern = self.get_concern("triage")
        form = ConcernAnswerForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Write the answer.")
            return self.back(concern)
        try:
            services.answer_concern(
                concern=concern,
                actor=request.user,
                body=form.cleaned_data["body"],
                today=timezone.localdate(),
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, "Answer sent; the submitter reads it with their receipt code.")
        return self.back(concern)


class ConcernTransition(ConcernMixin, View):
    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        concern = self.get_concern("triage")
        form = ConcernTransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a state.")
            return self.back(concern)
        try:
            services.transition_concern(concern=concern, to=form.cleaned_data["to"], actor=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, f"Concern {concern.get_state_display().lower()}.")
        return self.back(concern)


class ConcernConvert(ConcernMixin, View):
    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        concern = self.get_concern("triage")
        form = ConcernConvertForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a severity.")
            return self.back(concern)
        try:
            flag = services.convert_concern_to_red_flag(
                concern=concern,
                actor=request.user,
                severity=form.cleaned_data["severity"],
                now=timezone.now(),
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _error_text(error) if isinstance(error, ValidationError) else str(error))
            return self.back(concern)
        messages.success(
            request, "Red flag raised from the concern, in your name; the submitter stays unknown."
        )
        return redirect(flag.get_absolute_url())


# --- Pulse surveys ---------------------------------------------------------------------------------------------


class SurveyList(ProgramViewMixin, View):
    area = "surveys"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        surveys = list(
            PulseSurvey.objects.visible_to(request.user)
            .filter(program=self.program)
            .order_by("-opens_on", "-pk")
        )
        invitations = {
            i.survey_id: i for i in SurveyInvitation.objects.filter(program=self.program, person=request.user)
        }
        context = {
            "program": self.program,
            "surveys": [(s, invitations.get(s.pk)) for s in surveys],
            "can_add": can_in_program(request.user, Action.ADD, "surveys", self.program.pk),
            "can_see_results": can_in_program(request.user, "results", "surveys", self.program.pk),
            "today": timezone.localdate(),
        }
        return render(request, "transparency/survey_list.html", context)


class SurveyCreate(ProgramViewMixin, View):
    area = "surveys"
    action = Action.ADD

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = SurveyForm(program=self.program, user=request.user)
        return render(request, "transparency/survey_form.html", {"program": self.program, "form": form})

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = SurveyForm(request.POST, program=self.program, user=request.user)
        if form.is_valid():
            try:
                survey = services.create_survey(
                    program=self.program,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    opens_on=form.cleaned_data["opens_on"],
                    closes_on=form.cleaned_data["closes_on"],
                    groups=form.cleaned_data["groups"],
                    questions=form.questions(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Survey drafted; send it when it is ready.")
                return HttpResponseRedirect(survey.get_absolute_url())
        return render(
            request, "transparency/survey_form.html", {"program": self.program, "form": form}, status=400
        )


class SurveyMixin(ProgramViewMixin):
    area = "surveys"

    def get_survey(self, action: str = Action.VIEW) -> PulseSurvey:
        return get_visible_or_404(
            self.request.user, PulseSurvey.objects.filter(program=self.program), action, pk=self.kwargs["pk"]
        )


class SurveyDetail(SurveyMixin, View):
    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        survey = self.get_survey()
        group = request.GET.get("group")
        results = queries.survey_results(
            survey=survey,
            user=request.user,
            dimension=request.GET.get("dimension") or None,
            group_id=int(group) if group and group.isdigit() and len(group) < 12 else None,
        )
        context = {
            "program": self.program,
            "survey": survey,
            "questions": list(survey.questions.order_by("order", "pk")),
            "results": results,
            "can_change": can(request.user, Action.CHANGE, survey),
            "invitation": SurveyInvitation.objects.filter(survey=survey, person=request.user).first(),
            "k": queries.engine.K,
        }
        return render(request, "transparency/survey_detail.html", context)


class SurveyOpen(SurveyMixin, View):
    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        survey = self.get_survey(Action.CHANGE)
        try:
            invited = services.open_survey(survey=survey, actor=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, f"Survey sent to {invited} people.")
        return HttpResponseRedirect(survey.get_absolute_url())


class SurveyClose(SurveyMixin, View):
    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        survey = self.get_survey(Action.CHANGE)
        try:
            services.close_survey(survey=survey, actor=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, "Survey closed.")
        return HttpResponseRedirect(survey.get_absolute_url())


class SurveyRespond(SurveyMixin, View):
    def setup_form(self, request: HttpRequest, data: Any = None) -> tuple[PulseSurvey, SurveyResponseForm]:
        survey = self.get_survey()
        if not SurveyInvitation.objects.filter(survey=survey, person=request.user).exists():
            raise Http404("You are not invited to this survey.")
        return survey, SurveyResponseForm(data, questions=list(survey.questions.order_by("order", "pk")))

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        survey, form = self.setup_form(request)
        return render(
            request,
            "transparency/survey_respond.html",
            {"program": self.program, "survey": survey, "form": form},
        )

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        survey, form = self.setup_form(request, request.POST)
        if form.is_valid():
            try:
                services.respond_to_survey(
                    survey=survey,
                    actor=request.user,
                    scores=form.scores(),
                    comment=form.cleaned_data["comment"],
                    today=timezone.localdate(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Thank you: your answers are stored without your name.")
                return redirect("transparency:survey_list", program_id=self.program.pk)
        return render(
            request,
            "transparency/survey_respond.html",
            {"program": self.program, "survey": survey, "form": form},
            status=400,
        )


class TrustIndexView(ProgramViewMixin, View):
    area = "surveys"
    action = "results"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        trend = queries.trust_trend(program=self.program, user=request.user)
        results, series = trend if trend is not None else ([], [])
        latest = results[-1] if results else None
        latest_parts = (
            [(SurveyDimension(p.dimension).label, p) for p in latest.total.trust.parts]
            if latest and latest.total and latest.total.trust
            else []
        )
        context = {
            "latest": latest,
            "latest_parts": latest_parts,
            "program": self.program,
            "results": results,
            "series": series,
            "falling_by": queries.engine.FALLING_BY_POINTS,
            "weights": [
                (SurveyDimension(d).label, round(w * 100)) for d, w in queries.engine.TRUST_WEIGHTS.items()
            ],
            "k": queries.engine.K,
            "survey_status": SurveyStatus,
            "survey_list_url": reverse("transparency:survey_list", kwargs={"program_id": self.program.pk}),
        }
        return render(request, "transparency/trust_index.html", context)
