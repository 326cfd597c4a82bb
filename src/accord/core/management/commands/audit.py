"""`accord audit verify|reseal`: checks that no audit entry was edited or deleted behind the application's back,
and seals the trail with the current key (after upgrading from the unkeyed chain, or to retire a key)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.core.audit import ChainBroken, reseal_chain, verify_chain


class Command(BaseCommand):
    help = (
        "Audit trail tools. `verify` walks the keyed hash chain and exits non-zero at the first broken "
        "entry; `reseal` seals every entry again with the first key of ACCORD_AUDIT_KEYS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Check every entry's seal and key, and that none is missing.")
        sub.add_parser(
            "reseal",
            help="After checking the trail, seal every entry with the current signing key "
            "(once after upgrading from unkeyed entries; before retiring a key).",
        )

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "reseal":
            try:
                count = reseal_chain(actor="accord audit reseal")
            except ChainBroken as error:
                raise CommandError(f"{error} Nothing was re-sealed.") from error
            self.stdout.write(self.style.SUCCESS(f"Audit trail re-sealed: {count} entries."))
            return
        checked, problem = verify_chain()
        if problem is not None:
            raise CommandError(
                f"Audit trail is broken at {problem} ({checked} entries before it are intact)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {checked} entries verified."))
