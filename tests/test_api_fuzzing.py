"""Schemathesis over every API operation through the WSGI app: no input, however odd, gets a 5xx.

The schema is generated in-process by drf-spectacular (so it is the current one, not the committed
file). Each operation is fuzzed as a program manager and as a vendor, with positive and negative
data, a fixed seed and a bounded number of examples. Path ids are half the time replaced with the
id of a real record, so writes reach the serializers and services and not only the 404 branch.
Every request runs in a savepoint that is rolled back, so each one starts from the same world.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.generation.modes import GenerationMode

from accord.core.throttling import TokenRateThrottle
from tests.personas import World, build_world

# Examples per operation, persona and generation mode: 137 operations x 2 personas x 2 modes x 6
# is about 3,300 requests, a couple of minutes on two cores.
EXAMPLES = 6
FUZZ_PERSONAS = ["program_manager", "vendor"]

pytestmark = pytest.mark.django_db(transaction=False)


def _schema() -> Any:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))


SCHEMA = _schema()
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
CASES = [(persona, label) for label in OPERATIONS for persona in FUZZ_PERSONAS]


def seed_records(world: World) -> None:
    """A few records in every area, so real ids exist for the fuzzer to aim at."""
    from accord.transition.services import record_training
    from tests.alignment.factories import alignment_world
    from tests.benefits.factories import (
        BenefitFactory,
        InitiativeFactory,
        KpiFactory,
        MeasurementFactory,
        ObjectiveFactory,
    )
    from tests.governance.factories import make_decision, make_risk, raise_flag
    from tests.meetings.factories import MeetingFactory
    from tests.notifications.factories import NotificationFactory
    from tests.sla.factories import AttainmentTargetFactory, ContractFactory, policy_for
    from tests.transition.factories import TrainingModuleFactory

    alignment_world(world)
    raise_flag(world, by="vendor")
    make_risk(world)
    make_decision(world)
    MeetingFactory(program=world.program)
    NotificationFactory(program=world.program, recipient=world.program_manager)
    NotificationFactory(program=world.program, recipient=world.vendor)
    ObjectiveFactory(program=world.program)
    MeasurementFactory(kpi=KpiFactory(benefit=BenefitFactory(program=world.program)))
    InitiativeFactory(program=world.program)
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    policy_for(contract)
    AttainmentTargetFactory(contract=contract)
    # A completion recorded for the vendor and not yet attested, so the attest action reaches its service.
    record_training(
        module=TrainingModuleFactory(program=world.program),
        person=world.vendor,
        completed_on=dt.date(2026, 10, 1),
        actor=world.program_manager,
    )


def known_ids(path: str) -> list[int]:
    """The ids of every record of the model behind a path with one id parameter (visible or not)."""
    if path.count("{") != 1:
        return []
    try:
        match = resolve(path.split("{")[0] + "1" + path.split("}")[1])
    except Resolver404:
        return []
    view_class = getattr(match.func, "cls", None)
    queryset = getattr(view_class, "queryset", None)
    if queryset is None:
        return []
    field = getattr(view_class, "lookup_field", "pk")
    return list(queryset.model._default_manager.values_list(field, flat=True)[:20])


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI app, kept from closing the test transaction's connection between requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def unthrottled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TokenRateThrottle, "allow_request", lambda self, request, view: True)


def send(case: Any, app: WSGIHandler, token: str) -> Any:
    savepoint = transaction.savepoint()
    try:
        return case.call(app=app, headers={"Authorization": f"Token {token}"})
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """One world for the whole module (built once per worker, rolled back at the end)."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        seed_records(world)
        yield world
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def tokens(fuzz_world: World, django_db_blocker: Any) -> dict[str, str]:
    """An API token per fuzzed persona."""
    with django_db_blocker.unblock():
        return {
            persona: Token.objects.create(user=fuzz_world.people[persona]).key for persona in FUZZ_PERSONAS
        }


@pytest.fixture
def manager_api(fuzz_world: World) -> APIClient:
    client = APIClient()
    client.force_authenticate(fuzz_world.program_manager)
    return client


