"""The `accord` command: everything manage.py does, plus Accord's own commands."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["accord", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
