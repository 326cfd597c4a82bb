import django.db.models.deletion
from django.db import migrations, models

# As in 0008: the event's foreign-key index duplicates the first column of the unique (ticket, seq),
# and is dropped by name (SQLite's AlterField would copy the events table to leave it out). An import
# of a million tickets writes three million events; one index less is one b-tree less to insert into.
# The ticket's contract index stays although (contract, external_id) begins with it: on SQLite it also
# hands the recompute a contract's tickets in id order without sorting them.
DROPPED = {
    "sla_ticketevent_ticket_id_36d0de01": ("sla_ticketevent", "ticket_id"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0009_result_fillfactor"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ticketevent",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="sla.ticket",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, (table, column) in DROPPED.items()
            ],
        ),
    ]
