"""History lines of merges name the other flag by number only (its title may be internal to a partner)."""

import re

from django.db import migrations

MERGED_INTO = re.compile(r"^Merged into #(\d+) “.*?”\.")
MERGED_FROM = re.compile(r"^#(\d+) “.*?” was merged into this flag\.")


def drop_titles(apps, schema_editor):
    RedFlagEvent = apps.get_model("governance", "RedFlagEvent")
    for event in RedFlagEvent.objects.filter(kind="merge").only("pk", "note"):
        note = MERGED_INTO.sub(r"Merged into #\1.", event.note, count=1)
        note = MERGED_FROM.sub(r"#\1 was merged into this flag.", note, count=1)
        if note != event.note:
            # The history is append-only through the model; a data migration rewrites the text alone.
            RedFlagEvent.objects.filter(pk=event.pk).update(note=note)


class Migration(migrations.Migration):
    dependencies = [("governance", "0003_partner_raised_flags_shared")]

    operations = [migrations.RunPython(drop_titles, migrations.RunPython.noop)]
