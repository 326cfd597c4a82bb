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
    """Requests per person, by token or session alike; keeps one script from starving others.

    Keyed on the person, not the token: replacing a token must not buy a fresh budget.
    """

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
