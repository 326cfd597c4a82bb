"""Permission-matrix rows for every SLA page and API endpoint."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from accord.sla import disputes, periods, services
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


def structured_version_data(world: World) -> dict[str, Any]:
    sla_world(world)
    return {
        "effective_from": "2024-07-01",
        "timezone": "UTC",
        "hours_mon": "08:00-17:00",
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-0-priority": "P2",
        "targets-0-response": "1h",
        "targets-0-resolution": "8h",
        "targets-0-calendar": "24x7",
        "pauses-TOTAL_FORMS": "0",
        "pauses-INITIAL_FORMS": "0",
    }


def api_pk(key: str) -> Any:
    return lambda world: {"pk": sla_world(world)[key].pk}


def unmeasured_contract_pk(world: World) -> dict[str, int]:
    """A contract nothing was measured against yet: the one a delete may remove (the world's contract has
    tickets, which a delete refuses; tests/sla/test_deletes_keep_history.py)."""
    sla_world(world)
    return {"pk": ContractFactory(program=world.program, vendor=world.vendor_org, name="Printing").pk}


def policy_pk(world: World) -> dict[str, int]:
    return {"pk": sla_world(world)["version"].policy_id}


SLA_PM = only("program_manager", 200, 403)
SLA_PM_POST = only("program_manager", 302, 403)

# Built once in the module's world (tests/test_permission_matrix.py), not once a case.
SHARED = [sla_world]

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
    Endpoint("sla:policy_structured", SLA_PM, kwargs=contract_kwargs),
    Endpoint(
        "sla:policy_structured",
        SLA_PM_POST,
        kwargs=contract_kwargs,
        method="post",
        data=structured_version_data,
    ),
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
        kwargs=unmeasured_contract_pk,
    ),
    Endpoint("sla-policy-list", ALL_API, api=True),
    Endpoint("sla-policy-detail", expect(200, anonymous=401), api=True, kwargs=policy_pk),
    Endpoint("ticket-list", ALL_API, api=True),
    Endpoint("ticket-detail", expect(200, anonymous=401), api=True, kwargs=api_pk("ticket")),
    Endpoint("sla-result-list", ALL_API, api=True),
    Endpoint("sla-result-detail", expect(200, anonymous=401), api=True, kwargs=api_pk("result")),
]


# --- Report periods and disputes ----------------------------------------------------------------------

DISPUTERS = ["program_manager", "vendor"]
MATRIX_NOW = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


def closed_period(world: World) -> Any:
    """January 2024 of the shared contract, its report issued."""
    if "sla_period" not in world.extra:
        world.extra["sla_period"] = periods.issue_period_report(
            contract=sla_world(world)["contract"],
            start=dt.date(2024, 1, 1),
            actor=world.program_manager,
            now=MATRIX_NOW,
            check=False,
        )
    return world.extra["sla_period"]


def vendor_dispute(world: World) -> Any:
    """The vendor disputes the breached resolution clock of INC1."""
    if "sla_dispute" not in world.extra:
        world.extra["sla_dispute"] = disputes.raise_dispute(
            ticket=sla_world(world)["ticket"],
            clock="resolution",
            reason="The customer was unreachable",
            actor=world.vendor,
            now=MATRIX_NOW,
        )
    return world.extra["sla_dispute"]


def period_kwargs(world: World) -> dict[str, int]:
    return {"program_id": world.program.pk, "pk": closed_period(world).pk}


def dispute_kwargs(world: World) -> dict[str, int]:
    return {"program_id": world.program.pk, "pk": vendor_dispute(world).pk}


def raise_data(world: World) -> dict[str, Any]:
    sla_world(world)
    return {"ticket": "INC1", "clock": "response", "reason": "Answered by phone"}


ENDPOINTS += [
    Endpoint(
        "sla:period_issue",
        SLA_PM_POST,
        kwargs=contract_kwargs,
        method="post",
        data=lambda w: {"start": "2024-01-01"},
    ),
    Endpoint("sla:period_reopen", SLA_PM, kwargs=period_kwargs),
    Endpoint(
        "sla:period_reopen",
        SLA_PM_POST,
        kwargs=period_kwargs,
        method="post",
        data=lambda w: {"reason": "Version 2 agreed"},
    ),
    Endpoint("sla:dispute_list", expect(200), kwargs=contract_kwargs),
    Endpoint("sla:dispute_raise", only(DISPUTERS, 200, 403), kwargs=contract_kwargs),
    Endpoint(
        "sla:dispute_raise", only(DISPUTERS, 302, 403), kwargs=contract_kwargs, method="post", data=raise_data
    ),
    Endpoint("sla:dispute_detail", expect(200), kwargs=dispute_kwargs),
    Endpoint(
        "sla:dispute_answer",
        SLA_PM_POST,
        kwargs=dispute_kwargs,
        method="post",
        data=lambda w: {"answer": "No pause was recorded"},
    ),
    Endpoint(
        "sla:dispute_settle",
        SLA_PM_POST,
        kwargs=dispute_kwargs,
        method="post",
        data=lambda w: {"outcome": "vendor", "note": "Agreed at the review"},
    ),
    # The API
    Endpoint("sla-period-list", ALL_API, api=True),
    Endpoint(
        "sla-period-detail",
        expect(200, anonymous=401),
        api=True,
        kwargs=lambda w: {"pk": closed_period(w).pk},
    ),
    Endpoint(
        "sla-period-comparison",
        expect(200, anonymous=401),
        api=True,
        kwargs=lambda w: {"pk": closed_period(w).pk},
    ),
    Endpoint(
        "sla-period-issue",
        only("program_manager", 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"contract": sla_world(w)["contract"].pk, "start": "2024-01-01"},
    ),
    Endpoint(
        "sla-period-reopen",
        only("program_manager", 200, 403, api=True),
        api=True,
        method="post",
        kwargs=lambda w: {"pk": closed_period(w).pk},
        data=lambda w: {"reason": "Version 2 agreed"},
    ),
    Endpoint("sla-dispute-list", ALL_API, api=True),
    Endpoint(
        "sla-dispute-list",
        only(DISPUTERS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"ticket": sla_world(w)["ticket"].pk, "clock": "response", "reason": "By phone"},
    ),
    Endpoint(
        "sla-dispute-detail",
        expect(200, anonymous=401),
        api=True,
        kwargs=lambda w: {"pk": vendor_dispute(w).pk},
    ),
    Endpoint(
        "sla-dispute-answer",
        only("program_manager", 200, 403, api=True),
        api=True,
        method="post",
        kwargs=lambda w: {"pk": vendor_dispute(w).pk},
        data=lambda w: {"answer": "No pause was recorded"},
    ),
    Endpoint(
        "sla-dispute-settle",
        only("program_manager", 200, 403, api=True),
        api=True,
        method="post",
        kwargs=lambda w: {"pk": vendor_dispute(w).pk},
        data=lambda w: {"outcome": "hospital", "note": "No evidence of a pause"},
    ),
]
