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
    if args:
        args[0] = ALIASES.get(args[0], args[0])
    execute_from_command_line(["accord", *args])


if __name__ == "__main__":
    main()
