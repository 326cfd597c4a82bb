"""Concerns followed by receipt code (pages and API, no sign-in), triaged like red flags and converted into
one without naming anyone; the roster and its training guard for partner staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accord.accounts.models import OrganisationKind
from accord.core.permissions import Role
from accord.governance.models import RedFlag
from accord.transition.choices import HandoverStage
from accord.transparency import queries, services
from accord.transparency.choices import ConcernState
from accord.transparency.models import Assignment, Concern
from tests.factories import MembershipFactory, OrganisationFactory, ProgramFactory, UserFactory
from tests.transition.factories import ServiceFactory, TrainingModuleFactory

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def people(db: Any) -> dict[str, Any]:
    program = ProgramFactory(name="IT transition")
    found = {"program": program}
    for role in (Role.MEMBER, Role.PROGRAM_MANAGER, Role.BOARD_MEMBER, Role.STAKEHOLDER_LEAD):
        person = UserFactory()
        MembershipFactory(program=program, person=person, role=role)
        found[role.value] = person
    return found


def test_a_concern_is_followed_over_the_api_by_its_receipt_code_without_signing_in(people: Any) -> None:
    member = APIClient()
    member.force_authenticate(people["member"])
    submitted = member.post(
        reverse("concern-list"),
        {
            "program": people["program"].pk,
            "subject": "On-call pay",
            "body": "Nobody pays the weekend on-call.",
        },
    )
    assert submitted.status_code == 201 and submitted["Cache-Control"] == "no-store"
    code = submitted.json()["receipt_code"]
    concern = Concern.objects.get()
    services.answer_concern(
        concern=concern, actor=people["program_manager"], body="We will fix it in April.", today=DAY
    )

    stranger = APIClient()  # no session, no token: the code is the key
    read = stranger.post(reverse("concern-receipt"), {"receipt_code": code.lower()})
    assert read.status_code == 200
    assert [m["body"] for m in read.json()["messages"]] == ["We will fix it in April."]
    assert "receipt" not in str(read.json()) and "digest" not in str(read.json())
    replied = stranger.post(
        reverse("concern-receipt-reply"), {"receipt_code": code, "body": "April is late."}
    )
    assert replied.status_code == 201
    concern.refresh_from_db()
    assert concern.state == ConcernState.TRIAGED  # the reply needs a new answer
    assert (
        stranger.post(reverse("concern-receipt"), {"receipt_code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}).status_code == 404
    )
    # Triagers list concerns; nobody else sees them, and the list never carries the receipt digest.
    lead = APIClient()
    lead.force_authenticate(people["stakeholder_lead"])
    assert lead.get(reverse("concern-list")).json()["results"] == []
    board = APIClient()
    board.force_authenticate(people["board_member"])
    listed = board.get(reverse("concern-list")).json()["results"]
    assert [c["subject"] for c in listed] == ["On-call pay"] and "receipt_digest" not in listed[0]


def test_receipt_look_ups_are_throttled_per_hashed_address(people: Any, settings: Any) -> None:
    settings.ACCORD_RECEIPT_RATE = "3/hour"
    stranger = APIClient(REMOTE_ADDR="198.51.100.9")
    statuses = [
        stranger.post(reverse("concern-receipt"), {"receipt_code": f"AAAA-AAAA-AAAA-AAA{n}"}).status_code
        for n in range(2, 7)
    ]
    assert statuses == [404, 404, 404, 429, 429]
    from django.core.cache import cache

    assert not [k for k in cache._cache if "198.51.100.9" in str(k)]  # type: ignore[attr-defined]
    page = Client(REMOTE_ADDR="198.51.100.9")
    url = reverse("transparency:concern_receipt", kwargs={"program_id": people["program"].pk})
    assert page.post(url, {"receipt_code": "AAAA-AAAA-AAAA-AAAA"}).status_code == 429


def test_the_receipt_page_shows_answers_and_takes_a_reply_without_signing_in(people: Any) -> None:
    concern, code = services.submit_concern(
        program=people["program"], actor=people["member"], subject="Training", body="None yet.", today=DAY
    )
    services.answer_concern(concern=concern, actor=people["board_member"], body="Booked for May.", today=DAY)
    url = reverse("transparency:concern_receipt", kwargs={"program_id": people["program"].pk})
    client = Client()
    page = client.post(url, {"receipt_code": code})
    assert page.status_code == 200 and "Booked for May." in page.content.decode()
    assert code not in page.request["PATH_INFO"]
    reply = client.post(url, {"receipt_code": code, "body": "Thank you."})
    assert "Your reply is in." in reply.content.decode()
    other = ProgramFactory()
    wrong_program = reverse("transparency:concern_receipt", kwargs={"program_id": other.pk})
    assert client.post(wrong_program, {"receipt_code": code}).status_code == 404


def test_the_receipt_code_is_shown_once_on_submission(people: Any) -> None:
    client = Client()
    client.force_login(people["member"])
    url = reverse("transparency:concern_submit", kwargs={"program_id": people["program"].pk})
    response = client.post(url, {"subject": "Morale", "body": "Low."})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "shown only this once" in response.content.decode()
    assert not list(response.context["messages"])  # nothing of it waits in the session


def test_triage_moves_a_concern_and_conversion_raises_an_internal_red_flag_in_the_triagers_name(
    people: Any,
) -> None:
    concern, _ = services.submit_concern(
        program=people["program"],
        actor=people["member"],
        subject="Backups untested",
        body="No restore test since May.",
        today=DAY,
    )
    with pytest.raises(Exception, match="leadership"):
        services.transition_concern(
            concern=concern, to=ConcernState.TRIAGED, actor=people["stakeholder_lead"]
        )
    services.transition_concern(concern=concern, to=ConcernState.TRIAGED, actor=people["program_manager"])
    with pytest.raises(ValidationError):
        services.transition_concern(
            concern=concern, to=ConcernState.SUBMITTED, actor=people["program_manager"]
        )
    flag = services.convert_concern_to_red_flag(
        concern=concern,
        actor=people["board_member"],
        severity="high",
        now=dt.datetime(2026, 3, 3, tzinfo=dt.UTC),
    )
    concern.refresh_from_db()
    assert concern.state == ConcernState.CONVERTED and concern.red_flag == flag
    assert flag.raised_by == people["board_member"] and flag.visibility == "internal"
    assert "anonymous concern submitted on 02 Mar 2026" in flag.description
    assert people["member"].pk not in RedFlag.objects.values_list("raised_by", flat=True)
    with pytest.raises(ValidationError, match="converted"):
        services.answer_concern(concern=concern, actor=people["program_manager"], body="x", today=DAY)


def test_the_concern_list_runs_a_bounded_number_of_queries(
    people: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(3):
        for person in (people["member"], people["stakeholder_lead"]):
            concern, _ = services.submit_concern(
                program=people["program"],
                actor=person,
                subject=f"S{n}",
                body="b",
                today=DAY + dt.timedelta(days=n),
            )
            services.answer_concern(concern=concern, actor=people["program_manager"], body="a", today=DAY)
    client = Client()
    client.force_login(people["program_manager"])
    url = reverse("transparency:concern_list", kwargs={"program_id": people["program"].pk})
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(3):
        assert (
            len(list(queries.list_concerns(program=people["program"], user=people["program_manager"]))) == 6
        )


def test_partner_staff_are_refused_on_a_service_in_reverse_shadow_until_trained(people: Any) -> None:
    program = people["program"]
    service = ServiceFactory(
        program=program,
        stage=HandoverStage.REVERSE_SHADOW,
        name="Lab interface",
        internal_owner=people["program_manager"],
    )
    partner = UserFactory(
        full_name="Priya Partner", organisation=OrganisationFactory(kind=OrganisationKind.OUTSOURCER)
    )
    MembershipFactory(program=program, person=partner, role=Role.VENDOR)
    TrainingModuleFactory(program=program, title="HIPAA privacy")
    data = {
        "program": program,
        "service": service,
        "person": partner,
        "role_on_service": "Interface analyst",
        "starts_on": DAY,
    }
    with pytest.raises(ValidationError, match="HIPAA privacy"):
        services.assign_to_service(actor=people["program_manager"], data=data)
    assert not Assignment.objects.exists()
    # Hospital staff pass; so does the partner on a service still in shadow.
    services.assign_to_service(
        actor=people["program_manager"],
        data={**data, "person": people["member"], "backup": people["stakeholder_lead"]},
    )
    early = ServiceFactory(
        program=program, stage=HandoverStage.SHADOW, name="PACS", internal_owner=people["program_manager"]
    )
    services.assign_to_service(actor=people["program_manager"], data={**data, "service": early})
    client = Client()
    client.force_login(people["member"])
    roster = client.get(reverse("transparency:roster", kwargs={"program_id": program.pk})).content.decode()
    assert "Lab interface" in roster and "Priya Partner" in roster and "Interface analyst" in roster
    # The API answers the guard's refusal as a 400 naming the module, and keeps nothing.
    api = APIClient()
    api.force_authenticate(people["program_manager"])
    refused = api.post(
        reverse("assignment-list"),
        {
            "program": program.pk,
            "service": service.pk,
            "person": partner.pk,
            "role_on_service": "x",
            "starts_on": "2026-03-02",
        },
    )
    assert refused.status_code == 400 and "HIPAA privacy" in str(refused.json())
    assert Assignment.objects.count() == 2


def test_an_assignment_cannot_end_before_it_starts_or_back_itself_up(people: Any) -> None:
    service = ServiceFactory(program=people["program"], internal_owner=people["program_manager"])
    base = {
        "program": people["program"],
        "service": service,
        "person": people["member"],
        "role_on_service": "DBA",
        "starts_on": DAY,
    }
    with pytest.raises(ValidationError) as error:
        services.assign_to_service(
            actor=people["program_manager"],
            data={**base, "ends_on": DAY - dt.timedelta(days=1), "backup": people["member"]},
        )
    assert set(error.value.message_dict) == {"ends_on", "backup"}
