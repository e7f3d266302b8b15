"""``/healthz``: for load balancers and monitoring.

200 with the store's size and the query workers when the service can answer
queries: ``"status": "ok"``, or ``"degraded"`` with a ``reason`` while the
worker pool is below strength (a worker died or was stopped and its
replacement is starting; the log says why). 503 when the store does not
answer or no query worker is ready."""

from flask import Blueprint, jsonify

from kg.model.errors import KGError

from .state import current_state

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    state = current_state()
    try:
        quads = len(state.store)
    except (KGError, OSError) as exc:
        return jsonify({"status": "unavailable", "message": str(exc)}), 503
    body = {"status": "ok", "quads": quads}
    if state.engine_started():
        engine = state.start_engine()  # never waits: health answers at once
        body.update(engine.health())
        if engine.size and body["workers"] == 0:
            return jsonify(body), 503
    return jsonify(body)
