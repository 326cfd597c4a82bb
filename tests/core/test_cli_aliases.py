"""Command modules are named the Django way (underscores); the hyphenated names in operators' crontabs
still run the same commands through `accord`."""

import pytest

from accord.cli import ALIASES, main


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_hyphenated_name_runs_the_underscored_command(alias, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([alias, "--help"])
    assert exit_.value.code == 0
    assert f"accord {ALIASES[alias]}" in capsys.readouterr().out


def test_command_modules_are_named_with_underscores():
    from django.core.management import get_commands

    assert not [name for name in get_commands() if "-" in name]
