"""The outsourcing transition: services handed over to the partner, their knowledge, stages and training."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from accord.core.models import ProgramScopedModel, VisibilityField
from accord.core.permissions import Visibility
from accord.transition.choices import Criticality, HandoverStage, ServiceKind


class Service(ProgramScopedModel):
    """One service the partner takes over: who owns it on each side, what it covers and its handover stage."""

    access_area = "transition"
    member_fields: ClassVar[tuple[str, ...]] = ("internal_owner", "partner_owner")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ServiceKind.choices, default=ServiceKind.APPLICATION)
    description = models.TextField(blank=True)
    criticality = models.PositiveSmallIntegerField(
        choices=Criticality.choices,
        default=Criticality.MEDIUM,
        help_text="1 is the most critical; knowledge gaps of critical services weigh most.",
    )
    clinical_impact = models.BooleanField(
        default=False, help_text="An outage touches patient care (orders, results, images, medication)."
    )
    internal_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="transition_services_owned",
        help_text="The hospital person answerable for the service; approves its knowledge and signs off stages.",
    )
    partner_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transition_services_taken_over",
        help_text="The partner's person who takes the service over and signs off stages for the partner.",
    )
    configuration_items = models.TextField(
        blank=True, help_text="The systems and configuration items the service covers, one per line."
    )
    contract = models.ForeignKey(
        "sla.Contract",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transition_services",
        help_text="The SLA contract that covers the service, when one exists.",
    )
    stage = models.CharField(
        max_length=20,
        choices=HandoverStage.choices,
        default=HandoverStage.ACQUISITION,
        help_text="Changed only through a stage transition, which checks the exit criteria.",
    )
    stage_since = models.DateField(null=True, blank=True)
    visibility = VisibilityField(default=Visibility.SHARED)

    class Meta:
        ordering = ["program", "criticality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="transition_service_name_unique"),
            models.CheckConstraint(
                condition=models.Q(criticality__gte=1, criticality__lte=4),
                name="transition_service_criticality_1_to_4",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("transition:service_detail", kwargs={"program_id": self.program_id, "pk": self.pk})

    @property
    def configuration_item_list(self) -> list[str]:
        return [line.strip() for line in self.configuration_items.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.contract_id and self.program_id and self.contract.program_id != self.program_id:
            raise ValidationError({"contract": "Belongs to another program."})
        if self.partner_owner_id and self.partner_owner_id == self.internal_owner_id:
            raise ValidationError(
                {"partner_owner": "The partner owner must be someone other than the internal owner."}
            )
