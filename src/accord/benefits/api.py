"""API for objectives and their links, benefits, KPIs (with derived readings), measurements and imports,
initiatives and success factors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accord.accounts.models import User
from accord.benefits import engine, filters, queries, services
from accord.benefits.models import (
    Benefit,
    Initiative,
    Kpi,
    Measurement,
    Objective,
    ObjectiveLink,
    SuccessFactor,
)
from accord.core.api import (
    AccordModelViewSet,
    ValidatedModelSerializer,
    VisibleRelatedField,
    django_error_detail,
)
from accord.core.permissions import Action, can_in_program
from accord.programs.models import Program

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _program_field() -> VisibleRelatedField:
    return VisibleRelatedField(queryset=Program.objects.all())


def _person_field() -> VisibleRelatedField:
    return VisibleRelatedField(queryset=User.objects.all(), allow_null=True, required=False)


def _same_program(attrs: dict[str, Any], instance: Any, names: tuple[str, ...]) -> None:
    """Related records named in `names` must belong to the record's program."""
    program = attrs.get("program") or getattr(instance, "program", None)
    for name in names:
        related = attrs.get(name)
        values = related if isinstance(related, list) else ([related] if related is not None else [])
        if any(v.program_id != program.pk for v in values):
            raise serializers.ValidationError({name: "Choose records of the same program."})


