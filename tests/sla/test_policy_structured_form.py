"""The policy form without YAML: working hours, holidays, targets and pause parties as fields."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accord.sla import services
from accord.sla.models import SlaPolicyVersion
from tests.sla.factories import ContractFactory, policy_for

pytestmark = pytest.mark.django_db

BUSINESS = """\
timezone: Europe/London
working_hours:
  mon: ["09:00-17:00"]
  tue: ["09:00-17:00"]
pause_states: ["Awaiting customer"]
pause_parties: {"Awaiting customer": hospital}
targets:
  P1: {response: 30m, resolution: 4h, calendar: 24x7}
  P2: {response: 1h, resolution: 8h}
warn_at: [0.5]
"""


@pytest.fixture
def contract(world):
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    policy_for(contract, text=BUSINESS)
    return contract


def _url(contract):
    return reverse("sla:policy_structured", kwargs={"program_id": contract.program_id, "pk": contract.pk})


def _post(**overrides):
    data = {
        "effective_from": "2024-06-01",
        "timezone": "Europe/London",
        "hours_mon": "08:00-12:00, 13:00-17:00",
        "hours_fri": "08:00-16:00",
        "holiday_country": "GB",
        "holiday_subdivision": "ENG",
        "holiday_dates": "2024-12-27\n2024-12-30, 2024-12-31",
        "note": "Hours widened",
        "targets-TOTAL_FORMS": "3",
        "targets-INITIAL_FORMS": "0",
        "targets-0-priority": "P1",
        "targets-0-response": "15m",
        "targets-0-resolution": "2h",
        "targets-0-calendar": "24x7",
        "targets-1-priority": "P2",
        "targets-1-response": "2h",
        "targets-1-resolution": "16h",
        "targets-1-calendar": "business",
        "targets-2-priority": "",
        "targets-2-calendar": "business",
        "pauses-TOTAL_FORMS": "2",
        "pauses-INITIAL_FORMS": "0",
        "pauses-0-state": "Awaiting customer",
        "pauses-0-party": "hospital",
        "pauses-1-state": "Awaiting Vendor",
        "pauses-1-party": "third_party",
    }
    data.update(overrides)
    return data


def test_the_form_starts_from_the_version_in_force(world, contract, client_for):
    page = client_for("program_manager").get(_url(contract))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'value="09:00-17:00"' in text and 'value="Awaiting customer"' in text
    assert 'value="30m"' in text and '<option value="24x7" selected>' in text
    assert '<option value="hospital" selected>' in text
    assert '<option value="Europe/London" selected>' in text


def test_a_version_saved_from_fields_is_a_policy_version_like_any_other(world, contract, client_for):
    response = client_for("program_manager").post(_url(contract), _post())
    assert response.status_code == 302, response.content.decode()[:2000]
    version = SlaPolicyVersion.objects.get(policy__contract=contract, number=2)
    assert version.effective_from == dt.date(2024, 6, 1) and version.note == "Hours widened"
    spec = version.spec
    assert spec["working_hours"] == {"mon": ["08:00-12:00", "13:00-17:00"], "fri": ["08:00-16:00"]}
    assert spec["holidays"] == {
        "country": "GB",
        "subdivision": "ENG",
        "dates": ["2024-12-27", "2024-12-30", "2024-12-31"],
    }
    assert spec["targets"]["P1"] == {"response": "15m", "resolution": "2h", "calendar": "24x7"}
    assert spec["targets"]["P2"]["resolution"] == "16h"
    assert spec["pause_states"] == ["Awaiting customer", "Awaiting Vendor"]
    assert spec["pause_parties"] == {"Awaiting customer": "hospital", "Awaiting Vendor": "third_party"}
    assert spec["warn_at"] == [0.5], "what the form does not edit is kept"
    # YAML export stays: the saved version exports as YAML that loads to the same spec.
    exported = services.export_policy_yaml(version)
    assert "Awaiting Vendor" in exported and "third_party" in exported


def test_a_wrong_field_is_named_and_nothing_is_saved(world, contract, client_for):
    client = client_for("program_manager")
    bad_duration = client.post(_url(contract), _post(**{"targets-1-resolution": "soon"}))
    assert bad_duration.status_code == 400
    assert "targets.P2.resolution" in bad_duration.content.decode()
    bad_hours = client.post(_url(contract), _post(hours_mon="9 to 5"))
    assert bad_hours.status_code == 400 and "working_hours.mon" in bad_hours.content.decode()
    no_country = client.post(_url(contract), _post(holiday_country=""))
    assert no_country.status_code == 400 and "Choose the country" in no_country.content.decode()
    no_targets = client.post(_url(contract), _post(**{"targets-0-priority": "", "targets-1-priority": ""}))
    assert no_targets.status_code == 400 and "at least one priority" in no_targets.content.decode()
    assert SlaPolicyVersion.objects.filter(policy__contract=contract).count() == 1


def test_a_partner_cannot_change_the_policy(world, contract, client_for):
    assert client_for("vendor").post(_url(contract), _post()).status_code in (403, 404)
    assert SlaPolicyVersion.objects.filter(policy__contract=contract).count() == 1
