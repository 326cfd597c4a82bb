"""The program's section navigation marks the section the reader is in, and only that one."""

from __future__ import annotations

import re
from typing import Any

from tests.personas import World


def current_sections(html: str) -> list[str]:
    return re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', html.split("sections", 1)[-1])


def test_only_the_section_being_read_is_marked_current(client_for: Any, world: World) -> None:
    client = client_for("program_manager")
    home = client.get(f"/programs/{world.program.pk}/").content.decode()
    flags = client.get(f"/programs/{world.program.pk}/governance/red-flags/").content.decode()
    assert current_sections(home) == ["Home"]
    assert current_sections(flags) == ["Red flags"]
