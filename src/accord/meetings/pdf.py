"""PDFs of the meetings' records (the minutes, the board pack), laid out by WeasyPrint from their printable HTML."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    # Imported when a PDF is made, not when the views are: WeasyPrint loads Pango and its fonts (about half a
    # second at every process start otherwise, for the CLI and every web worker).
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url, url_fetcher=_fetch_nothing).write_pdf()


def _fetch_nothing(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # Everything a PDF needs is inlined; a PDF made inside a request must not make requests of its own.
    raise ValueError(f"A PDF made here does not fetch {url}")


def render_minutes_pdf(context: dict[str, Any]) -> bytes:
    return html_to_pdf(render_to_string("meetings/minutes_pdf.html", context))
