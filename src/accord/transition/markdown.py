"""Knowledge items are written in Markdown; this renders them to HTML that is safe to show to anyone.

Two layers, because knowledge items are authored by the partner and read by the hospital: markdown-it
(CommonMark) with raw HTML turned off escapes any tag typed into the text and refuses `javascript:`
links, and nh3 then keeps only an allow-list of tags and attributes of what came out, so a bug in
either layer alone does not let a script through.
"""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p",
    "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul", "del",
}  # fmt: skip
# No style attributes: the Content-Security-Policy forbids inline styles anyway.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    html = _PARSER.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)


def heading_texts(text: str) -> list[str]:
    """The text of every heading in the Markdown, for checking a template's required sections."""
    tokens = _PARSER.parse(text or "")
    return [
        tokens[index + 1].content.strip()
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and index + 1 < len(tokens)
    ]
