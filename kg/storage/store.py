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

import json
import os
import tempfile

import pyoxigraph as ox

from kg.model.errors import BuildError, NotFound
from kg.model.formats import Format

# A store whose default graph holds the materialized merge of its named
# graphs carries this file in its directory (see ``materialize_union``).
MERGE_MARKER = "kg-merged-default-graph.json"


class Store:
    """The embedded store: pyoxigraph in memory or on disk.

    ``union_default_graph`` is the default for ``query``: when true, the
    default graph of a query is the union of all graphs (the article service's
    behaviour); when false, it is the store's own default graph (standard
    SPARQL dataset semantics).

    The union is an RDF merge: a triple stated in two article graphs is one
    triple of the default graph. pyoxigraph 0.5's ``use_default_graph_as_union``
    instead yields it once per graph (oxigraph issue #1919, fixed upstream
    after 0.5.13), which doubles ``COUNT``/``SUM`` and multiplies join rows.
    So stores built here hold the merge materialized in their default graph
    (``materialize_union``): union queries read that graph, and everything
    else (``quads``, ``dump``, ``len``) hides it, so the dataset is unchanged
    for its users.
    """

    # An on-disk store opened read-only: its contents never change while open.
    read_only = False

    def __init__(self, inner: ox.Store, *, location: str | None = None, union_default_graph: bool = True):
        self.inner = inner
        self.location = location
        self.union_default_graph = union_default_graph
        # Triples of the materialized merge in the default graph, or None.
        self.merged_triples: int | None = None
        if location:
            marker = Path(location) / MERGE_MARKER
            if marker.is_file():
                self.merged_triples = int(json.loads(marker.read_text())["merged_triples"])

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
        union = self.union_default_graph if union_default_graph is None else union_default_graph
        if default_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        elif union and self.merged_triples is None:
            kwargs["use_default_graph_as_union"] = True
        elif not union and self.merged_triples is not None and not _names_its_dataset(sparql):
            # The store's own default graph was empty before the merge (a
            # query's own FROM clauses must still choose its dataset).
            kwargs["default_graph"] = []
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if base_iri:
            kwargs["base_iri"] = base_iri
        return self.inner.query(sparql, **kwargs)

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Quads of one named graph, or of the whole dataset (``None``)."""
        if graph:
            return self.inner.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        quads = self.inner.quads_for_pattern(None, None, None, None)
        if self.merged_triples is None:
            return quads
        default = ox.DefaultGraph()
        return (q for q in quads if q.graph_name != default)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.inner.named_graphs() if isinstance(g, ox.NamedNode))

    def __len__(self) -> int:
        """Quads of the dataset (the materialized merge not counted)."""
        return len(self.inner) - (self.merged_triples or 0)

    def dump(self, output: IO[bytes], fmt: Format, graph: str | None = None) -> None:
        """Serialize the dataset (or one named graph) in ``fmt``."""
        rdf_format = getattr(ox.RdfFormat, fmt.oxigraph)
        if graph is None and self.merged_triples is not None:
            if rdf_format.supports_datasets:
                ox.serialize(self.quads(), output, rdf_format)
            # else: the store's own default graph, empty before the merge.
        elif graph is None and not rdf_format.supports_datasets:
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

    def materialize_union(self) -> int | None:
        """Write the RDF merge of the named graphs into the default graph.

        Done after loading, on a writable store whose own default graph is
        empty (returns None and changes nothing otherwise); done again after
        more named graphs are loaded, it brings the merge up to date. The
        storage is a set, so a triple in several graphs is stored once. The
        named graphs are written out as N-Triples to a temporary file and
        bulk-loaded (in Rust: about 4x faster than copying quads through
        Python, and memory stays bounded); the marker file is written last,
        so a store interrupted half-way is never taken as merged.
        """
        default = ox.DefaultGraph()
        has_own_default = next(iter(self.inner.quads_for_pattern(None, None, None, default)), None) is not None
        if self.merged_triples is None and has_own_default:
            return None
        folder = Path(self.location).parent if self.location else None
        with tempfile.NamedTemporaryFile(suffix=".nt", dir=folder, delete=False) as fh:
            for name in self.inner.named_graphs():
                self.inner.dump(fh, ox.RdfFormat.N_TRIPLES, from_graph=name)
        try:
            self.inner.bulk_load(path=fh.name, format=ox.RdfFormat.N_TRIPLES, to_graph=default)
        finally:
            os.unlink(fh.name)
        count = int(next(iter(self.inner.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))["n"].value)
        self.merged_triples = count
        if self.location:
            self.inner.flush()
            (Path(self.location) / MERGE_MARKER).write_text(json.dumps({"merged_triples": count}) + "\n")
        return count

    def flush(self) -> None:
        self.inner.flush()
        self.inner.optimize()


def _names_its_dataset(sparql: str) -> bool:
    """Does the query have FROM / FROM NAMED clauses (outside strings, IRIs
    and comments)?"""
    from kg.storage.guard import tokenize

    return any(token.keyword == "FROM" for token in tokenize(sparql))


def open_store(location: str | Path | None = None, **kw) -> Store:
    """Open a store by location: a directory (on disk), ``None`` (memory), or
    the URL of a SPARQL endpoint (a ``kg.storage.remote.RemoteStore``; ``kw`` may add
    ``gsp_url``, ``update_url`` and ``timeout``)."""
    if location is None:
        return Store.in_memory(**kw)
    text = str(location)
    if text.startswith(("http://", "https://")):
        from kg.storage.remote import RemoteStore

        return RemoteStore(text, **kw)
    return Store.open(text, **kw)
