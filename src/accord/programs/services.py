"""Program writes with rules: creating a program with its first manager, and changing who holds which role.

Role changes are permission changes, so they are recorded as such in the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, Role, can, can_in_program, forget_roles
from accord.core.registry import providers
from accord.core.services import save_new_record
from accord.programs.models import Membership, Program, ProgramTemplate
from accord.programs.program_templates import BUILT_IN_FILES, capture_body, check_body, load_built_in


def create_program(
    *,
    actor: Any,
    manager: Any | None = None,
    check: bool = True,
    template: ProgramTemplate | None = None,
    **fields: Any,
) -> Program:
    """Create a program, make `manager` (default: the actor) its program manager, and let every app
    give it what a new program starts with (default escalation rules, success factors...).

    Those apps declare `accord_program_setup` on their AppConfig (core/registry.py); programs does not
    import them, and they run in this transaction, so a program never exists without its defaults.
    From a `template`, each app also creates its own part of the template's body (its groups, KPIs,
    rules, bodies...), in the same transaction: a template that no longer fits leaves nothing behind.
    """
    if template is not None:
        fields.setdefault("kind", template.kind)
        problems = check_body(template.body)
        if problems:
            raise ValidationError(
                {"template": [f"Template “{template}” cannot be used: {p}" for p in problems]}
            )
    program = Program(**fields)
    if check and not can(actor, Action.ADD, program):
        raise PermissionDenied("Only platform administrators create programs.")
    body = template.body if template is not None else None
    with transaction.atomic():
        save_new_record(instance=program, actor=actor)
        manager = manager or (actor if getattr(actor, "is_authenticated", False) else None)
        if manager is not None:
            _save_membership(
                Membership(program=program, person=manager, role=Role.PROGRAM_MANAGER), actor=actor
            )
        for set_up in providers("accord_program_setup"):
            set_up(program=program, actor=actor, template=body)
        if template is not None:
            audit.record(
                actor=actor,
                action=AuditAction.EVENT,
                instance=program,
                changes={"created_from_template": [None, template.name]},
            )
    forget_roles(actor)
    return program


def install_built_in_templates(*, actor: Any) -> list[ProgramTemplate]:
    """Load the shipped templates that are missing (the data migration installs them; a flushed database,
    as a test leaves it, does not have them). A template already there, edited or not, is kept."""
    created = []
    with transaction.atomic():
        for filename in BUILT_IN_FILES:
            shipped = load_built_in(filename)
            if ProgramTemplate.objects.filter(name=shipped["name"]).exists():
                continue
            template = ProgramTemplate(built_in=True, **shipped)
            created.append(save_new_record(instance=template, actor=actor))
    return created


def template_name_problem(name: str) -> str | None:
    """Why `name` cannot name a new template, or None. Names are told apart without regard to case, since
    people pick a template from a list by its name; the page's form and the API both ask this."""
    name = name.strip()
    if not name:
        return "A template needs a name."
    if ProgramTemplate.objects.filter(name__iexact=name).exists():
        return f"A template named “{name}” already exists; choose another name."
    return None


def save_program_as_template(
    *, actor: Any, program: Program, name: str, description: str = ""
) -> ProgramTemplate:
    """Capture what another program of this kind would start with: names, definitions, cadences; never
    people, measurements or records (each app says what its part captures)."""
    if not (can(actor, Action.ADD, Program(kind=program.kind)) and program.permits(actor, Action.VIEW)):
        raise PermissionDenied("Only people who create programs save a program as a template.")
    with transaction.atomic():
        problem = template_name_problem(name)
        if problem:
            raise ValidationError({"name": [problem]})
        template = ProgramTemplate(
            name=name.strip(),
            kind=program.kind,
            description=description.strip(),
            body=capture_body(program),
            based_on=program,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        return save_new_record(instance=template, actor=actor)


def _save_membership(membership: Membership, *, actor: Any, before: dict | None = None) -> Membership:
    membership.full_clean()
    membership.save()
    after = audit.snapshot(membership)
    audit.record(
        actor=actor,
        action=AuditAction.PERMISSION,
        instance=membership,
        changes=audit.diff(before or {}, after),
    )
    forget_roles(membership.person)
    return membership


def _require_manager(actor: Any, program: Program) -> None:
    if not can_in_program(actor, Action.CHANGE, "program", program.pk):
        raise PermissionDenied("Only the program manager changes who holds which role.")


def _guard_last_manager(membership: Membership, new_role: str | None) -> None:
    if membership.role != Role.PROGRAM_MANAGER or new_role == Role.PROGRAM_MANAGER:
        return
    others = Membership.objects.filter(program_id=membership.program_id, role=Role.PROGRAM_MANAGER).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise ValidationError(
            {"role": "A program needs at least one program manager; appoint another first."}
        )


def add_member(*, actor: Any, program: Program, person: Any, role: str, check: bool = True) -> Membership:
    if check:
        _require_manager(actor, program)
    with transaction.atomic():
        if Membership.objects.filter(program=program, person=person).exists():
            raise ValidationError({"person": f"{person} is already a member of {program}."})
        return _save_membership(Membership(program=program, person=person, role=role), actor=actor)


def change_role(*, actor: Any, membership: Membership, role: str) -> Membership:
    _require_manager(actor, membership.program)
    with transaction.atomic():
        _guard_last_manager(membership, role)
        before = audit.snapshot(membership)
        membership.role = role
        return _save_membership(membership, actor=actor, before=before)


def remove_member(*, actor: Any, membership: Membership) -> None:
    _require_manager(actor, membership.program)
    with transaction.atomic():
        _guard_last_manager(membership, None)
        audit.record(
            actor=actor,
            action=AuditAction.PERMISSION,
            instance=membership,
            changes=audit.diff(audit.snapshot(membership), {}),
        )
        person = membership.person
        membership.delete()
        forget_roles(person)
