"""Request parsers; apart from `api` because DRF imports them at start-up, before any viewset exists."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, parsers

MAX_JSON_DEPTH = 32


class DepthLimitedJSONParser(parsers.JSONParser):
    """JSON bodies nested deeper than `MAX_JSON_DEPTH` are a 400, before recursion can fail anywhere."""

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(
                f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels."
            ) from error
        pending = [(data, 1)]
        while pending:
            value, depth = pending.pop()
            if isinstance(value, dict | list):
                if depth > MAX_JSON_DEPTH:
                    raise exceptions.ParseError(
                        f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels."
                    )
                children = value.values() if isinstance(value, dict) else value
                pending.extend((child, depth + 1) for child in children)
        return data
