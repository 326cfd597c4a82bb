"""Every scheduler's command has one shape: it runs its app's task here, or queues that same task for
`accord db_worker` with `--enqueue`, and reads `--now` the same way."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.utils import timezone

from accord.core.commands import TaskCommand, parse_now

SCHEDULED = ["escalate", "send_digests", "snapshot_alignment", "training_reminders", "flag_knowledge_gaps"]


@pytest.mark.parametrize("name", SCHEDULED)
def test_each_scheduled_command_runs_a_task_and_can_queue_it(name):
    command = load_command_class(get_commands()[name], name)
    assert isinstance(command, TaskCommand)
    assert callable(command.task.enqueue) and callable(command.task.call)
    options = {action.dest for action in command.create_parser("accord", name)._actions}
    assert "enqueue" in options


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["training_reminders", "flag_knowledge_gaps"])
def test_the_transition_jobs_can_be_queued_for_the_worker_at_a_given_time(name):
    out = io.StringIO()
    call_command(name, "--now", "2026-05-04T06:00", "--enqueue", stdout=out)
    assert "queued as task" in out.getvalue()


@pytest.mark.django_db
def test_the_transition_jobs_run_here_say_what_they_did():
    out = io.StringIO()
    call_command("flag_knowledge_gaps", "--now", "2026-05-04T06:00", stdout=out)
    call_command("training_reminders", "--now", "2026-05-04T06:00", stdout=out)
    local = parse_now("2026-05-04T06:00").isoformat(timespec="minutes")
    assert out.getvalue().splitlines() == [
        "0 knowledge gaps flagged.",
        f"0 training reminders sent as of {local}.",
    ]


def test_now_is_read_the_same_way_everywhere():
    assert parse_now("2026-05-01T09:00+02:00") == dt.datetime(2026, 5, 1, 7, 0, tzinfo=dt.UTC)
    assert timezone.is_aware(parse_now("2026-05-01"))
    before = timezone.now()
    assert parse_now(None) >= before
    with pytest.raises(CommandError, match="--now must be an ISO 8601 date or date-time"):
        parse_now("next monday")
