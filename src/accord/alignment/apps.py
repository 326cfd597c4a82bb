"""Stakeholder alignment: groups, readiness, the plus-sum ledger, the versioned strategy, endorsements,
commitments and the alignment index."""

from django.apps import AppConfig

from accord.core.registry import HomePanel, NavEntry


class AlignmentConfig(AppConfig):
    name = "accord.alignment"
    label = "alignment"
    verbose_name = "Stakeholder alignment"
    program_url_prefix = "alignment"
    accord_nav = (
        NavEntry("Stakeholders", "alignment:group_list", "alignment"),
        NavEntry("Plus-sum ledger", "alignment:ledger", "alignment"),
        NavEntry("Strategy", "alignment:version_list", "alignment"),
        NavEntry("Commitments", "alignment:commitment_list", "commitments"),
        NavEntry("Alignment", "alignment:index", "alignment"),
    )
    # A program made from a template starts with its stakeholder groups.
    accord_program_setup = ("accord.alignment.program_template.apply",)
    accord_program_template = ("accord.alignment.program_template.PART",)
    accord_home_panels = (
        HomePanel(
            "alignment/_home_panel.html", "accord.alignment.queries.home_panel", "commitments", order=30
        ),
    )
