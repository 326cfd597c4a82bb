"""The platform audit page: entries of no program (people, organisations, sign-ins), for platform auditors."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.views.generic import TemplateView

from accord.core.models import AuditAction, AuditEntry
from accord.core.views import render_page


class PlatformAuditListView(LoginRequiredMixin, TemplateView):
    """Not program-scoped (its entries belong to no program), so a signed-in person who is neither a
    superuser nor a platform auditor gets 404, as for a page that does not exist for them."""

    template_name = "core/platform_audit.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        request, user = self.request, self.request.user
        if not (user.is_superuser or getattr(user, "is_platform_auditor", False)):
            raise Http404("No such page.")
        entries = AuditEntry.objects.visible_to(user).filter(program__isnull=True).select_related("actor")
        action = request.GET.get("action", "")
        if action in AuditAction.values:
            entries = entries.filter(action=action)
        query = request.GET.copy()
        query.pop("page", None)
        # Sign-ins are here: their client addresses are shown to the platform auditor, not on program pages.
        context.update(
            page=Paginator(entries.order_by("-sequence"), 50).get_page(request.GET.get("page")),
            query=query.urlencode(),
            actions=AuditAction.choices,
            action=action,
            caption="Audit entries of no program",
            show_addresses=True,
        )
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        return render_page(self.request, self.template_name, context, partial="programs/_audit_rows.html")
