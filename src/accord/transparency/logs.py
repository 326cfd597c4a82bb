"""Keeps concern submissions and receipt look-ups out of every request log.

An access log line ties a client address, a time to the second and (through the session) a person to a
URL; for the URLs that submit or follow an anonymous concern that line alone would undo the anonymity,
so the records are dropped before any handler sees them: gunicorn's access log, Django's development
server log and Django's log of failed requests.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

# /programs/<id>/transparency/concerns/new/ and …/receipt/ (pages), /api/concerns/ and its receipt actions.
PRIVATE_PATH = re.compile(
    r"^/(?:programs/\d+/transparency/concerns/(?:new|receipt)(?:/|$)|api/concerns/(?:receipt/(?:reply/)?)?(?:\?|$))"
)
REQUEST_LOGGERS = ("gunicorn.access", "django.server", "django.request")


def is_private_path(path: str) -> bool:
    return bool(PRIVATE_PATH.match(path or ""))


def _paths_of(record: logging.LogRecord) -> list[str]:
    paths: list[str] = []
    request = getattr(record, "request", None)
    path = getattr(request, "path", None)
    if isinstance(path, str):
        paths.append(path)
    args: Any = record.args
    if isinstance(args, Mapping):
        # gunicorn's atoms: U is the path, r the request line ("POST /path HTTP/1.1").
        for key in ("U", "r"):
            value = args.get(key)
            if isinstance(value, str):
                paths.append(value.split(" ")[1] if " " in value else value)
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a record whose arguments do not fit its format: judge the format
        message = str(record.msg)
    paths.extend(re.findall(r"(/[^\s\"']*)", message))
    return paths


class DropAnonymousConcernRequests(logging.Filter):
    """Refuses a log record about a request to a concern submission or receipt URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(is_private_path(path) for path in _paths_of(record))


def keep_concern_submissions_out_of_request_logs() -> None:
    """Attach the filter to each request logger once (on the logger, so every handler is covered)."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropAnonymousConcernRequests) for f in logger.filters):
            logger.addFilter(DropAnonymousConcernRequests())
