"""Deterministic dumps of the store: canonical order, writers, file catalogue.

>>> from kg.publish.dumps import DumpCache, catalog, write_dump
"""

from kg.publish.dumps.catalog import (DOWNLOAD_PREFIX, GZIP, DumpCache, DumpFile, DumpInProgress, DumpInfo, DumpsUnavailable,
                                      catalog, find, fingerprint, graph_files, make_file, sweep, write_dump)
from kg.publish.dumps.order import DATASET, UNION, Scope, graph_scope, ordered_rows

__all__ = [
    "DATASET", "DOWNLOAD_PREFIX", "GZIP", "UNION", "DumpCache", "DumpFile", "DumpInProgress", "DumpInfo", "DumpsUnavailable", "Scope",
    "catalog", "find", "fingerprint", "graph_files", "graph_scope", "make_file", "ordered_rows", "sweep", "write_dump",
]
