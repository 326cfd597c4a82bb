"""Red flags raised by a vendor or consultant are shared: fix those stored as hospital-internal."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Exists, OuterRef

PARTNER_ROLES = ("vendor", "consultant")


def share_partner_flags(apps: Any, schema_editor: Any) -> None:
    RedFlag = apps.get_model("governance", "RedFlag")
    Membership = apps.get_model("programs", "Membership")
    raised_by_partner = Membership.objects.filter(
        program_id=OuterRef("program_id"), person_id=OuterRef("raised_by_id"), role__in=PARTNER_ROLES
    )
    RedFlag.objects.filter(Exists(raised_by_partner), visibility="internal").update(visibility="shared")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0002_redflag_threatens_group"),
        ("programs", "0001_initial"),
    ]

    operations = [
        # Not reversible in meaning: which flags were internal is not kept (the audit trail has it).
        migrations.RunPython(share_partner_flags, migrations.RunPython.noop),
    ]
