"""System check: every program-scoped model's visibility declaration points at real fields.

The queryset filter and the row check are built from `visibility_path` and `personal_access`, so a
typo there, or a model that says nothing, would silently widen or empty what people see; `accord check`
(and the test suite) refuses it.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.checks import Error, Tags, register
from django.core.exceptions import FieldDoesNotExist
from django.db import models


def _resolve(model: type[models.Model], path: str) -> models.Field | None:
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.is_relation:
            model = field.related_model
    return field


@register(Tags.models)
def visibility_declarations_resolve(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from django.conf import settings

    from accord.core.models import ProgramScopedModel

    errors = []
    for model in apps.get_models():
        if not issubclass(model, ProgramScopedModel):
            continue
        if not model.declares_visibility():
            errors.append(
                Error(
                    f"{model.__name__} is program-scoped but declares no visibility.",
                    hint="Set visibility_path to the lookup of the field that makes it shared or internal "
                    "(e.g. 'benefit__visibility'), or to core.models.EVERY_MEMBER when every member of "
                    "the program may see every row; or give the model its own VisibilityField.",
                    obj=model,
                    id="accord.E103",
                )
            )
            continue
        path = model.visibility_lookup()
        if path is not None:
            field = _resolve(model, path)
            if field is None or field.name != "visibility":
                errors.append(
                    Error(
                        f"{model.__name__}.visibility_path {path!r} does not lead to a visibility field.",
                        obj=model,
                        id="accord.E101",
                    )
                )
        for name in model.personal_access:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
            if (
                field is None
                or not field.is_relation
                or field.related_model._meta.label != settings.AUTH_USER_MODEL
            ):
                errors.append(
                    Error(
                        f"{model.__name__}.personal_access names {name!r}, which is not a link to a person.",
                        obj=model,
                        id="accord.E102",
                    )
                )
    return errors
