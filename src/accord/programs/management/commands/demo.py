"""`accord demo`: a demo health system with two programs, every feature shown, demo-only logins.

It lives in programs, not core: it asks for programs by name, and core imports no app above it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accord.core.demo import DEMO_PASSWORD, DemoContext
from accord.core.registry import demo_seeders
from accord.programs.demo import DEMO_PROGRAM_NAMES, demo_logins
from accord.programs.models import Program


class Command(BaseCommand):
    help = "Create the demo health system and its two programs (idempotent; --reset starts over)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Delete ALL data first, then seed the demo.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Seed only when the database has no programs."
        )
        parser.add_argument("--force", action="store_true", help="Allow running with ACCORD_ENV=production.")

    def handle(self, *args: Any, reset: bool, if_empty: bool, force: bool, **options: Any) -> None:
        if settings.PRODUCTION and not force:
            raise CommandError(
                "The demo has public passwords; refusing in production (use --force to insist)."
            )
        if reset:
            call_command("flush", interactive=False, verbosity=0)
            call_command("createcachetable", verbosity=0)
        elif Program.objects.filter(name__in=DEMO_PROGRAM_NAMES).exists():
            self.stdout.write("The demo is already present; nothing changed (use --reset to start over).")
            self.print_logins()
            return
        elif if_empty and Program.objects.exists():
            self.stdout.write("The database already holds programs; the demo was not added.")
            return
        demo = DemoContext(today=timezone.localdate())
        with transaction.atomic():
            for label, seed in demo_seeders():
                self.stdout.write(f"Seeding {label}…")
                seed(demo)
        self.stdout.write(self.style.SUCCESS("Demo ready."))
        self.print_logins(demo)

    def print_logins(self, demo: DemoContext | None = None) -> None:
        self.stdout.write(f"\nDemo logins (demo-only password for all: {DEMO_PASSWORD})")
        for email, who, sees in demo_logins():
            self.stdout.write(f"  {email:<38} {who:<44} {sees}")
