"""System checks for the audit trail's key, run by `accord check --deploy`."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
MIN_KEY_LENGTH = 32


@register(Tags.security)
def audit_keys_are_well_formed(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    ids = [key_id for key_id, _key in settings.ACCORD_AUDIT_KEYS]
    for key_id in ids:
        if not KEY_ID.match(key_id) or key_id == "legacy-sha256":
            errors.append(
                Error(
                    f"Audit key id {key_id!r} is not allowed.",
                    hint="Use 1-32 letters, digits, '.', '_' or '-'; 'legacy-sha256' is reserved.",
                    id="accord.E002",
                )
            )
    if len(set(ids)) != len(ids):
        errors.append(Error("ACCORD_AUDIT_KEYS lists the same key id twice.", id="accord.E003"))
    return errors


@register(Tags.security, deploy=True)
def audit_key_is_set_in_production(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    if not settings.ACCORD_AUDIT_KEYS:
        return [
            Error(
                "No audit key: the audit trail cannot be sealed.",
                hint="Set ACCORD_AUDIT_KEY (or ACCORD_AUDIT_KEYS='id:key,…') to a random secret of at least "
                f"{MIN_KEY_LENGTH} characters kept outside the database, e.g. `openssl rand -hex 32`.",
                id="accord.E001",
            )
        ]
    short = [key_id for key_id, key in settings.ACCORD_AUDIT_KEYS if len(key) < MIN_KEY_LENGTH]
    if short:
        return [
            Error(
                f"Audit key(s) {', '.join(short)} are shorter than {MIN_KEY_LENGTH} characters.",
                id="accord.E004",
            )
        ]
    return []
