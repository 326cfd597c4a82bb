"""Permission-matrix rows for every SLA page and API endpoint."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from accord.sla import services
from accord.sla.choices import Clock
from accord.sla.models import AttainmentTarget, SlaResult, Ticket
from tests.matrix import MEMBERS, Endpoint, and_put, expect, only
from tests.personas import World
from tests.sla.factories import POLICY_24X7, ContractFactory, policy_for, tickets_csv

ALL_API = {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 401}
UPLOADERS = ["program_manager", "vendor"]


def sla_world(world: World) -> dict[str, Any]:
    """A shared contract in program A with a target, a policy, one imported ticket and its result."""
    if "sla" in world.extra:
        return world.extra["sla"]
    contract = ContractFactory(program=world.program, vendor=world.vendor_org, name="Service desk")
    target = AttainmentTarget.objects.create(
        program=world.program,
        contract=contract,
        priority="P2",
        clock=Clock.RESOLUTION,
        target_percent=90,
        service_credit_percent=5,
    )
    version = policy_for(contract)
    ticket_import = services.import_tickets(
        contract=contract,
        source=tickets_csv([("INC1", "P2", "2024-01-02T10:00Z", "", "")]),
        file_name="a.csv",
        actor=world.program_manager,
    )
    services.compute_results(
        contract=contract, as_of=dt.datetime(2024, 1, 3, tzinfo=dt.UTC), actor=world.program_manager
    )
    job = services.request_compute(
        contract=contract, as_of=dt.datetime(2024, 1, 4, tzinfo=dt.UTC), actor=world.program_manager
    )
    world.extra["sla"] = {
        "job": job,
        "contract": contract,
        "target": target,
        "version": version,
        "import": ticket_import,
        "ticket": Ticket.objects.get(contract=contract),
        "result": SlaResult.objects.get(),
    }
    return world.extra["sla"]


def contract_kwargs(world: World) -> dict[str, int]:
    return {"program_id": world.program.pk, "pk": sla_world(world)["contract"].pk}


def job_kwargs(world: World) -> dict[str, int]:
    return {"program_id": world.program.pk, "pk": sla_world(world)["job"].pk}


def target_kwargs(world: World) -> dict[str, int]:
    return {**contract_kwargs(world), "target_pk": sla_world(world)["target"].pk}


def version_kwargs(world: World) -> dict[str, int]:
    return {**contract_kwargs(world), "version_pk": sla_world(world)["version"].pk}


def import_kwargs(world: World) -> dict[str, int]:
    return {"program_id": world.program.pk, "pk": sla_world(world)["import"].pk}


def contract_data(world: World) -> dict[str, Any]:
    return {
        "name": "Field services",
        "vendor": world.vendor_org.pk,
        "start_date": "2025-01-01",
        "reporting_frequency": "monthly",
        "period_fee": "1000",
        "currency": "USD",
        "visibility": "shared",
    }


def upload_data(world: World) -> dict[str, Any]:
    sla_world(world)
    return {
        "file": SimpleUploadedFile("t.csv", tickets_csv([("INC2", "P1", "2024-02-01T09:00Z", "", "")])),
        "format": "generic",
        "mode": "all_or_nothing",
    }


def new_version_data(world: World) -> dict[str, Any]:
    sla_world(world)
    return {"effective_from": "2024-06-01", "source_text": POLICY_24X7, "note": "Matrix"}


def api_pk(key: str) -> Any:
    return lambda world: {"pk": sla_world(world)[key].pk}


def policy_pk(world: World) -> dict[str, int]:
    return {"pk": sla_world(world)["version"].policy_id}


SLA_PM = only("program_manager", 200, 403)
SLA_PM_POST = only("program_manager", 302, 403)

ENDPOINTS = [
    Endpoint("sla:contract_list", expect(200), kwargs=lambda w: {"program_id": w.program.pk}),
    Endpoint("sla:contract_create", SLA_PM, kwargs=lambda w: {"program_id": w.program.pk}),
    Endpoint(
        "sla:contract_create",
        SLA_PM_POST,
        kwargs=lambda w: {"program_id": w.program.pk},
        method="post",
        data=contract_data,
    ),
    Endpoint("sla:contract_detail", expect(200), kwargs=contract_kwargs),
    Endpoint("sla:contract_edit", SLA_PM, kwargs=contract_kwargs),
    Endpoint("sla:contract_edit", SLA_PM_POST, kwargs=contract_kwargs, method="post", data=contract_data),
    Endpoint("sla:target_create", SLA_PM, kwargs=contract_kwargs),
    Endpoint(
        "sla:target_create",
        SLA_PM_POST,
        kwargs=contract_kwargs,
        method="post",
        data=lambda w: {
            "priority": "P1",
            "clock": "response",
            "target_percent": "95",
            "service_credit_percent": "2",
        },
    ),
    Endpoint("sla:target_edit", SLA_PM, kwargs=target_kwargs),
    Endpoint(
        "sla:target_edit",
        SLA_PM_POST,
        kwargs=target_kwargs,
        method="post",
        data=lambda w: {
            "priority": "P2",
            "clock": "resolution",
            "target_percent": "92",
            "service_credit_percent": "4",
        },
    ),
    Endpoint("sla:policy_edit", SLA_PM, kwargs=contract_kwargs),
    Endpoint("sla:policy_edit", SLA_PM_POST, kwargs=contract_kwargs, method="post", data=new_version_data),
    Endpoint("sla:policy_export", expect(200), kwargs=version_kwargs),
    Endpoint("sla:import_upload", only(UPLOADERS, 200, 403), kwargs=contract_kwargs),
    Endpoint(
        "sla:import_upload",
        only(UPLOADERS, 302, 403),
        kwargs=contract_kwargs,
        method="post",
        data=upload_data,
    ),
    Endpoint("sla:import_detail", expect(200), kwargs=import_kwargs),
    Endpoint("sla:ticket_history", expect(200), kwargs=contract_kwargs, query="?id=INC1"),
    Endpoint("sla:compute", SLA_PM_POST, kwargs=contract_kwargs, method="post", data=lambda w: {}),
    Endpoint("sla:compute_job", expect(200), kwargs=job_kwargs),
    Endpoint("sla:report", expect(200), kwargs=contract_kwargs),
    Endpoint("sla:report_export", expect(200), kwargs=contract_kwargs, query="?table=report&format=xlsx"),
    # The API
    Endpoint("contract-list", ALL_API, api=True),
    Endpoint(
        "contract-list",
        only("program_manager", 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"program": w.program.pk, **contract_data(w)},
    ),
    Endpoint("contract-detail", expect(200, anonymous=401), api=True, kwargs=api_pk("contract")),
    *and_put(
        Endpoint(
            "contract-detail",
            only("program_manager", 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=api_pk("contract"),
            data=lambda w: {"period_fee": "2000.00"},
        )
    ),
    Endpoint(
        "contract-detail",
        only("program_manager", 204, 403, api=True),
        api=True,
        method="delete",
        kwargs=api_pk("contract"),
    ),
    Endpoint("sla-policy-list", ALL_API, api=True),
    Endpoint("sla-policy-detail", expect(200, anonymous=401), api=True, kwargs=policy_pk),
    Endpoint("ticket-list", ALL_API, api=True),
    Endpoint("ticket-detail", expect(200, anonymous=401), api=True, kwargs=api_pk("ticket")),
    Endpoint("sla-result-list", ALL_API, api=True),
    Endpoint("sla-result-detail", expect(200, anonymous=401), api=True, kwargs=api_pk("result")),
]
