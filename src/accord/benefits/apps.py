"""The benefits app: objectives, benefits, KPIs and measurements, initiatives, success factors."""

from django.apps import AppConfig

from accord.core.registry import HomePanel, NavEntry


class BenefitsConfig(AppConfig):
    name = "accord.benefits"
    label = "benefits"
    verbose_name = "Benefits"
    program_url_prefix = "benefits"
    accord_nav = (
        NavEntry("Benefits", "benefits:dashboard", "benefits"),
        NavEntry("Strategy map", "benefits:strategy_map", "benefits"),
    )
    accord_home_panels = (
        HomePanel("benefits/_home_panel.html", "accord.benefits.queries.home_panel", "benefits", order=20),
    )
    # Every new program starts with the seven default success factors (create_program calls it); one made
    # from a template first gets the template's factors, benefits and KPIs.
    accord_program_setup = (
        "accord.benefits.program_template.apply",
        "accord.benefits.services.create_default_success_factors",
    )
    accord_program_template = ("accord.benefits.program_template.PART",)
