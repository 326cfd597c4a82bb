"""What allauth does to an account (a confirmed new e-mail address, a changed or reset password) reaches
our services; allauth's views are not ours, so its signals are the one place to hear about it."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import email_changed, password_changed, password_reset, password_set
from django.dispatch import receiver
from django.http import HttpRequest

from accord.accounts import services
from accord.core.signals import client_address


@receiver(email_changed)
def record_confirmed_email_change(
    sender: Any,
    request: HttpRequest,
    user: Any,
    from_email_address: Any,
    to_email_address: Any,
    **kwargs: Any,
) -> None:
    services.record_email_change(
        person=user,
        actor=user,
        old=getattr(from_email_address, "email", None),
        new=to_email_address.email,
        remote_addr=client_address(request),
    )


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def revoke_api_tokens_on_new_password(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    services.revoke_api_tokens(
        person=user, actor=user, reason="new password", remote_addr=client_address(request)
    )
