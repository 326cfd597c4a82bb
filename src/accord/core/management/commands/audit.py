"""`accord audit verify`: checks that no audit entry was edited or deleted behind the application's back."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.core.audit import verify_chain


class Command(BaseCommand):
    help = "Audit trail tools. `verify` walks the hash chain and exits non-zero at the first broken entry."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Check every entry's hash and that none is missing.")

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = verify_chain()
        if problem is not None:
            raise CommandError(f"Audit trail is broken at {problem} ({checked} entries before it are intact).")
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {checked} entries verified."))
