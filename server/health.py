"""``/healthz``: for load balancers. 200 with the store's size and the number
of live query workers when the service can answer queries; 503 when the
store does not answer or every query worker is gone."""

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
        engine = state.engine
        body["workers"] = engine.alive()
        if engine.size and body["workers"] == 0:
            body["status"] = "no query workers"
            return jsonify(body), 503
    return jsonify(body)
