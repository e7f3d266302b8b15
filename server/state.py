"""What the app serves: the store (and later the query engine) per app.

Kept on ``app.extensions["kg"]``; views read it with ``current_state()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from kg.store import Store, open_store


@dataclass
class State:
    store: Store


def init_state(app: Flask) -> None:
    store = app.config.get("STORE_OBJECT")  # tests may hand a ready Store
    if store is None:
        store = open_store(app.config.get("STORE") or None, union_default_graph=app.config["UNION_DEFAULT_GRAPH"])
    app.extensions["kg"] = State(store=store)


def current_state() -> State:
    return current_app.extensions["kg"]
