"""Notification pages: the inbox, mark read (one or all, htmx-aware), e-mail preferences, the header badge."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from accord.accounts.middleware import BACKGROUND_HEADER
from accord.core.permissions import Action
from accord.core.views import FilteredListMixin, get_visible_or_404
from accord.notifications import filters, queries, services
from accord.notifications.forms import EmailPreferencesForm
from accord.notifications.models import Notification

# Sent with every change so the header badge refreshes at once instead of at its next poll.
CHANGED_EVENT = "notifications-changed"


# A person's inbox spans every program they belong to, so these pages are not program-scoped: they need
# only a signed-in person (LoginRequiredMixin), and each notification's row rule (its recipient) does the rest.


class NotificationListView(FilteredListMixin, LoginRequiredMixin, TemplateView):
    template_name = "notifications/notification_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # The API's FilterSet, so `?unread=1` (or `true`), `?kind=` and `?program=` mean the same here.
        filterset = filters.NotificationFilterSet(
            self.request.GET, queryset=queries.list_notifications(user=user), request=self.request
        )
        unread_only = filterset.is_valid() and filterset.form.cleaned_data.get("unread") is True
        context.update(
            filter=filterset,
            page=Paginator(self.filtered(filterset), 50).get_page(self.request.GET.get("page")),
            unread_only=unread_only,
            unread_count=queries.count_unread(user),
        )
        return context


class NotificationReadView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
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


class NotificationReadAllView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        changed = services.mark_read(person=request.user, all=True)
        messages.success(request, f"{changed} notification{'s' if changed != 1 else ''} marked read.")
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Trigger"] = CHANGED_EVENT
            response["HX-Refresh"] = "true"
            return response
        return redirect("notifications:notification_list")


class PreferencesView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = EmailPreferencesForm(initial_choices=services.email_preferences(request.user))
        return self.render_form(form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = EmailPreferencesForm(request.POST, initial_choices=services.email_preferences(request.user))
        if form.is_valid():
            services.set_email_preferences(person=request.user, choices=form.choices(), actor=request.user)
            messages.success(request, "Your e-mail preferences are saved.")
            return redirect("notifications:preferences")
        return self.render_form(form)

    def render_form(self, form: EmailPreferencesForm) -> HttpResponse:
        return render(
            self.request,
            "notifications/preferences.html",
            {"form": form},
            status=400 if form.errors else 200,
        )


class BadgeView(View):
    """The header badge alone, polled by the page; polling must not count as activity (see the header)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            # A background poll after the session ended must not swap a login page into the header.
            if request.META.get(BACKGROUND_HEADER) == "1":
                return HttpResponse("Signed out.", status=401)
            return redirect_to_login(request.get_full_path())
        return render(request, "notifications/_badge.html", {})
