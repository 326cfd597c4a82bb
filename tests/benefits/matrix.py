"""Permission-matrix rows for every benefits page and API endpoint."""

from __future__ import annotations

import io
from typing import Any

from accord.benefits.models import SuccessFactor
from accord.core.permissions import Visibility
from tests.benefits.factories import (
    BenefitFactory,
    InitiativeFactory,
    KpiFactory,
    MeasurementFactory,
    ObjectiveFactory,
)
from tests.matrix import MEMBERS, Endpoint, and_put, expect, only

EDITORS = ["program_manager", "stakeholder_lead"]
MEASURERS = ["program_manager", "stakeholder_lead", "member", "vendor"]
API_LIST = {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 401}


def program_a(world: Any) -> dict[str, Any]:
    return {"program_id": world.program.pk}


def with_pk(factory: Any, **fields: Any) -> Any:
    def make(world: Any) -> dict[str, Any]:
        return {"program_id": world.program.pk, "pk": factory(world, **fields).pk}

    return make


def api_pk(factory: Any, **fields: Any) -> Any:
    def make(world: Any) -> dict[str, Any]:
        return {"pk": factory(world, **fields).pk}

    return make


def objective(world: Any, **fields: Any) -> Any:
    return ObjectiveFactory(program=world.program, **fields)


def link(world: Any) -> Any:
    from accord.benefits.models import ObjectiveLink

    return ObjectiveLink.objects.create(
        program=world.program, cause=objective(world), effect=objective(world)
    )


def benefit(world: Any, **fields: Any) -> Any:
    return BenefitFactory(program=world.program, **fields)


def kpi(world: Any, **fields: Any) -> Any:
    return KpiFactory(benefit=benefit(world, **fields))


def measurement(world: Any) -> Any:
    return MeasurementFactory(kpi=kpi(world))


def initiative(world: Any) -> Any:
    return InitiativeFactory(program=world.program)


def factor(world: Any) -> Any:
    return SuccessFactor.objects.filter(program=world.program).first()


def import_upload(world: Any) -> dict[str, Any]:
    target = kpi(world)
    upload = io.BytesIO(f"kpi,value,measured_on\n{target.pk},31,2025-02-28\n".encode())
    upload.name = "m.csv"
    return {"program": world.program.pk, "file": upload}


def kpi_payload(world: Any) -> dict[str, Any]:
    return {
        "program": world.program.pk,
        "benefit": benefit(world).pk,
        "name": "E-prescribing rate",
        "unit": "%",
        "direction": "increase",
        "baseline_value": 30,
        "baseline_date": "2025-01-01",
        "target_value": 90,
        "target_date": "2026-01-01",
        "amber_tolerance": 5,
        "red_tolerance": 10,
        "frequency": "monthly",
    }


def benefit_payload(world: Any) -> dict[str, Any]:
    return {
        "program": world.program.pk,
        "title": "Fewer duplicate tests",
        "category": "prevention",
        "window_start": "2025-01-01",
        "window_end": "2027-12-31",
    }


def benefit_form(world: Any) -> dict[str, Any]:
    return {
        "title": "Fewer duplicate tests",
        "category": "prevention",
        "window_start": "2025-01-01",
        "window_end": "2027-12-31",
        "status": "planned",
        "visibility": "shared",
    }


def kpi_form(world: Any) -> dict[str, Any]:
    return {key: value for key, value in kpi_payload(world).items() if key != "program"}


def initiative_form(world: Any) -> dict[str, Any]:
    return {
        "title": "Order sets",
        "start": "2025-01-01",
        "end": "2025-06-30",
        "status": "active",
        "percent_complete": 10,
    }


def factor_form(world: Any) -> dict[str, Any]:
    return {"name": "Nurse informatics capacity", "dimension": "custom", "status": "amber"}


