"""Every DELETE the API offers says what may be deleted: its model declares `deletion_problem()` (asked by
`core.services.delete_record`) or is listed here as a plain record with the reason; no write path bulk-deletes
a queryset past the audit trail."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from rest_framework import mixins

from accord.core.api import AccordModelViewSet
from accord.core.registry import accord_apps, optional_module

# Records whose deletion never loses history others rely on; anything that goes with them is audited row by row.
PLAIN_RECORDS: dict[str, str] = {
    "benefits.Objective": "a strategy map node; its cause-effect links go with it, each audited",
    "benefits.ObjectiveLink": "one arrow of the strategy map",
    "benefits.Measurement": "a mistaken reading may be removed; the audit row keeps its value",
    "alignment.ReadinessAssessment": "one ADKAR reading of a group; the audit row keeps it",
    "alignment.Impact": "a working estimate; a published strategy keeps its own copy in its snapshot",
    "transition.Interview": "notes of one interview; the audit row keeps them",
    "change_control.ChangeWindow": "a maintenance or freeze window; changes only read it",
    "transparency.Assignment": "who does what on a service today; the audit row keeps who did",
    # Its own service (remove_member) guards the last program manager and audits the removal as a
    # permission change.
    "programs.Membership": "removed through programs.services.remove_member",
}

# Viewsets whose delete is a service of its own rather than core's delete_record.
OWN_DELETE_SERVICE = {"MembershipViewSet"}


def deletable_viewsets() -> list[tuple[str, type]]:
    found = []
    for config in accord_apps():
        api = optional_module(config, "api")
        for route in getattr(api, "ROUTES", ()):
            viewset = route[1]
            if issubclass(viewset, mixins.DestroyModelMixin) and "delete" in viewset.http_method_names:
                found.append((route[0], viewset))
    return found


def test_the_api_offers_deletes_to_check() -> None:
    prefixes = {prefix for prefix, _ in deletable_viewsets()}
    assert {"strategy-versions", "change-boards", "action-plans"} <= prefixes


def test_every_deletable_model_declares_its_rule_or_is_a_plain_record() -> None:
    undeclared = []
    for prefix, viewset in deletable_viewsets():
        model = viewset.queryset.model
        declares = callable(getattr(model, "deletion_problem", None))
        plain = model._meta.label in PLAIN_RECORDS
        if declares == plain:
            undeclared.append(f"/api/{prefix}/ ({model._meta.label}: declares={declares}, plain={plain})")
    assert not undeclared, "declare deletion_problem() or list the model as a plain record: " + ", ".join(
        undeclared
    )


def test_the_plain_records_list_names_only_deletable_models() -> None:
    deletable = {viewset.queryset.model._meta.label for _, viewset in deletable_viewsets()}
    assert set(PLAIN_RECORDS) <= deletable


def test_deletes_go_through_delete_record_unless_they_have_a_service() -> None:
    own = [
        viewset.__name__
        for _, viewset in deletable_viewsets()
        if any(
            "perform_destroy" in vars(cls) or "destroy" in vars(cls)
            for cls in viewset.__mro__
            if cls not in (AccordModelViewSet, mixins.DestroyModelMixin)
            and cls.__module__.startswith("accord.")
        )
    ]
    assert sorted(own) == sorted(OWN_DELETE_SERVICE)


# Bulk deletes that are not of domain records or are the audited event themselves.
BULK_DELETES_ALLOWED = {
    # Revoking a token is the event these record (LOGOUT_EVERYWHERE, "api_token revoked").
    ("accord.accounts.services", "log_out_everywhere"),
    ("accord.accounts.services", "revoke_api_tokens"),
    # allauth's own table of addresses, kept in line with the audited address on the account.
    ("accord.accounts.services", "record_own_email_address"),
    # Daily anonymous-concern counters: auditing them would say who wrote on which day.
    ("accord.transparency.services", "_spend_allowance"),
}

QUERYSET_METHODS = {"all", "filter", "exclude"}


def bulk_deletes(module_name: str, source: str) -> list[tuple[str, str, int]]:
    """(module, function, line) of every `<queryset>.filter(...).delete()` style call."""
    found = []
    tree = ast.parse(source)
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "delete"
                and isinstance(node.func.value, ast.Call)
                and isinstance(node.func.value.func, ast.Attribute)
                and node.func.value.func.attr in QUERYSET_METHODS
            ):
                found.append((module_name, function.name, node.lineno))
    return found


def test_no_write_path_bulk_deletes_past_the_audit() -> None:
    found = []
    for config in accord_apps():
        for name in ("api", "views", "services"):
            module = optional_module(config, name)
            if module is None:
                continue
            files = (
                sorted(Path(module.__file__).parent.glob("*.py"))
                if Path(module.__file__).name == "__init__.py"
                else [Path(inspect.getfile(module))]
            )
            for path in files:
                found += bulk_deletes(module.__name__, path.read_text())
    unexpected = [f"{m}.{f} line {line}" for m, f, line in found if (m, f) not in BULK_DELETES_ALLOWED]
    assert not unexpected, "delete through core.services.delete_record instead: " + ", ".join(unexpected)


def test_the_scan_finds_a_bulk_delete() -> None:
    source = "def drop(plan):\n    plan.items.all().delete()\n"
    assert bulk_deletes("example", source) == [("example", "drop", 2)]
