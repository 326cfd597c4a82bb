"""Paging and rate limiting for the API; kept apart from `api` because DRF imports them at start-up."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class AccordPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per API token (per session user in the browser); keeps one script from starving others."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "key"):
            ident = f"token:{token.key}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
