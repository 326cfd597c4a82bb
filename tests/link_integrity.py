"""Set-up shared by the link-integrity tests: a partner's person who belongs to another program only."""

from __future__ import annotations

from typing import Any

from accord.accounts.models import OrganisationKind
from accord.core.permissions import Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


def northbridge_person(world: Any) -> Any:
    """Someone of the outsourcing partner, a member of program B only, whom the program manager of program A
    can see (both sit in program B, as the CIO sits in both demo programs)."""
    northbridge = OrganisationFactory(name="Northbridge Managed Services", kind=OrganisationKind.OUTSOURCER)
    person = UserFactory(
        email="transition@northbridge.example", full_name="Ian McAllister", organisation=northbridge
    )
    MembershipFactory(program=world.other_program, person=person, role=Role.VENDOR)
    MembershipFactory(program=world.other_program, person=world.program_manager, role=Role.BOARD_MEMBER)
    return person


def not_a_member(person: Any) -> str:
    return f"{person} is not a member of this program."
