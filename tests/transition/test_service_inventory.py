"""The service inventory: one row's rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.factories import UserFactory
from tests.sla.factories import ContractFactory
from tests.transition.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def test_a_service_lists_its_configuration_items_one_per_line() -> None:
    service = ServiceFactory(configuration_items="ehr-ie-01\n\n  ehr-ie-02  \n")
    assert service.configuration_item_list == ["ehr-ie-01", "ehr-ie-02"]


def test_a_service_cannot_link_another_programs_contract() -> None:
    service = ServiceFactory()
    service.contract = ContractFactory()
    with pytest.raises(ValidationError, match="another program"):
        service.full_clean()


def test_a_service_owner_must_be_a_member_of_the_program() -> None:
    service = ServiceFactory()
    service.internal_owner = UserFactory()
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert "internal_owner" in error.value.message_dict


def test_criticality_outside_one_to_four_is_refused() -> None:
    service = ServiceFactory()
    service.criticality = 5
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert "criticality" in error.value.message_dict
