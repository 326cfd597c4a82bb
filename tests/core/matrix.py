"""Permission matrix rows for core's own pages."""

from __future__ import annotations

from tests.matrix import MEMBERS, Endpoint

ENDPOINTS = [
    # No persona is a platform auditor; for everyone else the page does not exist.
    Endpoint("platform_audit_list", {**{p: 404 for p in MEMBERS}, "outsider": 404, "anonymous": 302}),
]
