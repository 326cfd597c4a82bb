from django.contrib import admin

from accord.accounts.models import Organisation, User
from accord.core.admin import AuditedModelAdmin


@admin.register(User)
class UserAdmin(AuditedModelAdmin):
    list_display = ["email", "full_name", "title", "organisation", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_staff", "organisation"]
    exclude = ["password", "session_generation"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
