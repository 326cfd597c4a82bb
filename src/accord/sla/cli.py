"""`accord sla compute`: SLA results for a tickets file (and optional events) under a policy file.

Pure command line over accord.sla.engine; no Django, so it runs anywhere the engine does. Exits 0
when it wrote results (rows it could not compute are in them, status `error`), 1 when the policy
or an input file is unusable, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import numpy as np

from .engine import (
    EventArrays,
    InputError,
    PolicyError,
    compute,
    load_policy,
    parse_instant,
    read_events,
    read_generic_tickets,
    read_jira,
    read_servicenow,
)

MAX_UNKNOWN_REPORTED = 20


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="accord sla", description="Service-level agreement tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    compute_parser = commands.add_parser(
        "compute",
        help="compute response and resolution SLA clocks for every ticket",
        description=(
            "Compute response and resolution SLA clocks for every ticket as of an instant and write "
            "one results row per ticket."
        ),
    )
    compute_parser.add_argument("--policy", required=True, type=Path, help="SLA policy, YAML or JSON")
    compute_parser.add_argument("--tickets", required=True, type=Path, help="tickets CSV")
    compute_parser.add_argument(
        "--events",
        type=Path,
        help="state changes CSV with header id,at,state; with --format jira, the status history "
        "(Issue key, From status, To status, Changed at)",
    )
    compute_parser.add_argument(
        "--format",
        choices=("generic", "servicenow", "jira"),
        default="generic",
        help="tickets file format: generic (id,priority,opened_at,first_response_at,resolved_at), "
        "a ServiceNow incident export, or a Jira Service Management issue export (default: generic)",
    )
    compute_parser.add_argument(
        "--priority-map",
        type=_priority_map,
        metavar="NAME=PRIORITY,...",
        help="with --format jira: vendor priority names to the policy's priorities, e.g. "
        "'Highest=P1,High=P2' (default: Highest=1,High=2,Medium=3,Low=4,Lowest=5; a name that is "
        "already one of the policy's priorities is kept)",
    )
    compute_parser.add_argument(
        "--vendor-claims",
        action="store_true",
        help="add the vendor's own verdicts read from the export (Jira SLA fields, ServiceNow "
        "made_sla) as vendor_response_claim, vendor_resolution_claim, vendor_overall_claim",
    )
    compute_parser.add_argument(
        "--date-format",
        help="strftime pattern of the input timestamps, e.g. '%%d-%%m-%%Y %%H:%%M' (default: ISO 8601)",
    )
    compute_parser.add_argument(
        "--as-of",
        required=True,
        help="instant the open clocks are measured at, ISO 8601 (without an offset: the policy's time zone)",
    )
    compute_parser.add_argument("--out", required=True, help="results CSV to write ('-' for standard output)")
    compute_parser.set_defaults(subparser=compute_parser)
    return parser


def _priority_map(text: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in text.split(","):
        name, equals, priority = pair.partition("=")
        if not equals or not name.strip() or not priority.strip():
            raise argparse.ArgumentTypeError(f"{pair.strip()!r} is not NAME=PRIORITY")
        mapping[name.strip()] = priority.strip()
    return mapping


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse has printed the usage message
        return int(exc.code or 0)
    # numpy asks the kernel for transparent huge pages for every array of 4 MiB or more. The engine
    # makes dozens of short-lived 8-24 MB arrays, each of them fresh memory, and on the benchmark's
    # 2-core VM zeroing those 2 MiB pages cost 0.6-1.0 s of kernel CPU per 1M-ticket run (of about
    # 5.5 s); ordinary pages are zeroed only as they are touched. Restored afterwards, as main() also
    # runs inside other processes (the management command, tests).
    set_huge_pages = getattr(np._core.multiarray, "_set_madvise_hugepage", None)
    huge_pages = set_huge_pages(False) if set_huge_pages else None
    try:
        return _compute(args, stdout, stderr)
    finally:
        if set_huge_pages:
            set_huge_pages(huge_pages)


def _fail(stderr: TextIO, message: str) -> int:
    print(f"accord sla: error: {message}", file=stderr)
    return 1


def _compute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:
        policy_text = args.policy.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(stderr, f"policy file {str(args.policy)!r}: {getattr(exc, 'strerror', None) or exc}")
    try:
        policy = load_policy(policy_text)
    except PolicyError as exc:
        return _fail(stderr, f"policy {str(args.policy)!r}: {exc}")
    try:
        as_of = parse_instant(args.as_of, policy.timezone)
    except ValueError as exc:
        print(args.subparser.format_usage().rstrip(), file=stderr)
        print(f"{args.subparser.prog}: error: argument --as-of: {exc}", file=stderr)
        return 2
    try:
        if args.format == "servicenow":
            tickets, derived = read_servicenow(
                args.tickets, timezone=policy.timezone, date_format=args.date_format
            )
            sources = [derived]
        elif args.format == "jira":
            tickets, history = read_jira(
                args.tickets,
                timezone=policy.timezone,
                date_format=args.date_format,
                history=args.events,
                priority_map=args.priority_map,
                policy_priorities=policy.priorities,
            )
            sources = [history]
        else:
            tickets = read_generic_tickets(
                args.tickets, timezone=policy.timezone, date_format=args.date_format
            )
            sources = []
        if args.events is not None and args.format != "jira":
            sources.append(read_events(args.events, timezone=policy.timezone, date_format=args.date_format))
    except InputError as exc:
        return _fail(stderr, str(exc))
    except ValueError as exc:  # an unusable --date-format
        return _fail(stderr, str(exc))
    # One source is used as it is: concatenating would copy millions of events for nothing.
    events = (sources[0] if len(sources) == 1 else EventArrays.concat(sources)) if sources else None

    results = compute(policy, tickets, events, as_of=as_of)

    unknown = results.unknown_events
    for line, ticket_id in unknown.head(MAX_UNKNOWN_REPORTED).iter_rows():
        print(f"accord sla: warning: events line {line}: unknown ticket id {ticket_id!r}", file=stderr)
    if unknown.height > MAX_UNKNOWN_REPORTED:
        print(
            f"accord sla: warning: ... and {unknown.height - MAX_UNKNOWN_REPORTED} more events with unknown ticket ids",
            file=stderr,
        )
    frame = results.frame(vendor_claims=args.vendor_claims)
    try:
        if args.out == "-":
            stdout.write(frame.write_csv())
        else:
            frame.write_csv(args.out)
    except OSError as exc:
        return _fail(stderr, f"cannot write {args.out!r}: {exc.strerror or exc}")
    errors = int((~results.ok).sum())
    destination = "standard output" if args.out == "-" else args.out
    if len(results) == 0:  # a header-only tickets file is a valid, empty week
        print(
            f"accord sla: 0 tickets in {args.tickets}; wrote the results header to {destination}", file=stderr
        )
    else:
        print(f"accord sla: wrote {len(results)} rows ({errors} with errors) to {destination}", file=stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
