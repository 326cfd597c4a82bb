"""Permission-matrix rows for a person's own pages, people and organisations."""

from __future__ import annotations

from tests.matrix import MEMBERS, Endpoint, and_put, only

SELF_SERVICE = {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 302}
SELF_POST = {**{p: 302 for p in MEMBERS}, "outsider": 302, "anonymous": 302}
API_LIST = {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 401}
# Program managers (of any program: the outsider manages program B) add people and organisations.
MANAGERS_CREATE = {**{p: 403 for p in MEMBERS}, "program_manager": 201, "outsider": 201, "anonymous": 401}

# Single sign-on answers 404 while no identity provider is configured (the matrix runs without one);
# tests/accounts/test_single_sign_on.py drives it against a fake provider.
NO_SSO = {**{p: 404 for p in MEMBERS}, "outsider": 404, "anonymous": 404}

ENDPOINTS = [
    Endpoint("openid_connect_login", NO_SSO, kwargs=lambda w: {"provider_id": "hospital"}),
    Endpoint(
        "openid_connect_callback",
        NO_SSO,
        kwargs=lambda w: {"provider_id": "hospital"},
        query="?code=x&state=y",
    ),
    Endpoint("accounts:profile", SELF_SERVICE),
    Endpoint(
        "accounts:profile", SELF_POST, method="post", data=lambda w: {"full_name": "New Name", "title": "T"}
    ),
    Endpoint("accounts:logout_everywhere", SELF_POST, method="post", data=lambda w: {}),
    Endpoint("accounts:regenerate_token", SELF_POST, method="post", data=lambda w: {}),
    Endpoint("organisation-list", API_LIST, api=True),
    Endpoint(
        "organisation-list",
        MANAGERS_CREATE,
        api=True,
        method="post",
        data=lambda w: {"name": "Integration Partner", "kind": "vendor"},
    ),
    Endpoint(
        "organisation-detail",
        {**{p: 200 for p in MEMBERS}, "outsider": 404, "anonymous": 401},
        api=True,
        kwargs=lambda w: {"pk": w.vendor_org.pk},
    ),
    *and_put(
        Endpoint(
            "organisation-detail",
            only("program_manager", 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=lambda w: {"pk": w.vendor_org.pk},
            data=lambda w: {"name": "EHR Vendor Holdings"},
        )
    ),
    Endpoint("person-list", API_LIST, api=True),
    Endpoint(
        "person-list",
        MANAGERS_CREATE,
        api=True,
        method="post",
        data=lambda w: {"email": "new.hire@example.org", "full_name": "New Hire"},
    ),
    Endpoint(
        "person-detail",
        {**{p: 200 for p in MEMBERS}, "outsider": 404, "anonymous": 401},
        api=True,
        kwargs=lambda w: {"pk": w.consultant.pk},
    ),
    # An account is changed by its owner (here the consultant) or a platform administrator, never by a
    # program manager: whoever edits someone's e-mail address can reset their password.
    *and_put(
        Endpoint(
            "person-detail",
            only("consultant", 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=lambda w: {"pk": w.consultant.pk},
            data=lambda w: {"title": "Partner"},
        )
    ),
    *and_put(
        Endpoint(
            "person-detail",
            only([], 200, 403, api=True),
            api=True,
            method="patch",
            label="e-mail",
            kwargs=lambda w: {"pk": w.consultant.pk},
            data=lambda w: {"email": "taken.over@evil.example"},
        )
    ),
]
