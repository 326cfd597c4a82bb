"""Governance meetings: agendas drafted from what needs the body, minutes with decisions and actions."""

from django.apps import AppConfig

from accord.core.registry import HomePanel, NavEntry


class MeetingsConfig(AppConfig):
    name = "accord.meetings"
    label = "meetings"
    verbose_name = "Meetings"
    program_url_prefix = "meetings"
    accord_nav = (NavEntry("Meetings", "meetings:meeting_list", "governance"),)
    # A program made from a template starts with its governance bodies and their cadence.
    accord_program_setup = ("accord.meetings.program_template.apply",)
    accord_program_template = ("accord.meetings.program_template.PART",)
    accord_home_panels = (
        HomePanel("meetings/_home_panel.html", "accord.meetings.queries.home_panel", "program", order=30),
    )
