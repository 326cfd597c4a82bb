"""Notification pages: the inbox, mark read (one or all, htmx-aware), e-mail preferences, the header badge."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accord.accounts.middleware import BACKGROUND_HEADER
from accord.core.permissions import Action
from accord.core.views import get_visible_or_404
from accord.notifications import queries, services
from accord.notifications.forms import EmailPreferencesForm
from accord.notifications.models import Notification

# Sent with every change so the header badge refreshes at once instead of at its next poll.
CHANGED_EVENT = "notifications-changed"


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    notifications = queries.list_notifications(user=request.user, unread_only=unread_only)
    page = Paginator(notifications, 50).get_page(request.GET.get("page"))
    context = {"page": page, "unread_only": unread_only, "unread_count": queries.count_unread(request.user)}
    return render(request, "notifications/notification_list.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_visible_or_404(request.user, Notification, Action.CHANGE, pk=pk)
    services.mark_read(person=request.user, notifications=[notification])
    notification.refresh_from_db()
    if request.htmx:
        response = render(request, "notifications/_notification_row.html", {"n": notification})
        response["HX-Trigger"] = CHANGED_EVENT
        return response
    # "Open" marks read and follows the notification's link; only links inside Accord are followed.
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:notification_list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    changed = services.mark_read(person=request.user, all=True)
    messages.success(request, f"{changed} notification{'s' if changed != 1 else ''} marked read.")
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Trigger"] = CHANGED_EVENT
        response["HX-Refresh"] = "true"
        return response
    return redirect("notifications:notification_list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = services.email_preferences(request.user)
    form = EmailPreferencesForm(request.POST or None, initial_choices=current)
    if request.method == "POST" and form.is_valid():
        services.set_email_preferences(person=request.user, choices=form.choices(), actor=request.user)
        messages.success(request, "Your e-mail preferences are saved.")
        return redirect("notifications:preferences")
    return render(
        request, "notifications/preferences.html", {"form": form}, status=400 if form.errors else 200
    )


@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    """The header badge alone, polled by the page; polling must not count as activity (see the header)."""
    if not request.user.is_authenticated:
        # A background poll after the session ended must not swap a login page into the header.
        if request.META.get(BACKGROUND_HEADER) == "1":
            return HttpResponse("Signed out.", status=401)
        return redirect_to_login(request.get_full_path())
    return render(request, "notifications/_badge.html", {})
