"""The one store interface every consumer programs against.

``kg.storage.store.Store`` (embedded Oxigraph, in memory or on disk) and
``kg.storage.remote.RemoteStore`` (a SPARQL engine over HTTP) implement it.
Code that needs to know whether the data changed asks ``version()``; code
that needs to know whether it *can* change asks ``frozen``. Nothing probes a
store's internals (its ``inner`` attribute) to find out what it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Protocol, runtime_checkable

import pyoxigraph as ox

from kg.model.formats import Format


@runtime_checkable
class GraphStore(Protocol):
    """A dataset that answers SPARQL, lists and dumps its quads, and loads RDF.

    ``version()`` is a short string that changes whenever the data changes:
    on an on-disk store, the generation id the last ``kg build`` or
    ``kg load`` wrote into it; in memory, a count of writes and quads; on a
    remote engine, its size and graphs, looked at no more often than every
    minute. Caches (pages, search index, dumps, VoID) key on it.

    ``frozen`` is true when the contents cannot change while the store is
    open (an on-disk store opened read-only): ``version()`` is then constant.
    """

    location: str | None
    union_default_graph: bool

    @property
    def frozen(self) -> bool: ...

    def version(self) -> str: ...

    def query(self, sparql: str, *, union_default_graph: bool | None = None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
              base_iri: str | None = None): ...

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]: ...

    def named_graphs(self) -> list[str]: ...

    def __len__(self) -> int: ...

    def dump(self, output: IO[bytes], fmt: Format, graph: str | None = None) -> None: ...

    def load(self, data: bytes | str | Path | IO[bytes], fmt: Format, *, graph: str | None = None,
             base_iri: str | None = None) -> None: ...

    def extend(self, quads: Iterable[ox.Quad]) -> None: ...

    def flush(self) -> None: ...
