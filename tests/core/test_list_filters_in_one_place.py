"""One rule for a bad filter value on a list page: every page view that builds a FilterSet reads its rows
through `core.views.FilteredListMixin.filtered` (a 400 and no rows for a value the FilterSet rejects, as the
API answers), never `filterset.qs` directly, which quietly drops the bad value and shows the default list.

Read from each app's `views.py`, so a new list page that filters on its own is caught whichever app it is in.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import accord
from accord.core.views import FilteredListMixin

SOURCE = Path(accord.__file__).parent


def _builds_a_filterset(node: ast.ClassDef) -> bool:
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            name = ast.unparse(call.func)
            if name.endswith("FilterSet"):
                return True
    return False


def filtering_views() -> list[tuple[str, type, str]]:
    found = []
    for path in sorted(SOURCE.glob("*/views.py")):
        module_name = f"accord.{path.parent.name}.views"
        tree = ast.parse(path.read_text())
        module = importlib.import_module(module_name)
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and _builds_a_filterset(node):
                found.append((f"{module_name}.{node.name}", getattr(module, node.name), ast.unparse(node)))
    return found


def test_the_scan_finds_the_known_list_pages() -> None:
    # So a change in how views are written cannot make the rule below pass by finding nothing.
    names = {name for name, _cls, _source in filtering_views()}
    assert {
        "accord.governance.views.RiskListView",
        "accord.alignment.views.CommitmentListView",
        "accord.transition.views.ServiceListView",
        "accord.notifications.views.NotificationListView",
    } <= names


def test_every_page_that_filters_refuses_a_bad_value_through_the_shared_mixin() -> None:
    wrong = []
    for name, cls, source in filtering_views():
        if not issubclass(cls, FilteredListMixin):
            wrong.append(f"{name}: not a FilteredListMixin")
        if "self.filtered(" not in source:
            wrong.append(f"{name}: does not read its rows through self.filtered()")
        if re.search(r"\.qs\b", source):
            wrong.append(f"{name}: reads a FilterSet's .qs directly (a bad value would be ignored)")
        # A view that renders its own response must pass the mixin's status on; a TemplateView gets it
        # from the mixin's render_to_response.
        renders_itself = re.search(r"\b(render|render_page|self\.page)\(", source)
        if renders_itself and "self.filter_status" not in source:
            wrong.append(f"{name}: renders without status=self.filter_status")
    assert not wrong, "\n".join(wrong)
