"""API of the transparency app: `/api/assignments/`, `/api/questions/`, `/api/concerns/` (submit; read and reply
by receipt code without signing in), `/api/surveys/` and `/api/survey-results/` (aggregates with small
groups suppressed)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accord.accounts.models import User
from accord.alignment.models import StakeholderGroup
from accord.core.api import (
    AccordModelViewSet,
    AccordReadOnlyViewSet,
    ValidatedModelSerializer,
    VisibleRelatedField,
)
from accord.core.permissions import Action, Visibility, can_in_program
from accord.governance.choices import Severity
from accord.programs.models import Program
from accord.transition.models import Service
from accord.transparency import queries, services
from accord.transparency.choices import ConcernState, SurveyDimension
from accord.transparency.filters import (
    AssignmentFilterSet,
    ConcernFilterSet,
    QuestionFilterSet,
    SurveyFilterSet,
    SurveyResultsFilterSet,
)
from accord.transparency.models import (
    Assignment,
    Concern,
    ConcernMessage,
    PulseSurvey,
    Question,
    SurveyQuestion,
)
from accord.transparency.throttling import ReceiptThrottle


def visible_object(view: Any) -> Any:
    """The detail record as the reader sees it (404 otherwise), without the change check of a POST."""
    found = view.get_queryset().filter(pk=view.kwargs["pk"]).first()
    if found is None:
        raise exceptions.NotFound()
    return found


# --- Assignments ---------------------------------------------------------------------------------------------


class AssignmentSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    service = VisibleRelatedField(queryset=Service.objects.all())
    person = VisibleRelatedField(queryset=User.objects.all())
    backup = VisibleRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "program",
            "service",
            "person",
            "person_name",
            "role_on_service",
            "backup",
            "starts_on",
            "ends_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def create(self, validated_data: dict[str, Any]) -> Assignment:
        return services.assign_to_service(actor=self.context["request"].user, data=validated_data)

    def update(self, instance: Assignment, validated_data: dict[str, Any]) -> Assignment:
        if "program" in validated_data and validated_data["program"] != instance.program:
            raise serializers.ValidationError({"program": "An assignment cannot move to another program."})
        return services.change_assignment(
            assignment=instance, actor=self.context["request"].user, data=validated_data
        )


class AssignmentViewSet(AccordModelViewSet):
    """Who works on which service: the transition's roster."""

    queryset = Assignment.objects.order_by("service__name", "starts_on", "pk")
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilterSet
    select_related = ("person", "service")


# --- Questions -------------------------------------------------------------------------------------------------


class QuestionSerializer(serializers.ModelSerializer):
    asked_by_name = serializers.SerializerMethodField()
    answered_by_name = serializers.CharField(source="answered_by.full_name", read_only=True, default=None)

    class Meta:
        model = Question
        fields = [
            "id",
            "program",
            "text",
            "asked_by",
            "asked_by_name",
            "asked_on",
            "visibility",
            "answer",
            "answered_by",
            "answered_by_name",
            "answered_on",
        ]
        read_only_fields = fields

    def get_asked_by_name(self, question: Question) -> str | None:
        return question.asked_by.full_name if question.asked_by_id else None


class AskSerializer(serializers.Serializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    text = serializers.CharField(max_length=4000)
    anonymous = serializers.BooleanField(default=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.INTERNAL)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=8000)


class QuestionViewSet(AccordModelViewSet):
    """The Q&A board: members ask (named or anonymously), leadership answers publicly."""

    queryset = Question.objects.order_by("-asked_on", "-pk")
    serializer_class = QuestionSerializer
    filterset_class = QuestionFilterSet
    http_method_names = ["get", "post", "head", "options"]
    select_related = ("asked_by", "answered_by")

    @extend_schema(request=AskSerializer, responses=QuestionSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ask = AskSerializer(data=request.data, context=self.get_serializer_context())
        ask.is_valid(raise_exception=True)
        program = ask.validated_data["program"]
        question = services.ask_question(
            program=program,
            actor=request.user,
            text=ask.validated_data["text"],
            anonymous=ask.validated_data["anonymous"],
            visibility=ask.validated_data["visibility"],
            today=timezone.localdate(),
        )
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerSerializer, responses=QuestionSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: Any = None) -> Response:
        # Seen, not changed: answering is its own right (`answer`), which board members hold without `change`.
        question = visible_object(self)
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not can_in_program(request.user, "answer", "transparency", question.program_id):
            raise exceptions.PermissionDenied("Only the program's leadership answers on the board.")
        services.answer_question(
            question=question,
            actor=request.user,
            answer=body.validated_data["answer"],
            today=timezone.localdate(),
        )
        return Response(QuestionSerializer(question).data)


