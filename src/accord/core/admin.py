from django.contrib import admin

from accord.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["sequence", "at", "actor_label", "action", "object_type", "object_repr", "program"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "actor_label"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin edits go through the audited services like every other write."""

    def save_model(self, request, obj, form, change):
        from accord.core import audit
        from accord.core.models import AuditAction

        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else {}
        obj.save()
        audit.record(
            actor=request.user,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            instance=obj,
            changes=audit.diff(before, audit.snapshot(obj)),
        )

    def delete_model(self, request, obj):
        from accord.core.services import delete_record

        delete_record(instance=obj, actor=request.user, check=False)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
