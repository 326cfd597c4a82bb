"""Load the built-in program templates ("EMR deployment", "Outsourcing transition") from their files."""

from django.db import migrations

from accord.programs.program_templates import BUILT_IN_FILES, load_built_in


def load(apps, schema_editor):
    ProgramTemplate = apps.get_model("programs", "ProgramTemplate")
    for filename in BUILT_IN_FILES:
        shipped = load_built_in(filename)
        ProgramTemplate.objects.update_or_create(
            name=shipped["name"],
            defaults={
                "kind": shipped["kind"],
                "description": shipped["description"],
                "body": shipped["body"],
                "built_in": True,
            },
        )


def unload(apps, schema_editor):
    ProgramTemplate = apps.get_model("programs", "ProgramTemplate")
    names = [load_built_in(filename)["name"] for filename in BUILT_IN_FILES]
    ProgramTemplate.objects.filter(name__in=names, built_in=True).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0002_program_template")]

    operations = [migrations.RunPython(load, unload)]
