"""Deterministic dumps of the store: canonical order, writers, file catalogue.

>>> from kg.publish.dumps import DumpCache, catalog, write_dump
"""

from kg.publish.dumps.catalog import DOWNLOAD_PREFIX, GZIP, DumpCache, DumpFile, DumpInfo, catalog, find, fingerprint, graph_files, make_file, write_dump
from kg.publish.dumps.order import DATASET, UNION, Scope, graph_scope, ordered_rows

__all__ = [
    "DATASET", "DOWNLOAD_PREFIX", "GZIP", "UNION", "DumpCache", "DumpFile", "DumpInfo", "Scope",
    "catalog", "find", "fingerprint", "graph_files", "graph_scope", "make_file", "ordered_rows", "write_dump",
]
