"""The query engine: user queries run in worker processes with real limits.

``QueryEngine(store_path, size=..)`` starts the workers; ``engine.run(request,
budget)`` answers one request (a dict: query, format, default_graphs,
named_graphs, union, max_rows, prefixes) or raises a typed error;
``engine.close()`` kills every worker.
"""

from .pool import Answer, QueryEngine

__all__ = ["Answer", "QueryEngine"]
