"""Strategy versions and endorsements: publishing freezes a version, lapses the endorsements of the older one
and asks every group lead again; the page shows what changed since the previous version and each objection."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accord.alignment import services
from accord.alignment.models import Endorsement, StrategyVersion
from accord.core.permissions import Visibility
from accord.core.services import delete_record, update_record
from tests.alignment.builders import T0, add_impact, answer, make_group, publish

T1 = T0 + dt.timedelta(days=7)


@pytest.fixture
def groups(world):
    nursing = make_group(
        world, "Nursing", lead=world.stakeholder_lead, wiifm="Barcode scanning at the bedside"
    )
    vendor = make_group(world, "EHR vendor", lead=world.vendor, visibility=Visibility.SHARED, kind="vendor")
    return {"nursing": nursing, "vendor": vendor}


def _page(client, version) -> str:
    response = client.get(version.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_publishing_asks_every_group_lead_to_endorse_by_e_mail(
    world, groups, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        v1 = publish(world, "Go live on the wards first")
    assert sorted(Endorsement.objects.filter(version=v1).values_list("group__name", "status")) == [
        ("EHR vendor", "requested"),
        ("Nursing", "requested"),
    ]
    asked = {m.to[0] for m in mail.outbox if "Please endorse strategy v1" in m.subject}
    assert asked == {world.stakeholder_lead.email, world.vendor.email}
    assert all("Go live on the wards first" in m.body for m in mail.outbox)


def test_publishing_a_new_version_lapses_the_old_endorsements_and_asks_each_lead_again(
    world, groups, client_for, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    v1 = publish(world, "Version one")
    answer(v1, groups["nursing"], "endorsed", by=world.stakeholder_lead)
    answer(v1, groups["vendor"], "endorsed_with_conditions", by=world.vendor, text="Only with a frozen build")
    with django_capture_on_commit_callbacks(execute=True):
        v2 = publish(world, "Version two", now=T1)
    old = {e.group.name: e for e in Endorsement.objects.filter(version=v1).select_related("group")}
    assert {name: (e.status, e.lapsed_at) for name, e in old.items()} == {
        "Nursing": ("endorsed", T1),
        "EHR vendor": ("endorsed_with_conditions", T1),
    }
    new = Endorsement.objects.filter(version=v2)
    assert sorted(new.values_list("status", flat=True)) == ["requested", "requested"]
    assert not new.filter(lapsed_at__isnull=False).exists()
    assert {m.to[0] for m in mail.outbox if "Please endorse strategy v2" in m.subject} == {
        world.stakeholder_lead.email,
        world.vendor.email,
    }
    old_page = _page(client_for("member"), v1)
    assert '<span class="badge grey">superseded</span>' in old_page
    assert old_page.count('<span class="badge grey">lapsed</span>') == 2
    new_page = _page(client_for("member"), v2)
    assert '<span class="badge green">current</span>' in new_page
    assert "awaiting Stakeholder lead" in new_page and "awaiting Vendor" in new_page


def test_a_lapsed_endorsement_can_no_longer_be_answered(world, groups, client_for) -> None:
    v1 = publish(world, "Version one")
    publish(world, "Version two", now=T1)
    with pytest.raises(ValidationError, match="superseded"):
        answer(v1, groups["nursing"], "endorsed", by=world.stakeholder_lead, now=T1)
    response = client_for("stakeholder_lead").post(
        f"/programs/{world.program.pk}/alignment/strategy/{v1.pk}/endorse/{groups['nursing'].pk}/",
        {"status": "endorsed"},
        follow=True,
    )
    assert "superseded" in response.content.decode()
    assert Endorsement.objects.get(version=v1, group=groups["nursing"]).status == "requested"


def test_the_lead_answers_for_their_group_and_the_program_manager_on_their_behalf(
    world, groups, client_for
) -> None:
    v1 = publish(world, "Version one")
    response = client_for("stakeholder_lead").post(
        f"/programs/{world.program.pk}/alignment/strategy/{v1.pk}/endorse/{groups['nursing'].pk}/",
        {"status": "endorsed"},
    )
    assert response.status_code == 302
    answer(v1, groups["vendor"], "endorsed", by=world.program_manager)
    rows = {
        e.group.name: e for e in Endorsement.objects.filter(version=v1).select_related("group", "decided_by")
    }
    assert (rows["Nursing"].status, rows["Nursing"].decided_by, rows["Nursing"].on_behalf) == (
        "endorsed",
        world.stakeholder_lead,
        False,
    )
    assert (rows["EHR vendor"].decided_by, rows["EHR vendor"].on_behalf) == (world.program_manager, True)
    html = _page(client_for("member"), v1)
    assert "Program manager (program manager, on behalf of Vendor)" in html
    assert "Stakeholder lead (program manager" not in html


def test_an_objection_needs_its_reasons_and_the_version_page_shows_them(world, groups, client_for) -> None:
    v1 = publish(world, "Version one")
    with pytest.raises(ValidationError, match="reasons for the objection"):
        answer(v1, groups["nursing"], "objected", by=world.stakeholder_lead, text="  ")
    assert Endorsement.objects.get(version=v1, group=groups["nursing"]).status == "requested"
    answer(
        v1,
        groups["nursing"],
        "objected",
        by=world.stakeholder_lead,
        text="Not before every ward has scanners.",
    )
    html = _page(client_for("member"), v1)
    assert "<h3>Objections</h3>" in html
    assert "<strong>Nursing</strong>: Not before every ward has scanners." in html
    assert '<span class="badge red">Objected</span>' in html


def test_a_version_without_objections_shows_no_objections_box(world, groups, client_for) -> None:
    v1 = publish(world, "Version one")
    answer(v1, groups["nursing"], "endorsed", by=world.stakeholder_lead)
    assert "<h3>Objections</h3>" not in _page(client_for("member"), v1)


def test_the_new_version_shows_what_changed_since_the_previous_one(world, groups, client_for) -> None:
    nursing = groups["nursing"]
    cost = add_impact(world, nursing, -2, "Scan every dose")
    v1 = publish(world, "Version one")
    update_record(
        instance=nursing, actor=world.program_manager, data={"wiifm": "Flowsheets on mobile devices"}
    )
    delete_record(instance=cost, actor=world.program_manager)
    make_group(world, "Pharmacy")
    v2 = publish(world, "Version two", now=T1)
    html = _page(client_for("member"), v2)
    assert "What changed since v1" in html
    assert "<ins>+ Pharmacy</ins>" in html
    assert "<del>\u2212 Scan every dose → Nursing</del>" in html  # a minus sign
    assert (
        "~ Nursing: wiifm <del>Barcode scanning at the bedside</del> → "
        "<ins>Flowsheets on mobile devices</ins>"
    ) in html
    assert "What changed since" not in _page(client_for("member"), v1)


def test_a_published_version_keeps_its_contents_when_the_strategy_changes(world, groups, client_for) -> None:
    v1 = publish(world, "Version one")
    update_record(
        instance=groups["nursing"], actor=world.program_manager, data={"wiifm": "Mobile flowsheets"}
    )
    html = _page(client_for("member"), v1)
    assert "WIIFM: Barcode scanning at the bedside" in html
    assert "Mobile flowsheets" not in html
    v1.summary = "Rewritten after the fact"
    with pytest.raises(ValidationError, match="frozen"):
        v1.save()
    assert StrategyVersion.objects.get(pk=v1.pk).summary == "Version one"


def test_a_draft_shows_what_it_changes_against_the_current_version(world, groups, client_for) -> None:
    publish(world, "Version one")
    make_group(world, "Laboratory")
    draft = services.create_strategy_draft(
        program=world.program, summary="Version two", actor=world.program_manager
    )
    html = _page(client_for("member"), draft)
    assert '<span class="badge amber">draft</span>' in html
    assert "What changed since v1" in html and "<ins>+ Laboratory</ins>" in html


def test_only_one_draft_is_open_at_a_time_and_only_the_program_manager_publishes(world, groups) -> None:
    draft = services.create_strategy_draft(program=world.program, summary="One", actor=world.stakeholder_lead)
    with pytest.raises(ValidationError, match="already open"):
        services.create_strategy_draft(program=world.program, summary="Two", actor=world.program_manager)
    with pytest.raises(PermissionDenied):
        services.publish_strategy_version(version=draft, actor=world.stakeholder_lead, now=T0)
    assert not StrategyVersion.objects.get(pk=draft.pk).is_published
    assert not Endorsement.objects.exists()


def test_a_published_version_cannot_be_edited_through_the_api(world, groups, api_for) -> None:
    v1 = publish(world, "Version one")
    response = api_for("program_manager").patch(
        f"/api/strategy-versions/{v1.pk}/", {"summary": "Changed"}, format="json"
    )
    assert response.status_code == 400
    assert StrategyVersion.objects.get(pk=v1.pk).summary == "Version one"


def test_the_version_list_counts_each_versions_answers(world, groups, client_for) -> None:
    v1 = publish(world, "Version one")
    answer(v1, groups["nursing"], "objected", by=world.stakeholder_lead, text="Too fast")
    html = client_for("member").get(f"/programs/{world.program.pk}/alignment/strategy/").content.decode()
    assert f'<a href="{v1.get_absolute_url()}">v1</a></td>' in html
    assert "<td>0</td><td>0</td><td>1</td>\n      <td>1</td>" in html


def test_a_version_whose_summary_changed_says_so_with_both_texts(world, groups, client_for) -> None:
    publish(world, "Go live on the wards first")
    v2 = publish(world, "Go live on the wards first, then the emergency department", now=T1)
    page = _page(client_for("program_manager"), v2)
    assert "No element changed" not in page
    assert "Summary changed" in page
    assert "<del>Go live on the wards first</del>" in page
    assert "<ins>Go live on the wards first, then the emergency department</ins>" in page


def test_a_version_with_nothing_changed_says_so(world, groups, client_for) -> None:
    publish(world, "Same words")
    v2 = publish(world, "Same words", now=T1)
    assert "No element changed" in _page(client_for("program_manager"), v2)
