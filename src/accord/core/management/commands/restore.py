"""`accord restore FILE`: replace the database with a backup, then verify the audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `accord backup`. Refuses a database that holds data unless --force; "
        "runs `accord audit verify` afterwards (with the same ACCORD_AUDIT_KEYS as when it was written)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A .sqlite3 file or a pg_dump custom-format archive.")
        parser.add_argument(
            "--force", action="store_true", help="Replace a database that already holds data."
        )

    def handle(self, *args: Any, file: Path, force: bool, **options: Any) -> None:
        try:
            restore(file, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {file}. Verifying the audit trail…")
        try:
            call_command("audit", "verify", stdout=self.stdout, stderr=self.stderr)
        except CommandError as error:
            raise CommandError(f"The backup was restored, but {error}") from error
