"""One error path: every error becomes the response its client can read.

Views raise ``kg.model.errors`` exceptions (or let werkzeug raise HTTP errors);
this handler answers JSON to API clients that ask for it, HTML to
browsers, and plain text otherwise. A real bug is logged and is a 500 with
no traceback on the wire.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from kg.model import formats as F
from kg.model.errors import KGError, NotAcceptable

log = logging.getLogger(__name__)


# What an error can be written as: plain text first (no Accept, ``*/*``,
# ``text/*``), JSON for API clients (``application/sparql-results+json``
# counts), HTML for browsers.
PLAIN = F.Format("text", "text/plain", "txt", "plain text")
ERROR_JSON = F.Format("json", "application/json", "json", "JSON", ("application/sparql-results+json",))
ERROR_FORMATS = (PLAIN, F.HTML, ERROR_JSON)


def error_format() -> F.Format:
    """The error's format: JSON when a JSON twin was asked for by its URL
    (``.json``, ``format=json``), else by the Accept header (the same
    negotiation as every page); plain text when nothing offered fits."""
    if request.path.endswith(".json") or request.args.get("format") == "json":
        return ERROR_JSON
    try:
        return F.negotiate(request.headers.get("Accept"), ERROR_FORMATS)
    except NotAcceptable:
        return PLAIN


def error_response(status: int, title: str, message: str, detail: dict | None = None) -> Response:
    fmt = error_format()
    if fmt is ERROR_JSON:
        resp = jsonify({"error": title, "status": status, "message": message, **(detail or {})})
    elif fmt is F.HTML:
        resp = Response(render_template("error.html", status=status, title=title, message=message, detail=detail or {}), mimetype="text/html")
    else:
        resp = Response(f"{status} {title}: {message}\n", mimetype="text/plain")
    resp.status_code = status
    return resp


def register(app: Flask) -> None:
    @app.errorhandler(KGError)
    def _kg_error(exc: KGError):
        resp = error_response(exc.status, exc.title, exc.message, exc.detail)
        for name, value in getattr(exc, "headers", {}).items():
            resp.headers[name] = value
        return resp

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        resp = error_response(exc.code or 500, exc.name, exc.description or exc.name)
        if exc.code == 405 and exc.response is None:
            allowed = getattr(exc, "valid_methods", None)
            if allowed:
                resp.headers["Allow"] = ", ".join(allowed)
        return resp

    @app.errorhandler(Exception)
    def _bug(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Internal server error", "The server hit a bug; it has been logged.")
