"""Open the dataset: one interface over the embedded Oxigraph store.

Every consumer (build, CLI, pages, dumps, query workers) goes through
``Store`` so that a remote SPARQL engine can stand in later
(``open_store("http://...")``). Results are pyoxigraph objects
(``QuerySolutions``, ``QueryBoolean``, ``QueryTriples``, terms): a remote store
parses its answers into the same types with ``pyoxigraph.parse_query_results``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from .errors import BuildError, NotFound
from .formats import Format


class Store:
    """The embedded store: pyoxigraph in memory or on disk.

    ``union_default_graph`` is the default for ``query``: when true, the
    default graph of a query is the union of all graphs (the article service's
    behaviour); when false, it is the store's own default graph (standard
    SPARQL dataset semantics).
    """

    # An on-disk store opened read-only: its contents never change while open.
    read_only = False

    def __init__(self, inner: ox.Store, *, location: str | None = None, union_default_graph: bool = True):
        self.inner = inner
        self.location = location
        self.union_default_graph = union_default_graph

    # -- opening -----------------------------------------------------------
    @classmethod
    def in_memory(cls, **kw) -> "Store":
        return cls(ox.Store(), **kw)

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = True, **kw) -> "Store":
        """Open an on-disk store; ``read_only`` lets many processes share it."""
        path = Path(path)
        if read_only:
            if not path.exists():
                raise NotFound(f"No store at {path}. Run `kg build --store {path}` first.")
            inner = ox.Store.read_only(str(path))
        else:
            path.mkdir(parents=True, exist_ok=True)
            inner = ox.Store(str(path))
        store = cls(inner, location=str(path), **kw)
        store.read_only = read_only
        return store

    # -- reading -----------------------------------------------------------
    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ):
        """Run a SPARQL query; ``default_graphs``/``named_graphs`` are IRIs.

        Given ``default_graphs`` (the protocol's ``default-graph-uri``), the
        default graph is their merge and ``union_default_graph`` is ignored;
        an empty list is an empty default graph. ``named_graphs=[]`` leaves
        no named graph; ``None`` (either) keeps the store's own.
        """
        kwargs: dict = {}
        if default_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        elif self.union_default_graph if union_default_graph is None else union_default_graph:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if base_iri:
            kwargs["base_iri"] = base_iri
        return self.inner.query(sparql, **kwargs)

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        g = ox.NamedNode(graph) if graph else None
        return self.inner.quads_for_pattern(None, None, None, g)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.inner.named_graphs() if isinstance(g, ox.NamedNode))

    def __len__(self) -> int:
        return len(self.inner)

    def dump(self, output: IO[bytes], fmt: Format, graph: str | None = None) -> None:
        """Serialize the dataset (or one named graph) in ``fmt``."""
        rdf_format = getattr(ox.RdfFormat, fmt.oxigraph)
        if graph is None and not rdf_format.supports_datasets:
            self.inner.dump(output, rdf_format, from_graph=ox.DefaultGraph())
        elif graph is None:
            self.inner.dump(output, rdf_format)
        else:
            self.inner.dump(output, rdf_format, from_graph=ox.NamedNode(graph))

    # -- writing -----------------------------------------------------------
    def load(self, data: bytes | str | Path | IO[bytes], fmt: Format, *, graph: str | None = None, base_iri: str | None = None) -> None:
        """Bulk-load RDF; raises BuildError naming the input when it is bad."""
        rdf_format = getattr(ox.RdfFormat, fmt.oxigraph)
        kwargs: dict = {"format": rdf_format}
        if graph:
            kwargs["to_graph"] = ox.NamedNode(graph)
        if base_iri:
            kwargs["base_iri"] = base_iri
        where = str(data) if isinstance(data, (str, Path)) and Path(str(data)).exists() else None
        try:
            if where:
                self.inner.bulk_load(path=str(data), **kwargs)
            else:
                self.inner.bulk_load(data, **kwargs)
        except SyntaxError as exc:
            raise BuildError(str(exc), where=where) from exc

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        self.inner.extend(quads)

    def flush(self) -> None:
        self.inner.flush()
        self.inner.optimize()


def open_store(location: str | Path | None = None, **kw) -> Store:
    """Open a store by location: a directory (on disk), ``None`` (memory), or
    the URL of a SPARQL endpoint (a ``kg.remote.RemoteStore``; ``kw`` may add
    ``gsp_url``, ``update_url`` and ``timeout``)."""
    if location is None:
        return Store.in_memory(**kw)
    text = str(location)
    if text.startswith(("http://", "https://")):
        from .remote import RemoteStore

        return RemoteStore(text, **kw)
    return Store.open(text, **kw)
