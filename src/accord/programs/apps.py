from django.apps import AppConfig

from accord.core.registry import NavEntry


class ProgramsConfig(AppConfig):
    name = "accord.programs"
    label = "programs"
    verbose_name = "Programs"
    accord_nav = (
        NavEntry("Home", "programs:program_home", "program"),
        NavEntry("People", "programs:membership_list", "program"),
        NavEntry("Audit trail", "programs:audit_list", "audit"),
    )
