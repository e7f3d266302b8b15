"""Service configuration, read once: defaults -> file -> environment -> dict.

Every setting has one name. In a config file (TOML, given by ``--config``
or ``$KG_CONFIG``) it is the lower-case key; in the environment it is
``KG_`` + the upper-case key; ``create_app(config)`` takes the upper-case
key (Flask style). The table in the README lists them all.
"""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path

from kg.model.errors import BuildError

# name -> (default, parser, help). The README's configuration table is
# generated from this, so the help text is documentation.
SETTINGS: dict[str, tuple[object, type, str]] = {
    "STORE": (None, str, "On-disk store directory to serve (built by `kg build`); none: build the article graph in a temporary store"),
    "DATA": ("", str, "RDF files to serve instead of the article graph (space-separated paths)"),
    "BASE": ("", str, "Base IRI of the data (default https://kg.example.org/)"),
    "UNION_DEFAULT_GRAPH": (True, bool, "Default graph of a query is the union of all graphs"),
    "HOST": ("127.0.0.1", str, "Interface `kg serve` listens on"),
    "PORT": (5000, int, "TCP port `kg serve` listens on"),
    "THREADS": (8, int, "HTTP threads of the WSGI server (waitress)"),
    "CONNECTION_LIMIT": (1000, int, "Most open client connections; more wait in the listen queue"),
    "CONNECTIONS_PER_CLIENT": (64, int, "Most open connections from one client address (more are closed at once); 0: no cap"),
    "REQUEST_TIMEOUT": (10.0, float, "Seconds a client has to send a whole request (headers and body) from its first byte, and the longest an idle connection stays open"),
    "SEND_TIMEOUT": (60.0, float, "Seconds a client may take nothing of a response before its connection is closed"),
    "TRUSTED_PROXY": ("", str, "Address of a reverse proxy (e.g. 127.0.0.1) whose X-Forwarded-For and X-Forwarded-Proto are believed: the per-client caps then count the client it names, not the proxy"),
    "RESPONSE_BUFFER_MB": (256, int, "A response up to this size (MiB) is buffered (memory, then a temporary file) so a slow reader holds no HTTP thread"),
    "WORKERS": (2, int, "Query worker processes (each runs one query at a time)"),
    "WORKER_MEMORY_MB": (4096, int, "Address-space cap of each query worker in MiB (a query needing more fails alone); 0: no cap"),
    "QUERIES_PER_CLIENT": (-1, int, "Most queries one client address may have running or waiting at once (more: 429); -1: one fewer than `workers` (at least 1), so one client can never hold every worker; 0: no cap"),
    "UNCAPPED_CLIENTS": ("127.0.0.1 ::1", str, "Client addresses the per-client caps (queries and connections) do not apply to (space-separated): local benchmarks and tests, or a reverse proxy on the same host (then cap per client at the proxy)"),
    "TIMEOUT": (10.0, float, "Time budget of a query in seconds (a client may ask for less with `timeout=`)"),
    "MAX_ROWS": (100000, int, "Most result rows (or triples) a query may return; more is an error, never a truncation"),
    "MAX_QUERY_BYTES": (65536, int, "Largest accepted query text, in bytes (larger: 413)"),
    "MAX_BODY_BYTES": (1048576, int, "Largest accepted request body, in bytes (larger: 413)"),
    "MAX_NESTING": (64, int, "Deepest accepted nesting of brackets in a query"),
    "MAX_OPERATORS": (1000, int, "Most operators and function calls in a query (long chains crash the engine's parser; more: 400)"),
    "QUERY_SECONDS_PER_MINUTE": (60.0, float, "Query time one client address may use per minute, in seconds (more: 429 with Retry-After); 0: no budget. `uncapped_clients` are exempt"),
    "CACHE_MAX_AGE": (60, int, "`Cache-Control: max-age` of query results, in seconds"),
    "PUBLIC_URL": ("", str, "Public URL of the service (e.g. https://kg.example.org/), used in the service description; default: the request's own URL"),
    "STORE_GSP": ("", str, "Graph Store Protocol URL of a remote store (`store` is then a SPARQL endpoint URL); dumps stream through it"),
    "STORE_UNION_PARAM": ("union-default-graph", str, "Request parameter that makes a remote engine's default graph the union of its graphs (Oxigraph's); empty for engines configured that way (Fuseki unionDefaultGraph, GraphDB, Virtuoso)"),
    "DUMPS_DIR": ("", str, "Directory where dump files are made once per store version and served from (default: `diplomacy-kg-dumps` in the system temp directory)"),
    "RESULT_CACHE": ("", str, "SQLite file of a query-result cache shared by the `kg serve` fronts of one store (keyed on the normalized query and the store version; entries live 5 minutes); empty: a read-only store's answers are kept in this process's memory (32 MB; a request saying `Cache-Control: no-cache` runs its query)"),
}


