from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accord.accounts import services
from accord.accounts.models import Organisation, User
from accord.core.admin import AuditedModelAdmin


@admin.register(User)
class UserAdmin(AuditedModelAdmin):
    list_display = ["email", "full_name", "title", "organisation", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_staff", "is_platform_auditor", "organisation"]
    exclude = ["password", "session_generation"]

    # An account's e-mail address, organisation and access flags are a platform administrator's alone:
    # a staff member with admin permissions could otherwise take over an account by its e-mail address.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return services.is_platform_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return services.is_platform_administrator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # people are deactivated, never deleted, to keep the record

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            # No password is set here: the person sets one through the password-reset e-mail.
            obj.set_unusable_password()
            super().save_model(request, obj, form, change)
            services.record_own_email_address(person=obj)
            return
        many = {field.name for field in User._meta.many_to_many}
        data = {name: form.cleaned_data[name] for name in form.changed_data if name not in many}
        services.update_person(person=obj, actor=request.user, data=data)


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
