"""The notifications app: a person's inbox of program events, with e-mail per kind as they choose."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "accord.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    # A person's inbox spans programs, so its pages live at /notifications/, not under one program.
    root_url_prefix = "notifications"
