"""Transparency and the staff's voice in a transition: roster, open doors, Q&A, anonymous concerns, pulse
surveys and the trust index."""

from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "accord.transparency"
    label = "transparency"
    verbose_name = "Transparency"
    program_url_prefix = "transparency"

    def ready(self) -> None:
        from accord.transparency import logs

        logs.keep_concern_submissions_out_of_request_logs()
