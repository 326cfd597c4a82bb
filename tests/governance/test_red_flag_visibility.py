"""Who sees which red flag: the area rule, internal visibility, and the raiser who always sees their own."""

from __future__ import annotations

from accord.governance import services
from accord.governance.models import RedFlag
from tests.factories import MembershipFactory, UserFactory
from tests.governance.factories import T0, raise_flag, triage


def test_partners_do_not_see_hospital_internal_flags(world) -> None:
    internal = raise_flag(world, by="member", visibility="internal")
    shared = raise_flag(world, by="member", visibility="shared", title="Shared concern")
    assert list(RedFlag.objects.visible_to(world.vendor)) == [shared]
    assert set(RedFlag.objects.visible_to(world.auditor)) == {internal, shared}


def test_a_consultant_sees_the_flag_they_raised_and_its_answer(world, client_for, api_for) -> None:
    flag = raise_flag(world, by="consultant", title="Physician engagement is collapsing")
    flag = triage(world, flag)
    services.transition_red_flag(
        flag=flag,
        to="accepted",
        actor=world.program_manager,
        now=T0,
        rationale="The CMIO takes it to the medical executive committee.",
    )
    page = client_for("consultant").get(flag.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "Physician engagement is collapsing" in text
    assert "The CMIO takes it to the medical executive committee." in text
    listing = client_for("consultant").get(f"/programs/{world.program.pk}/governance/red-flags/?mine=raised")
    assert "Physician engagement is collapsing" in listing.content.decode()
    body = api_for("consultant").get(f"/api/red-flags/{flag.pk}/").json()
    assert body["state"] == "accepted" and body["rationale"].startswith("The CMIO")


def test_a_partner_does_not_see_a_hospital_members_internal_flag_even_by_id(
    world, client_for, api_for
) -> None:
    flag = raise_flag(world, by="member", visibility="internal")
    assert client_for("vendor").get(flag.get_absolute_url()).status_code == 404
    assert api_for("vendor").get(f"/api/red-flags/{flag.pk}/").status_code == 404
    assert api_for("vendor").get("/api/red-flags/").json()["count"] == 0


def test_the_raiser_may_comment_on_their_flag_but_not_triage_it(world, api_for) -> None:
    flag = raise_flag(world, by="consultant")
    client = api_for("consultant")
    assert (
        client.post(
            f"/api/red-flags/{flag.pk}/comment/", {"note": "More wards affected."}, format="json"
        ).status_code
        == 201
    )
    response = client.post(
        f"/api/red-flags/{flag.pk}/transition/",
        {"to": "triaged", "owner": world.member.pk, "response_due": "2026-03-09"},
        format="json",
    )
    assert response.status_code == 403


def test_a_raiser_who_is_a_partner_does_not_see_internal_flags_merged_into_theirs(world) -> None:
    from accord.governance.queries import list_flag_history

    theirs = raise_flag(world, by="consultant", visibility="shared")
    internal = raise_flag(world, by="member", visibility="internal", title="Internal duplicate")
    services.merge_red_flags(
        duplicate=internal, into=theirs, actor=world.program_manager, note="Same", now=T0
    )
    assert not any(e.flag_id == internal.pk for e in list_flag_history(theirs, world.consultant))
    assert any(e.flag_id == internal.pk for e in list_flag_history(theirs, world.program_manager))


def test_someone_outside_the_program_never_sees_its_flags_even_by_id(world, api_for) -> None:
    flag = raise_flag(world, visibility="shared")
    assert api_for("outsider").get(f"/api/red-flags/{flag.pk}/").status_code == 404


def test_an_auditor_cannot_raise_a_flag(world, api_for) -> None:
    response = api_for("auditor").post(
        "/api/red-flags/", {"program": world.program.pk, "title": "x", "description": "y"}, format="json"
    )
    assert response.status_code == 403


def test_raising_takes_a_title_and_what_you_saw_and_tells_the_program_manager(world, client_for) -> None:
    from accord.notifications.models import Notification

    newcomer = UserFactory(organisation=world.hospital)
    MembershipFactory(program=world.program, person=newcomer, role="member")
    client = client_for("vendor")
    response = client.post(
        f"/programs/{world.program.pk}/governance/red-flags/raise/",
        {
            "title": "Interface queue backs up every night",
            "description": "Seen 3 nights.",
            "severity": "high",
            "visibility": "shared",
        },
    )
    assert response.status_code == 302
    flag = RedFlag.objects.get(title="Interface queue backs up every night")
    assert flag.raised_by == world.vendor and flag.state == "raised"
    assert Notification.objects.filter(recipient=world.program_manager, kind="red_flag_raised").exists()
    assert not Notification.objects.filter(recipient=newcomer).exists()
