"""Give every new program its default success factors, without programs knowing about benefits."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from accord.core.demo import SYSTEM_ACTOR
from accord.programs.models import Program


@receiver(post_save, sender=Program, dispatch_uid="benefits_default_success_factors")
def give_new_program_default_success_factors(
    sender: type[Program], instance: Program, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw:
        return  # fixtures load programs with their factors already in them
    from accord.benefits.services import create_default_success_factors

    create_default_success_factors(program=instance, actor=SYSTEM_ACTOR)
