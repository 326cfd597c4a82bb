from django.db import migrations

# A recompute rewrites every result row of a contract (new as_of, figures), usually with the same
# ticket, version, period and effective flag, i.e. no indexed column changes. PostgreSQL can then
# update the row in place on its page without new index entries (a HOT update), but only when the
# page has room; at the default fill factor of 100 it has none, so each updated row was written to
# another page with a new entry in every index. Half-full pages (new pages only; a table rewrite
# such as VACUUM FULL applies it to the old ones) made updating 200,000 results about 3x cheaper in
# server CPU on PostgreSQL 15 (bench/README.md, "SLA recompute from the database"). SQLite has no
# such setting.
FILLFACTOR = 50


def set_fillfactor(apps, schema_editor, value=FILLFACTOR):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("sla", "SlaResult")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("sla", "SlaResult")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0008_result_indexes_without_duplicates"),
    ]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
