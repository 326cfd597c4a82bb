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
    """Admin edits go through the audited services like every other write.

    A change is `update_record` (validated, one transaction, one audit row of what changed); a new row
    is `save_new_record` (validated, saved and audited in one transaction).
    Domain records with a service of their own are not added here (see ProgramAdmin).
    """

    def save_model(self, request, obj, form, change):
        from accord.core.services import save_new_record, update_record

        if change:
            many = {field.name for field in obj._meta.many_to_many}
            data = {name: form.cleaned_data[name] for name in form.changed_data if name not in many}
            # The admin's own permissions decide who gets here; the service records and validates.
            update_record(instance=obj, actor=request.user, data=data, check=False)
            return
        save_new_record(instance=obj, actor=request.user)

    def get_deleted_objects(self, objs, request):
        # A record whose deletion would lose history is shown as protected, with the reason, so the admin's
        # confirmation page (one record or the bulk action) refuses it as it refuses a protected reference.
        from accord.core.services import deletion_problem

        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        refused = [(obj, deletion_problem(obj)) for obj in objs]
        protected = [*protected, *(f"{obj}: {problem}" for obj, problem in refused if problem)]
        return to_delete, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        from accord.core.services import delete_record

        delete_record(instance=obj, actor=request.user, check=False)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
