"""Every new program gets the default escalation rules.

Programs are created by the programs app, which must not know about governance; a signal keeps
the two apart (the rules themselves are written by the service, with their audit entries).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from accord.programs.models import Program


@receiver(post_save, sender=Program, dispatch_uid="governance_default_escalation_rules")
def give_new_program_default_escalation_rules(
    sender: type[Program], instance: Program, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw:
        return
    from accord.governance.services import create_default_escalation_rules

    create_default_escalation_rules(program=instance, actor="accord (default escalation rules)")
