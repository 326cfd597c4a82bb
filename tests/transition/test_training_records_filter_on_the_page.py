"""The training page narrows its records with /api/training-records/'s FilterSet: the completions it lists and
counts are the API's for the same query string, the matrix keeps only the cells of matching latest records,
and "to confirm" only the reader's matching unattested ones."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse

from accord.accounts.models import OrganisationKind
from accord.core.permissions import Role
from accord.transition import services
from accord.transition.choices import TrainingKind
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.personas import World
from tests.transition.factories import TrainingModuleFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 3, 7, tzinfo=dt.UTC)
COUNT = re.compile(r"Completions recorded: (\d+)</h2>")


@pytest.fixture
def training(world: World) -> dict[str, Any]:
    """Completions that never expire (so no status depends on today) for the vendor, a member and a lead.

    The member's Phishing was first recorded by the manager (not attested), then again by the member
    (attested): the older record matches `attested=false` but is no longer the member's standing.
    """
    program, manager = world.program, world.program_manager
    # Never expiring: no status on the page depends on the day the test runs.
    phishing = TrainingModuleFactory(
        program=program, title="Phishing", kind=TrainingKind.SECURITY, validity_months=None
    )
    hipaa = TrainingModuleFactory(
        program=program, title="HIPAA privacy", kind=TrainingKind.PRIVACY, validity_months=None
    )

    def record(module: Any, person: Any, day: int, actor: Any) -> Any:
        return services.record_training(
            module=module, person=person, completed_on=dt.date(2026, 6, day), actor=actor, now=NOW
        )

    record(phishing, world.vendor, 1, world.vendor)
    record(hipaa, world.vendor, 2, manager)
    record(phishing, world.member, 3, manager)
    record(phishing, world.member, 10, world.member)
    record(hipaa, world.stakeholder_lead, 4, world.stakeholder_lead)
    return {"phishing": phishing, "hipaa": hipaa}


def training_url(world: World, query: str = "") -> str:
    url = reverse("transition:training_matrix", kwargs={"program_id": world.program.pk})
    return f"{url}?{query}" if query else url


QUERIES = [
    "",
    "person={vendor}",
    "organisation={vendor_org}",
    "organisation={hospital}&attested=true",
    "attested=false",
    "attested=true&kind=security",
    "module={phishing}",
    "kind=privacy",
    "person={member}&module={hipaa}",
]


@pytest.mark.parametrize("persona", ["program_manager", "vendor"])
@pytest.mark.parametrize("query", QUERIES)
def test_the_page_lists_and_counts_the_completions_the_api_lists_for_the_same_query(
    world: World, training: dict[str, Any], client_for: Any, api_for: Any, persona: str, query: str
) -> None:
    query = query.format(
        vendor=world.vendor.pk,
        member=world.member.pk,
        vendor_org=world.vendor_org.pk,
        hospital=world.hospital.pk,
        phishing=training["phishing"].pk,
        hipaa=training["hipaa"].pk,
    )
    page = client_for(persona).get(training_url(world, query))
    assert page.status_code == 200
    shown = int(COUNT.search(page.content.decode()).group(1))
    api = api_for(persona).get(f"/api/training-records/?program={world.program.pk}&{query}")
    assert api.status_code == 200
    assert shown == api.json()["count"]
    assert {r.pk for r in page.context["completions"]} == {row["id"] for row in api.json()["results"]}


def test_the_vendor_and_the_manager_see_different_counts_for_the_same_filter(
    world: World, training: dict[str, Any], client_for: Any
) -> None:
    # The hospital reads every completion; a partner only their own.
    def count(persona: str, query: str) -> int:
        page = client_for(persona).get(training_url(world, query))
        return int(COUNT.search(page.content.decode()).group(1))

    assert count("program_manager", "module={}".format(training["phishing"].pk)) == 3
    assert count("vendor", "module={}".format(training["phishing"].pk)) == 1
    assert count("program_manager", "attested=false") == 2
    assert count("vendor", "attested=false") == 1


def matrix_of(page: Any) -> dict[str, dict[str, str | None]]:
    """Person -> module -> status of each cell the matrix shows (None: there, but not matching)."""
    matrix = page.context["matrix"]
    return {
        str(row["person"]): {
            module.title: (cell["status"] if cell["shown"] else None)
            for module, cell in zip(matrix.modules, row["cells"], strict=True)
        }
        for row in matrix.rows
    }


def test_a_record_filter_keeps_only_the_cells_of_matching_latest_records(
    world: World, training: dict[str, Any], client_for: Any
) -> None:
    client = client_for("program_manager")
    # The member's unattested Phishing was renewed by an attested one: listed, but not their standing.
    unattested = client.get(training_url(world, "attested=false"))
    assert matrix_of(unattested) == {"Vendor": {"HIPAA privacy": "done"}}
    html = unattested.content.decode()
    assert "Completion: the latest records that match" in html and "% of" not in html

    by_person = client.get(training_url(world, f"person={world.vendor.pk}"))
    assert matrix_of(by_person) == {"Vendor": {"Phishing": "done", "HIPAA privacy": "done"}}

    hospital = client.get(training_url(world, f"organisation={world.hospital.pk}"))
    assert matrix_of(hospital) == {
        "Member": {"Phishing": "done", "HIPAA privacy": None},
        "Stakeholder lead": {"Phishing": None, "HIPAA privacy": "done"},
    }
    assert "does not match the filter" in hospital.content.decode()

    nobody = client.get(training_url(world, f"person={world.program_manager.pk}"))
    assert matrix_of(nobody) == {} and "No completion matches the filter." in nobody.content.decode()


def test_a_module_kind_alone_still_shows_everyone_with_their_to_do_cells(
    world: World, training: dict[str, Any], client_for: Any
) -> None:
    page = client_for("program_manager").get(training_url(world, "kind=security"))
    cells = matrix_of(page)
    assert cells["Program manager"] == {"Phishing": "not_required"}
    assert cells["Vendor"] == {"Phishing": "done"}
    assert "Completion (" in page.content.decode()
    # The plan lists the modules shown.
    assert [m.title for entry in page.context["plan"] for m in entry["modules"]] == ["Phishing"]


def test_to_confirm_lists_only_the_readers_unattested_records_that_match(
    world: World, training: dict[str, Any], client_for: Any
) -> None:
    client = client_for("vendor")
    heading = "Recorded for you, to confirm"
    everything = client.get(training_url(world)).content.decode()
    assert heading in everything and "HIPAA privacy on 02 Jun 2026" in everything
    assert heading not in client.get(training_url(world, "kind=security")).content.decode()
    assert heading not in client.get(training_url(world, "attested=true")).content.decode()
    privacy = client.get(training_url(world, "kind=privacy")).content.decode()
    assert "HIPAA privacy on 02 Jun 2026" in privacy


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("attested=maybe", "attested"),
        ("person=someone", "person"),
        ("organisation=99999999999999999999999", "organisation"),
        ("kind=juggling", "kind"),
    ],
)
def test_a_bad_record_filter_value_is_a_400_with_the_error_and_nothing_listed(
    world: World, training: dict[str, Any], client_for: Any, api_for: Any, query: str, field: str
) -> None:
    page = client_for("program_manager").get(training_url(world, query))
    assert page.status_code == 400
    html = page.content.decode()
    assert COUNT.search(html).group(1) == "0"
    assert not any(cell for row in page.context["matrix"].rows for cell in row["cells"])
    assert re.search(rf'name="{field}"[^>]*>.*?<p class="error" role="alert">', html, re.S)
    assert "Recorded for you, to confirm" not in html
    assert api_for("program_manager").get(f"/api/training-records/?{query}").status_code == 400


def test_the_filter_form_labels_every_field_and_names_only_people_the_reader_may_see(
    world: World, training: dict[str, Any], client_for: Any
) -> None:
    def form_of(persona: str) -> str:
        html = client_for(persona).get(training_url(world)).content.decode()
        start = html.index('<form method="get" class="filters"')
        return html[start : html.index("</form>", start)]

    manager_form = form_of("program_manager")
    for name in ("person", "organisation", "module", "kind", "attested"):
        assert f'<label for="id_{name}">' in manager_form and f'id="id_{name}"' in manager_form
    assert f'<option value="{world.member.pk}">Member</option>' in manager_form
    assert "Outsider" not in manager_form
    vendor_form = form_of("vendor")
    people = re.findall(
        r"<option value=\"\d+\">([^<]+)</option>", vendor_form.split('name="organisation"')[0]
    )
    assert people == ["Vendor"]
    assert "Lakeside Hospital" not in vendor_form and "EHR Vendor Inc." in vendor_form


def test_the_training_page_stays_within_its_query_budget_whatever_the_number_of_records(
    world: World, training: dict[str, Any], client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for("program_manager")
    urls = [training_url(world), training_url(world, "attested=false&kind=security")]
    budgets = []
    for url in urls:
        client.get(url)
        with django_assert_max_num_queries(25) as small:
            assert client.get(url).status_code == 200
        budgets.append(len(small.captured_queries))
    outsourcer = OrganisationFactory(kind=OrganisationKind.OUTSOURCER)
    modules = [
        TrainingModuleFactory(program=world.program, kind=TrainingKind.SECURITY, validity_months=None)
        for _ in range(4)
    ]
    for i in range(30):
        person = UserFactory(organisation=outsourcer if i % 2 else world.hospital)
        MembershipFactory(program=world.program, person=person, role=Role.VENDOR if i % 2 else Role.MEMBER)
        for module in modules[: 1 + i % 4]:
            services.record_training(
                module=module,
                person=person,
                completed_on=dt.date(2026, 5, 1 + i % 28),
                actor=world.program_manager,
                now=NOW,
            )
    for url, budget in zip(urls, budgets, strict=True):
        with django_assert_max_num_queries(budget):
            response = client.get(url)
        assert response.status_code == 200
    assert int(COUNT.search(response.content.decode()).group(1)) == 1 + 73
