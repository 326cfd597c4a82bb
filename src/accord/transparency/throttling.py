"""Rate limits that count without remembering who: receipt look-ups are counted per keyed digest of the
client address, never the address itself (the cache may be a database table)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac
from rest_framework.throttling import SimpleRateThrottle


class ReceiptThrottle(SimpleRateThrottle):
    """Receipt codes tried per client: enough to follow one's concerns, far too few to guess 80 bits."""

    scope = "concern_receipt"

    def get_rate(self) -> str:
        return getattr(settings, "ACCORD_RECEIPT_RATE", "30/hour")

    def get_cache_key(self, request: Any, view: Any) -> str:
        ident = salted_hmac("accord.transparency.receipt-throttle", self.get_ident(request)).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


def receipt_attempt_allowed(request: Any) -> bool:
    """For the pages: counts this attempt and says whether it is within the limit."""
    return ReceiptThrottle().allow_request(request, None)
