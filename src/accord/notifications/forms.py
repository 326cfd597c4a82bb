"""The e-mail preferences form: one checkbox per kind of notification."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.notifications.choices import NotificationKind


class EmailPreferencesForm(forms.Form):
    """E-mail on or off for every kind of event; the in-app notification always arrives."""

    def __init__(self, *args: Any, initial_choices: dict[str, bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.BooleanField(
                required=False, label=kind.label, initial=initial_choices.get(kind.value, True)
            )

    def choices(self) -> dict[str, bool]:
        return {kind: bool(self.cleaned_data.get(kind)) for kind in NotificationKind.values}
