"""API for programs (and saving one as a template), memberships, the audit trail and program templates."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accord.core.api import (
    AccordModelViewSet,
    AccordReadOnlyViewSet,
    ValidatedModelSerializer,
    VisibleRelatedField,
)
from accord.core.models import AuditEntry
from accord.core.permissions import Action
from accord.programs import filters, services
from accord.programs.models import Membership, Program, ProgramTemplate


class ProgramSerializer(ValidatedModelSerializer):
    sponsor = VisibleRelatedField(
        queryset=Program._meta.get_field("sponsor").related_model.objects.all(),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = Program
        fields = [
            "id",
            "name",
            "kind",
            "phase",
            "go_live_date",
            "description",
            "sponsor",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def create(self, validated_data: dict[str, Any]) -> Program:
        return services.create_program(actor=self.context["request"].user, **validated_data)


class ProgramTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgramTemplate
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "built_in",
            "based_on",
            "body",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SaveAsTemplateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="Unique among templates, whatever the case.")
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="When to use it; what it starts a program with.",
    )

    def validate_name(self, value: str) -> str:
        problem = services.template_name_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


class ProgramViewSet(AccordModelViewSet):
    """Programs you are a member of. Programs are never deleted through the API: they hold the record."""

    queryset = Program.objects.all()
    serializer_class = ProgramSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["kind", "phase"]
    select_related = ("sponsor",)

    @extend_schema(request=SaveAsTemplateSerializer, responses={201: ProgramTemplateSerializer})
    @action(detail=True, methods=["post"], url_path="save-as-template")
    def save_as_template(self, request: Request, pk: str | None = None) -> Response:
        """Save this program's names, definitions and cadences as a new template, never its people,
        measurements or records; for who creates programs, as on the program's settings page."""
        # Not get_object(): the right is to create programs, not the program's own change right.
        program = get_object_or_404(self.get_queryset(), pk=pk)
        if not ProgramTemplate(kind=program.kind).permits(request.user, Action.ADD):
            raise exceptions.PermissionDenied("Only people who create programs save a program as a template.")
        body = SaveAsTemplateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        template = services.save_program_as_template(
            actor=request.user, program=program, **body.validated_data
        )
        return Response(ProgramTemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class MembershipSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    person = VisibleRelatedField(queryset=Membership._meta.get_field("person").related_model.objects.all())
    person_name = serializers.CharField(source="person.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "program", "person", "person_name", "role", "created_at"]
        read_only_fields = ["created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for field in ("program", "person"):
                if field in attrs and attrs[field] != getattr(self.instance, field):
                    raise serializers.ValidationError(
                        {field: "Cannot be changed; remove and add the member."}
                    )
        return super().validate(attrs)

    def create(self, validated_data: dict[str, Any]) -> Membership:
        return services.add_member(actor=self.context["request"].user, **validated_data)

    def update(self, instance: Membership, validated_data: dict[str, Any]) -> Membership:
        return services.change_role(
            actor=self.context["request"].user,
            membership=instance,
            role=validated_data.get("role", instance.role),
        )


class MembershipViewSet(AccordModelViewSet):
    queryset = Membership.objects.all()
    serializer_class = MembershipSerializer
    filterset_class = filters.MembershipFilterSet
    select_related = ("person", "program")

    def perform_destroy(self, instance: Membership) -> None:
        services.remove_member(actor=self.request.user, membership=instance)


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "sequence",
            "at",
            "actor",
            "actor_label",
            "program",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "remote_addr",
            "previous_hash",
            "entry_hash",
        ]


class AuditEntryViewSet(AccordReadOnlyViewSet):
    """The audit trail, newest first; read-only for everyone."""

    queryset = AuditEntry.objects.all()
    serializer_class = AuditEntrySerializer
    filterset_class = filters.AuditEntryFilterSet
    lookup_field = "sequence"


class CreatesPrograms(permissions.BasePermission):
    """Templates serve whoever creates programs: everyone else is refused (403), signed out 401."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return ProgramTemplate().permits(request.user, Action.ADD)


class ProgramTemplateViewSet(AccordReadOnlyViewSet):
    """The program templates (built-in and saved from programs); a new program is created from one."""

    queryset = ProgramTemplate.objects.all()
    serializer_class = ProgramTemplateSerializer
    permission_classes = [CreatesPrograms]

    @extend_schema(request=ProgramSerializer, responses={201: ProgramSerializer})
    @action(detail=True, methods=["post"], url_path="create-program")
    def create_program(self, request: Request, pk: str | None = None) -> Response:
        """Create a program from this template (its kind unless `kind` is given); you become its manager."""
        template = self.get_object()
        data = request.data.copy() if hasattr(request.data, "copy") else dict(request.data)
        data.setdefault("kind", template.kind)
        body = ProgramSerializer(data=data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        program = services.create_program(actor=request.user, template=template, **body.validated_data)
        return Response(
            ProgramSerializer(program, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


ROUTES = [
    ("programs", ProgramViewSet, "program"),
    ("memberships", MembershipViewSet, "membership"),
    ("audit", AuditEntryViewSet, "audit"),
    ("program-templates", ProgramTemplateViewSet, "program-template"),
]
