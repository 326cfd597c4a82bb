"""The committed OpenAPI schema (docs/openapi.yaml) matches what the code generates."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="integer bounds in the schema follow the database; "
    "docs/openapi.yaml is generated on the default SQLite settings (`make schema`)",
)
def test_the_committed_openapi_schema_is_current() -> None:
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert SCHEMA.exists(), "docs/openapi.yaml is missing: run `make schema`"
    assert out.getvalue() == SCHEMA.read_text(), "docs/openapi.yaml is stale: run `make schema` and commit it"