# Settings that must be a positive, finite number, or a number >= 0.
POSITIVE = ("TIMEOUT", "THREADS", "WORKERS", "CONNECTION_LIMIT", "REQUEST_TIMEOUT", "SEND_TIMEOUT", "RESPONSE_BUFFER_MB", "MAX_ROWS", "MAX_QUERY_BYTES", "MAX_BODY_BYTES", "MAX_NESTING", "MAX_OPERATORS")
NOT_NEGATIVE = ("WORKER_MEMORY_MB", "CACHE_MAX_AGE", "QUERY_SECONDS_PER_MINUTE", "CONNECTIONS_PER_CLIENT")


def check_limits(config: dict) -> None:
    """BuildError for a limit that would break every query (a negative time
    budget answered every query with a timeout) or a port out of range."""
    for name in (*POSITIVE, *NOT_NEGATIVE):
        value = config.get(name)
        if value is None:
            continue
        least_ok = name in NOT_NEGATIVE
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or value < 0 or (value == 0 and not least_ok):
            kind = "a number >= 0" if least_ok else "a positive number"
            raise BuildError(f"{name.lower()} must be {kind}, not {value!r}")
    per_client = config.get("QUERIES_PER_CLIENT")
    if per_client is not None and (isinstance(per_client, bool) or not isinstance(per_client, int) or per_client < -1):
        raise BuildError(f"queries_per_client must be -1, 0 or a positive number, not {per_client!r}")
    port = config.get("PORT")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535):
        raise BuildError(f"port must be from 0 to 65535, not {port!r}")


def _parse(kind: type, value, name: str):
    if kind is str and isinstance(value, list):  # a TOML list of paths
        return " ".join(str(v) for v in value)
    if kind is bool and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise BuildError(f"{name} must be true or false, not {value!r}")
    try:
        return kind(value) if value is not None else None
    except (TypeError, ValueError) as exc:
        raise BuildError(f"{name} must be a {kind.__name__}, not {value!r}") from exc


def load_config(overrides: dict | None = None, *, environ: dict | None = None, file: str | None = None) -> dict:
    """The effective settings, each layer overriding the one before."""
    environ = os.environ if environ is None else environ
    config = {name: default for name, (default, _, _) in SETTINGS.items()}
    path = file or environ.get("KG_CONFIG")
    if path:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise BuildError("config file not found", where=path) from exc
        except tomllib.TOMLDecodeError as exc:
            raise BuildError(str(exc), where=path) from exc
        for key, value in data.items():
            name = key.upper().replace("-", "_")
            if name not in SETTINGS:
                raise BuildError(f"unknown setting {key!r}", where=path)
            config[name] = _parse(SETTINGS[name][1], value, key)
    for name, (_, kind, _) in SETTINGS.items():
        if f"KG_{name}" in environ:
            config[name] = _parse(kind, environ[f"KG_{name}"], f"KG_{name}")
    for name, value in (overrides or {}).items():
        config[name] = value
    check_limits(config)
    return config


def settings_table() -> str:
    """The configuration table (Markdown) for the README."""
    rows = ["| setting | environment | default | meaning |", "|---|---|---|---|"]
    for name, (default, _, help_text) in SETTINGS.items():
        rows.append(f"| `{name.lower()}` | `KG_{name}` | `{default}` | {help_text} |")
    return "\n".join(rows)


def relative_to_repo(path: str | Path) -> Path:
    return Path(path)
