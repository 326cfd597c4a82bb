"""A person's own profile."""

from django import forms

from accord.accounts.models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "title"]
