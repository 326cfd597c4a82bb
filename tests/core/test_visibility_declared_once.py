"""Visibility is declared once per model and built by core: no app writes its own filter or row check."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from accord.core.models import EVERY_MEMBER, UNDECLARED, ProgramScopedModel, ProgramScopedQuerySet
from accord.core.visibility_checks import visibility_declarations_resolve

# A person's own inbox is by recipient, not by program role: the one sanctioned exception.
OWN_RULES = {"Notification"}


def _scoped_models() -> list[type[ProgramScopedModel]]:
    return [m for m in apps.get_models() if issubclass(m, ProgramScopedModel)]


def test_no_program_scoped_model_writes_its_own_visibility_filter_or_row_check() -> None:
    offenders = []
    for model in _scoped_models():
        if model.__name__ in OWN_RULES:
            continue
        queryset_class = type(model.objects.all())
        if queryset_class.visible_to is not ProgramScopedQuerySet.visible_to:
            offenders.append(f"{model.__name__}.objects.visible_to")
        for klass in model.__mro__:
            if klass is ProgramScopedModel:
                break
            if "permits" in vars(klass):
                # Row rules on top are allowed only when they start from core's check.
                source = vars(klass)["permits"].__code__.co_names
                if "super" not in source:
                    offenders.append(f"{klass.__name__}.permits")
    assert offenders == []


def test_every_declaration_resolves_to_real_fields() -> None:
    assert visibility_declarations_resolve() == []


def test_a_mistyped_visibility_path_is_refused_by_the_system_check(monkeypatch) -> None:
    kpi = apps.get_model("benefits", "Kpi")
    monkeypatch.setattr(kpi, "visibility_path", "benefit__visiblity")
    [error] = visibility_declarations_resolve()
    assert error.id == "accord.E101" and "Kpi" in error.msg


def test_a_personal_access_field_must_name_a_person(monkeypatch) -> None:
    flag = apps.get_model("governance", "RedFlag")
    monkeypatch.setattr(flag, "personal_access", {"title": ("view",)})
    [error] = visibility_declarations_resolve()
    assert error.id == "accord.E102"


def test_every_program_scoped_model_says_how_it_is_seen() -> None:
    silent = [m.__name__ for m in _scoped_models() if not m.declares_visibility()]
    assert silent == []


def test_a_program_scoped_model_that_declares_no_visibility_is_refused(monkeypatch) -> None:
    rule = apps.get_model("governance", "EscalationRule")
    monkeypatch.setattr(rule, "visibility_path", UNDECLARED)
    [error] = visibility_declarations_resolve()
    assert error.id == "accord.E103" and "EscalationRule" in error.msg


def test_an_undeclared_model_shows_nothing_rather_than_everything(monkeypatch, world) -> None:
    rule = apps.get_model("governance", "EscalationRule")
    monkeypatch.setattr(rule, "visibility_path", UNDECLARED)
    with pytest.raises(ImproperlyConfigured, match="EscalationRule declares no visibility_path"):
        list(rule.objects.visible_to(world.vendor))


def test_every_member_is_a_declaration_of_its_own(world) -> None:
    rule = apps.get_model("governance", "EscalationRule")
    assert rule.visibility_path is EVERY_MEMBER
    assert rule.objects.visible_to(world.vendor).filter(program=world.program).exists()
