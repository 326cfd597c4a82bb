"""API building blocks: validating serializers, permission-aware viewsets, errors, paging, throttling."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, models
from django.http import Http404
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from accord.core import services
from accord.core.filters import ProgramFilterSet as ProgramFilterSet  # re-exported for older imports
from accord.core.filters import integer_range
from accord.core.permissions import Action, can, can_in_program, role_in

logger = logging.getLogger(__name__)


def django_error_detail(error: DjangoValidationError) -> Any:
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): [
                m for e in errs for m in e.messages
            ]
            for field, errs in error.error_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Model validation and integrity errors become field-level 400s, never a 500."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_error_detail(exc))
    elif isinstance(exc, IntegrityError):
        logger.info("integrity error turned into a 400: %s", exc)
        exc = exceptions.ValidationError(
            {
                api_settings.NON_FIELD_ERRORS_KEY: [
                    "This conflicts with an existing record (a duplicate or a reference still in use)."
                ]
            }
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, OverflowError | DataError):
        # A number past what the column holds (SQLite raises OverflowError, PostgreSQL a DataError) that
        # slipped past the filters and serializers: the input is at fault, not the server.
        logger.info("out-of-range value turned into a 400: %s", exc)
        exc = exceptions.ValidationError(
            {
                api_settings.NON_FIELD_ERRORS_KEY: [
                    "A value is out of range (a number too large, or text where a number belongs)."
                ]
            }
        )
    return drf_exception_handler(exc, context)


class ValidatedModelSerializer(serializers.ModelSerializer):
    """Runs the model's `full_clean()` so the API accepts exactly what the forms accept.

    Saving goes through the audited generic services; the view supplies the acting user.
    """

    clean_exclude: tuple[str, ...] = ()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        model = self.Meta.model
        m2m = {f.name for f in model._meta.many_to_many}
        plain = {k: v for k, v in attrs.items() if k not in m2m}
        if self.instance is not None:
            candidate = model.objects.get(pk=self.instance.pk)
            for key, value in plain.items():
                setattr(candidate, key, value)
        else:
            candidate = model(**plain)
        try:
            candidate.full_clean(exclude=self.clean_exclude, validate_unique=True)
        except DjangoValidationError as error:
            raise serializers.ValidationError(django_error_detail(error)) from error
        return attrs

    def create(self, validated_data: dict[str, Any]) -> models.Model:
        actor = self.context["request"].user
        return services.create_record(model=self.Meta.model, actor=actor, data=validated_data)

    def update(self, instance: models.Model, validated_data: dict[str, Any]) -> models.Model:
        actor = self.context["request"].user
        return services.update_record(instance=instance, actor=actor, data=validated_data)


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A relation whose choices are limited to what the requesting user may see (no id probing)."""

    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return queryset.visible_to(request.user)


class ObjectPermission(permissions.BasePermission):
    """Reads need the view permission (else 404), writes the action's permission (else 403)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        action = Action.DELETE if request.method == "DELETE" else Action.CHANGE
        return can(request.user, action, obj)


class IntegerLookupMixin:
    """A detail URL whose id is not a number the key column can hold is a 404, never a failing query.

    Checked in `initial`, so custom detail actions that look the record up themselves are covered too.
    """

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        value = kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if value is None:
            return
        model = self.queryset.model
        field = model._meta.pk if self.lookup_field == "pk" else model._meta.get_field(self.lookup_field)
        bounds = integer_range(field)
        if bounds is None:
            return
        low, high = bounds
        text = str(value)
        number = int(text) if text.isascii() and text.lstrip("-").isdigit() else None
        if number is None or (low is not None and number < low) or (high is not None and number > high):
            raise exceptions.NotFound()


def visible_queryset(declared: models.QuerySet, user: Any) -> models.QuerySet:
    """The viewset's declared queryset narrowed to what `user` may see, in a stable order.

    It starts from the declared queryset, not from the model's manager, so a filter or annotation a
    viewset declares is never silently dropped; visibility only ever narrows it.
    """
    queryset = declared.all().visible_to(user)
    if not queryset.query.order_by:
        queryset = queryset.order_by(*(declared.model._meta.ordering or ["pk"]))
    return queryset


class AccordModelViewSet(IntegerLookupMixin, viewsets.ModelViewSet):
    """CRUD over `Model.objects.visible_to(user)` with audited writes; the base for every resource."""

    permission_classes = [ObjectPermission]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def get_queryset(self) -> models.QuerySet:
        queryset = visible_queryset(self.queryset, self.request.user)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A member whose role may not add here gets a 403 before their input is judged; a non-member
        # gets the serializer's "does not exist" for the program, which reveals nothing.
        area = getattr(self.queryset.model, "access_area", None)
        program_id = request.data.get("program") if hasattr(request.data, "get") else None
        if area and str(program_id or "").isdigit():
            program_id = int(program_id)
            if role_in(request.user, program_id) is not None and not can_in_program(
                request.user, Action.ADD, area, program_id
            ):
                raise exceptions.PermissionDenied("Your role in this program may not add these records.")
        return super().create(request, *args, **kwargs)

    def perform_destroy(self, instance: models.Model) -> None:
        services.delete_record(instance=instance, actor=self.request.user)


class AccordReadOnlyViewSet(IntegerLookupMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [ObjectPermission]
    select_related: tuple[str, ...] = ()

    def get_queryset(self) -> models.QuerySet:
        queryset = visible_queryset(self.queryset, self.request.user)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        return queryset
