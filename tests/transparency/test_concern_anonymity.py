"""Anonymity of concerns proven on the database, the audit trail and the logs, not promised.

A concern is submitted through the real page by a person with a distinctive id, e-mail, session and
address; afterwards every row that the submission added or changed, in every table of the database, is
searched for them, and so is everything logged while it ran.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.core.models import AuditEntry
from accord.core.permissions import Role
from accord.transparency import services
from accord.transparency.logs import DropAnonymousConcernRequests
from accord.transparency.models import Concern, ConcernAllowance, ConcernMessage
from tests.factories import MembershipFactory, ProgramFactory, UserFactory

DISTINCT_ID = 7_348_219
EMAIL = "quiet.voice.7348@lakeshore.example"
ADDRESS = "203.0.113.77"


def every_row() -> dict[str, set[str]]:
    """Every row of every table in the database, as text, by table (introspected, not from the models)."""
    rows: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows[table] = {repr(tuple(str(v) for v in row)) for row in cursor.fetchall()}
    return rows


def written_rows(before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, set[str]]:
    return {
        table: rows - before.get(table, set())
        for table, rows in after.items()
        if rows - before.get(table, set())
    }


@pytest.fixture
def submitter(db: Any) -> Any:
    program = ProgramFactory(name="IT transition")
    person = UserFactory(pk=DISTINCT_ID, email=EMAIL, full_name="Quiet Voice")
    MembershipFactory(program=program, person=person, role=Role.MEMBER)
    manager = UserFactory()
    MembershipFactory(program=program, person=manager, role=Role.PROGRAM_MANAGER)
    return program, person, manager


def needles_in(text: str, session_key: str) -> list[str]:
    found = [n for n in (EMAIL, session_key, ADDRESS, "Quiet Voice") if n in text]
    if re.search(rf"(?<![0-9a-f-]){DISTINCT_ID}(?![0-9a-f-])", text):
        found.append(str(DISTINCT_ID))
    return found


def test_a_submitted_concern_leaves_no_trace_of_its_author_in_any_table_the_audit_trail_or_the_logs(
    submitter: Any, caplog: pytest.LogCaptureFixture
) -> None:
    program, person, _manager = submitter
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(person)
    url = reverse("transparency:concern_submit", kwargs={"program_id": program.pk})
    assert client.get(url).status_code == 200  # the session's activity is written here, before submitting
    session_key = client.session.session_key
    before = every_row()
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            url, {"subject": "Backups after go-live", "body": "Nobody has told us who restores the backups."}
        )
    after = every_row()

    assert response.status_code == 200
    code = re.search(r"<code>([0-9A-Z-]{19})</code>", response.content.decode()).group(1)
    concern = Concern.objects.get()
    assert concern.subject == "Backups after go-live"

    written = written_rows(before, after)
    # The submission wrote the concern, its audit entry (and the chain head) and the day's allowance.
    assert any(t == "transparency_concern" for t in written)
    assert any(t == "core_auditentry" for t in written)
    for table, rows in written.items():
        for row in rows:
            assert not needles_in(row, session_key), f"{table} row {row} points at the submitter"
            assert code not in row and code.replace("-", "") not in row, f"{table} stores the receipt code"
    # Every time written is the start of the day: no table holds the moment of submission.
    midnight = services.start_of_day(timezone.localdate()).astimezone(dt.UTC)
    times = {
        m
        for rows in written.values()
        for row in rows
        for m in re.findall(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}", row)
    }
    assert times <= {midnight.strftime("%Y-%m-%d %H:%M:%S"), midnight.strftime("%Y-%m-%dT%H:%M:%S")}, times

    entry = AuditEntry.objects.filter(object_type="transparency.concern").get()
    assert (entry.actor_id, entry.actor_label, entry.remote_addr) == (None, "anonymous", None)
    assert entry.object_repr == "An anonymous concern"
    assert entry.at == services.start_of_day(timezone.localdate())

    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert not needles_in(logged, session_key), "the logs point at the submitter"
    assert code not in logged


def test_the_concern_tables_hold_no_person_no_session_no_address_and_no_time_of_day(submitter: Any) -> None:
    program, person, manager = submitter
    concern, code = services.submit_concern(
        program=program, actor=person, subject="Workload", body="Too much at once.", today=dt.date(2026, 3, 2)
    )
    services.answer_concern(concern=concern, actor=manager, body="We hear you.", today=dt.date(2026, 3, 3))
    services.reply_to_concern(code=code, body="Thanks, still worried.", today=dt.date(2026, 3, 4))
    for model in (Concern, ConcernMessage, ConcernAllowance):
        kinds = {f.get_internal_type() for f in model._meta.concrete_fields}
        assert "DateTimeField" not in kinds, f"{model.__name__} keeps a time of day"
        assert "GenericIPAddressField" not in kinds
    assert not [f for f in Concern._meta.concrete_fields if f.is_relation and f.related_model is type(person)]
    assert ConcernMessage.objects.get(from_submitter=True).author_id is None
    rows = every_row()
    for table in ("transparency_concern", "transparency_concernmessage", "transparency_concernallowance"):
        for row in rows[table]:
            assert not needles_in(row, "no-session"), f"{table}: {row}"


def test_the_receipt_code_is_random_shown_once_and_stored_only_as_a_keyed_digest(submitter: Any) -> None:
    program, person, _ = submitter
    first, code = services.submit_concern(
        program=program, actor=person, subject="A", body="a", today=dt.date(2026, 3, 2)
    )
    _second, other_code = services.submit_concern(
        program=program, actor=person, subject="B", body="b", today=dt.date(2026, 3, 2)
    )
    assert code != other_code and re.fullmatch(r"([2-9A-Z]{4}-){3}[2-9A-Z]{4}", code)
    assert first.receipt_digest == services.receipt_digest(code) and code not in first.receipt_digest
    # Keyed: the same code under another key gives another digest, so the table alone proves nothing.
    assert services.receipt_digest(code, secret="another-key") != first.receipt_digest
    assert services.find_concern_by_receipt(code.lower().replace("-", " ")) == first
    assert services.find_concern_by_receipt("AAAA-AAAA-AAAA-AAAA") is None


def test_the_daily_allowance_refuses_a_fourth_concern_and_keeps_no_person(submitter: Any) -> None:
    program, person, _ = submitter
    day = dt.date(2026, 3, 2)
    for n in range(services.DAILY_CONCERN_LIMIT):
        services.submit_concern(program=program, actor=person, subject=f"S{n}", body="b", today=day)
    with pytest.raises(Exception, match="most one person may in a day"):
        services.submit_concern(program=program, actor=person, subject="one too many", body="b", today=day)
    assert Concern.objects.count() == services.DAILY_CONCERN_LIMIT
    allowance = ConcernAllowance.objects.get()
    assert allowance.count == services.DAILY_CONCERN_LIMIT
    assert str(person.pk) not in allowance.digest and allowance.digest == services.allowance_digest(
        person.pk, day
    )
    # The next day starts afresh and yesterday's count is deleted.
    services.submit_concern(
        program=program, actor=person, subject="next day", body="b", today=day + dt.timedelta(1)
    )
    assert list(ConcernAllowance.objects.values_list("day", "count")) == [(day + dt.timedelta(1), 1)]


def test_request_logs_drop_concern_submissions_and_receipts_but_keep_other_requests(
    caplog: pytest.LogCaptureFixture,
) -> None:
    access = logging.getLogger("gunicorn.access")
    assert any(isinstance(f, DropAnonymousConcernRequests) for f in access.filters)
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        for path in ("/programs/3/transparency/concerns/new/", "/api/concerns/", "/api/concerns/receipt/"):
            access.info(
                '%(h)s "%(r)s" %(s)s', {"h": ADDRESS, "r": f"POST {path} HTTP/1.1", "U": path, "s": "200"}
            )
        access.info(
            '%(h)s "%(r)s" %(s)s',
            {"h": ADDRESS, "r": "GET /programs/3/ HTTP/1.1", "U": "/programs/3/", "s": "200"},
        )
    with caplog.at_level(logging.INFO, logger="django.server"):
        logging.getLogger("django.server").info(
            '"%s" %s %s', "POST /programs/3/transparency/concerns/new/ HTTP/1.1", "200", "12"
        )
    with caplog.at_level(logging.WARNING, logger="django.request"):
        logging.getLogger("django.request").warning(
            "Bad Request: %s", "/programs/3/transparency/concerns/new/"
        )
    assert [r.getMessage() for r in caplog.records] == [f'{ADDRESS} "GET /programs/3/ HTTP/1.1" 200']


def test_a_failed_submission_is_not_logged_with_its_path(
    submitter: Any, caplog: pytest.LogCaptureFixture
) -> None:
    program, person, _ = submitter
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(person)
    url = reverse("transparency:concern_submit", kwargs={"program_id": program.pk})
    with caplog.at_level(logging.DEBUG):
        response = client.post(url, {"subject": "", "body": ""})
    assert response.status_code == 400
    assert not [r for r in caplog.records if url in r.getMessage()]
