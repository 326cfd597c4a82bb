"""The transition app: service inventory, knowledge acquisition and transfer, handover stages and training."""

from django.apps import AppConfig


class TransitionConfig(AppConfig):
    name = "accord.transition"
    label = "transition"
    verbose_name = "Transition"
    program_url_prefix = "transition"
