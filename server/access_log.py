"""The access log: one line per request, ``kg.access`` logger.

Method, path (never the query string or body), status and time. The path
is the decoded one, so control characters in it are escaped: ``%0A`` in a
URL cannot start a forged line of its own.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from .httpserver import printable

log = logging.getLogger("kg.access")


def _start_clock() -> None:
    g.kg_started = time.monotonic()


def _log_line(resp: Response) -> Response:
    started = g.get("kg_started")
    elapsed = (time.monotonic() - started) * 1000 if started else 0.0
    log.info("%s %s %s %.0fms", printable(request.method), printable(request.path), resp.status_code, elapsed)
    return resp


def register(app: Flask) -> None:
    app.before_request(_start_clock)
    app.after_request(_log_line)
