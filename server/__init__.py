"""The web service: SPARQL endpoint, entity pages and dumps over one store.

``create_app(config)`` builds the Flask app; nothing opens a store or reads
the environment at import time.
"""

from __future__ import annotations

import importlib
import logging

from flask import Flask

from . import access_log, errors, headers
from .config import load_config

# Blueprints, one module per concern; each module exposes ``bp``.
BLUEPRINTS = ("health", "sparql", "explore", "pages", "dumps")  # explore before pages: its /timeline is the one served


def create_app(config: dict | None = None, *, config_file: str | None = None) -> Flask:
    """Build the app. ``config`` overrides file and environment settings."""
    app = Flask(__name__)
    app.config.update(load_config(config, file=config_file))
    app.json.sort_keys = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from .state import init_state

    init_state(app)
    errors.register(app)
    headers.register(app)
    access_log.register(app)
    for name in BLUEPRINTS:
        module = importlib.import_module(f"{__name__}.{name}")
        app.register_blueprint(module.bp)
    return app
