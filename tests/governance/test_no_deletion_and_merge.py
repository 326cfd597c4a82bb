"""No red flag is ever deleted; merging a duplicate closes it and keeps both histories."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accord.governance import services
from accord.governance.models import RedFlag, RedFlagEvent
from tests.governance.factories import T0, raise_flag


def test_a_red_flag_refuses_to_be_deleted(world) -> None:
    flag = raise_flag(world)
    with pytest.raises(PermissionError):
        flag.delete()
    assert RedFlag.objects.filter(pk=flag.pk).exists()


def test_history_rows_cannot_be_changed_or_deleted(world) -> None:
    event = RedFlagEvent.objects.get(flag=raise_flag(world))
    event.note = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_the_api_has_no_delete_even_for_the_program_manager(world, api_for) -> None:
    flag = raise_flag(world)
    assert api_for("program_manager").delete(f"/api/red-flags/{flag.pk}/").status_code == 405
    assert RedFlag.objects.filter(pk=flag.pk).exists()


def test_merging_closes_the_duplicate_and_both_flags_keep_their_histories(world, client_for) -> None:
    survivor = raise_flag(world, by="member", title="Order sets are ignored")
    duplicate = raise_flag(world, by="vendor", title="Doctors bypass order sets")
    services.comment_on_red_flag(flag=duplicate, actor=world.vendor, note="Seen in the ED too.", now=T0)
    services.merge_red_flags(
        duplicate=duplicate, into=survivor, actor=world.program_manager, note="Same root cause", now=T0
    )
    duplicate.refresh_from_db()
    assert duplicate.state == "closed" and duplicate.merged_into == survivor
    assert RedFlagEvent.objects.filter(flag=duplicate).count() == 3  # raised, comment, merge
    assert RedFlagEvent.objects.filter(flag=survivor, kind="merge").count() == 1
    page = client_for("program_manager").get(survivor.get_absolute_url()).content.decode()
    assert "Seen in the ED too." in page
    assert "on merged duplicate #" in page


def test_a_merged_flag_cannot_be_merged_again_nor_reopened(world) -> None:
    a, b, c = (raise_flag(world, title=t) for t in ("A", "B", "C"))
    services.merge_red_flags(duplicate=b, into=a, actor=world.program_manager, now=T0)
    with pytest.raises(ValidationError, match="already merged"):
        services.merge_red_flags(duplicate=b, into=c, actor=world.program_manager, now=T0)
    with pytest.raises(ValidationError, match="itself merged"):
        services.merge_red_flags(duplicate=c, into=b, actor=world.program_manager, now=T0)
    with pytest.raises(ValidationError, match="follow that one"):
        services.transition_red_flag(flag=b, to="raised", actor=world.program_manager, reason="Oops", now=T0)


def test_a_flag_cannot_be_merged_into_itself_or_another_program(world) -> None:
    from tests.factories import MembershipFactory

    flag = raise_flag(world)
    with pytest.raises(ValidationError, match="itself"):
        services.merge_red_flags(duplicate=flag, into=flag, actor=world.program_manager, now=T0)
    MembershipFactory(program=world.other_program, person=world.program_manager, role="program_manager")
    other = raise_flag(world, by="program_manager", program=world.other_program)
    with pytest.raises(ValidationError, match="same program"):
        services.merge_red_flags(duplicate=flag, into=other, actor=world.program_manager, now=T0)


def test_merging_over_the_api(world, api_for) -> None:
    survivor, duplicate = raise_flag(world, title="Survivor"), raise_flag(world, title="Duplicate")
    response = api_for("board_member").post(
        f"/api/red-flags/{duplicate.pk}/merge/", {"into": survivor.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["merged_into"] == survivor.pk and response.json()["state"] == "closed"
