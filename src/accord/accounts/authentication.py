"""API token authentication that refuses the tokens of people who must use 2FA and have not set it up."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accord.accounts.mfa import MFA_REQUIRED_MESSAGE, lacks_required_mfa


class MfaAwareTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if lacks_required_mfa(user):
            # A 403, not a 401: the token is genuine, the account is not yet allowed to use it.
            raise exceptions.PermissionDenied(MFA_REQUIRED_MESSAGE)
        return user, token
