"""Sign-ins, failed sign-ins and sign-outs reach the audit trail.

Authentication is Django's and allauth's code, not ours, so their signals are the one place to hear
about it; every write of our own records its audit entry in its service instead.
"""

from __future__ import annotations

from typing import Any

from allauth.core.internal.httpkit import get_client_ip
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ImproperlyConfigured
from django.dispatch import receiver
from django.http import HttpRequest

from accord.core import audit
from accord.core.models import AuditAction


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address as the sign-in throttle counts it: behind the TLS proxy, not the proxy's."""
    if request is None:
        return None
    try:
        return get_client_ip(request)
    except ImproperlyConfigured:  # fewer X-Forwarded-For entries than trusted proxies: not via our proxy
        return request.META.get("REMOTE_ADDR") or None


@receiver(user_logged_in)
def record_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit.record(actor=user, action=AuditAction.LOGIN, instance=user, remote_addr=client_address(request))


@receiver(user_logged_out)
def record_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(
            actor=user, action=AuditAction.LOGOUT, instance=user, remote_addr=client_address(request)
        )


@receiver(user_login_failed)
def record_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Never store the password that was tried; the address tried is what an investigator needs.
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:254]
    known = get_user_model().objects.filter(email__iexact=attempted).first() if attempted else None
    audit.record(
        actor=f"anonymous ({attempted})" if attempted else "anonymous",
        action=AuditAction.LOGIN_FAILED,
        instance=known,
        object_type="" if known else "accounts.user",
        object_repr=attempted,
        remote_addr=client_address(request),
    )
