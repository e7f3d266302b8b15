"""``/healthz``: for load balancers and monitoring.

200 with the store's size and the query workers when the service can answer
queries: ``"status": "ok"``, or ``"degraded"`` with a ``reason`` while the
worker pool is below strength (a worker died or was stopped and its
replacement is starting; the log says why). 503 when the store does not
answer or no query worker is ready.

The quad count is kept per store version (``kg.storage.pagecache``): a
balancer's checks every few seconds must not count 24M quads each time
(13.6 s per check at 100,000 articles). A store that can change is still
asked a cheap ``ASK {}`` each time, so an engine that stopped answering
is a 503 at once."""

from flask import Blueprint, jsonify

from kg.model.errors import KGError
from kg.storage.pagecache import cached

from .state import current_state

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    state = current_state()
    try:
        store = state.store
        if not store.frozen:
            store.query("ASK {}")  # the store answers (a remote engine may not): a cheap question each time
        quads = cached(store, "healthz-quads", lambda: len(store))
    except (KGError, OSError) as exc:
        return jsonify({"status": "unavailable", "message": str(exc)}), 503
    body = {"status": "ok", "quads": quads}
    if state.engine_started():
        engine = state.start_engine()  # never waits: health answers at once
        body.update(engine.health())
        if engine.size and body["workers"] == 0:
            return jsonify(body), 503
    return jsonify(body)
