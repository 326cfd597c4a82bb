"""URL map: the shell, each domain app under its program, and the API assembled from each app's routes."""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accord.accounts import views as accounts_views
from accord.core import audit_views
from accord.core import views as core_views
from accord.core.registry import accord_apps, optional_module

router = DefaultRouter(trailing_slash=True)
api_extra = []
program_app_urls = []
for config in accord_apps():
    api_module = optional_module(config, "api")
    if api_module is not None:
        for prefix, viewset, basename in getattr(api_module, "ROUTES", ()):
            router.register(prefix, viewset, basename=basename)
        api_extra += getattr(api_module, "EXTRA_URLS", [])
    # Apps whose pages are not under one program (e.g. a person's notifications) set `root_url_prefix`.
    root_prefix = getattr(config, "root_url_prefix", None)
    if root_prefix and optional_module(config, "urls") is not None:
        program_app_urls.append(path(f"{root_prefix}/", include(f"{config.name}.urls")))
    url_prefix = getattr(config, "program_url_prefix", None)
    if url_prefix and optional_module(config, "urls") is not None:
        program_app_urls.append(
            path(f"programs/<int:program_id>/{url_prefix}/", include(f"{config.name}.urls"))
        )

# The admin site signs people in through the one sign-in page, with its throttle and second factor;
# Django's own admin login form would check the password alone, unthrottled.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="programs:program_list", permanent=False), name="root"),
    path("healthz", core_views.healthz, name="healthz"),
    path("audit/", audit_views.PlatformAuditListView.as_view(), name="platform_audit_list"),
    path("accounts/email/", accounts_views.change_email, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accord.accounts.urls")),
    path("programs/", include("accord.programs.urls")),
    # notifications/ is mounted by NotificationsConfig.root_url_prefix = "notifications" (see the loop above).
    *program_app_urls,
    path("api/", include([*api_extra, *router.urls])),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler403 = "accord.core.views.permission_denied"
handler404 = "accord.core.views.page_not_found"
handler500 = "accord.core.views.server_error"
