"""The header policy of every response, in one place.

Security headers go on every response the service sends: pages, query
results, downloads, errors, static files, and the few answers the HTTP
server gives itself before the app sees a request (413 for a body over
the limit, 400 for a malformed request: ``server.httpserver`` adds the
same ``SECURITY_HEADERS``). CORS and caching depend on the part of the
service, named by its blueprint:

- ``sparql``: any origin may query (GET, POST); results vary by
  ``Accept`` and ``Accept-Encoding``;
- ``dumps``: any origin may download, errors included, and send the
  range and conditional headers a resumable download needs;
- ``pages`` and ``explore``: a successful GET gets an ``ETag`` (and 304 on a match) and a
  short public cache; its data twins (not the HTML) may be read by any
  origin.

No response carries credentials, so ``Access-Control-Allow-Origin: *``
exposes nothing a direct request would not.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, request

# Scripts, styles and data from this origin only; inline style attributes
# are allowed (the timeline's SVG bars use them) but no inline script, no
# plugin, no framing by another site, forms post back here only.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP level 2
}

PAGE_CACHE_SECONDS = 300
PAGE_BLUEPRINTS = ("pages", "explore")


@dataclass(frozen=True)
class Cors:
    """The CORS headers of one part of the service."""

    methods: str
    headers: str
    expose: str
    vary: tuple[str, ...] = ()

    def apply(self, resp: Response) -> None:
        resp.headers["Access-Control-Allow-Origin"] = "*"
        resp.headers["Access-Control-Allow-Methods"] = self.methods
        resp.headers["Access-Control-Allow-Headers"] = self.headers
        resp.headers["Access-Control-Expose-Headers"] = self.expose
        for name in self.vary:
            resp.vary.add(name)


# blueprint name -> its CORS policy (on every response of that blueprint, errors too)
CORS: dict[str, Cors] = {
    "sparql": Cors("GET, POST, OPTIONS", "Accept, Content-Type, If-None-Match", "ETag, X-Result-Rows",
                   vary=("Accept", "Accept-Encoding")),
    "dumps": Cors("GET, HEAD, OPTIONS", "Range, If-None-Match, If-Modified-Since, If-Range, Accept",
                  "ETag, Content-Disposition, Content-Encoding, Link"),
}


def _page_cache(resp: Response) -> None:
    """ETag, 304 on a matching If-None-Match, a short public cache, and CORS
    for the data twins (they are public and carry no credentials)."""
    if request.method in ("GET", "HEAD") and resp.status_code == 200 and not resp.direct_passthrough:
        resp.add_etag()
        resp.headers["Cache-Control"] = f"public, max-age={PAGE_CACHE_SECONDS}"
        if not resp.mimetype.startswith("text/html"):
            resp.headers["Access-Control-Allow-Origin"] = "*"
        resp.make_conditional(request)


def apply_policy(resp: Response) -> Response:
    """Every response: the security headers, then its blueprint's CORS and cache."""
    for name, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(name, value)
    blueprint = request.blueprint
    if blueprint in CORS:
        CORS[blueprint].apply(resp)
    elif blueprint in PAGE_BLUEPRINTS:
        _page_cache(resp)
    return resp


def register(app: Flask) -> None:
    app.after_request(apply_policy)
