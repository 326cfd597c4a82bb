"""Ends a session after a spell without user activity (HIPAA 164.312(a)(2)(iii) automatic logoff), and
keeps people who must use two-factor authentication on its set-up pages until they have it."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from accord.accounts.mfa import MFA_REQUIRED_MESSAGE, has_second_factor, organisation_kind_of, requires_mfa

# Requests a page makes on its own (polling for notifications) carry this header and do not count
# as activity: a forgotten open tab must still time out.
BACKGROUND_HEADER = "HTTP_X_ACCORD_BACKGROUND"
LAST_ACTIVITY_KEY = "accord_last_activity"
# Avoid writing the session row on every click; activity is tracked to the minute.
WRITE_GRANULARITY_SECONDS = 60


class IdleSessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY)
            timeout = settings.ACCORD_IDLE_TIMEOUT_SECONDS
            if last is not None and now - float(last) > timeout:
                auth.logout(request)
                return self.timed_out(request)
            background = request.META.get(BACKGROUND_HEADER) == "1"
            if not background and (last is None or now - float(last) >= WRITE_GRANULARITY_SECONDS):
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def timed_out(self, request: HttpRequest) -> HttpResponse:
        login_url = reverse(settings.LOGIN_URL)
        if request.path.startswith("/api/") or request.META.get(BACKGROUND_HEADER) == "1":
            return HttpResponse("Your session ended after inactivity.", status=401)
        messages.info(request, "You were signed out after 30 minutes without activity.")
        if getattr(request, "htmx", False) or request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login_url
            return response
        return HttpResponseRedirect(f"{login_url}?next={request.path}")


# Set once this session's person is known to have a second factor; people who must use one cannot
# remove their last (see AccordMFAAdapter), so it stays true.
MFA_CONFIRMED_KEY = "accord_mfa_confirmed"
ORGANISATION_KIND_KEY = "accord_organisation_kind"


class MfaRequiredMiddleware:
    """Partners' staff and platform administrators without a second factor reach only its set-up pages
    and sign-out; the API answers them 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.needs_checking(request) and requires_mfa(
            request.user, organisation_kind=self.organisation_kind(request)
        ):
            if not has_second_factor(request.user):
                return self.set_up_first(request)
            request.session[MFA_CONFIRMED_KEY] = True
        return self.get_response(request)

    @staticmethod
    def organisation_kind(request: HttpRequest) -> str:
        # Kept in the session per organisation, so a page costs no query for it; only a platform
        # administrator changes an organisation's kind.
        organisation_id = request.user.organisation_id
        cached = request.session.get(ORGANISATION_KIND_KEY)
        if cached and cached[0] == organisation_id:
            return cached[1]
        kind = organisation_kind_of(request.user)
        request.session[ORGANISATION_KIND_KEY] = [organisation_id, kind]
        return kind

    def needs_checking(self, request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        return (
            user is not None
            and user.is_authenticated
            and hasattr(request, "session")
            and not request.session.get(MFA_CONFIRMED_KEY)
            and not self.is_set_up_page(request.path)
        )

    @staticmethod
    def is_set_up_page(path: str) -> bool:
        allowed = (
            reverse("mfa_index"),
            reverse("account_reauthenticate"),
            reverse("account_logout"),
            settings.STATIC_URL,
            reverse("healthz"),
        )
        return path.startswith(allowed)

    def set_up_first(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": MFA_REQUIRED_MESSAGE}, status=403)
        if request.META.get(BACKGROUND_HEADER) == "1":
            return HttpResponse(MFA_REQUIRED_MESSAGE, status=403)
        set_up_url = reverse("mfa_activate_totp")
        messages.warning(request, MFA_REQUIRED_MESSAGE)
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = set_up_url
            return response
        return HttpResponseRedirect(set_up_url)
