"""A recurring window's last end, so that "windows still to come" counts a window that began in the past."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from accord.change_control.windows import last_end

    ChangeWindow = apps.get_model("change_control", "ChangeWindow")
    for window in ChangeWindow.objects.exclude(recurrence=""):
        window.recurs_until = last_end(window.starts_at, window.ends_at, window.time_zone, window.recurrence)
        window.save(update_fields=["recurs_until"])


class Migration(migrations.Migration):
    dependencies = [
        ("change_control", "0002_standard_templates_recurring_windows_thresholds"),
    ]

    operations = [
        migrations.AddField(
            model_name="changewindow",
            name="recurs_until",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
