"""The SLA app: contracts, versioned SLA policies, ticket imports and attainment reports."""

from django.apps import AppConfig

from accord.core.registry import HomePanel, NavEntry


class SlaConfig(AppConfig):
    name = "accord.sla"
    label = "sla"
    verbose_name = "SLAs"
    program_url_prefix = "sla"
    accord_nav = (NavEntry("SLAs", "sla:contract_list", "sla"),)
    accord_home_panels = (
        HomePanel("sla/_home_panel.html", "accord.sla.queries.summarise_for_home", "sla", order=70),
    )
    # The board pack (meetings) lists the issued periods with breaches or credits without importing sla.
    accord_board_pack_exceptions = ("accord.sla.queries.board_pack_exceptions",)
