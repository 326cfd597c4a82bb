"""No internal record reaches a partner or a former member through a link, a history line, a count or a
notification: every one of them goes through the reader's view permission."""

from __future__ import annotations

from accord.benefits.models import Benefit
from accord.core.permissions import forget_roles
from accord.governance import services
from accord.notifications.models import Notification
from accord.programs.models import Membership
from accord.programs.services import remove_member
from tests.benefits.factories import BenefitFactory
from tests.governance.factories import T0, raise_flag


def _internal_benefit(world) -> Benefit:
    return BenefitFactory(
        program=world.program, title="Secret savings from closing ward 9", visibility="internal"
    )


def test_a_partners_flag_merged_into_an_internal_flag_shows_no_internal_title(
    world, client_for, api_for
) -> None:
    theirs = raise_flag(world, by="vendor", title="Interface queue stalls nightly")
    internal = raise_flag(world, by="member", visibility="internal", title="Vendor contract exit plan")
    services.merge_red_flags(duplicate=theirs, into=internal, actor=world.program_manager, note="", now=T0)

    page = client_for("vendor").get(theirs.get_absolute_url()).content.decode()
    assert "Interface queue stalls nightly" in page
    assert "Vendor contract exit plan" not in page
    assert "merged into another flag" in page
    body = api_for("vendor").get(f"/api/red-flags/{theirs.pk}/").content.decode()
    assert "Vendor contract exit plan" not in body
    [notice] = Notification.objects.filter(recipient=world.vendor)
    assert "Vendor contract exit plan" not in notice.title + notice.body
    assert notice.url == theirs.get_absolute_url()
    # The hospital still sees both titles and where the flag went.
    hospital_page = client_for("member").get(theirs.get_absolute_url()).content.decode()
    assert "Vendor contract exit plan" in hospital_page


def test_a_partners_flag_linked_to_an_internal_benefit_does_not_name_it(world, client_for) -> None:
    benefit = _internal_benefit(world)
    flag = raise_flag(
        world, by="member", visibility="shared", title="Scanners missing", threatens_benefit=benefit
    )
    vendor_page = client_for("vendor").get(flag.get_absolute_url()).content.decode()
    assert "Scanners missing" in vendor_page and "Secret savings" not in vendor_page
    assert "Secret savings" in client_for("member").get(flag.get_absolute_url()).content.decode()


def test_a_removed_member_loses_their_own_flags_and_their_notifications(world, client_for, api_for) -> None:
    flag = raise_flag(world, by="vendor", title="Downtime procedures untested")
    services.comment_on_red_flag(flag=flag, actor=world.program_manager, note="Before removal", now=T0)
    assert Notification.objects.filter(recipient=world.vendor).count() == 1
    remove_member(
        actor=world.program_manager,
        membership=Membership.objects.get(program=world.program, person=world.vendor),
    )
    forget_roles(world.vendor)  # each real request loads the person afresh

    assert client_for("vendor").get(flag.get_absolute_url()).status_code == 404
    api = api_for("vendor")
    assert api.get(f"/api/red-flags/{flag.pk}/").status_code == 404
    assert api.get("/api/red-flags/").json()["count"] == 0
    assert (
        api.post(f"/api/red-flags/{flag.pk}/comment/", {"note": "Still here?"}, format="json").status_code
        == 404
    )
    assert api.get("/api/notifications/").json()["count"] == 0

    services.comment_on_red_flag(
        flag=flag, actor=world.program_manager, note="Internal: replace the vendor", now=T0
    )
    assert Notification.objects.filter(recipient=world.vendor).count() == 1  # nothing new after removal
