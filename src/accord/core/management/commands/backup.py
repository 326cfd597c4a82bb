"""`accord backup [FILE]`: a consistent copy of the database while the application keeps running."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accord.core.backup import BackupError, back_up, default_backup_name


class Command(BaseCommand):
    help = (
        "Back up the database: SQLite's online backup to a .sqlite3 file, or pg_dump --format=custom on "
        "PostgreSQL. The audit keys (ACCORD_AUDIT_KEYS) are not in the backup; keep them separately."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            type=Path,
            help="Where to write it (default: $ACCORD_VAR_DIR/backups/accord-<time>.<ext>).",
        )
        parser.add_argument("--force", action="store_true", help="Overwrite FILE if it exists.")

    def handle(self, *args: Any, file: Path | None, force: bool, **options: Any) -> None:
        target = file or settings.VAR_DIR / "backups" / default_backup_name(timezone.localtime())
        if target.exists() and not force:
            raise CommandError(f"{target} exists; choose another name or use --force.")
        try:
            back_up(target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backed up to {target} ({target.stat().st_size:,} bytes)."))
