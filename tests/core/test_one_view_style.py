"""One view style: every page is a class-based view (program pages on `core.views.ProgramViewMixin`).

Read from each app's `views.py` syntax tree, so a function view is caught before anything imports it, and
from the URL resolver, so a view written elsewhere and mounted by hand is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

import accord

SOURCE = Path(accord.__file__).parent
# Core's handlers for errors and the health check are the only function views: Django calls the error
# handlers by its own signature, and the health check sits outside every program and every login.
CORE_FUNCTION_VIEWS = {"healthz", "permission_denied", "page_not_found", "server_error", "render_page"}
# Apps whose views another helper is converting to classes at this moment (sla and transition are done);
# that helper removes its app's name from this list when its views.py holds no function view. Never add one.
BEING_CONVERTED: set[str] = set()


def _answers_a_request(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    # A helper that takes the request to build a context (it returns a dict) is not a view; a function that
    # returns a response, carries a view decorator or says nothing of what it returns is taken for one.
    returns = ast.unparse(node.returns) if node.returns is not None else ""
    return bool(node.decorator_list) or not returns or "Response" in returns


def function_views(source: str) -> list[str]:
    """Module-level public functions of `source` that take a request and answer it: function views."""
    tree = ast.parse(source)
    return [
        f"{node.lineno}: {node.name}"
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.args.args
        and node.args.args[0].arg == "request"
        and not node.name.startswith("_")
        and _answers_a_request(node)
    ]


def _app_views() -> dict[str, Path]:
    return {path.parent.name: path for path in sorted(SOURCE.glob("*/views.py"))}


def test_no_app_defines_a_function_view() -> None:
    found = {}
    for app, path in _app_views().items():
        views = function_views(path.read_text())
        if app == "core":
            views = [v for v in views if v.split(": ")[1] not in CORE_FUNCTION_VIEWS]
        if views and app not in BEING_CONVERTED:
            found[app] = views
    assert found == {}, f"function views (write a class on ProgramViewMixin or LoginRequiredMixin): {found}"


def test_the_check_catches_a_function_view_but_not_a_class_or_a_private_helper() -> None:
    source = (
        "from django.views import View\n"
        "def _context(request, program): return {}\n"
        "class Page(View):\n    def get(self, request): ...\n"
        "@login_required\ndef page(request, program_id): ...\n"
        "async def stream(request): ...\n"
        "def minutes_context(request, meeting) -> dict[str, Any]: ...\n"
        "def export(request, pk) -> HttpResponse: ...\n"
    )
    assert function_views(source) == ["6: page", "7: stream", "9: export"]


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, object]]:
    found = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            found.extend(_patterns(pattern, prefix + str(pattern.pattern)))
        elif isinstance(pattern, URLPattern):
            found.append((prefix + str(pattern.pattern), pattern.callback))
    return found


def test_every_accord_url_is_served_by_a_class_based_view() -> None:
    function_mounted = [
        f"{route} -> {callback.__module__}.{callback.__name__}"
        for route, callback in _patterns(get_resolver())
        if callback.__module__.startswith("accord.")
        and not hasattr(callback, "view_class")  # Django's and DRF's class-based views
        and not hasattr(callback, "cls")  # DRF viewset routes
        and callback.__module__.split(".")[1] not in BEING_CONVERTED
        and callback.__name__ not in CORE_FUNCTION_VIEWS
    ]
    assert function_mounted == []