# --- Concerns --------------------------------------------------------------------------------------------------


class ConcernMessageSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = ConcernMessage
        fields = ["from_submitter", "body", "written_on", "author_name"]
        read_only_fields = fields

    def get_author_name(self, message: ConcernMessage) -> str | None:
        # The submitter reads who answered for the program; a reply of theirs has no author.
        return message.author.full_name if message.author_id else None


class ConcernSerializer(serializers.ModelSerializer):
    messages = ConcernMessageSerializer(many=True, read_only=True)

    class Meta:
        model = Concern
        fields = ["id", "program", "subject", "body", "state", "submitted_on", "red_flag", "messages"]
        read_only_fields = fields


class SubmitConcernSerializer(serializers.Serializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=8000)


class ReceiptSerializer(serializers.Serializer):
    receipt_code = serializers.CharField(max_length=40)


class ReplySerializer(ReceiptSerializer):
    body = serializers.CharField(max_length=8000)


class ConcernAnswerSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=8000)


class ConcernTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=[s for s in ConcernState.values if s != ConcernState.CONVERTED])


class ConcernConvertSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MEDIUM)


class SubmittedConcernSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    receipt_code = serializers.CharField()
    submitted_on = serializers.DateField()


class ConcernViewSet(AccordModelViewSet):
    """Anonymous concerns: members submit, leadership reads and triages, the holder of a receipt code follows up.

    Submitting answers with the receipt code once; it is kept only as a keyed digest. The receipt actions
    need no sign-in and are throttled per (hashed) client address; submitting is not counted against the
    person's request budget, which would tie them to the moment of a submission.
    """

    queryset = Concern.objects.order_by("-submitted_on", "subject")
    serializer_class = ConcernSerializer
    filterset_class = ConcernFilterSet
    http_method_names = ["get", "post", "head", "options"]
    prefetch_related = ("messages", "messages__author")

    def get_permissions(self) -> list[Any]:
        if self.action in ("receipt", "receipt_reply"):
            return [AllowAny()]
        return super().get_permissions()

    def get_throttles(self) -> list[Any]:
        if self.action in ("receipt", "receipt_reply"):
            return [ReceiptThrottle()]
        if self.action == "create":
            return []
        return super().get_throttles()

    @extend_schema(request=SubmitConcernSerializer, responses={201: SubmittedConcernSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        submit = SubmitConcernSerializer(data=request.data, context=self.get_serializer_context())
        submit.is_valid(raise_exception=True)
        concern, code = services.submit_concern(
            program=submit.validated_data["program"],
            actor=request.user,
            subject=submit.validated_data["subject"],
            body=submit.validated_data["body"],
            today=timezone.localdate(),
        )
        body = {"id": str(concern.pk), "receipt_code": code, "submitted_on": concern.submitted_on}
        return Response(
            SubmittedConcernSerializer(body).data,
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},
        )

    def _by_receipt(self, code: str) -> Concern:
        concern = services.find_concern_by_receipt(code)
        if concern is None:
            raise exceptions.NotFound("No concern has this receipt code.")
        return Concern.objects.prefetch_related("messages", "messages__author").get(pk=concern.pk)

    @extend_schema(request=ReceiptSerializer, responses=ConcernSerializer)
    @action(detail=False, methods=["post"], url_path="receipt")
    def receipt(self, request: Request) -> Response:
        body = ReceiptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        concern = self._by_receipt(body.validated_data["receipt_code"])
        return Response(ConcernSerializer(concern).data, headers={"Cache-Control": "no-store"})

    @extend_schema(request=ReplySerializer, responses=ConcernSerializer)
    @action(detail=False, methods=["post"], url_path="receipt/reply")
    def receipt_reply(self, request: Request) -> Response:
        body = ReplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self._by_receipt(body.validated_data["receipt_code"])
        services.reply_to_concern(
            code=body.validated_data["receipt_code"],
            body=body.validated_data["body"],
            today=timezone.localdate(),
        )
        concern = self._by_receipt(body.validated_data["receipt_code"])
        return Response(
            ConcernSerializer(concern).data,
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},
        )

    def _triaged(self, request: Request) -> Concern:
        concern = self.get_object()
        if not can_in_program(request.user, "triage", "concerns", concern.program_id):
            raise exceptions.PermissionDenied("Only the program's leadership triages concerns.")
        return concern

    @extend_schema(request=ConcernAnswerSerializer, responses=ConcernSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: Any = None) -> Response:
        concern = self._triaged(request)
        body = ConcernAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.answer_concern(
            concern=concern, actor=request.user, body=body.validated_data["body"], today=timezone.localdate()
        )
        return Response(ConcernSerializer(self._reload(concern)).data)

    @extend_schema(request=ConcernTransitionSerializer, responses=ConcernSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: Any = None) -> Response:
        concern = self._triaged(request)
        body = ConcernTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.transition_concern(concern=concern, to=body.validated_data["to"], actor=request.user)
        return Response(ConcernSerializer(self._reload(concern)).data)

    @extend_schema(request=ConcernConvertSerializer, responses=ConcernSerializer)
    @action(detail=True, methods=["post"])
    def convert(self, request: Request, pk: Any = None) -> Response:
        concern = self._triaged(request)
        body = ConcernConvertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.convert_concern_to_red_flag(
            concern=concern, actor=request.user, severity=body.validated_data["severity"], now=timezone.now()
        )
        return Response(ConcernSerializer(self._reload(concern)).data)

    @staticmethod
    def _reload(concern: Concern) -> Concern:
        return Concern.objects.prefetch_related("messages", "messages__author").get(pk=concern.pk)


