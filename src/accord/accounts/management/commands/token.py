"""`accord token EMAIL`: prints the person's API token, creating it if needed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.accounts.models import User
from accord.accounts.services import issue_api_token


class Command(BaseCommand):
    help = "Print the API token of an existing person (created on first use)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument(
            "--replace", action="store_true", help="Revoke the current token and issue a new one."
        )

    def handle(self, *args: Any, email: str, replace: bool, **options: Any) -> None:
        person = User.objects.filter(email__iexact=email.strip()).first()
        if person is None:
            raise CommandError(f"No person with e-mail {email!r}.")
        if not person.is_active:
            raise CommandError(f"{email} is deactivated; reactivate the account before issuing a token.")
        token = issue_api_token(person=person, actor="accord token (command line)", replace=replace)
        self.stdout.write(token.key)
