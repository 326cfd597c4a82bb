"""allauth adjustments: people are invited by program managers, not self-registered (not by single sign-on
either); people who must use two-factor authentication cannot remove their last second factor."""

from __future__ import annotations

from typing import NoReturn

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect


class AccordAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class AccordMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        from accord.accounts.mfa import SECOND_FACTORS, requires_mfa

        if authenticator.type not in SECOND_FACTORS or not requires_mfa(authenticator.user):
            return True
        others = Authenticator.objects.filter(user_id=authenticator.user_id, type__in=SECOND_FACTORS)
        return others.exclude(pk=authenticator.pk).exists()


class AccordSocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on through the hospital's identity provider signs in people Accord already has.

    The person is found by the e-mail address the provider vouches for (verified); nobody is created, and
    nothing on the account (name, organisation, access) is taken from the provider.
    """

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        from accord.accounts import services

        if sociallogin.is_existing:
            if not sociallogin.user.is_active:
                self.refuse(request, "This Accord account is deactivated.")
            return
        verified = [address.email for address in sociallogin.email_addresses if address.verified]
        person = services.find_person_for_single_sign_on(emails=verified)
        if person is None:
            self.refuse(
                request,
                "Single sign-on found no Accord account for your verified e-mail address. "
                "Your program manager adds people to Accord.",
            )
        services.link_single_sign_on(person=person, sociallogin=sociallogin, request=request)

    @staticmethod
    def refuse(request: HttpRequest, message: str) -> NoReturn:
        messages.error(request, message)
        raise ImmediateHttpResponse(redirect("account_login"))
