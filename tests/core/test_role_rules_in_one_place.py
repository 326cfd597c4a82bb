"""Role rules live only in the roles table (`core/permissions.py`): no view or API module decides by role.

Read from the source's syntax tree rather than by grep, so a role written as a constant, a tuple, a
set imported from permissions or a call that fetches a person's role is caught wherever it sits.
"""

from __future__ import annotations

import ast
from pathlib import Path

import accord
from accord.core import permissions
from accord.core.permissions import Role

SOURCE = Path(accord.__file__).parent
# Modules that adapt requests to services; core's own base classes are the rules' home.
VIEW_MODULES = ("views.py", "api.py")
# What a view may use from permissions: the questions that read the roles table, never roles themselves.
ROLE_NAMES = {"Role", "role_in", "role_can", "roles_by_program"} | {
    name for name in vars(permissions) if name.endswith("_ROLES") or name in {"MANAGERS", "LEADERSHIP"}
}


def _view_modules() -> list[Path]:
    return sorted(
        path
        for name in VIEW_MODULES
        for path in SOURCE.rglob(name)
        if "core" not in path.relative_to(SOURCE).parts and "migrations" not in path.parts
    )


def _role_literals(operands: list[ast.expr]) -> list[str]:
    role_values = set(Role.values)
    return [
        f"{node.lineno}: role literal {node.value!r}"
        for operand in operands
        for node in ast.walk(operand)
        if isinstance(node, ast.Constant) and node.value in role_values
    ]


def role_decisions(source: str) -> list[str]:
    """Each place in `source` that names a role or fetches someone's role, as `line: what`."""
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        # A role's value where something is compared with it or a query filters by it ("vendor" is also
        # a field name, which a field list may well hold).
        if isinstance(node, ast.Compare):
            found.extend(_role_literals([node.left, *node.comparators]))
        elif isinstance(node, ast.keyword) and node.arg and "role" in node.arg:
            found.extend(_role_literals([node.value]))
        elif isinstance(node, ast.Name) and node.id in ROLE_NAMES:
            found.append(f"{node.lineno}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in ROLE_NAMES:
            found.append(f"{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "accord.core.permissions":
            found.extend(f"{node.lineno}: imports {a.name}" for a in node.names if a.name in ROLE_NAMES)
    return found


def test_no_view_or_api_module_decides_by_role() -> None:
    offenders = {
        str(path.relative_to(SOURCE)): hits
        for path in _view_modules()
        if (hits := role_decisions(path.read_text()))
    }
    assert offenders == {}


def test_the_scan_reads_every_app_view_module() -> None:
    scanned = {str(path.relative_to(SOURCE)) for path in _view_modules()}
    assert {"alignment/views.py", "benefits/api.py", "governance/views.py"} <= scanned


def test_the_scan_catches_the_usual_ways_of_writing_a_role_check() -> None:
    source = """
from accord.core.permissions import PARTNER_ROLES, role_in
from accord.core import permissions as p

def page(request, program):
    a = role_in(request.user, program.pk) in ("vendor", "consultant")
    b = p.role_in(request.user, program.pk) == p.Role.PROGRAM_MANAGER
    c = request.user.role in PARTNER_ROLES
    d = people.filter(memberships__role__in=["auditor"])
    e = "board_member" != request.user.kind
    fields = ["vendor", "name"]
"""
    hits = role_decisions(source)
    assert any("'vendor'" in hit for hit in hits)
    assert any("'consultant'" in hit for hit in hits)
    assert any("'auditor'" in hit for hit in hits)
    assert any("'board_member'" in hit for hit in hits)
    assert not any(hit.startswith("11:") for hit in hits)  # a field list naming the vendor field
    assert any(".role_in" in hit for hit in hits)
    assert any(".Role" in hit for hit in hits)
    assert any("imports PARTNER_ROLES" in hit for hit in hits)
    assert role_decisions("def page(request):\n    return can(request.user, 'view', thing)\n") == []
