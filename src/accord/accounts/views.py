"""A person's own profile: name and title, sessions, two-factor authentication, API token."""

from __future__ import annotations

from typing import Any

from allauth.account.views import EmailView
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views import View
from rest_framework.authtoken.models import Token

from accord.accounts import services
from accord.accounts.forms import ProfileForm
from accord.core.registry import providers
from accord.core.signals import client_address

# A person's own pages span every program they belong to, so they are not program-scoped: they need only
# a signed-in person (LoginRequiredMixin), and each acts on that person alone.


class ProfileView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_form(ProfileForm(instance=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            try:
                services.update_person(person=request.user, actor=request.user, data=form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Profile saved.")
                return redirect("accounts:profile")
        return self.render_form(form)

    def render_form(self, form: ProfileForm) -> HttpResponse:
        request = self.request
        context = {
            "form": form,
            "rows": [row for rows_of in providers("accord_person_programs") for row in rows_of(request.user)],
            "has_token": Token.objects.filter(user=request.user).exists(),
            "new_token": request.session.pop("accord_new_token", None),
        }
        return render(request, "accounts/profile.html", context, status=400 if form.errors else 200)


class LogoutEverywhereView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        services.log_out_everywhere(
            person=request.user, actor=request.user, remote_addr=client_address(request)
        )
        logout(request)
        messages.info(request, "You are signed out on every device.")
        return redirect("account_login")


class RegenerateTokenView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        token = services.issue_api_token(person=request.user, actor=request.user, replace=True)
        # Shown once, on the next page; it is not displayed again.
        request.session["accord_new_token"] = token.key
        messages.success(request, "A new API token was issued; the previous one no longer works.")
        return redirect("accounts:profile")


class ChangeEmailView(EmailView):
    """allauth's e-mail change page, with the account's current address as its confirmed address.

    People are created with an address but without allauth's record of it; without that record allauth
    would let a pending, unconfirmed address be made primary. Only following the link sent to the new
    address changes it.
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            services.record_own_email_address(person=request.user)
            if request.method == "POST" and "action_primary" in request.POST:
                messages.error(request, "Your new address takes effect when you follow the link sent to it.")
                return redirect("account_email")
        return super().dispatch(request, *args, **kwargs)


change_email = ChangeEmailView.as_view()
