"""The people every permission test uses: one per role in program A, and an outsider from program B."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accord.accounts.models import OrganisationKind
from accord.core.permissions import Role
from tests.factories import MembershipFactory, OrganisationFactory, ProgramFactory, UserFactory

PERSONAS = [
    "program_manager",
    "board_member",
    "stakeholder_lead",
    "member",
    "vendor",
    "consultant",
    "auditor",
    "outsider",
    "anonymous",
]


@dataclass
class World:
    """Program A with one person per role; program B whose only member is the outsider."""

    program: Any
    other_program: Any
    hospital: Any
    vendor_org: Any
    people: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["people"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def build_world() -> World:
    hospital = OrganisationFactory(name="Lakeside Hospital", kind=OrganisationKind.HOSPITAL)
    vendor_org = OrganisationFactory(name="EHR Vendor Inc.", kind=OrganisationKind.VENDOR)
    consultancy = OrganisationFactory(name="Advisors LLP", kind=OrganisationKind.CONSULTANCY)
    program = ProgramFactory(name="Program A")
    other_program = ProgramFactory(name="Program B")
    world = World(program=program, other_program=other_program, hospital=hospital, vendor_org=vendor_org)
    organisation_of = {Role.VENDOR: vendor_org, Role.CONSULTANT: consultancy}
    for role in Role:
        person = UserFactory(
            email=f"{role.value}@example.org",
            full_name=role.label,
            organisation=organisation_of.get(role, hospital),
        )
        MembershipFactory(program=program, person=person, role=role)
        world.people[role.value] = person
    outsider = UserFactory(email="outsider@example.org", full_name="Outsider", organisation=hospital)
    MembershipFactory(program=other_program, person=outsider, role=Role.PROGRAM_MANAGER)
    world.people["outsider"] = outsider
    world.people["anonymous"] = None
    return world
