"""`accord sla …`: the SLA engine's own command line (`accord sla compute --policy … --tickets …`).

Everything after `sla` goes to `accord.sla.cli.main` untouched, so the options, help and exit codes are
exactly those of the engine's CLI, which needs no database.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.sla import cli


class Command(BaseCommand):
    help = "SLA tools without the database: `accord sla compute --help` for the computation of SLA clocks."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "args", nargs=argparse.REMAINDER, help="a subcommand and its options, e.g. compute …"
        )

    def run_from_argv(self, argv: list[str]) -> None:
        # argv is ["accord", "sla", ...]; bypass Django's parser so that --help reaches the engine's CLI.
        sys.exit(cli.main(argv[2:]))

    def handle(self, *args: Any, **options: Any) -> None:
        code = cli.main(list(args), stdout=self.stdout._out, stderr=self.stderr._out)
        if code:
            raise CommandError(f"accord sla exited with status {code}", returncode=code)
