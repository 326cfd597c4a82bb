"""`accord import-tickets FILE --contract ID`: upsert a vendor's ticket export into a contract.

The same service as the upload page: tickets are matched by id (a re-import adds nothing twice),
events are added by (ticket, instant, state) and removed only with `--replace-events`, and the file is
imported all-or-nothing or valid rows only, as chosen. `--preview` counts what would change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accord.sla import imports, services
from accord.sla.choices import ImportMode, ImportStatus, TicketFormat
from accord.sla.models import Contract

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = (
        "Import a tickets CSV (generic, ServiceNow or Jira Service Management export) into a contract, "
        "upserting by ticket id."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="tickets CSV")
        parser.add_argument("--contract", type=int, required=True, help="contract id")
        parser.add_argument(
            "--format",
            choices=TicketFormat.values,
            default=TicketFormat.GENERIC,
            help="generic (id,priority,opened_at,first_response_at,resolved_at), servicenow, or jira "
            "(Jira Service Management issues; --events is then its status history)",
        )
        parser.add_argument(
            "--events",
            type=Path,
            help="state changes CSV with header id,at,state (for jira: Issue key, To status, Changed at)",
        )
        parser.add_argument(
            "--replace-events",
            action="store_true",
            help="the file's events replace the stored events of its tickets (default: events are only added)",
        )
        parser.add_argument(
            "--preview",
            action="store_true",
            help="count the tickets and events the import would add, update and remove; write nothing",
        )
        parser.add_argument(
            "--mode",
            choices=ImportMode.values,
            default=ImportMode.ALL_OR_NOTHING,
            help="all_or_nothing (default): any bad row rejects the file; valid_rows: store the "
            "valid rows and report the others",
        )
        parser.add_argument("--date-format", help="strftime pattern of the timestamps (default: ISO 8601)")
        parser.add_argument(
            "--compute",
            action="store_true",
            help="compute the contract's SLA results as of now after a successful import",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        contract = Contract.objects.filter(pk=options["contract"]).first()
        if contract is None:
            raise CommandError(f"No contract with id {options['contract']}.")
        for key in ("file", "events"):
            if options[key] is not None and not options[key].is_file():
                raise CommandError(f"{options[key]}: no such file.")
        if options["replace_events"]:
            refusal = imports.replace_events_error(
                file_format=options["format"], has_events_file=options["events"] is not None
            )
            if refusal:
                raise CommandError(refusal)
        actor = "command line (accord import-tickets)"
        ticket_import = services.import_tickets(
            contract=contract,
            source=options["file"],
            file_name=options["file"].name,
            actor=actor,
            file_format=options["format"],
            mode=options["mode"],
            events_source=options["events"],
            date_format=options["date_format"],
            replace_events=options["replace_events"],
            preview=options["preview"],
            check=False,
        )
        for line, message in ticket_import.errors[:SHOWN_ERRORS]:
            self.stderr.write(
                f"line {line}: {message}" if not str(message).startswith(("line", "events")) else message
            )
        if ticket_import.rejected_count > SHOWN_ERRORS:
            self.stderr.write(f"… and {ticket_import.rejected_count - SHOWN_ERRORS} more row errors")
        if ticket_import.status != ImportStatus.DONE:
            raise CommandError(f"{ticket_import.get_status_display()}: {ticket_import.message}")
        self.stdout.write(f"Import {ticket_import.pk} into “{contract}”: {ticket_import.message}")
        if ticket_import.event_changes:
            first = "The first tickets whose events change" if ticket_import.preview else "Events changed"
            self.stdout.write(f"{first}:")
            for ticket_id, added, removed in ticket_import.event_changes:
                self.stdout.write(f"  {ticket_id}: {added} added, {removed} removed")
        if options["compute"] and not ticket_import.preview:
            summary = services.compute_results(
                contract=contract, as_of=timezone.now(), actor=actor, check=False
            )
            self.stdout.write(f"Computed {summary.results} SLA result(s) ({summary.errors} with errors).")