# --- Surveys ---------------------------------------------------------------------------------------------------


class SurveyQuestionSerializer(serializers.ModelSerializer):
    dimension = serializers.ChoiceField(choices=SurveyDimension.choices)

    class Meta:
        model = SurveyQuestion
        fields = ["id", "order", "dimension", "text"]
        read_only_fields = ["id", "order"]


class SurveySerializer(serializers.ModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    groups = VisibleRelatedField(queryset=StakeholderGroup.objects.all(), many=True)
    questions = SurveyQuestionSerializer(many=True)

    class Meta:
        model = PulseSurvey
        fields = ["id", "program", "title", "opens_on", "closes_on", "status", "groups", "questions"]
        read_only_fields = ["status"]

    def create(self, validated_data: dict[str, Any]) -> PulseSurvey:
        return services.create_survey(
            program=validated_data["program"],
            actor=self.context["request"].user,
            title=validated_data["title"],
            opens_on=validated_data["opens_on"],
            closes_on=validated_data["closes_on"],
            groups=validated_data["groups"],
            questions=[(q["dimension"], q["text"]) for q in validated_data["questions"]],
        )


class RespondSerializer(serializers.Serializer):
    scores = serializers.DictField(child=serializers.IntegerField(min_value=1, max_value=5))
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class SurveyViewSet(AccordModelViewSet):
    """Pulse surveys: the program manager drafts, sends and closes them; the invited answer once each."""

    queryset = PulseSurvey.objects.order_by("-opens_on", "-pk")
    serializer_class = SurveySerializer
    filterset_class = SurveyFilterSet
    http_method_names = ["get", "post", "head", "options"]
    prefetch_related = ("groups", "questions")

    def _changed(self, request: Request) -> PulseSurvey:
        survey = self.get_object()
        if not can_in_program(request.user, Action.CHANGE, "surveys", survey.program_id):
            raise exceptions.PermissionDenied("Only the program manager sends and closes surveys.")
        return survey

    @extend_schema(request=None, responses=SurveySerializer)
    @action(detail=True, methods=["post"], url_path="open")
    def open_survey(self, request: Request, pk: Any = None) -> Response:
        survey = self._changed(request)
        services.open_survey(survey=survey, actor=request.user)
        return Response(SurveySerializer(survey, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=SurveySerializer)
    @action(detail=True, methods=["post"], url_path="close")
    def close_survey(self, request: Request, pk: Any = None) -> Response:
        survey = self._changed(request)
        services.close_survey(survey=survey, actor=request.user)
        return Response(SurveySerializer(survey, context=self.get_serializer_context()).data)

    @extend_schema(request=RespondSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: Any = None) -> Response:
        # Answering needs the invitation (checked by the service), not the right to change the survey.
        survey = visible_object(self)
        body = RespondSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scores: dict[Any, int] = {}
        for key, value in body.validated_data["scores"].items():
            if not str(key).isdigit() or len(str(key)) > 12:
                raise exceptions.ValidationError({"scores": f"{key!r} is not a question id."})
            scores[int(key)] = value
        services.respond_to_survey(
            survey=survey,
            actor=request.user,
            scores=scores,
            comment=body.validated_data["comment"],
            today=timezone.localdate(),
        )
        return Response({"detail": "Answers recorded without your name."}, status=status.HTTP_201_CREATED)


# --- Survey results --------------------------------------------------------------------------------------------


def _bucket(bucket: queries.BucketResult | None) -> dict[str, Any] | None:
    if bucket is None:
        return None
    return {
        "label": bucket.label,
        "groups": [g.pk for g in bucket.groups],
        "respondents": bucket.respondents,
        "trust_index": None
        if bucket.trust is None
        else {
            "value": bucket.trust.value,
            "parts": [
                {
                    "dimension": p.dimension,
                    "mean_score": p.mean_score,
                    "points": p.points,
                    "weight": round(p.weight, 4),
                    "contribution": round(p.contribution, 1),
                }
                for p in bucket.trust.parts
            ],
        },
        "questions": [
            {
                "question": r.question.pk,
                "text": r.question.text,
                "dimension": r.question.dimension,
                "respondents": r.respondents,
                "mean": r.mean,
                "distribution": r.distribution,
            }
            for r in bucket.questions
        ],
        "comments": bucket.comments,
    }


class SurveyResultsSerializer(serializers.Serializer):
    """Aggregates only. The declared fields describe the shape for the OpenAPI schema; the figures come
    from `queries.survey_results`, which applies the at-least-five rule to every cut."""

    survey = serializers.IntegerField(read_only=True)
    program = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    opens_on = serializers.DateField(read_only=True)
    closes_on = serializers.DateField(read_only=True)
    invited = serializers.IntegerField(read_only=True)
    answered = serializers.IntegerField(read_only=True)
    minimum_group_size = serializers.IntegerField(read_only=True)
    total = serializers.JSONField(read_only=True, help_text="The whole population's figures, or null.")
    buckets = serializers.ListField(child=serializers.JSONField(), read_only=True)
    suppressed_groups = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    detail = serializers.CharField(read_only=True, required=False)

    def to_representation(self, survey: PulseSurvey) -> dict[str, Any]:
        request = self.context["request"]
        group = request.query_params.get("group")
        results = queries.survey_results(
            survey=survey,
            user=request.user,
            dimension=request.query_params.get("dimension") or None,
            group_id=int(group) if group and group.isdigit() and len(group) < 19 else None,
        )
        if results is None:  # the queryset already holds only surveys whose results the user reads
            return {"survey": survey.pk, "title": survey.title, "detail": "Not shown to you."}
        return {
            "survey": survey.pk,
            "program": survey.program_id,
            "title": survey.title,
            "opens_on": survey.opens_on,
            "closes_on": survey.closes_on,
            "invited": results.invited,
            "answered": results.answered,
            "minimum_group_size": queries.engine.K,
            "total": _bucket(results.total),
            "buckets": [_bucket(b) for b in results.buckets],
            "suppressed_groups": [g.pk for g in results.suppressed],
        }


class SurveyResultsViewSet(AccordReadOnlyViewSet):
    """Aggregates of sent surveys, one survey per row: every figure from at least five respondents.

    Filters: `program`, `survey`, `opened_after`/`opened_before` (whole surveys), `group` (the bucket that
    holds the group), `dimension`.
    """

    queryset = PulseSurvey.objects.order_by("opens_on", "pk")
    serializer_class = SurveyResultsSerializer
    filterset_class = SurveyResultsFilterSet

    def get_queryset(self) -> models.QuerySet:
        return (
            PulseSurvey.objects.visible_to(self.request.user, "results")
            .exclude(status="draft")
            .prefetch_related("groups")
            .order_by("opens_on", "pk")
        )


ROUTES = [
    ("assignments", AssignmentViewSet, "assignment"),
    ("questions", QuestionViewSet, "question"),
    ("concerns", ConcernViewSet, "concern"),
    ("surveys", SurveyViewSet, "survey"),
    ("survey-results", SurveyResultsViewSet, "survey-results"),
]