UI = [
    Endpoint("benefits:dashboard", expect(200), kwargs=program_a),
    Endpoint("benefits:kpi_list", expect(200), kwargs=program_a),
    Endpoint("benefits:strategy_map", expect(200), kwargs=program_a),
    Endpoint("benefits:objective_create", only(EDITORS, 200, 403), kwargs=program_a),
    Endpoint(
        "benefits:objective_create",
        only(EDITORS, 302, 403),
        kwargs=program_a,
        method="post",
        data=lambda w: {"title": "Safer care", "perspective": "patients_quality"},
    ),
    Endpoint("benefits:objective_edit", only(EDITORS, 200, 403), kwargs=with_pk(objective)),
    Endpoint(
        "benefits:objective_edit",
        only(EDITORS, 302, 403),
        kwargs=with_pk(objective),
        method="post",
        data=lambda w: {"title": "Safer care", "perspective": "clinicians"},
    ),
    Endpoint(
        "benefits:objective_link_create",
        only(EDITORS, 302, 403),
        kwargs=program_a,
        method="post",
        data=lambda w: {"cause": objective(w).pk, "effect": objective(w).pk},
    ),
    Endpoint(
        "benefits:objective_link_delete",
        only("program_manager", 302, 403),
        kwargs=with_pk(lambda w: link(w)),
        method="post",
        data=lambda w: {},
    ),
    Endpoint("benefits:benefit_create", only(EDITORS, 200, 403), kwargs=program_a),
    Endpoint(
        "benefits:benefit_create", only(EDITORS, 302, 403), kwargs=program_a, method="post", data=benefit_form
    ),
    Endpoint("benefits:benefit_detail", expect(200), kwargs=with_pk(benefit)),
    Endpoint(
        "benefits:benefit_detail",
        expect(200, vendor=404, consultant=404),
        kwargs=with_pk(benefit, visibility=Visibility.INTERNAL),
        label="internal",
    ),
    Endpoint("benefits:benefit_edit", only(EDITORS, 200, 403), kwargs=with_pk(benefit)),
    Endpoint(
        "benefits:benefit_edit",
        only(EDITORS, 302, 403),
        kwargs=with_pk(benefit),
        method="post",
        data=benefit_form,
    ),
    Endpoint("benefits:kpi_create", only(EDITORS, 200, 403), kwargs=program_a),
    Endpoint("benefits:kpi_create", only(EDITORS, 302, 403), kwargs=program_a, method="post", data=kpi_form),
    Endpoint("benefits:kpi_detail", expect(200), kwargs=with_pk(kpi)),
    Endpoint(
        "benefits:kpi_detail",
        expect(200, vendor=404, consultant=404),
        kwargs=with_pk(kpi, visibility=Visibility.INTERNAL),
        label="internal",
    ),
    Endpoint("benefits:kpi_edit", only(EDITORS, 200, 403), kwargs=with_pk(kpi)),
    Endpoint("benefits:kpi_edit", only(EDITORS, 302, 403), kwargs=with_pk(kpi), method="post", data=kpi_form),
    Endpoint(
        "benefits:measurement_add",
        only(MEASURERS, 302, 403),
        kwargs=with_pk(kpi),
        method="post",
        data=lambda w: {"value": "31", "measured_on": "2025-02-28", "source": "", "note": ""},
    ),
    Endpoint("benefits:measurement_import", only(MEASURERS, 200, 403), kwargs=program_a),
    Endpoint(
        "benefits:measurement_import",
        only(MEASURERS, 200, 403),
        kwargs=program_a,
        method="post",
        data=lambda w: {"file": import_upload(w)["file"]},
    ),
    Endpoint(
        "benefits:measurement_import_confirm",
        only(MEASURERS, 302, 403),
        kwargs=program_a,
        method="post",
        data=lambda w: {"digest": "0" * 64},
    ),
    Endpoint("benefits:initiative_list", expect(200), kwargs=program_a),
    Endpoint("benefits:initiative_create", only(EDITORS, 200, 403), kwargs=program_a),
    Endpoint(
        "benefits:initiative_create",
        only(EDITORS, 302, 403),
        kwargs=program_a,
        method="post",
        data=initiative_form,
    ),
    Endpoint("benefits:initiative_edit", only(EDITORS, 200, 403), kwargs=with_pk(initiative)),
    Endpoint(
        "benefits:initiative_edit",
        only(EDITORS, 302, 403),
        kwargs=with_pk(initiative),
        method="post",
        data=initiative_form,
    ),
    Endpoint("benefits:success_factor_list", expect(200), kwargs=program_a),
    Endpoint("benefits:success_factor_create", only(EDITORS, 200, 403), kwargs=program_a),
    Endpoint(
        "benefits:success_factor_create",
        only(EDITORS, 302, 403),
        kwargs=program_a,
        method="post",
        data=factor_form,
    ),
    Endpoint("benefits:success_factor_edit", only(EDITORS, 200, 403), kwargs=with_pk(factor)),
    Endpoint(
        "benefits:success_factor_edit",
        only(EDITORS, 302, 403),
        kwargs=with_pk(factor),
        method="post",
        data=factor_form,
    ),
]


