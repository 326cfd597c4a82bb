"""Change control: the approved short-term action plan, change requests and the CAB, windows, reconciliation."""

from django.apps import AppConfig

from accord.core.registry import HomePanel, NavEntry


class ChangeControlConfig(AppConfig):
    name = "accord.change_control"
    label = "change_control"
    verbose_name = "Change control"
    program_url_prefix = "changes"
    accord_nav = (
        NavEntry("Action plan", "change_control:plan_list", "action_plans"),
        NavEntry("Changes", "change_control:change_list", "changes"),
    )
    accord_home_panels = (
        HomePanel(
            "change_control/_home_panel.html", "accord.change_control.queries.home_panel", "changes", order=75
        ),
    )
    # The CAB's agenda is drafted from the changes awaiting its decision; the board's gets the change
    # measures when they pass their thresholds (both read by meetings through `providers`).
    accord_agenda_sources = ("accord.change_control.queries.agenda_candidates",)
    accord_transition_dashboard_tiles = ("accord.change_control.queries.dashboard_tile",)
    # The board pack (meetings) lists the changes awaiting the CAB on its date.
    accord_board_pack_exceptions = ("accord.change_control.queries.board_pack_exceptions",)
