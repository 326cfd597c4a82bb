"""The minutes as a PDF, rendered from the same data as the printable page with xhtml2pdf."""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string
from xhtml2pdf import pisa


class PdfRenderError(RuntimeError):
    pass


def render_minutes_pdf(context: dict[str, Any]) -> bytes:
    html = render_to_string("meetings/minutes_pdf.html", context)
    out = io.BytesIO()
    result = pisa.CreatePDF(src=html, dest=out, encoding="utf-8")
    if result.err:
        raise PdfRenderError(f"The minutes could not be rendered as PDF ({result.err} errors).")
    return out.getvalue()