class ObjectiveSerializer(ValidatedModelSerializer):
    program = _program_field()
    owner = _person_field()

    class Meta:
        model = Objective
        fields = ["id", "program", "title", "perspective", "owner", "description", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class ObjectiveLinkSerializer(ValidatedModelSerializer):
    program = _program_field()
    cause = VisibleRelatedField(queryset=Objective.objects.all())
    effect = VisibleRelatedField(queryset=Objective.objects.all())

    class Meta:
        model = ObjectiveLink
        fields = ["id", "program", "cause", "effect", "note", "created_at"]
        read_only_fields = ["created_at"]


class BenefitSerializer(ValidatedModelSerializer):
    program = _program_field()
    owner = _person_field()
    objectives = VisibleRelatedField(queryset=Objective.objects.all(), many=True, required=False)
    accountable_group = VisibleRelatedField(
        queryset=Benefit._meta.get_field("accountable_group").related_model.objects.all(),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = Benefit
        fields = [
            "id",
            "program",
            "title",
            "description",
            "category",
            "owner",
            "accountable_group",
            "objectives",
            "window_start",
            "window_end",
            "status",
            "abandoned_reason",
            "visibility",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _same_program(attrs, self.instance, ("objectives", "accountable_group"))
        return super().validate(attrs)


class KpiSerializer(ValidatedModelSerializer):
    program = _program_field()
    benefit = VisibleRelatedField(queryset=Benefit.objects.all())
    latest_value = serializers.SerializerMethodField()
    latest_date = serializers.SerializerMethodField()
    realisation_percent = serializers.SerializerMethodField(
        help_text="(latest - baseline) / (target - baseline) x 100, uncapped."
    )
    expected_value = serializers.SerializerMethodField(
        help_text="The value the baseline -> milestones -> target trajectory expects on the latest date."
    )
    status = serializers.SerializerMethodField(help_text="green, amber, red or no_data.")
    overdue = serializers.SerializerMethodField(help_text="No measurement arrived within the frequency.")

    class Meta:
        model = Kpi
        fields = [
            "id",
            "program",
            "benefit",
            "name",
            "definition",
            "numerator",
            "denominator",
            "unit",
            "direction",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "milestones",
            "amber_tolerance",
            "red_tolerance",
            "frequency",
            "data_source",
            "fhir_measure_url",
            "fhir_group_code",
            "latest_value",
            "latest_date",
            "realisation_percent",
            "expected_value",
            "status",
            "overdue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _same_program(attrs, self.instance, ("benefit",))
        return super().validate(attrs)

    def _reading(self, kpi: Kpi) -> engine.KpiReading:
        if not hasattr(kpi, "reading"):
            queries.attach_readings([kpi], today=timezone.localdate())
        return kpi.reading

    def get_latest_value(self, kpi: Kpi) -> float | None:
        return self._reading(kpi).latest_value

    def get_latest_date(self, kpi: Kpi) -> str | None:
        latest = self._reading(kpi).latest_date
        return latest.isoformat() if latest else None

    def get_realisation_percent(self, kpi: Kpi) -> float | None:
        value = self._reading(kpi).realisation_percent
        return None if value is None else round(value, 4)

    def get_expected_value(self, kpi: Kpi) -> float | None:
        value = self._reading(kpi).expected_value
        return None if value is None else round(value, 6)

    def get_status(self, kpi: Kpi) -> str:
        return self._reading(kpi).status

    def get_overdue(self, kpi: Kpi) -> bool:
        return self._reading(kpi).overdue


class MeasurementSerializer(ValidatedModelSerializer):
    program = _program_field()
    kpi = VisibleRelatedField(queryset=Kpi.objects.all())
    entered_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Measurement
        fields = [
            "id",
            "program",
            "kpi",
            "value",
            "measured_on",
            "source",
            "note",
            "entered_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # A second reading of a KPI on a date it already has updates that reading, as on the page and in
        # imports (record_measurement), so on create the pair is not a uniqueness error.
        validators: list[Any] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _same_program(attrs, self.instance, ("kpi",))
        if self.instance is not None:
            return super().validate(attrs)
        candidate = Measurement(**attrs)
        try:
            # Constraints are checked by the service on the row it stores (new or updated).
            candidate.full_clean(validate_unique=False, validate_constraints=False)
        except DjangoValidationError as error:
            raise serializers.ValidationError(django_error_detail(error)) from error
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Measurement:
        outcome = services.record_measurement(
            kpi=validated_data["kpi"],
            value=validated_data["value"],
            measured_on=validated_data["measured_on"],
            source=validated_data.get("source", ""),
            note=validated_data.get("note", ""),
            actor=self.context["request"].user,
        )
        self.result = outcome.result
        return outcome.measurement

    def update(self, instance: Measurement, validated_data: dict[str, Any]) -> Measurement:
        kpi = validated_data.get("kpi", instance.kpi)
        measured_on = validated_data.get("measured_on", instance.measured_on)
        if kpi.pk != instance.kpi_id or measured_on != instance.measured_on:
            # Saying which reading this is (another date or KPI) is a correction the page does not offer
            # and record_measurement cannot make: it would leave this row and write another one.
            return super().update(instance, validated_data)
        # A new value for the KPI's reading on its date is what the page records again: through the same
        # service, so the reading is locked, names who entered its value, keeps a source or note left blank,
        # and is audited only when something changed.
        return services.record_measurement(
            kpi=instance.kpi,
            value=validated_data.get("value", instance.value),
            measured_on=instance.measured_on,
            source=validated_data.get("source", instance.source),
            note=validated_data.get("note", instance.note),
            actor=self.context["request"].user,
        ).measurement


class InitiativeSerializer(ValidatedModelSerializer):
    program = _program_field()
    owner = _person_field()
    objectives = VisibleRelatedField(queryset=Objective.objects.all(), many=True, required=False)

    class Meta:
        model = Initiative
        fields = [
            "id",
            "program",
            "title",
            "description",
            "owner",
            "objectives",
            "start",
            "end",
            "status",
            "percent_complete",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _same_program(attrs, self.instance, ("objectives",))
        return super().validate(attrs)


class SuccessFactorSerializer(ValidatedModelSerializer):
    program = _program_field()
    owner = _person_field()

    class Meta:
        model = SuccessFactor
        fields = [
            "id",
            "program",
            "dimension",
            "name",
            "description",
            "owner",
            "status",
            "evidence",
            "last_reviewed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ObjectiveViewSet(AccordModelViewSet):
    queryset = Objective.objects.all()
    serializer_class = ObjectiveSerializer
    filterset_class = filters.ObjectiveFilterSet


class ObjectiveLinkViewSet(AccordModelViewSet):
    """Cause → effect links of the strategy map; a link that would close a cycle is refused."""

    queryset = ObjectiveLink.objects.all()
    serializer_class = ObjectiveLinkSerializer
    filterset_class = filters.ObjectiveLinkFilterSet
    http_method_names = ["get", "post", "delete", "head", "options"]


class BenefitViewSet(AccordModelViewSet):
    queryset = Benefit.objects.all()
    serializer_class = BenefitSerializer
    filterset_class = filters.BenefitFilterSet
    prefetch_related = ("objectives",)


class KpiViewSet(AccordModelViewSet):
    """KPIs with their derived readings (computed for the whole page with one extra query)."""

    queryset = Kpi.objects.all()
    serializer_class = KpiSerializer
    filterset_class = filters.KpiFilterSet
    select_related = ("benefit",)

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page is not None:
            queries.attach_readings(page, today=timezone.localdate())
        return page


class MeasurementViewSet(AccordModelViewSet):
    queryset = Measurement.objects.all()
    serializer_class = MeasurementSerializer
    filterset_class = filters.MeasurementFilterSet
    select_related = ("kpi__benefit",)

    @extend_schema(
        description="Record a KPI's value on a date through the same service as the page: 201 when the "
        "reading is new; 200 when the KPI already had a reading that day, which is updated (or left as it "
        "was when identical), never duplicated."
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().create(request, *args, **kwargs)
        if getattr(response, "data", None) is not None and self._result != "created":
            response.status_code = status.HTTP_200_OK
        return response

    def perform_create(self, serializer: MeasurementSerializer) -> None:
        serializer.save()
        self._result = serializer.result

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "program": {"type": "integer"},
                    "file": {"type": "string", "format": "binary"},
                    "dry_run": {"type": "boolean"},
                },
                "required": ["program", "file"],
            }
        },
        responses={200: dict, 400: dict},
        parameters=[OpenApiParameter("dry_run", bool, description="Check every row and save nothing.")],
        description=(
            "Import measurements from a CSV or XLSX file (columns kpi, value, measured_on, source; kpi is an id "
            "or an exact name in the program) or FHIR R4 MeasureReport JSON (one report or a Bundle; the KPI "
            "is the one whose fhir_measure_url matches `measure`). Every row is checked first; with any error "
            "nothing is saved and the answer is 400 with each row's errors. Re-importing updates, never duplicates."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request: Request) -> Response:
        program_id = str(request.data.get("program") or "")
        if not program_id.isdigit():
            raise exceptions.ValidationError({"program": ["Give the program's id."]})
        program = Program.objects.visible_to(request.user).filter(pk=int(program_id)).first()
        if program is None:
            raise exceptions.NotFound()
        if not can_in_program(request.user, Action.ADD, "measurements", program.pk):
            raise exceptions.PermissionDenied("Your role in this program may not record measurements.")
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": ["Attach the CSV, XLSX or FHIR JSON file."]})
        if upload.size > MAX_UPLOAD_BYTES:
            raise exceptions.ValidationError(
                {"file": [f"The file is over {MAX_UPLOAD_BYTES // 1024 // 1024} MB."]}
            )
        content = upload.read()
        dry_run = str(request.data.get("dry_run") or request.query_params.get("dry_run") or "").lower() in {
            "1",
            "true",
            "yes",
            "on",
        }
        if dry_run:
            result = services.preview_measurement_import(
                program=program, user=request.user, filename=upload.name, content=content
            )
        else:
            result = services.import_measurements(
                program=program, actor=request.user, filename=upload.name, content=content
            )
        body = {**result.as_dict(), "saved": result.ok and not dry_run}
        return Response(body, status=status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST)


class InitiativeViewSet(AccordModelViewSet):
    queryset = Initiative.objects.all()
    serializer_class = InitiativeSerializer
    filterset_class = filters.InitiativeFilterSet
    prefetch_related = ("objectives",)


class SuccessFactorViewSet(AccordModelViewSet):
    queryset = SuccessFactor.objects.all()
    serializer_class = SuccessFactorSerializer
    filterset_class = filters.SuccessFactorFilterSet


ROUTES = [
    ("objectives", ObjectiveViewSet, "objective"),
    ("objective-links", ObjectiveLinkViewSet, "objective-link"),
    ("benefits", BenefitViewSet, "benefit"),
    ("kpis", KpiViewSet, "kpi"),
    ("measurements", MeasurementViewSet, "measurement"),
    ("initiatives", InitiativeViewSet, "initiative"),
    ("success-factors", SuccessFactorViewSet, "success-factor"),
]
