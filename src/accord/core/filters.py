"""FilterSet base and filter backend that turn an id or number the database cannot hold into a 400.

django-filter reads `?contract=1e30` as a Decimal and a model choice as whatever string it gets; the
database then fails on an integer past 64 bits (SQLite's OverflowError, PostgreSQL's "out of range").
Every filter on an integer column or a relation is bounded here, once, to the column's range.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django_filters import fields as filter_fields
from django_filters import filters
from django_filters import rest_framework as drf_filters
from django_filters.utils import get_model_field


def integer_range(field: models.Field | None) -> tuple[int | None, int | None] | None:
    """The (min, max) the column holds when it is an integer (or a relation to an integer key), else None."""
    if field is None:
        return None
    if field.is_relation:
        target = getattr(field, "target_field", None)
        if target is None or target.is_relation:
            related = field.related_model
            target = related._meta.pk if related is not None and related != "self" else None
        return integer_range(target)
    if isinstance(field, models.IntegerField):  # AutoField and BigAutoField included
        return connection.ops.integer_field_range(field.get_internal_type())
    return None


def _key_field(queryset: models.QuerySet | None, to_field_name: str | None) -> models.Field | None:
    if queryset is None:
        return None
    try:
        return queryset.model._meta.get_field(to_field_name) if to_field_name else queryset.model._meta.pk
    except FieldDoesNotExist:
        return None


def _check_integer_key(value: Any, field: forms.ModelChoiceField) -> None:
    bounds = integer_range(_key_field(field.queryset, field.to_field_name))
    if bounds is None or value in field.empty_values:
        return
    try:
        number = int(str(value))
    except ValueError:
        number = None
    low, high = bounds
    if number is None or (low is not None and number < low) or (high is not None and number > high):
        raise forms.ValidationError(
            field.error_messages.get("invalid_choice", "Select a valid choice."),
            code="invalid_choice",
            params={"value": value},
        )


class BoundedModelChoiceField(filter_fields.ModelChoiceField):
    """A model choice whose key must be an integer the database can hold (else a 400, not a query)."""

    def to_python(self, value: Any) -> Any:
        if value != self.null_value:
            _check_integer_key(value, self)
        return super().to_python(value)


class BoundedModelMultipleChoiceField(filter_fields.ModelMultipleChoiceField):
    """Each key of a multiple choice must be an integer the database can hold."""

    def _check_values(self, value: Any) -> Any:
        for each in value:
            if each != self.null_value:
                _check_integer_key(each, self)
        return super()._check_values(value)


def bound_integer_filters(filterset: drf_filters.FilterSet) -> None:
    """Limit every integer and relation filter of this FilterSet instance to what its column holds."""
    model = filterset._meta.model if filterset._meta.model is not None else filterset.queryset.model
    for flt in filterset.filters.values():
        if isinstance(flt, filters.ModelMultipleChoiceFilter) and not issubclass(
            flt.field_class, BoundedModelMultipleChoiceField
        ):
            flt.field_class = BoundedModelMultipleChoiceField
        elif isinstance(flt, filters.ModelChoiceFilter) and not issubclass(
            flt.field_class, BoundedModelChoiceField
        ):
            flt.field_class = BoundedModelChoiceField
        elif isinstance(flt, filters.NumberFilter):
            bounds = integer_range(get_model_field(model, flt.field_name) if flt.field_name else None)
            if bounds is not None:
                low, high = bounds
                flt.extra.setdefault("decimal_places", 0)
                if low is not None:
                    flt.extra["min_value"] = max(low, flt.extra.get("min_value", low))
                if high is not None:
                    flt.extra["max_value"] = min(high, flt.extra.get("max_value", high))


class AccordFilterSet(drf_filters.FilterSet):
    """The base of every FilterSet: ids and integers outside the column's range are a form error (400)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_integer_filters(self)


class AccordFilterBackend(drf_filters.DjangoFilterBackend):
    """DjangoFilterBackend whose generated and declared FilterSets are all bounded like `AccordFilterSet`."""

    filterset_base = AccordFilterSet

    def get_filterset(
        self, request: Any, queryset: models.QuerySet, view: Any
    ) -> drf_filters.FilterSet | None:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None and not isinstance(filterset, AccordFilterSet):
            bound_integer_filters(filterset)
        return filterset


class ProgramFilterSet(AccordFilterSet):
    """The base of every program-scoped model's FilterSet: narrowed with `?program=<id>`.

    Each app declares one FilterSet per model in its `filters.py`, used by its API viewset and, where the
    page filters, by the page too, so both accept the same parameters with the same meaning.
    """

    program = filters.NumberFilter(field_name="program_id")
