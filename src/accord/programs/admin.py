from django.contrib import admin

from accord.core.admin import AuditedModelAdmin
from accord.programs.models import Membership, Program


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
