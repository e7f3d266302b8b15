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

from kg.model.errors import KGError
from kg.model.formats import parse_accept

log = logging.getLogger(__name__)


def _wants(kind: str) -> bool:
    """Does the client prefer ``kind`` ('json' or 'html') over plain text?"""
    ranges = parse_accept(request.headers.get("Accept"))
    best = {"json": 0.0, "html": 0.0, "text": 0.0}
    for r in ranges:
        if r.matches("application/json") or r.matches("application/sparql-results+json"):
            if r.type != "*":
                best["json"] = max(best["json"], r.q)
        if r.matches("text/html") and r.subtype == "html":
            best["html"] = max(best["html"], r.q)
        if r.matches("text/plain"):
            best["text"] = max(best["text"], r.q)
    return best[kind] > 0 and best[kind] >= max(best.values())


def error_response(status: int, title: str, message: str, detail: dict | None = None) -> Response:
    if _wants("json"):
        resp = jsonify({"error": title, "status": status, "message": message, **(detail or {})})
    elif _wants("html"):
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