def api_rows(
    basename: str,
    make: Any,
    create: Any,
    patch: dict[str, Any],
    *,
    add: list[str],
    change: list[str],
    delete: list[str],
    created: int = 201,
) -> list[Endpoint]:
    return [
        Endpoint(f"{basename}-list", API_LIST, api=True, query="?program=1"),
        Endpoint(
            f"{basename}-list",
            only(add, created, 403, api=True, outsider=400),
            api=True,
            method="post",
            data=create,
        ),
        Endpoint(f"{basename}-detail", expect(200, anonymous=401), api=True, kwargs=api_pk(make)),
        *and_put(
            Endpoint(
                f"{basename}-detail",
                only(change, 200, 403, api=True),
                api=True,
                method="patch",
                kwargs=api_pk(make),
                data=lambda w: patch,
            )
        ),
        Endpoint(
            f"{basename}-detail",
            only(delete, 204, 403, api=True),
            api=True,
            method="delete",
            kwargs=api_pk(make),
        ),
    ]


API = [
    *api_rows(
        "objective",
        objective,
        lambda w: {"program": w.program.pk, "title": "Safer care", "perspective": "clinicians"},
        {"title": "Renamed"},
        add=EDITORS,
        change=EDITORS,
        delete=["program_manager"],
    ),
    Endpoint("objective-link-list", API_LIST, api=True),
    Endpoint(
        "objective-link-list",
        only(EDITORS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"program": w.program.pk, "cause": objective(w).pk, "effect": objective(w).pk},
    ),
    Endpoint("objective-link-detail", expect(200, anonymous=401), api=True, kwargs=api_pk(lambda w: link(w))),
    Endpoint(
        "objective-link-detail",
        only("program_manager", 204, 403, api=True),
        api=True,
        method="delete",
        kwargs=api_pk(lambda w: link(w)),
    ),
    *api_rows(
        "benefit",
        benefit,
        benefit_payload,
        {"status": "tracking"},
        add=EDITORS,
        change=EDITORS,
        delete=["program_manager"],
    ),
    Endpoint(
        "benefit-detail",
        expect(200, anonymous=401, vendor=404, consultant=404),
        api=True,
        kwargs=api_pk(benefit, visibility=Visibility.INTERNAL),
        label="internal",
    ),
    *api_rows(
        "kpi",
        kpi,
        kpi_payload,
        {"data_source": "EHR audit"},
        add=EDITORS,
        change=EDITORS,
        delete=["program_manager"],
    ),
    Endpoint(
        "kpi-detail",
        expect(200, anonymous=401, vendor=404, consultant=404),
        api=True,
        kwargs=api_pk(kpi, visibility=Visibility.INTERNAL),
        label="internal",
    ),
    *api_rows(
        "measurement",
        lambda w: measurement(w),
        lambda w: {"program": w.program.pk, "kpi": kpi(w).pk, "value": 31, "measured_on": "2025-02-28"},
        {"note": "checked"},
        add=MEASURERS,
        change=EDITORS,
        delete=["program_manager"],
    ),
    Endpoint(
        "measurement-import",
        only(MEASURERS, 200, 403, api=True),
        api=True,
        method="post",
        data=import_upload,
        format="multipart",
    ),
    *api_rows(
        "initiative",
        lambda w: initiative(w),
        lambda w: {
            "program": w.program.pk,
            "title": "Order sets",
            "start": "2025-01-01",
            "end": "2025-06-30",
        },
        {"percent_complete": 40},
        add=EDITORS,
        change=EDITORS,
        delete=["program_manager"],
    ),
    *api_rows(
        "success-factor",
        lambda w: factor(w),
        lambda w: {"program": w.program.pk, "name": "Nurse informatics capacity"},
        {"status": "amber"},
        add=EDITORS,
        change=EDITORS,
        delete=["program_manager"],
    ),
]

ENDPOINTS = UI + API
