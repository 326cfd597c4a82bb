"""Permission-matrix rows for stakeholder alignment: pages and API.

The fixture world has a hospital-internal group led by the stakeholder lead and a shared vendor group led
by the vendor; partners never see the first, and only a group's lead (or the program manager) answers for it.
"""

from __future__ import annotations

from typing import Any

from tests.alignment.factories import StakeholderGroupFactory, alignment_world, open_draft
from tests.matrix import MEMBERS, Endpoint, and_put, expect, only

LEADS = ["program_manager", "stakeholder_lead"]
ALL_200 = {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 401}


def program_a(world: Any) -> dict[str, int]:
    alignment_world(world)
    return {"program_id": world.program.pk}


def page(key: str, kwarg: str = "pk"):
    def build(world: Any) -> dict[str, int]:
        data = alignment_world(world)
        return {"program_id": world.program.pk, kwarg: data[key].pk}

    return build


def api(key: str):
    def build(world: Any) -> dict[str, int]:
        return {"pk": alignment_world(world)[key].pk}

    return build


def unused_group_api(world: Any) -> dict[str, int]:
    """A hospital-internal group nothing refers to yet: the one a delete may remove (the world's groups have
    endorsements and commitments, history a delete refuses; tests/alignment/test_deletes_keep_history.py)."""
    alignment_world(world)
    group = StakeholderGroupFactory(
        program=world.program, name="Retired working group", lead=world.stakeholder_lead
    )
    return {"pk": group.pk}


def draft_page(world: Any) -> dict[str, int]:
    return {"program_id": world.program.pk, "pk": open_draft(world).pk}


def draft_api(world: Any) -> dict[str, int]:
    return {"pk": open_draft(world).pk}


def endorse_page(group_key: str):
    def build(world: Any) -> dict[str, int]:
        data = alignment_world(world)
        return {"program_id": world.program.pk, "pk": data["published"].pk, "group_pk": data[group_key].pk}

    return build


class ProgramQuery:
    """`?program=<id>` for the world's program A, whose id is known only once the world exists (the
    kwargs builder runs first and records it)."""

    program_id: int = 0

    def __radd__(self, url: str) -> str:
        return f"{url}?program={self.program_id}"


PROGRAM_QUERY = ProgramQuery()


def remember_program(world: Any) -> dict[str, int]:
    alignment_world(world)
    PROGRAM_QUERY.program_id = world.program.pk
    return {}


def group_form(world: Any) -> dict[str, Any]:
    return {
        "name": "Nursing",
        "kind": "nursing",
        "lead": world.stakeholder_lead.pk,
        "power": 4,
        "interest": 5,
        "visibility": "internal",
    }


def impact_form(world: Any) -> dict[str, Any]:
    return {
        "group": alignment_world(world)["hospital_group"].pk,
        "change": "Barcode scanning at the bedside",
        "score": -1,
        "rationale": "Slower rounds at first.",
    }


def commitment_form(world: Any) -> dict[str, Any]:
    return {
        "group": alignment_world(world)["hospital_group"].pk,
        "what": "Train every night nurse",
        "owner": world.stakeholder_lead.pk,
        "due_date": "2026-06-30",
    }


# Hospital members see the internal group; partners get 404 for it.
HOSPITAL_ONLY_200 = expect(200, vendor=404, consultant=404)
# Changing the internal group's records: its lead and the program manager; partners cannot see it.
LEAD_CHANGES = only(LEADS, 200, 403, vendor=404, consultant=404)
LEAD_POSTS = only(LEADS, 302, 403, vendor=404, consultant=404)

