from django.contrib import admin

from accord.core.admin import AuditedModelAdmin
from accord.programs.models import Membership, Program, ProgramTemplate


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["person", "role"]
    readonly_fields = ["person", "role"]
    can_delete = False


@admin.register(Program)
class ProgramAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "phase", "go_live_date"]
    inlines = [MembershipInline]

    def has_add_permission(self, request):
        # A program is created by programs.services.create_program (the "New program" page), which gives
        # it its manager and every app's defaults; a bare admin insert would skip both.
        return False


@admin.register(ProgramTemplate)
class ProgramTemplateAdmin(AuditedModelAdmin):
    """Where a template's JSON body is edited by hand; the model's check refuses a bad one, naming where."""

    list_display = ["name", "kind", "built_in", "based_on", "updated_at"]
    list_filter = ["kind", "built_in"]
    readonly_fields = ["based_on", "created_by", "created_at", "updated_at"]
