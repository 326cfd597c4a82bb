"""`accord snapshot-alignment`: one stored score per group and program per day, never rewritten, which the
index page shows as the trend."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accord.alignment import services
from accord.alignment.models import AlignmentSnapshot
from tests.alignment.builders import T0, TODAY, answer, scored_program


def _snapshot(*args: str) -> str:
    out = io.StringIO()
    call_command("snapshot_alignment", *args, stdout=out)
    return out.getvalue().strip()


def _stored(program, on: dt.date, audience: str = "internal") -> dict[str, float | None]:
    return {
        (s.group.name if s.group else "program"): s.score
        for s in AlignmentSnapshot.objects.filter(
            program=program, taken_on=on, visibility=audience
        ).select_related("group")
    }


@pytest.fixture
def scored(world):
    return scored_program(world)


def test_a_snapshot_stores_each_groups_and_the_programs_score_with_its_parts(world, scored) -> None:
    output = _snapshot("--date", "2026-03-02", "--program", str(world.program.pk))
    # Three as the hospital sees them, two as partners do (the internal Nursing group is not theirs).
    assert output == "Stored 5 alignment snapshots for 2026-03-02."
    assert _stored(world.program, TODAY) == {"Nursing": 68.0, "EHR vendor": 59.09, "program": 63.0}
    assert _stored(world.program, TODAY, "shared") == {"EHR vendor": 59.09, "program": 59.09}
    nursing = AlignmentSnapshot.objects.get(group=scored["nursing"], taken_on=TODAY)
    assert [p["name"] for p in nursing.parts] == [
        "endorsement",
        "delivery",
        "readiness",
        "impact",
        "red_flags",
    ]
    assert nursing.parts[0]["raw"] == "endorsed" and nursing.parts[0]["contribution"] == 30.0
    assert nursing.weights == {
        "endorsement": 30,
        "delivery": 25,
        "readiness": 20,
        "impact": 15,
        "red_flags": 10,
    }


def test_every_program_is_snapshotted_when_none_is_named(world, scored) -> None:
    assert _snapshot("--date", "2026-03-02") == "Stored 7 alignment snapshots for 2026-03-02."
    assert _stored(world.other_program, TODAY) == {"program": None}  # no groups, nothing to score


def test_a_second_run_on_the_same_day_keeps_the_stored_scores(world, scored) -> None:
    _snapshot("--date", "2026-03-02", "--program", str(world.program.pk))
    answer(scored["version"], scored["vendor"], "endorsed", by=world.vendor, now=T0)
    assert _snapshot("--date", "2026-03-02", "--program", str(world.program.pk)) == (
        "Stored 0 alignment snapshots for 2026-03-02."
    )
    assert _stored(world.program, TODAY) == {"Nursing": 68.0, "EHR vendor": 59.09, "program": 63.0}
    assert AlignmentSnapshot.objects.filter(taken_on=TODAY, program=world.program).count() == 5


def test_later_changes_show_in_the_next_days_snapshot_and_not_in_the_stored_one(world, scored) -> None:
    _snapshot("--date", "2026-03-02", "--program", str(world.program.pk))
    answer(scored["version"], scored["vendor"], "endorsed", by=world.vendor, now=T0 + dt.timedelta(hours=1))
    services.set_alignment_weights(program=world.program, actor=world.program_manager, weights={"impact": 45})
    _snapshot("--date", "2026-03-03", "--program", str(world.program.pk))
    assert _stored(world.program, TODAY)["EHR vendor"] == 59.09
    assert _stored(world.program, TODAY + dt.timedelta(days=1))["EHR vendor"] == 100.0
    first = AlignmentSnapshot.objects.get(group=scored["vendor"], taken_on=TODAY, visibility="internal")
    assert first.weights["impact"] == 15 and first.parts[0]["raw"] == "requested"


def test_a_stored_snapshot_refuses_to_be_modified(world, scored) -> None:
    services.take_alignment_snapshots(program=world.program, on=TODAY)
    snapshot = AlignmentSnapshot.objects.get(group=scored["nursing"], taken_on=TODAY, visibility="internal")
    snapshot.score = 99.0
    with pytest.raises(ValidationError, match="never modified"):
        snapshot.save()
    assert AlignmentSnapshot.objects.get(pk=snapshot.pk).score == 68.0


def test_a_bad_date_is_refused(world) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _snapshot("--date", "2 March")
    assert not AlignmentSnapshot.objects.exists()


def test_the_index_page_shows_the_stored_days_as_the_trend(world, scored, client_for) -> None:
    today = timezone.localdate()
    services.take_alignment_snapshots(program=world.program, on=today - dt.timedelta(days=2))
    answer(scored["version"], scored["vendor"], "endorsed", by=world.vendor, now=timezone.now())
    services.take_alignment_snapshots(program=world.program, on=today)
    html = client_for("member").get(f"/programs/{world.program.pk}/alignment/index/").content.decode()
    # Columns follow today's ranking: the vendor, now endorsing, comes first.
    assert '<th scope="col">Program</th><th scope="col">EHR vendor</th><th scope="col">Nursing</th>' in html
    earlier = f'<tr><th scope="row">{(today - dt.timedelta(days=2)):%-d %b}</th><td>63</td><td>59</td><td>68</td></tr>'
    latest = f'<tr><th scope="row">{today:%-d %b}</th><td>{_stored(world.program, today)["program"]:.0f}</td>'
    assert earlier in html
    assert latest in html
    assert 'id="alignment-trend-data"' in html


def test_partners_see_the_trend_of_shared_groups_only(world, scored, client_for) -> None:
    services.take_alignment_snapshots(program=world.program, on=timezone.localdate())
    html = client_for("vendor").get(f"/programs/{world.program.pk}/alignment/index/").content.decode()
    assert '<th scope="col">Program</th><th scope="col">EHR vendor</th></tr>' in html
    assert "Nursing" not in html
