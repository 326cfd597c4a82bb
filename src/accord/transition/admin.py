"""Admin registrations of the transition records, for platform administrators; edits are audited."""

from typing import Any

from django.contrib import admin

from accord.core.admin import AuditedModelAdmin
from accord.transition.models import (
    Interview,
    KnowledgeItem,
    KnowledgeTemplate,
    Service,
    TrainingModule,
    TrainingRecord,
)


@admin.register(Service)
class ServiceAdmin(AuditedModelAdmin):
    list_display = ["name", "program", "kind", "criticality", "clinical_impact", "stage", "internal_owner"]
    list_filter = ["program", "kind", "criticality", "stage"]
    search_fields = ["name", "configuration_items"]
    # The stage moves only through the stage transition service, which checks exit criteria and sign-offs.
    readonly_fields = ["stage", "stage_since"]
    raw_id_fields = ["internal_owner", "partner_owner", "contract"]


@admin.register(KnowledgeTemplate)
class KnowledgeTemplateAdmin(AuditedModelAdmin):
    list_display = ["name", "program", "kind"]
    list_filter = ["program", "kind"]


@admin.register(KnowledgeItem)
class KnowledgeItemAdmin(AuditedModelAdmin):
    list_display = ["title", "service", "template", "status", "review_due_on", "visibility"]
    list_filter = ["program", "status", "visibility"]
    search_fields = ["title", "service__name"]
    # Review and approval go through their services: only the service's internal owner approves.
    readonly_fields = ["status", "author", "approved_by", "approved_at", "superseded_by"]
    raw_id_fields = ["service", "template"]


@admin.register(Interview)
class InterviewAdmin(AuditedModelAdmin):
    list_display = ["service", "expert", "interviewer", "scheduled_at"]
    list_filter = ["program"]
    raw_id_fields = ["service", "expert", "interviewer", "knowledge_items"]


@admin.register(TrainingModule)
class TrainingModuleAdmin(AuditedModelAdmin):
    list_display = ["title", "program", "kind", "validity_months", "due_on"]
    list_filter = ["program", "kind"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(AuditedModelAdmin):
    """Completions are recorded with `record_training` and attested by the trained person alone
    (`attest_training`); here only the evidence is corrected, and a wrong completion is deleted."""

    list_display = ["person", "module", "completed_on", "expires_on", "attested"]
    list_filter = ["program", "module"]
    readonly_fields = [
        "program",
        "person",
        "module",
        "completed_on",
        "expires_on",
        "attested",
        "attested_at",
        "recorded_by",
    ]

    def has_add_permission(self, request: Any) -> bool:
        # record_training refuses a future completion and decides who is attested; a bare insert would not.
        return False
