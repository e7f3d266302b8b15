"""``kg serve``: the web service on a production WSGI server (waitress)."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="TCP port to listen on.")
@click.option("--store", "store", default=None, help="On-disk store built by `kg build`.")
def serve(host: str, port: int, store: str | None):
    """Serve the graph: SPARQL endpoint, entity pages and downloads."""
    from waitress import serve as waitress_serve

    from . import create_app

    app = create_app({"STORE": store} if store else None)
    click.echo(f"Serving on http://{host}:{port}/", err=True)
    waitress_serve(app, host=host, port=port, threads=8, ident="diplomacy-kg")
