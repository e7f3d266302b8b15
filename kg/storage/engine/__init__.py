"""The query engine: user queries run in worker processes with real limits.

``QueryEngine(store_path, size=..)`` starts the workers; ``engine.run(request,
budget)`` answers one request (a dict: query, format, default_graphs,
named_graphs, union, max_rows, prefixes) or raises a typed error;
``engine.close()`` kills every worker.

The names are imported on first use: a worker process (``python -m
kg.storage.engine.worker``) imports this package but never needs the pool, and
skipping it shortens every worker's start.
"""

__all__ = ["Answer", "QueryEngine"]


def __getattr__(name: str):
    if name in __all__:
        from kg.storage.engine import pool

        return getattr(pool, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
