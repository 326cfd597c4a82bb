"""Knowledge items are Markdown written by the partner and read by the hospital: scripts never get through."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from accord.transition.markdown import heading_texts, render_markdown

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<svg onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
]


class LiveParts(HTMLParser):
    """Every element and attribute a browser would build from the output (escaped text builds none)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_rendering_never_lets_a_script_through(attack: str) -> None:
    parser = LiveParts()
    parser.feed(str(render_markdown(f"# Runbook\n\n{attack}\n")))
    assert parser.tags <= {"h1", "p", "a"}
    for name, value in parser.attributes:
        assert not name.startswith("on") and name != "style" and name != "src"
        if name == "href":
            assert value.split(":", 1)[0].lower() in {"http", "https", "mailto"}


def test_markdown_keeps_the_structure_a_runbook_needs() -> None:
    html = str(
        render_markdown(
            "## Restart\n\n1. Stop the **engine**\n2. Start it\n\n`systemctl restart ie`\n\n[Wiki](https://wiki.example/ie)"
        )
    )
    assert "<h2>Restart</h2>" in html
    assert (
        "<ol>" in html and "<strong>engine</strong>" in html and "<code>systemctl restart ie</code>" in html
    )
    assert '<a href="https://wiki.example/ie" rel="noopener noreferrer nofollow">Wiki</a>' in html


def test_headings_are_read_for_the_templates_required_sections() -> None:
    assert heading_texts("# Purpose\ntext\n## Escalation contacts\n- a\n") == [
        "Purpose",
        "Escalation contacts",
    ]
