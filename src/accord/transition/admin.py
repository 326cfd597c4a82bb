"""Admin registrations of the transition records, for platform administrators; edits are audited."""

from django.contrib import admin

from accord.core.admin import AuditedModelAdmin
from accord.transition.models import Service


@admin.register(Service)
class ServiceAdmin(AuditedModelAdmin):
    list_display = ["name", "program", "kind", "criticality", "clinical_impact", "stage", "internal_owner"]
    list_filter = ["program", "kind", "criticality", "stage"]
    search_fields = ["name", "configuration_items"]
    # The stage moves only through the stage transition service, which checks exit criteria and sign-offs.
    readonly_fields = ["stage", "stage_since"]
    raw_id_fields = ["internal_owner", "partner_owner", "contract"]
