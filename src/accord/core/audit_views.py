"""The platform audit page: entries of no program (people, organisations, sign-ins), for platform auditors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse

from accord.core.models import AuditAction, AuditEntry
from accord.core.views import render_page


@login_required
def platform_audit_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_superuser or getattr(user, "is_platform_auditor", False)):
        raise Http404("No such page.")
    entries = AuditEntry.objects.visible_to(user).filter(program__isnull=True).select_related("actor")
    action = request.GET.get("action", "")
    if action in AuditAction.values:
        entries = entries.filter(action=action)
    page = Paginator(entries.order_by("-sequence"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # Sign-ins are here: their client addresses are shown to the platform auditor, not on program pages.
    context = {
        "page": page,
        "query": query.urlencode(),
        "actions": AuditAction.choices,
        "action": action,
        "caption": "Audit entries of no program",
        "show_addresses": True,
    }
    return render_page(request, "core/platform_audit.html", context, partial="programs/_audit_rows.html")
