"""The transition app: service inventory, knowledge acquisition and transfer, handover stages and training."""

from django.apps import AppConfig

from accord.core.registry import HomePanel, NavEntry


class TransitionConfig(AppConfig):
    name = "accord.transition"
    label = "transition"
    verbose_name = "Transition"
    program_url_prefix = "transition"
    accord_nav = (NavEntry("Transition", "transition:dashboard", "transition"),)
    # A transition made from a template starts with its knowledge templates and training modules.
    accord_program_setup = ("accord.transition.program_template.apply",)
    accord_program_template = ("accord.transition.program_template.PART",)
    accord_home_panels = (
        HomePanel(
            "transition/_home_panel.html",
            "accord.transition.queries.summarise_for_home",
            "transition",
            order=65,
        ),
    )
    # Other apps add tiles to the transition dashboard by declaring this hook on their AppConfig: dotted
    # paths to f(*, program, user) -> dict | None, the dict giving "title" and "template" (rendered with
    # `tile` in its context) and whatever the template reads; None hides the tile.
    accord_transition_dashboard_tiles: tuple[str, ...] = ()