def test_the_fuzzer_reaches_the_api_as_the_persona(
    tokens: dict[str, str], wsgi_app: WSGIHandler, unthrottled: None
) -> None:
    response = send(OPERATIONS["GET /api/programs/"].Case(), wsgi_app, tokens["vendor"])
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == ["Program A"]


def fuzz(operation: Any, mode: GenerationMode, *, app: WSGIHandler, token: str) -> list[str]:
    """Send `EXAMPLES` generated requests; return the ones that got a 5xx."""
    ids = known_ids(operation.path)
    param = operation.path[operation.path.find("{") + 1 : operation.path.find("}")]
    server_errors: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), real_id=st.sampled_from([None, *ids]))
    def run(case: Any, real_id: int | None) -> None:
        if real_id is not None:
            case.path_parameters = {**(case.path_parameters or {}), param: real_id}
        response = send(case, app, token)
        if response.status_code >= 500:
            server_errors.append(f"{response.status_code} ({mode.value}) for {case.as_curl_command()}")

    run()
    return server_errors


@pytest.mark.parametrize(
    ("persona", "label"), CASES, ids=[f"{label} as {persona}" for persona, label in CASES]
)
def test_no_generated_request_gets_a_server_error(
    persona: str, label: str, tokens: dict[str, str], wsgi_app: WSGIHandler, unthrottled: None
) -> None:
    token = tokens[persona]
    operation = OPERATIONS[label]
    # An operation with no parameters and no body has nothing to make invalid.
    takes_input = any(len(part) for part in (operation.path_parameters, operation.query, operation.body))
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if takes_input else [GenerationMode.POSITIVE]
    server_errors = [error for mode in modes for error in fuzz(operation, mode, app=wsgi_app, token=token)]
    assert not server_errors, f"{len(server_errors)} server errors, the first:\n" + "\n\n".join(
        server_errors[:3]
    )


# The cases schemathesis first found against the demo, kept as plain regression tests.
ODD_READS = [
    ("/api/audit/?actor=99999999999999999999", 400),
    ("/api/tickets/?contract=1e30", 400),
    ("/api/tickets/?contract=1.5", 400),
    ("/api/decisions/?risks=99999999999999999999", 400),
    ("/api/decisions/?risks=abc", 400),
    ("/api/sla-results/?program=-1.7976931348623155e%2B308", 400),
    ("/api/organisations/?parent=99999999999999999999", 400),
    ("/api/red-flags/99999999999999999999/", 404),
    ("/api/audit/99999999999999999999/", 404),
]


@pytest.mark.parametrize(("url", "status"), ODD_READS, ids=[url for url, _ in ODD_READS])
def test_an_id_the_database_cannot_hold_is_a_client_error(
    url: str, status: int, manager_api: APIClient
) -> None:
    response = manager_api.get(url)
    assert response.status_code == status, response.content[:300]


@pytest.mark.parametrize("pk", ["abc", "false", "99999999999999999999", "-1"])
def test_a_custom_action_on_an_id_that_is_not_one_is_a_404(pk: str, manager_api: APIClient) -> None:
    response = manager_api.post(f"/api/red-flags/{pk}/comment/", {"note": "Seen again."})
    assert response.status_code == 404


def test_deeply_nested_json_is_a_400(manager_api: APIClient) -> None:
    body = '{"title": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = manager_api.post("/api/risks/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper" in response.json()["detail"]


def test_json_nested_within_the_limit_still_reaches_the_serializer(manager_api: APIClient) -> None:
    body = '{"title": ' + "[" * 10 + "]" * 10 + "}"
    response = manager_api.post("/api/risks/", body, content_type="application/json")
    assert response.status_code == 400
    assert "title" in response.json()


def test_a_fhir_upload_with_a_number_of_5000_digits_is_refused_as_a_file_error(
    fuzz_world: World, manager_api: APIClient
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = (
        '{"resourceType": "MeasureReport", "status": "complete", "type": "summary", "measure": "http://m", '
        '"group": [{"measureScore": {"value": %s}}]}' % ("9" * 5000)
    )
    response = manager_api.post(
        "/api/measurements/import/",
        {"program": fuzz_world.program.pk, "file": SimpleUploadedFile("m.json", report.encode())},
        format="multipart",
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()
