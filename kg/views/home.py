"""The home page's context: what the dataset holds (whole-dataset
counts from aggregate queries), the first articles by IRI and the
timeline's first events.

Nothing here reads every event or every article: the counts are
aggregates, the articles a ``LIMIT``-ed query, and the events the first
``HOME_EVENTS`` of the timeline's order (``ORDER BY`` + ``LIMIT``), whose
fields are read for them alone. Both are kept per store version.
"""

from __future__ import annotations

from rdflib.namespace import RDFS

from kg.model.namespaces import DIP, NIF, SDO
from kg.storage.pagecache import cached
from kg.views import timeline
from kg.views.labels import Labels

MAX_ARTICLES = 50  # listed on the home page; the class index links to all
HOME_EVENTS = 8  # timeline events on the home page
FIGURES_KEY = "home"  # the page cache's keys of ``figures`` and ``first_events``
EVENTS_KEY = "home-events"


def home(store, ordered: list[str] | None = None) -> dict:
    """Articles, counts per class, statements, the timeline's first events
    (the ``home`` context of :mod:`kg.views.assemble`); ``ordered``: the
    timeline's order when it is at hand (``timeline.kept_order``)."""
    data = dict(cached(store, FIGURES_KEY, lambda: figures(store)))
    data["events"] = cached(store, EVENTS_KEY, lambda: first_events(store, ordered))
    return data


def first_events(store, ordered: list[str] | None = None) -> list:
    """The timeline's first ``HOME_EVENTS`` events: cut from ``ordered``,
    else the engine orders and cuts (``LIMIT``); their fields are read for
    them alone."""
    first = ordered[:HOME_EVENTS] if ordered is not None else timeline.order(store, HOME_EVENTS)
    return timeline.load(store, first)


def figures(store) -> dict:
    """Whole-dataset counts for the home page (grouped queries) and the
    first ``MAX_ARTICLES`` articles by IRI."""
    classes = [(row["c"].value, int(row["n"].value)) for row in store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n)", union_default_graph=True)]
    graphs = {row["g"].value: int(row["n"].value) for row in store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", union_default_graph=False)}
    arts = [(row["a"].value, row["l"].value if row["l"] is not None else row["a"].value, row["d"].value if row["d"] is not None else "")
            for row in store.query(f"SELECT ?a (SAMPLE(?l0) AS ?l) (SAMPLE(?d0) AS ?d) WHERE {{ ?a <{NIF.isString}> ?t "
                                   f"OPTIONAL {{ ?a <{RDFS.label}> ?l0 }} OPTIONAL {{ ?a <{SDO.datePublished}> ?d0 }} }} "
                                   f"GROUP BY ?a ORDER BY ?a LIMIT {MAX_ARTICLES}", union_default_graph=True)]
    labels = Labels.load(store, [c for c, _ in classes])
    typed = next(iter(store.query("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c }", union_default_graph=True)))["n"]
    own = sorted(((c, n) for c, n in classes if c.startswith(str(DIP))), key=lambda cn: labels.label(cn[0]).lower())
    other = [(c, n) for c, n in classes if not c.startswith(str(DIP))]
    shown = Labels({c: labels.label(c) for c, _ in classes})
    return {"classes": own, "other_classes": other, "labels": shown, "graphs": graphs, "typed": int(typed.value),
            "statements": sum(graphs.values()), "articles": arts, "article_count": count_articles(store)}


def count_articles(store) -> int:
    """How many articles (things with a text) the store holds."""
    rows = store.query(f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a <{NIF.isString}> ?t }}", union_default_graph=True)
    return int(next(iter(rows))["n"].value)