ENDPOINTS = [
    # Pages
    Endpoint("alignment:group_list", expect(200), kwargs=program_a),
    Endpoint("alignment:group_grid", expect(200), kwargs=program_a),
    Endpoint("alignment:group_detail", HOSPITAL_ONLY_200, kwargs=page("hospital_group")),
    Endpoint("alignment:group_detail", expect(200), kwargs=page("vendor_group"), label="shared group"),
    Endpoint("alignment:group_create", only(LEADS, 200, 403), kwargs=program_a),
    Endpoint(
        "alignment:group_create",
        only(LEADS, 302, 403),
        kwargs=program_a,
        method="post",
        data=lambda w: {
            "name": "Pharmacy",
            "kind": "department",
            "power": 3,
            "interest": 2,
            "visibility": "internal",
        },
    ),
    Endpoint("alignment:group_edit", LEAD_CHANGES, kwargs=page("hospital_group")),
    Endpoint(
        "alignment:group_edit", LEAD_POSTS, kwargs=page("hospital_group"), method="post", data=group_form
    ),
    Endpoint("alignment:readiness_create", LEAD_CHANGES, kwargs=page("hospital_group", "group_pk")),
    Endpoint(
        "alignment:readiness_create",
        LEAD_POSTS,
        kwargs=page("hospital_group", "group_pk"),
        method="post",
        data=lambda w: {
            "assessed_on": "2026-02-01",
            "awareness": 4,
            "desire": 3,
            "knowledge": 3,
            "ability": 2,
            "reinforcement": 2,
        },
    ),
    Endpoint("alignment:ledger", expect(200), kwargs=program_a),
    Endpoint("alignment:impact_create", only(LEADS, 200, 403), kwargs=program_a),
    Endpoint(
        "alignment:impact_create", only(LEADS, 302, 403), kwargs=program_a, method="post", data=impact_form
    ),
    Endpoint(
        "alignment:impact_edit", only(LEADS, 200, 403, vendor=404, consultant=404), kwargs=page("impact")
    ),
    Endpoint("alignment:impact_edit", LEAD_POSTS, kwargs=page("impact"), method="post", data=impact_form),
    Endpoint("alignment:version_list", expect(200), kwargs=program_a),
    Endpoint("alignment:version_create", only(LEADS, 200, 403), kwargs=program_a),
    Endpoint(
        "alignment:version_create",
        only(LEADS, 302, 403),
        kwargs=program_a,
        method="post",
        data=lambda w: {"summary": "Version two"},
    ),
    Endpoint("alignment:version_detail", expect(200), kwargs=page("published")),
    Endpoint("alignment:version_edit", only(LEADS, 200, 403), kwargs=draft_page),
    Endpoint(
        "alignment:version_edit",
        only(LEADS, 302, 403),
        kwargs=draft_page,
        method="post",
        data=lambda w: {"summary": "Version two, revised"},
    ),
    Endpoint(
        "alignment:version_publish",
        only("program_manager", 302, 403),
        kwargs=draft_page,
        method="post",
        data=lambda w: {},
    ),
    Endpoint(
        "alignment:comment_create",
        expect(302, auditor=403),
        kwargs=page("published"),
        method="post",
        data=lambda w: {"element": "summary", "body": "Looks right to me."},
    ),
    Endpoint(
        "alignment:endorsement_decide",
        LEAD_POSTS,
        kwargs=endorse_page("hospital_group"),
        method="post",
        data=lambda w: {"status": "endorsed"},
    ),
    Endpoint(
        "alignment:endorsement_decide",
        only(["program_manager", "vendor"], 302, 403),
        kwargs=endorse_page("vendor_group"),
        method="post",
        data=lambda w: {"status": "endorsed"},
        label="vendor group",
    ),
    Endpoint("alignment:commitment_list", expect(200), kwargs=program_a),
    Endpoint("alignment:commitment_create", only(LEADS, 200, 403), kwargs=program_a),
    Endpoint(
        "alignment:commitment_create",
        only(LEADS, 302, 403),
        kwargs=program_a,
        method="post",
        data=commitment_form,
    ),
    Endpoint("alignment:commitment_detail", HOSPITAL_ONLY_200, kwargs=page("commitment")),
    Endpoint("alignment:commitment_edit", LEAD_CHANGES, kwargs=page("commitment")),
    Endpoint(
        "alignment:commitment_edit",
        LEAD_POSTS,
        kwargs=page("commitment"),
        method="post",
        data=commitment_form,
    ),
    Endpoint(
        "alignment:commitment_status",
        LEAD_POSTS,
        kwargs=page("commitment"),
        method="post",
        data=lambda w: {"status": "on_track"},
    ),
    Endpoint(
        "alignment:commitment_note",
        LEAD_POSTS,
        kwargs=page("commitment"),
        method="post",
        data=lambda w: {"text": "Half of the wards are done."},
    ),
    Endpoint(
        "alignment:commitment_status",
        only(["program_manager", "vendor"], 302, 403),
        kwargs=page("vendor_commitment"),
        method="post",
        data=lambda w: {"status": "at_risk"},
        label="vendor commitment",
    ),
    Endpoint("alignment:index", expect(200), kwargs=program_a),
    Endpoint("alignment:weights_edit", only("program_manager", 200, 403), kwargs=program_a),
    Endpoint(
        "alignment:weights_edit",
        only("program_manager", 302, 403),
        kwargs=program_a,
        method="post",
        data=lambda w: {"endorsement": 40, "delivery": 20, "readiness": 20, "impact": 10, "red_flags": 10},
    ),
    # API
    Endpoint("stakeholder-group-list", ALL_200, api=True, kwargs=remember_program),
    Endpoint(
        "stakeholder-group-list",
        only(LEADS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        kwargs=remember_program,
        data=lambda w: {
            "program": w.program.pk,
            "name": "Laboratory",
            "kind": "department",
            "power": 2,
            "interest": 3,
        },
    ),
    Endpoint(
        "stakeholder-group-detail",
        expect(200, anonymous=401, vendor=404, consultant=404),
        api=True,
        kwargs=api("hospital_group"),
    ),
    *and_put(
        Endpoint(
            "stakeholder-group-detail",
            only(LEADS, 200, 403, api=True, vendor=404, consultant=404),
            api=True,
            method="patch",
            kwargs=api("hospital_group"),
            data=lambda w: {"interest": 4},
        )
    ),
    Endpoint(
        "stakeholder-group-detail",
        only("program_manager", 204, 403, api=True, vendor=404, consultant=404),
        api=True,
        method="delete",
        kwargs=unused_group_api,
    ),
    Endpoint("readiness-assessment-list", ALL_200, api=True, kwargs=remember_program),
    Endpoint(
        "readiness-assessment-list",
        only(LEADS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        kwargs=remember_program,
        data=lambda w: {
            "program": w.program.pk,
            "group": alignment_world(w)["vendor_group"].pk,
            "assessed_on": "2026-02-01",
            "awareness": 5,
            "desire": 4,
            "knowledge": 4,
            "ability": 3,
            "reinforcement": 3,
        },
    ),
    Endpoint(
        "readiness-assessment-detail",
        expect(200, anonymous=401, vendor=404, consultant=404),
        api=True,
        kwargs=api("readiness"),
    ),
    *and_put(
        Endpoint(
            "readiness-assessment-detail",
            only(LEADS, 200, 403, api=True, vendor=404, consultant=404),
            api=True,
            method="patch",
            kwargs=api("readiness"),
            data=lambda w: {"notes": "Re-surveyed."},
        )
    ),
    Endpoint(
        "readiness-assessment-detail",
        only("program_manager", 204, 403, api=True, vendor=404, consultant=404),
        api=True,
        method="delete",
        kwargs=api("readiness"),
    ),
    Endpoint("impact-list", ALL_200, api=True, kwargs=remember_program),
    Endpoint(
        "impact-list",
        only(LEADS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        kwargs=remember_program,
        data=lambda w: {
            "program": w.program.pk,
            "group": alignment_world(w)["vendor_group"].pk,
            "change": "Go-live support rota",
            "score": 1,
        },
    ),
    Endpoint(
        "impact-detail",
        expect(200, anonymous=401, vendor=404, consultant=404),
        api=True,
        kwargs=api("impact"),
    ),
    *and_put(
        Endpoint(
            "impact-detail",
            only(LEADS, 200, 403, api=True, vendor=404, consultant=404),
            api=True,
            method="patch",
            kwargs=api("impact"),
            data=lambda w: {"score": -1},
        )
    ),
    Endpoint(
        "impact-detail",
        only("program_manager", 204, 403, api=True, vendor=404, consultant=404),
        api=True,
        method="delete",
        kwargs=api("impact"),
    ),
    Endpoint("strategy-version-list", ALL_200, api=True, kwargs=remember_program),
    Endpoint(
        "strategy-version-list",
        only(LEADS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        kwargs=remember_program,
        data=lambda w: {"program": w.program.pk, "summary": "Version two"},
    ),
    Endpoint("strategy-version-detail", expect(200, anonymous=401), api=True, kwargs=api("published")),
    *and_put(
        Endpoint(
            "strategy-version-detail",
            only(LEADS, 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=draft_api,
            data=lambda w: {"summary": "Version two, revised"},
        )
    ),
    Endpoint(
        "strategy-version-detail",
        only("program_manager", 204, 403, api=True),
        api=True,
        method="delete",
        kwargs=draft_api,
    ),
    Endpoint(
        "strategy-version-publish",
        only("program_manager", 200, 403, api=True),
        api=True,
        method="post",
        kwargs=draft_api,
        data=lambda w: {},
    ),
    Endpoint("endorsement-list", ALL_200, api=True, kwargs=remember_program),
    Endpoint(
        "endorsement-list",
        only(["program_manager", "vendor"], 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        kwargs=remember_program,
        data=lambda w: {
            "version": alignment_world(w)["published"].pk,
            "group": alignment_world(w)["vendor_group"].pk,
            "status": "endorsed",
        },
    ),
    Endpoint(
        "endorsement-detail",
        expect(200, anonymous=401, vendor=404, consultant=404),
        api=True,
        kwargs=api("hospital_endorsement"),
    ),
    Endpoint(
        "endorsement-detail",
        only(LEADS, 200, 403, api=True, vendor=404, consultant=404),
        api=True,
        method="patch",
        kwargs=api("hospital_endorsement"),
        data=lambda w: {"status": "objected", "text": "Not before the wards have scanners."},
    ),
    Endpoint("commitment-list", ALL_200, api=True, kwargs=remember_program),
    Endpoint(
        "commitment-list",
        only(LEADS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        kwargs=remember_program,
        data=lambda w: {
            "program": w.program.pk,
            "group": alignment_world(w)["hospital_group"].pk,
            "what": "Train every ward",
            "due_date": "2026-05-01",
        },
    ),
    Endpoint(
        "commitment-detail",
        expect(200, anonymous=401, vendor=404, consultant=404),
        api=True,
        kwargs=api("commitment"),
    ),
    *and_put(
        Endpoint(
            "commitment-detail",
            only(LEADS, 200, 403, api=True, vendor=404, consultant=404),
            api=True,
            method="patch",
            kwargs=api("commitment"),
            data=lambda w: {"status": "at_risk"},
        )
    ),
    Endpoint(
        "commitment-detail",
        only("program_manager", 204, 403, api=True, vendor=404, consultant=404),
        api=True,
        method="delete",
        kwargs=api("commitment"),
    ),
    Endpoint("alignment", expect(200, anonymous=401), api=True, kwargs=remember_program, query=PROGRAM_QUERY),
]
