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
        HomePanel("governance/_home_panel.html", "accord.governance.queries.home_panel", "red_flags", order=20),
    )

    def ready(self) -> None:
        from accord.alignment.red_flags import register_red_flag_counter
        from accord.governance import signals  # noqa: F401  (every new program gets default escalation rules)
        from accord.governance.queries import count_open_red_flags_by_group

        # Open red flags against a stakeholder group lower its alignment index.
        register_red_flag_counter(count_open_red_flags_by_group)
