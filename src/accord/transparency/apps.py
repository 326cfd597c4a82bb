"""Transparency and the staff's voice in a transition: roster, open doors, Q&A, anonymous concerns, pulse
surveys and the trust index."""

from django.apps import AppConfig

from accord.core.registry import HomePanel, NavEntry


class TransparencyConfig(AppConfig):
    name = "accord.transparency"
    label = "transparency"
    verbose_name = "Transparency"
    program_url_prefix = "transparency"
    accord_nav = (
        NavEntry("Roster", "transparency:roster", "transparency"),
        NavEntry("Q&A", "transparency:question_board", "transparency"),
        NavEntry("Concerns", "transparency:concern_list", "concerns"),
        NavEntry("Pulse surveys", "transparency:survey_list", "surveys"),
    )
    accord_home_panels = (
        HomePanel(
            "transparency/_home_panel.html",
            "accord.transparency.queries.home_panel",
            "transparency",
            order=40,
        ),
    )
    # Meetings draft the board's agenda from these without importing this app.
    accord_agenda_sources = (
        "accord.transparency.queries.agenda_unanswered_questions",
        "accord.transparency.queries.agenda_falling_trust",
    )

    def ready(self) -> None:
        from accord.transparency import logs

        logs.keep_concern_submissions_out_of_request_logs()
