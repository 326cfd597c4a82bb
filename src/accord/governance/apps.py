"""Red flags, the risk register, the decision log and escalation: the governance rhythm of a program."""

from django.apps import AppConfig

from accord.core.registry import HomePanel, NavEntry


class GovernanceConfig(AppConfig):
    name = "accord.governance"
    label = "governance"
    verbose_name = "Governance"
    program_url_prefix = "governance"
    accord_nav = (
        NavEntry("Red flags", "governance:red_flag_list", "red_flags"),
        NavEntry("Risks", "governance:risk_list", "risks"),
        NavEntry("Decisions", "governance:decision_list", "governance"),
    )
    accord_home_panels = (
        HomePanel(
            "governance/_home_panel.html", "accord.governance.queries.home_panel", "red_flags", order=20
        ),
    )
    # Open red flags against a stakeholder group lower its alignment index.
    accord_red_flag_counters = ("accord.governance.queries.count_open_red_flags_by_group",)
    # Every new program starts with the default escalation rule of each severity (create_program calls it).
    accord_program_setup = (
        "accord.governance.program_template.apply",
        "accord.governance.services.create_default_escalation_rules",
    )
    accord_program_template = ("accord.governance.program_template.PART",)
