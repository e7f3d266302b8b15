"""Typed errors, each with the HTTP status a web client should see.

This module imports nothing from the project so that every layer (library,
CLI, web service) can raise and catch the same errors. The CLI maps them to
exit codes; the web service maps them to responses in one error handler.
"""


class KGError(Exception):
    """Base of every error the project raises on purpose.

    ``status`` is the HTTP status; ``title`` a short human name for it;
    ``exit_code`` what the CLI exits with (2: unusable input).
    """

    status = 500
    title = "Internal error"
    exit_code = 2

    def __init__(self, message: str, *, detail: dict | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail or {}


class BadRequest(KGError):
    status = 400
    title = "Bad request"


class BadQuery(BadRequest):
    """A SPARQL query that does not parse or is refused before running."""

    title = "Bad SPARQL query"


class Forbidden(KGError):
    """A request the service refuses on principle (SPARQL Update, SERVICE)."""

    status = 403
    title = "Forbidden"


class NotFound(KGError):
    status = 404
    title = "Not found"


class NotAcceptable(KGError):
    """No representation matches the Accept header; lists what is offered."""

    status = 406
    title = "Not acceptable"


class PayloadTooLarge(KGError):
    status = 413
    title = "Payload too large"


class UnsupportedMediaType(KGError):
    status = 415
    title = "Unsupported media type"


class ResultTooLarge(KGError):
    """A result over the configured row cap: refused, never truncated."""

    status = 422
    title = "Result too large"


class TooManyRequests(KGError):
    """A client already has as many queries running as it may."""

    status = 429
    title = "Too many requests"


class QueryTimeout(KGError):
    """A query stopped because it ran past its time budget."""

    status = 503
    title = "Query timed out"


class EngineUnavailable(KGError):
    """The query engine (a worker process or a remote endpoint) is down."""

    status = 503
    title = "Engine unavailable"


class BuildError(KGError):
    """Input that cannot be built into a graph; ``where`` names file/line/term."""

    exit_code = 2
    title = "Build error"

    def __init__(self, message: str, *, where: str | None = None, detail: dict | None = None):
        super().__init__(f"{where}: {message}" if where else message, detail=detail)
        self.where = where


class ValidationFailed(KGError):
    """The graph was built but breaks a SHACL shape or an evidence check."""

    exit_code = 1
    title = "Validation failed"

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []
