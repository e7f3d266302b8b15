"""Virtuoso (open source 7.2) as a remote engine: its dataset semantics, made
equal to the embedded store's, and loading through its bulk loader.

Virtuoso answers a query that names no dataset over *every* graph it holds,
its own system graphs included (``virtrdf#``, ``ldp#``, ...), and it does
not de-duplicate a triple held by several graphs. The embedded store's
default graph is the de-duplicated RDF merge of the named graphs
(``kg.storage.store`` MERGE marker), and ``GRAPH ?g`` ranges over the named
graphs loaded, nothing else. So a load here (``IsqlLoader``):

- bulk-loads the files with ``ld_dir`` + ``rdf_loader_run()`` (through
  ``isql``, authenticated; Virtuoso refuses anonymous SPARQL Update, SR186),
  triples without a graph going to ``DEFAULT_GRAPH``;
- materializes the merge of ``DEFAULT_GRAPH`` and the named graphs into
  ``UNION_GRAPH`` (a set: Virtuoso's quad table keys on G, S, P, O);
- writes a catalog (graph ``CATALOG``): which graphs are the dataset's, which
  are foreign (Virtuoso's own, or loaded by others), and a version stamp.

``RemoteStore`` recognizes Virtuoso by its ``Server`` header and prefixes each
query with ``define input:default-graph-uri`` (the merge, or the own default
graph when the union is off) and ``define input:named-graph-uri`` for the
dataset's named graphs when the query has a GRAPH pattern
(``Dialect.rewrite``), unless
the query or the protocol request chooses its dataset itself. The guard has
run before: a client cannot send ``define`` pragmas of its own (they are not
SPARQL).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from kg.model.errors import BadQuery, BuildError

UNION_GRAPH = "urn:x-kg:union"
DEFAULT_GRAPH = "urn:x-kg:default"
CATALOG = "urn:x-kg:catalog"
NO_GRAPH = "urn:x-kg:none"  # an empty graph
ROLE = "urn:x-kg:role"
VERSION = "urn:x-kg:version"
BOOKKEEPING = (UNION_GRAPH, DEFAULT_GRAPH, CATALOG)
# File types the bulk loader reads itself; others are converted to N-Quads first.
BULK_SUFFIXES = {".nq", ".nt", ".ttl", ".trig", ".rdf", ".owl", ".xml"}


def is_virtuoso(server_header: str | None) -> bool:
    return (server_header or "").lower().startswith("virtuoso")


class Dialect:
    """What a query to a Virtuoso needs prefixed (see the module doc)."""

    def __init__(self, named: list[str], foreign: list[str], version: str | None):
        self.named = sorted(named)
        self.foreign = sorted(foreign)
        self.version = version
        self.loaded_at = time.monotonic()

    @classmethod
    def read(cls, raw_query) -> "Dialect":
        """From the catalog graph; ``raw_query(sparql)`` runs a query unchanged."""
        rows = raw_query(f"SELECT ?g ?role WHERE {{ GRAPH <{CATALOG}> {{ ?g <{ROLE}> ?role }} }}")
        named, foreign, version = [], [], None
        for row in rows:
            role = row["role"].value
            if role == "named":
                named.append(row["g"].value)
            elif role == "foreign":
                foreign.append(row["g"].value)
            elif role == "version":
                version = row["g"].value
        return cls(named, foreign, version)

    @staticmethod
    def check(tokens) -> None:
        """Refuse what Virtuoso would run but SPARQL does not have (the
        embedded store refuses it as a syntax error): its ``define`` pragmas
        and ``OPTION`` clauses (they can make it fetch the Web: ``get:soft``)
        and its predeclared prefixes (``bif:`` and ``sql:`` call SQL
        functions), i.e. any prefix the query does not declare."""
        declared = {t.text[:-1] for i, t in enumerate(tokens)
                    if t.kind == "pname" and i > 0 and tokens[i - 1].keyword == "PREFIX" and t.text.endswith(":")}
        for t in tokens:
            if t.keyword in ("DEFINE", "OPTION"):
                raise BadQuery(f"{t.text} is not SPARQL (at line {t.line}, column {t.column}).")
            if t.kind == "pname" and t.text.split(":", 1)[0] not in declared:
                raise BadQuery(f"The prefix {t.text.split(':', 1)[0]}: is not declared (at line {t.line}, column {t.column}).")

    def rewrite(self, sparql: str, *, union: bool, keywords: set[str], default_graphs, named_graphs) -> str:
        """``sparql`` with the pragmas giving it the embedded store's dataset.

        ``keywords``: the query's keywords (``kg.storage.guard.tokenize``).
        A query with FROM / FROM NAMED chooses its dataset itself, as on the
        embedded store. Virtuoso's ``input:named-graph-exclude`` would also
        empty the default graph, so the named graphs are listed instead, and
        only for a query that has a GRAPH pattern."""
        if "FROM" in keywords:
            return sparql
        defines = []
        if default_graphs is None:
            defines.append(f"define input:default-graph-uri <{UNION_GRAPH if union else DEFAULT_GRAPH}>")
        if named_graphs is None and "GRAPH" in keywords:
            defines += [f"define input:named-graph-uri <{g}>" for g in self.named or [NO_GRAPH]]
        return "\n".join(defines + [sparql]) if defines else sparql


_BOOLEAN = re.compile(rb'("datatype": "http://www\.w3\.org/2001/XMLSchema#boolean", "value": ")([01])"')


_BOOLEAN_NT = re.compile(rb'"([01])"(\^\^<http://www\.w3\.org/2001/XMLSchema#boolean>)')


def fix_answer(data: bytes, media_type: str) -> bytes:
    """Virtuoso's answers made standard: it keeps a boolean as a number and
    writes ``true`` back as ``"1"^^xsd:boolean`` (its canonical form again,
    in JSON results and N-Triples), and it answers ASK with a table."""
    if "json" in media_type and b'"__ASK_RETVAL"' in data[:300]:
        # Its ASK answers are a one-column table: 1 (a row) for true.
        return b'{"head": {}, "boolean": %s}' % (b"true" if re.search(rb'"value": "1"', data) else b"false")
    if b"XMLSchema#boolean" not in data:
        return data
    if "json" in media_type:
        return _BOOLEAN.sub(lambda m: m.group(1) + (b'true"' if m.group(2) == b"1" else b'false"'), data)
    return _BOOLEAN_NT.sub(lambda m: (b'"true"' if m.group(1) == b"1" else b'"false"') + m.group(2), data)


def _sql_string(text: str) -> str:
    return "'" + str(text).replace("\\", "\\\\").replace("'", "''") + "'"


def isql_executable() -> str | None:
    """Debian's ``isql-vt``, upstream's ``isql`` next to ``virtuoso-t``, or one
    under ``$VIRTUOSO_HOME/usr/bin`` (a ``dpkg-deb -x`` of the package)."""
    home = os.environ.get("VIRTUOSO_HOME")
    if home and (Path(home) / "usr" / "bin" / "isql-vt").exists():
        return str(Path(home) / "usr" / "bin" / "isql-vt")
    return shutil.which("isql-vt")


class IsqlLoader:
    """Loads files into a Virtuoso through ``isql`` (its SQL port) and its
    bulk loader. The files must be readable by the Virtuoso server (the same
    machine, inside its ``DirsAllowed``). Credentials: ``user``/``password``
    (default Virtuoso's ``dba``/``dba``; set ``KG_VIRTUOSO_PASSWORD``)."""

    def __init__(self, address: str, user: str | None = None, password: str | None = None, *, timeout: float = 3600.0):
        self.address = address
        self.user = user or os.environ.get("KG_VIRTUOSO_USER", "dba")
        self.password = password or os.environ.get("KG_VIRTUOSO_PASSWORD", "dba")
        self.timeout = timeout
        self.executable = isql_executable()
        if self.executable is None:
            raise BuildError("loading into Virtuoso needs its isql client (Debian: apt-get install virtuoso-opensource-7-bin)",
                             where=address)

    def sql(self, script: str) -> str:
        """Run SQL statements (``;``-separated); an error is a BuildError."""
        try:
            done = subprocess.run([self.executable, self.address, self.user, self.password, "VERBOSE=OFF", "BANNER=OFF",
                                   "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT"], input=script.encode(), capture_output=True,
                                  timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:
            raise BuildError(f"Virtuoso did not finish within {self.timeout:g} s", where=self.address) from exc
        out = (done.stdout + done.stderr).decode("utf-8", "replace")
        if done.returncode != 0 or "*** Error" in out:
            lines = [line for line in out.splitlines() if line.strip()]
            error = next((line for line in lines if "Error" in line), lines[-1] if lines else f"isql exited {done.returncode}")
            raise BuildError(f"Virtuoso refused the load: {error.strip()}", where=self.address)
        return out

    def graphs(self) -> set[str]:
        # SQL over the quad table's G index: the SPARQL form can take minutes
        # right after a bulk load (a plan made before the statistics).
        out = self.sql("SELECT id_to_iri(G) FROM (SELECT DISTINCT G FROM DB.DBA.RDF_QUAD) x;\n")
        return {line.strip() for line in out.splitlines() if line.strip()}

    def catalog(self) -> tuple[set[str], set[str]]:
        out = self.sql(f"SPARQL SELECT ?g ?role WHERE {{ GRAPH <{CATALOG}> {{ ?g <{ROLE}> ?role }} }};\n")
        named, foreign = set(), set()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] in ("named", "foreign"):
                (named if parts[1] == "named" else foreign).add(parts[0])
        return named, foreign

    def load(self, files: Iterable[tuple[Path, str | None]]) -> int:
        """Bulk-load ``(path, graph)`` pairs (graph: for triple files, else
        None), then rebuild the merge and the catalog. Returns the files loaded."""
        before = self.graphs()
        named_before, foreign_before = self.catalog()
        foreign = foreign_before | (before - named_before - set(BOOKKEEPING))
        statements = ["log_enable(2, 1);", "DELETE FROM DB.DBA.LOAD_LIST;"]
        count = 0
        with tempfile.TemporaryDirectory(prefix="kg-virtuoso-") as scratch:
            for path, graph in files:
                path = Path(path).resolve()
                if path.suffix.lower() not in BULK_SUFFIXES:
                    path = _as_nquads(path, Path(scratch))
                statements.append(f"ld_dir({_sql_string(path.parent)}, {_sql_string(path.name)}, "
                                  f"{_sql_string(graph or DEFAULT_GRAPH)});")
                count += 1
            statements.append("rdf_loader_run();")
            self.sql("\n".join(statements) + "\n")
            errors = self.sql("SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;\n")
        if "/" in errors:
            raise BuildError(f"Virtuoso's bulk loader failed: {' '.join(errors.split())[:500]}", where=self.address)
        named = self.graphs() - foreign - set(BOOKKEEPING)
        self.merge(foreign)
        self.write_catalog(named, foreign)
        self.sql("checkpoint;\n")
        return count

    def merge(self, foreign: set[str]) -> None:
        """The de-duplicated merge of the own default graph and the named
        graphs, in one SQL statement over the quad table (``INSERT SOFT``
        skips a quad already there: Virtuoso's quads are keyed on G, S, P, O)."""
        skip = ", ".join(f"iri_to_id({_sql_string(g)})" for g in sorted(foreign | {UNION_GRAPH, CATALOG}))
        self.sql("log_enable(2, 1);\n"
                 f"DELETE FROM DB.DBA.RDF_QUAD WHERE G = iri_to_id({_sql_string(UNION_GRAPH)});\n"
                 f"INSERT SOFT DB.DBA.RDF_QUAD (G, S, P, O) SELECT iri_to_id({_sql_string(UNION_GRAPH)}), S, P, O "
                 f"FROM DB.DBA.RDF_QUAD WHERE G NOT IN ({skip});\n")

    def write_catalog(self, named: set[str], foreign: set[str]) -> None:
        triples = [f"<{g}> <{ROLE}> \"named\" ." for g in sorted(named)]
        triples += [f"<{g}> <{ROLE}> \"foreign\" ." for g in sorted(foreign)]
        triples.append(f"<urn:x-kg:v:{uuid.uuid4().hex}> <{ROLE}> \"version\" .")
        script = ["log_enable(2, 1);", f"SPARQL CLEAR GRAPH <{CATALOG}>;"]
        for start in range(0, len(triples), 500):
            script.append(f"SPARQL INSERT DATA {{ GRAPH <{CATALOG}> {{ {' '.join(triples[start:start + 500])} }} }};")
        self.sql("\n".join(script) + "\n")


def _as_nquads(path: Path, scratch: Path) -> Path:
    """A file the bulk loader cannot read (JSON-LD), converted to N-Quads."""
    import pyoxigraph as ox

    from kg.storage.rdffiles import format_of

    fmt = format_of(path)
    target = scratch / (path.stem + ".nq")
    try:
        with target.open("wb") as out:
            ox.serialize(ox.parse(path=str(path), format=getattr(ox.RdfFormat, fmt.oxigraph)), out, ox.RdfFormat.N_QUADS)
    except SyntaxError as exc:
        raise BuildError(str(exc), where=str(path)) from exc
    os.chmod(scratch, 0o755)
    return target
