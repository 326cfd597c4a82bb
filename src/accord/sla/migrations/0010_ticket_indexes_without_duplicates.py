import django.db.models.deletion
from django.db import migrations, models

# As in 0008: foreign-key indexes that duplicate the first column of another index, dropped by name
# (SQLite's AlterField would copy the tickets and events tables to leave them out). An import of a
# million tickets writes three million events; each index less is one b-tree less to insert into.
DROPPED = {
    "sla_ticket_contract_id_9823e923": ("sla_ticket", "contract_id"),
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
                    model_name="ticket",
                    name="contract",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tickets",
                        to="sla.contract",
                    ),
                ),
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
