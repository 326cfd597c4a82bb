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
    # The programs a person belongs to, with their role, for their profile page (accounts asks for it
    # through the registry: programs builds on accounts, so accounts may not import programs).
    accord_person_programs = ("accord.programs.queries.list_programs_for",)
