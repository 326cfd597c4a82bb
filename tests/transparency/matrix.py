"""Permission-matrix rows for every transparency page and API endpoint, each method."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accord.core.demo import SYSTEM_ACTOR
from accord.core.services import create_record
from accord.transparency import services
from accord.transparency.forms import STANDARD_QUESTIONS
from accord.transparency.models import OpenDoorHours
from tests.alignment.factories import StakeholderGroupFactory
from tests.matrix import MEMBERS, Endpoint, and_put, expect, only
from tests.personas import World
from tests.transition.factories import ServiceFactory

HOSPITAL = ["program_manager", "board_member", "stakeholder_lead", "member", "auditor"]
LEADERSHIP = ["program_manager", "board_member"]
ASKERS = [p for p in MEMBERS if p != "auditor"]
ALL_API = {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 401}
EVERYONE = {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 200}


def _cached(world: World, key: str, build: Any) -> Any:
    if key not in world.extra:
        world.extra[key] = build()
    return world.extra[key]


def service(world: World) -> Any:
    return _cached(
        world,
        "t_service",
        lambda: ServiceFactory(program=world.program, internal_owner=world.program_manager),
    )


def assignment(world: World) -> Any:
    return _cached(
        world,
        "t_assignment",
        lambda: services.assign_to_service(
            actor=world.program_manager,
            data={
                "program": world.program,
                "service": service(world),
                "person": world.member,
                "role_on_service": "Primary support",
                "starts_on": dt.date(2026, 1, 5),
            },
        ),
    )


def open_door(world: World) -> Any:
    return _cached(
        world,
        "t_door",
        lambda: create_record(
            model=OpenDoorHours,
            actor=SYSTEM_ACTOR,
            check=False,
            data={
                "program": world.program,
                "leader": world.program_manager,
                "weekday": 2,
                "starts_at": dt.time(14),
                "ends_at": dt.time(15),
                "location": "IT office",
            },
        ),
    )


def question(world: World) -> Any:
    return _cached(
        world,
        "t_question",
        lambda: services.ask_question(
            program=world.program,
            actor=world.member,
            text="Who will own the backups?",
            anonymous=False,
            today=timezone.localdate(),
        ),
    )


def concern(world: World) -> tuple[Any, str]:
    return _cached(
        world,
        "t_concern",
        lambda: services.submit_concern(
            program=world.program,
            actor=world.stakeholder_lead,
            subject="Fear for jobs",
            body="People are afraid.",
            today=timezone.localdate(),
        ),
    )


def group(world: World) -> Any:
    def build() -> Any:
        g = StakeholderGroupFactory(program=world.program, name="Everyone in the matrix")
        g.members.add(*[world.people[p] for p in MEMBERS])
        return g

    return _cached(world, "t_group", build)


def draft_survey(world: World) -> Any:
    today = timezone.localdate()
    return _cached(
        world,
        "t_draft",
        lambda: services.create_survey(
            program=world.program,
            actor=world.program_manager,
            title="Draft pulse",
            opens_on=today,
            closes_on=today + dt.timedelta(days=7),
            groups=[group(world)],
            questions=STANDARD_QUESTIONS,
        ),
    )


def open_survey(world: World) -> Any:
    def build() -> Any:
        today = timezone.localdate()
        survey = services.create_survey(
            program=world.program,
            actor=world.program_manager,
            title="Open pulse",
            opens_on=today,
            closes_on=today + dt.timedelta(days=7),
            groups=[group(world)],
            questions=STANDARD_QUESTIONS,
        )
        services.open_survey(survey=survey, actor=world.program_manager)
        return survey

    return _cached(world, "t_open", build)


def program_kwargs(world: World) -> dict[str, int]:
    return {"program_id": world.program.pk}


def page(record: Any) -> Any:
    return lambda w: {"program_id": w.program.pk, "pk": record(w).pk}


def api(record: Any) -> Any:
    return lambda w: {"pk": record(w).pk}


def concern_page(w: World) -> dict[str, Any]:
    return {"program_id": w.program.pk, "pk": concern(w)[0].pk}


def assignment_form(w: World) -> dict[str, Any]:
    return {
        "service": service(w).pk,
        "person": w.member.pk,
        "role_on_service": "Database support",
        "starts_on": "2026-02-01",
    }


def door_form(w: World) -> dict[str, Any]:
    return {
        "leader": w.board_member.pk,
        "weekday": 1,
        "starts_at": "09:00",
        "ends_at": "10:00",
        "location": "Room 4",
    }


def survey_form(w: World) -> dict[str, Any]:
    return {
        "title": "April pulse",
        "opens_on": "2026-04-01",
        "closes_on": "2026-04-14",
        "groups": [group(w).pk],
        **{f"question_{d}": text for d, text in STANDARD_QUESTIONS},
    }


def response_form(w: World) -> dict[str, Any]:
    return {f"q{q.pk}": 4 for q in open_survey(w).questions.all()}


ENDPOINTS = [
    # Roster and open doors
    Endpoint("transparency:roster", expect(200), kwargs=program_kwargs),
    Endpoint("transparency:assignment_create", only("program_manager", 200, 403), kwargs=program_kwargs),
    Endpoint(
        "transparency:assignment_create",
        only("program_manager", 302, 403),
        method="post",
        kwargs=program_kwargs,
        data=assignment_form,
    ),
    Endpoint("transparency:assignment_edit", only("program_manager", 200, 403), kwargs=page(assignment)),
    Endpoint(
        "transparency:assignment_edit",
        only("program_manager", 302, 403),
        method="post",
        kwargs=page(assignment),
        data=assignment_form,
    ),
    Endpoint("transparency:open_door_create", only("program_manager", 200, 403), kwargs=program_kwargs),
    Endpoint(
        "transparency:open_door_create",
        only("program_manager", 302, 403),
        method="post",
        kwargs=program_kwargs,
        data=door_form,
    ),
    Endpoint("transparency:open_door_edit", only("program_manager", 200, 403), kwargs=page(open_door)),
    Endpoint(
        "transparency:open_door_edit",
        only("program_manager", 302, 403),
        method="post",
        kwargs=page(open_door),
        data=door_form,
    ),
    # Q&A board
    Endpoint("transparency:question_board", expect(200), kwargs=program_kwargs),
    Endpoint(
        "transparency:question_board",
        only(ASKERS, 302, 403),
        method="post",
        kwargs=program_kwargs,
        data=lambda w: {"text": "When do we hear about our contracts?", "anonymous": "on"},
    ),
    Endpoint(
        "transparency:question_answer",
        only(LEADERSHIP, 302, 403, vendor=404, consultant=404),
        method="post",
        kwargs=page(question),
        data=lambda w: {"answer": "By the end of the month."},
    ),
    # Anonymous concerns
    Endpoint("transparency:concern_submit", only(ASKERS, 200, 403), kwargs=program_kwargs),
    Endpoint(
        "transparency:concern_submit",
        only(ASKERS, 200, 403),
        method="post",
        kwargs=program_kwargs,
        data=lambda w: {"subject": "Training", "body": "No training yet for the new tools."},
    ),
    # The receipt code is the key: no sign-in, no membership.
    Endpoint("transparency:concern_receipt", EVERYONE, kwargs=program_kwargs),
    Endpoint(
        "transparency:concern_receipt",
        EVERYONE,
        method="post",
        kwargs=program_kwargs,
        data=lambda w: {"receipt_code": concern(w)[1]},
    ),
    Endpoint("transparency:concern_list", only(LEADERSHIP, 200, 404), kwargs=program_kwargs),
    Endpoint("transparency:concern_detail", only(LEADERSHIP, 200, 404), kwargs=concern_page),
    Endpoint(
        "transparency:concern_answer",
        only(LEADERSHIP, 302, 404),
        method="post",
        kwargs=concern_page,
        data=lambda w: {"body": "We are looking into it."},
    ),
    Endpoint(
        "transparency:concern_transition",
        only(LEADERSHIP, 302, 404),
        method="post",
        kwargs=concern_page,
        data=lambda w: {"to": "triaged"},
    ),
    Endpoint(
        "transparency:concern_convert",
        only(LEADERSHIP, 302, 404),
        method="post",
        kwargs=concern_page,
        data=lambda w: {"severity": "high"},
    ),
    # Pulse surveys and the trust index
    Endpoint("transparency:survey_list", expect(200), kwargs=program_kwargs),
    Endpoint("transparency:survey_create", only("program_manager", 200, 403), kwargs=program_kwargs),
    Endpoint(
        "transparency:survey_create",
        only("program_manager", 302, 403),
        method="post",
        kwargs=program_kwargs,
        data=survey_form,
    ),
    Endpoint("transparency:survey_detail", expect(200), kwargs=page(open_survey)),
    Endpoint(
        "transparency:survey_open",
        only("program_manager", 302, 403),
        method="post",
        kwargs=page(draft_survey),
    ),
    Endpoint(
        "transparency:survey_close",
        only("program_manager", 302, 403),
        method="post",
        kwargs=page(open_survey),
    ),
    Endpoint("transparency:survey_respond", expect(200), kwargs=page(open_survey)),
    Endpoint(
        "transparency:survey_respond",
        only(ASKERS, 302, 403),
        method="post",
        kwargs=page(open_survey),
        data=response_form,
    ),
    Endpoint("transparency:trust_index", only(HOSPITAL, 200, 403), kwargs=program_kwargs),
    # API: assignments
    Endpoint("assignment-list", ALL_API, api=True),
    Endpoint(
        "assignment-list",
        only("program_manager", 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"program": w.program.pk, **assignment_form(w)},
    ),
    Endpoint("assignment-detail", expect(200, anonymous=401), api=True, kwargs=api(assignment)),
    *and_put(
        Endpoint(
            "assignment-detail",
            only("program_manager", 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=api(assignment),
            data=lambda w: {"role_on_service": "Lead support"},
        )
    ),
    Endpoint(
        "assignment-detail",
        only("program_manager", 204, 403, api=True),
        api=True,
        method="delete",
        kwargs=api(assignment),
    ),
    # API: questions
    Endpoint("question-list", ALL_API, api=True),
    Endpoint(
        "question-list",
        only(ASKERS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"program": w.program.pk, "text": "Will the on-call rota change?", "anonymous": True},
    ),
    Endpoint(
        "question-detail",
        expect(200, anonymous=401, vendor=404, consultant=404),
        api=True,
        kwargs=api(question),
    ),
    Endpoint(
        "question-answer",
        only(LEADERSHIP, 200, 403, api=True, vendor=404, consultant=404),
        api=True,
        method="post",
        kwargs=api(question),
        data=lambda w: {"answer": "Not before go-live."},
    ),
    # API: concerns
    Endpoint("concern-list", ALL_API, api=True),
    Endpoint(
        "concern-list",
        only(ASKERS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"program": w.program.pk, "subject": "Overtime", "body": "Weekend work is not paid."},
    ),
    Endpoint(
        "concern-receipt",
        EVERYONE,
        api=True,
        method="post",
        data=lambda w: {"receipt_code": concern(w)[1]},
    ),
    Endpoint(
        "concern-receipt-reply",
        {p: 201 for p in EVERYONE},
        api=True,
        method="post",
        data=lambda w: {"receipt_code": concern(w)[1], "body": "Any news?"},
    ),
    Endpoint(
        "concern-detail",
        only(LEADERSHIP, 200, 404, api=True),
        api=True,
        kwargs=lambda w: {"pk": concern(w)[0].pk},
    ),
    Endpoint(
        "concern-answer",
        only(LEADERSHIP, 200, 404, api=True),
        api=True,
        method="post",
        kwargs=lambda w: {"pk": concern(w)[0].pk},
        data=lambda w: {"body": "Thank you; the board will discuss it."},
    ),
    Endpoint(
        "concern-transition",
        only(LEADERSHIP, 200, 404, api=True),
        api=True,
        method="post",
        kwargs=lambda w: {"pk": concern(w)[0].pk},
        data=lambda w: {"to": "triaged"},
    ),
    Endpoint(
        "concern-convert",
        only(LEADERSHIP, 200, 404, api=True),
        api=True,
        method="post",
        kwargs=lambda w: {"pk": concern(w)[0].pk},
        data=lambda w: {"severity": "high"},
    ),
    # API: surveys and results
    Endpoint("survey-list", ALL_API, api=True),
    Endpoint(
        "survey-list",
        only("program_manager", 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {
            "program": w.program.pk,
            "title": "May pulse",
            "opens_on": "2026-05-01",
            "closes_on": "2026-05-14",
            "groups": [group(w).pk],
            "questions": [{"dimension": d, "text": t} for d, t in STANDARD_QUESTIONS],
        },
    ),
    Endpoint("survey-detail", expect(200, anonymous=401), api=True, kwargs=api(open_survey)),
    Endpoint(
        "survey-open-survey",
        only("program_manager", 200, 403, api=True),
        api=True,
        method="post",
        kwargs=api(draft_survey),
    ),
    Endpoint(
        "survey-close-survey",
        only("program_manager", 200, 403, api=True),
        api=True,
        method="post",
        kwargs=api(open_survey),
    ),
    Endpoint(
        "survey-respond",
        only(ASKERS, 201, 403, api=True),
        api=True,
        method="post",
        kwargs=api(open_survey),
        data=lambda w: {"scores": {str(q.pk): 4 for q in open_survey(w).questions.all()}},
    ),
    Endpoint("survey-results-list", ALL_API, api=True),
    Endpoint("survey-results-detail", only(HOSPITAL, 200, 404, api=True), api=True, kwargs=api(open_survey)),
]
