"""Media types, file extensions and serializations; content negotiation.

Everything here is data plus pure functions, so it is tested case by case
and shared by the SPARQL endpoint, the entity pages and the dumps.

>>> negotiate("text/turtle;q=0.5, application/n-triples", GRAPH_FORMATS).name
'nt'
>>> negotiate("*/*", RESULT_FORMATS).name
'json'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.model.errors import BadRequest, NotAcceptable


@dataclass(frozen=True)
class Format:
    """One serialization: short name, canonical media type, file extension.

    ``aliases`` are further media types that select it; ``rdflib`` and
    ``oxigraph`` name the serializer in each library (``None``: not offered).
    """

    name: str
    media_type: str
    extension: str
    label: str
    aliases: tuple[str, ...] = field(default=())
    rdflib: str | None = None
    oxigraph: str | None = None

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    def content_type(self) -> str:
        """The Content-Type header value (textual types carry a charset)."""
        textual = self.media_type.startswith("text/") or self.media_type.endswith(
            ("+json", "+xml", "/json", "/xml", "/n-triples", "/n-quads", "/trig", "/ld+json")
        )
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


# SELECT / ASK results.
JSON_RESULTS = Format("json", "application/sparql-results+json", "srj", "SPARQL JSON", ("application/json",), oxigraph="JSON")
XML_RESULTS = Format("xml", "application/sparql-results+xml", "srx", "SPARQL XML", ("application/xml", "text/xml"), oxigraph="XML")
CSV_RESULTS = Format("csv", "text/csv", "csv", "CSV", oxigraph="CSV")
TSV_RESULTS = Format("tsv", "text/tab-separated-values", "tsv", "TSV", oxigraph="TSV")
RESULT_FORMATS: tuple[Format, ...] = (JSON_RESULTS, XML_RESULTS, CSV_RESULTS, TSV_RESULTS)

# Graphs (CONSTRUCT / DESCRIBE, entity descriptions, single-graph dumps).
TURTLE = Format("ttl", "text/turtle", "ttl", "Turtle", ("application/x-turtle",), "turtle", "TURTLE")
NTRIPLES = Format("nt", "application/n-triples", "nt", "N-Triples", ("text/plain",), "nt", "N_TRIPLES")
JSONLD = Format("jsonld", "application/ld+json", "jsonld", "JSON-LD", (), "json-ld", "JSON_LD")
RDFXML = Format("rdf", "application/rdf+xml", "rdf", "RDF/XML", (), "xml", "RDF_XML")
TRIG = Format("trig", "application/trig", "trig", "TriG", (), "trig", "TRIG")
NQUADS = Format("nq", "application/n-quads", "nq", "N-Quads", (), "nquads", "N_QUADS")
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS)
DATASET_FORMATS: tuple[Format, ...] = (TRIG, NQUADS)

HTML = Format("html", "text/html", "html", "HTML page", ("application/xhtml+xml",))

ALL_FORMATS: tuple[Format, ...] = (*RESULT_FORMATS, *GRAPH_FORMATS, HTML)

# Short names users type in ``format=`` that are not a Format.name.
_NAME_ALIASES = {
    "turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld",
    "rdfxml": "rdf", "rdf+xml": "rdf", "nquads": "nq", "n-quads": "nq",
    "srj": "json", "srx": "xml", "text": "tsv",
}


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return self.type in ("*", t) and self.subtype in ("*", s)


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header into media ranges; malformed parts are skipped.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/*;q=0.3, text/html")]
    [('text', '*', 0.3), ('text', 'html', 1.0)]
    """
    ranges: list[MediaRange] = []
    for part in (header or "").split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            continue
        t, _, s = media.partition("/")
        if not t or not s or (t == "*" and s != "*"):
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(t, s, q))
    return ranges


def _quality(media_type: str, ranges: list[MediaRange]) -> float:
    """q of the most specific range matching ``media_type`` (0 if none)."""
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best else 0.0


def negotiate(accept: str | None, offered: tuple[Format, ...] | list[Format]) -> Format:
    """The offered format the client prefers; the first offered on a tie.

    No Accept header (or an empty one) means anything: the first offered.
    Raises NotAcceptable naming every offered media type when nothing fits.
    """
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best, best_q = None, 0.0
    for fmt in offered:
        # Wildcards select a format by its canonical media type only; an
        # alias (text/xml, text/plain) counts when it is named exactly.
        q = _quality(fmt.media_type, ranges)
        for alias in fmt.aliases:
            exact = [r for r in ranges if r.specificity == 2 and r.matches(alias)]
            if exact:
                q = max(q, exact[0].q)
        if q > best_q:
            best, best_q = fmt, q
    if best is None:
        raise NotAcceptable(
            "None of the requested media types is offered here. Offered: "
            + ", ".join(f.media_type for f in offered),
            detail={"offered": [f.media_type for f in offered]},
        )
    return best


def by_name(value: str, offered: tuple[Format, ...] | list[Format]) -> Format:
    """Resolve a ``format=`` value: a short name (``ttl``) or a media type.

    >>> by_name("text/turtle", GRAPH_FORMATS).name
    'ttl'
    >>> by_name("Turtle", GRAPH_FORMATS).name
    'ttl'
    """
    key = value.strip().lower()
    key = _NAME_ALIASES.get(key, key)
    for fmt in offered:
        if key == fmt.name or key == fmt.extension or key in fmt.media_types:
            return fmt
    raise BadRequest(
        f"Unknown format {value!r} here. Use one of: "
        + ", ".join(f"{f.name} ({f.media_type})" for f in offered),
        detail={"offered": [f.media_type for f in offered]},
    )


def by_extension(ext: str, offered: tuple[Format, ...] | list[Format]) -> Format | None:
    """The format for a URL suffix such as ``ttl`` (without the dot)."""
    for fmt in offered:
        if ext.lower() == fmt.extension:
            return fmt
    return None
