"""``kg serve``: the web service on a production WSGI server (waitress).

Why waitress: one process with a pool of HTTP threads suits an app whose
requests mostly wait (on query workers); it streams an iterable response
to the socket as the client reads it; it stops cleanly on SIGINT/SIGTERM,
which lets the service kill its query workers and remove its temporary
stores. A pre-forking server (gunicorn) would multiply the query worker
pool by its own process count and own none of it on shutdown. waitress is
run with the limits of ``server.httpserver`` (connections, timeouts, body
sizes, buffered answers: README, "Production").
"""

from __future__ import annotations

import signal
import sys

import click


def _overrides(**options) -> dict:
    """The command-line options that were given, as config keys."""
    return {key.upper(): value for key, value in options.items() if value is not None}


@click.command()
@click.option("--host", default=None, help="Interface to listen on [default: 127.0.0.1; KG_HOST].")
@click.option("--port", default=None, type=int, help="TCP port to listen on [default: 5000; KG_PORT].")
@click.option("--store", "store", default=None, metavar="DIR|URL", help="On-disk store built by `kg build` (opened read-only: a restart does not reload), or the query URL of a remote SPARQL engine.")
@click.option("--store-gsp", "store_gsp", default=None, metavar="URL", help="Graph Store Protocol URL of the remote engine given by --store URL (faster dumps) [KG_STORE_GSP].")
@click.option("--data", "data", multiple=True, metavar="FILE", help="Serve these RDF files instead of the article graph (.ttl .nt .nq .trig .rdf .jsonld); repeat it, or list more files after it.")
@click.option("--timeout", type=float, default=None, help="Time budget of a query in seconds [default: 10].")
@click.option("--workers", type=int, default=None, help="Query worker processes [default: 2].")
@click.option("--threads", type=int, default=None, help="HTTP threads [default: 8].")
@click.option("--max-rows", type=int, default=None, help="Most rows a query may return [default: 100000].")
@click.option("--union-default-graph/--no-union-default-graph", default=None,
              help="Default graph = union of all graphs (the default), or the store's own default graph (standard SPARQL dataset).")
@click.option("--public-url", default=None, help="Public URL of the service, for the service description.")
@click.option("--config", "config_file", default=None, type=click.Path(dir_okay=False), help="TOML config file (see README, Configuration) [KG_CONFIG].")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
def serve(host, port, store, store_gsp, data, timeout, workers, threads, max_rows, union_default_graph, public_url, config_file, files):
    """Serve the graph: SPARQL endpoint, entity pages and downloads.

    \b
    With neither --store nor --data, the article graph is built into a
    temporary store first. Examples:
      kg serve --store build/store --port 8080
      kg serve --data a.ttl b.nq --no-union-default-graph --timeout 5
    """
    from kg.model.errors import BuildError

    from . import create_app
    from .httpserver import create_server

    if files and not data:
        raise BuildError(f"unexpected argument {files[0]!r}: give RDF files with --data FILE...")
    data = [*data, *files]
    if store and data:
        raise BuildError("give either --store or --data, not both")
    overrides = _overrides(host=host, port=port, store=store, store_gsp=store_gsp, timeout=timeout, workers=workers, threads=threads,
                           max_rows=max_rows, union_default_graph=union_default_graph, public_url=public_url)
    if data:
        overrides["DATA"] = data
    overrides["START_ENGINE"] = True
    app = create_app(overrides, config_file=config_file)
    state = app.extensions["kg"]
    try:
        engine = state.engine
        try:
            server = create_server(app, app.config)
        except OSError as exc:  # port in use, no such interface, no permission
            raise BuildError(f"cannot listen on {app.config['HOST']}:{app.config['PORT']}: {exc.strerror or exc}") from exc
        signal.signal(signal.SIGTERM, _stop)
        click.echo(f"Serving {_size(state.store)} with {engine.size} query workers on "
                   f"http://{app.config['HOST']}:{server.effective_port}/sparql", err=True)
        server.run()
    finally:
        state.close()


def _size(store) -> str:
    """"N quads"; a remote engine that is not up yet is said so, and the
    service starts anyway: it answers 503 until the engine does."""
    from kg.model.errors import EngineUnavailable, QueryTimeout

    try:
        return f"{len(store)} quads"
    except (EngineUnavailable, QueryTimeout) as exc:
        return f"a remote store that does not answer yet ({exc.message})"


def _stop(signum, frame):
    """SIGTERM stops waitress like Ctrl-C does, so shutdown cleans up."""
    sys.exit(0)
