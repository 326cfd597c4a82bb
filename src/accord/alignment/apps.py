from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "accord.alignment"
    label = "alignment"
