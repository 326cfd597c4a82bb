"""`accord compute-sla --contract ID`: recompute a contract's SLA results (e.g. nightly, from cron)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accord.sla import services
from accord.sla.models import Contract, SlaPolicyVersion


class Command(BaseCommand):
    help = (
        "Compute SLA results of a contract as of now (or --as-of), each ticket under its own policy version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--contract", type=int, required=True, help="contract id")
        parser.add_argument(
            "--policy-version", type=int, help="measure every ticket under this version number instead"
        )
        parser.add_argument("--as-of", help="ISO 8601 instant with offset (default: now)")

    def handle(self, *args: Any, **options: Any) -> None:
        contract = Contract.objects.filter(pk=options["contract"]).first()
        if contract is None:
            raise CommandError(f"No contract with id {options['contract']}.")
        version = None
        if options["policy_version"] is not None:
            version = SlaPolicyVersion.objects.filter(
                policy__contract=contract, number=options["policy_version"]
            ).first()
            if version is None:
                raise CommandError(f"The contract's policy has no version {options['version']}.")
        as_of = timezone.now()
        if options["as_of"]:
            as_of = parse_datetime(options["as_of"])
            if as_of is None or timezone.is_naive(as_of):
                raise CommandError(
                    "--as-of must be an ISO 8601 instant with an offset, e.g. 2025-01-31T23:59+00:00"
                )
        try:
            summary = services.compute_results(
                contract=contract,
                version=version,
                as_of=as_of,
                actor="command line (accord compute-sla)",
                check=False,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            f"Computed {summary.results} SLA result(s) for “{contract}” "
            f"({summary.errors} with errors; by version {summary.by_version})."
        )
