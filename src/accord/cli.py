"""The `accord` command: everything manage.py does, plus Accord's own commands."""

from __future__ import annotations

import os
import sys

# Command modules follow Django's naming (underscores); the names operators already put in their
# schedulers keep working.
ALIASES = {
    "send-digests": "send_digests",
    "snapshot-alignment": "snapshot_alignment",
    "compute-sla": "compute_sla",
    "import-tickets": "import_tickets",
    "training-reminders": "training_reminders",
    "flag-knowledge-gaps": "flag_knowledge_gaps",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["sla"]:
        # The SLA engine's command line needs no database: skip Django's start-up (every app, the
        # database drivers), about a second of CPU per run. Same options, output and exit codes as
        # the `sla` management command, which hands everything to the same function.
        from accord.sla import cli as sla_cli

        sys.exit(sla_cli.main(args[1:]))
    if args:
        args[0] = ALIASES.get(args[0], args[0])
    execute_from_command_line(["accord", *args])


if __name__ == "__main__":
    main()
