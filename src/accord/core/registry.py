"""What each domain app contributes to the shell: navigation, program-home panels, demo data, routes.

An app declares these on its AppConfig (or in its `api`/`demo` modules), so adding an app never
means editing a central list.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.apps import AppConfig, apps


@dataclass(frozen=True)
class NavEntry:
    """A link in a program's navigation; shown to people who may view `area` in that program."""

    label: str
    url_name: str
    area: str


@dataclass(frozen=True)
class HomePanel:
    """A block on the program home page: a template and a function giving its context."""

    template: str
    # dotted path to f(*, program, user, as_of=None) -> dict | None (None hides the panel); `as_of` (a date)
    # asks for the panel as it stood at the end of that day (the board pack reads the dashboard that way).
    context: str
    area: str
    order: int = 100


def accord_apps() -> Iterator[AppConfig]:
    for config in apps.get_app_configs():
        if config.name.startswith("accord."):
            yield config


def optional_module(config: AppConfig, name: str) -> ModuleType | None:
    module_name = f"{config.name}.{name}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            return None
        raise


def nav_entries() -> list[NavEntry]:
    return [entry for config in accord_apps() for entry in getattr(config, "accord_nav", ())]


def home_panels() -> list[HomePanel]:
    panels = [panel for config in accord_apps() for panel in getattr(config, "accord_home_panels", ())]
    return sorted(panels, key=lambda p: p.order)


def resolve(dotted: str) -> Callable[..., Any]:
    module_name, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def providers(hook: str) -> list[Callable[..., Any]]:
    """The functions apps declare for `hook` on their AppConfig (a dotted path each), in INSTALLED_APPS order.

    This is how one app asks another for something without importing it: alignment asks for
    `accord_red_flag_counters`, which governance declares; without governance installed, none answer.
    """
    return [resolve(dotted) for config in accord_apps() for dotted in getattr(config, hook, ())]


def demo_seeders() -> list[tuple[str, Callable[..., Any]]]:
    """`seed(demo)` functions from each app's `demo` module, in INSTALLED_APPS order."""
    seeders = []
    for config in accord_apps():
        module = optional_module(config, "demo")
        if module is not None and hasattr(module, "seed"):
            seeders.append((config.label, module.seed))
    return seeders
