"""Overview pages: the timeline picture, stances over time, class tables
and the Atom feed. Each page and its JSON twin come from one view
function; ``representation()`` chooses the format in one place (``.json``
suffix, ``?format=json`` or ``Accept``).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import re
import threading
import time
import weakref
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from kg.model import formats as F
from kg.model.errors import BadRequest, NotFound
from kg.model.namespaces import DIP
from kg.model.terms import check_iri
from kg.storage import pagecache
from kg.storage.pagecache import cached, remembered
from kg.views import classes as classes_mod
from kg.views import home as home_mod
from kg.views import search as search_index
from kg.views import stances as stances_mod
from kg.views import timeline as timeline_mod
from kg.views import timeline_axis
from kg.views.examples import find_example
from kg.views.labels import Labels
from kg.publish import feed as feed_mod

from . import links, views
from .pages import page_number  # the service's one rule for page numbers
from .representation import JSON, by_suffix, choose, link_header
from .state import current_state

log = logging.getLogger(__name__)
bp = Blueprint("explore", __name__)
links.register(bp)

CSV = F.Format("csv", "text/csv", "csv", "CSV")
ATOM = F.Format("atom", "application/atom+xml", "atom", "Atom feed")
EVENTS_PER_PAGE = 200
CLASS_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,99}")  # a dip: class's local name
FACET_OPTIONS = 100  # values a timeline filter offers (those with most events)
STANCES_PER_PAGE = 100  # positions or changes on one page
INDEX_CAP = 200  # holders and topics listed on the stances index
STANCES_EXAMPLE = "stances-over-time"  # queries/examples/stances-over-time.rq


def store():
    return current_state().store


# --------------------------------------------------------------------------
# Whole-dataset figures: computed once per store version, at most one
# computation of each at a time, and read ahead at start-up
# --------------------------------------------------------------------------

_computing: dict[str, threading.Lock] = {}
_computing_lock = threading.Lock()
WARM_NICE = 10  # added to the warm-up thread's nice value
_filling = threading.Lock()
_warming: set[str] = set()  # keys the warm-up is computing
WARM_THREAD = "overview-warm-up"
_warmed: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # store -> names of figures read ahead


def once(st, key, compute):
    """``cached(st, key, compute)``, with one computation of ``key`` at a
    time: a request arriving while another request computes it waits for
    that result instead of computing it again beside it. It does not wait
    behind the warm-up, which runs at a lower priority: it computes."""
    name = repr(key)
    with _computing_lock:
        lock = _computing.setdefault(name, threading.Lock())
        behind_warm_up = name in _warming and threading.current_thread().name != WARM_THREAD
    if behind_warm_up:
        return cached(st, key, compute)
    with lock:
        if threading.current_thread().name == WARM_THREAD:
            _warming.add(name)
        try:
            return cached(st, key, compute)
        finally:
            _warming.discard(name)


def warmed_events(st):
    """Every timeline event, when the warm-up has read them for this store
    (a store that cannot change), else None: then pages come one at a time
    from the engine, and a serving app that did not read ahead at start-up
    (a WSGI server's ``create_app()``) starts reading now, in the background."""
    if "timeline" in _warmed.get(st, ()) and pagecache.frozen(st):
        return views.timeline_events(st)
    if pagecache.frozen(st) and not current_app.testing:
        start_warm(st)
    return None


def start_warm(st) -> None:
    """``warm(st)`` in a background thread, once per store."""
    with _computing_lock:
        if st in _warmed:
            return
        _warmed[st] = set()
    threading.Thread(target=_warm_behind, args=(st,), name=WARM_THREAD, daemon=True).start()


def _warm_behind(st) -> None:
    """``warm(st)`` at a lower CPU priority (``WARM_NICE``, where the system
    gives a thread its own): requests arriving meanwhile, whose queries run
    in their own threads (the engine releases the GIL), come first. The
    search index comes before it all, at the service's priority: built
    beside the read-ahead, each took several times as long (the engine hands
    the interpreter lock over row by row), so this thread waits for the
    start-up build (or makes it)."""
    try:
        search_index.name_index(st)  # at the service's priority: searches wait for it
    except Exception as exc:  # a background read-ahead: the first search builds it, and says why
        log.warning("search index not built ahead (%s); the first search builds it", exc)
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WARM_NICE)  # Linux: this thread only
    except (AttributeError, OSError):
        pass  # the warm-up then runs at the service's priority
    warm(st)


def warm(st) -> None:
    """Read ahead what the overview pages show of the whole dataset: the
    timeline's order, the home page's figures and first events, the
    timeline's filters, every event, the stances, the feed, the class
    tables' outlines. Run in the background by a serving process; every
    step is one the pages would otherwise take on their first request."""
    steps = (("timeline-order", lambda: timeline_order(st)), ("home", lambda: home_mod.home(st, timeline_order(st))),
             ("timeline-facets", lambda: timeline_facets(st)), ("timeline", lambda: views.timeline_events(st)),
             ("stances", lambda: all_stances(st)), ("feed", lambda: feed_entries(st)),
             ("class-outlines", lambda: class_outlines(st)))
    for name, step in steps:
        started = time.monotonic()
        try:
            step()
        except Exception:  # a background read-ahead: the page computes it again on its request, and says why
            log.exception("Reading ahead the %s failed", name)
            continue
        _warmed.setdefault(st, set()).add(name)
        log.info("Read ahead the %s in %.1f s", name, time.monotonic() - started)


@bp.record_once
def warm_overviews(setup) -> None:
    """A serving process (``kg serve``: ``START_ENGINE``) reads ahead the
    overview pages' figures in a background thread while it starts;
    /healthz does not wait for it."""
    if setup.app.config.get("START_ENGINE"):
        start_warm(setup.app.extensions["kg"].store)


def representation(offered=(F.HTML, JSON)) -> F.Format:
    """The format asked for: a suffix (``/timeline.json``), ``?format=``, or
    the Accept header (HTML first on a tie): the service's one chooser."""
    suffix = next((f for f in offered if request.path.endswith("." + f.extension)), None)
    return choose(offered, suffix)


def twins(path: str, offered=(F.HTML, JSON)) -> list[tuple[str, F.Format]]:
    """URLs of every representation of ``path``, the query string kept."""
    return by_suffix(path, offered)


def respond(fmt: F.Format, body, alternates: list[tuple[str, F.Format]]) -> Response:
    """One response with the ``Link`` header naming every twin."""
    resp = jsonify(body) if fmt is JSON else Response(body, content_type=fmt.content_type())
    resp.headers["Link"] = link_header(alternates)
    resp.headers["Vary"] = "Accept"
    return resp


def _arg(name: str) -> str:
    value = request.args.get(name, "").strip()
    if len(value) > 2000:
        raise BadRequest(f"{name} is too long")
    return value


# --------------------------------------------------------------------------
# Timeline
# --------------------------------------------------------------------------

def _iri_arg(name: str) -> str:
    """A filter's value: empty, or an absolute IRI (400 otherwise)."""
    value = _arg(name)
    try:
        return check_iri(value) if value else value
    except BadRequest as exc:
        raise BadRequest(f"{name} must be an absolute IRI, e.g. {DIP}Talks", detail={name: value[:200]}) from exc


def event_json(ev) -> dict:
    return {**views.event_json(ev), "kind": ev.kind, "actors": list(ev.actors), "articles": list(ev.articles)}


@bp.get("/timeline")
@bp.get("/timeline.json")
def timeline():
    """The events the graph knows on a time axis, then as a list; filters
    ``kind`` (class IRI), ``actor`` and ``article`` (IRIs)."""
    fmt = representation()
    st = store()
    chosen = {name: _iri_arg(name) for name in ("kind", "actor", "article")}
    alts = twins("/timeline")
    page_no = page_number()
    key = (request.full_path, EVENTS_PER_PAGE)
    if fmt is JSON:
        return respond(JSON, remembered(st, ("timeline.json", *key), lambda: _timeline_json(st, chosen, page_no)), alts)
    return respond(F.HTML, remembered(st, ("timeline", *key), lambda: _timeline_html(st, chosen, page_no, alts)), alts)


def timeline_order(st) -> list[str]:
    """Every event's IRI in timeline order (the engine sorts them once per
    store version)."""
    return once(st, timeline_mod.ORDER_KEY, lambda: timeline_mod.order(st))


def timeline_page(st, chosen: dict, page_no: int) -> tuple[list, int]:
    """The events of page ``page_no`` and how many match ``chosen``: from
    every event when a start-up warm-up has read them all, else cut from
    the kept order (the fields read for the page's events alone)."""
    everything = warmed_events(st)
    if everything is not None:
        matching = timeline_mod.filtered(everything, **chosen)
        total, shown = len(matching), one_page(matching, page_no, EVENTS_PER_PAGE)
    else:
        matching = timeline_mod.select(st, timeline_order(st), **chosen)
        total, shown = len(matching), timeline_mod.load(st, one_page(matching, page_no, EVENTS_PER_PAGE))
    pages = pages_of(total, size=EVENTS_PER_PAGE)
    if page_no > pages:
        raise NotFound(f"The timeline has {pages} page(s).")
    return shown, total


def _timeline_json(st, chosen: dict, page_no: int) -> dict:
    shown, total = timeline_page(st, chosen, page_no)
    return {"filters": chosen, "count": total, "total": total, "page_no": page_no,
            "pages": pages_of(total, size=EVENTS_PER_PAGE), "events": [event_json(e) for e in shown]}


def _timeline_html(st, chosen: dict, page_no: int, alts) -> str:
    shown, total = timeline_page(st, chosen, page_no)
    every_facet = timeline_facets(st)
    facets = {name: _options(st, name, rows, chosen[name]) for name, rows in every_facet["facets"].items()}
    query = urlencode({k: v for k, v in chosen.items() if v})
    return render_template("timeline.html", alternates=alts, periods=timeline_mod.by_period(shown), events=shown, total=total,
                           everything=every_facet["everything"], page_no=page_no, pages=pages_of(total, size=EVENTS_PER_PAGE),
                           picture=timeline_axis.layout(shown), facets=facets, chosen=chosen, query=query, alts=alts)


def _options(st, name: str, rows: list, chosen: str) -> list:
    """The ``FACET_OPTIONS`` values with most events, and the chosen one
    (counted on its own when it is not among them)."""
    shown = rows[:FACET_OPTIONS]
    if chosen and all(iri != chosen for iri, _, _ in shown):
        n = timeline_mod.count(st, **{name: chosen})
        shown = shown + ([(chosen, Labels.load(st, [chosen]).label(chosen), n)] if n else [])
    return shown


def timeline_facets(st) -> dict:
    """The filters' values with their labels and number of events, and the
    number of events (aggregate queries, once per store version)."""
    def compute():
        found = timeline_mod.facet_counts(st, FACET_OPTIONS)
        labels = Labels.load(st, {iri for pairs in found.values() for iri, _ in pairs})
        return {"everything": timeline_mod.count(st),
                "facets": {name: [(iri, labels.label(iri), n) for iri, n in pairs] for name, pairs in found.items()}}
    return once(st, "timeline-facets", compute)


# --------------------------------------------------------------------------
# Stances over time
# --------------------------------------------------------------------------

def all_stances(st=None) -> dict:
    """Positions, changes, the index and the positions per subject
    (computed once per store version)."""
    st = st or store()

    def compute():
        found = stances_mod.outline(st)  # the details of the positions a page shows are read for it (``shown_stances``)
        changes = stances_mod.changes(found)
        return {"positions": found, "changes": changes, "index": stances_mod.index(found),
                "by_subject": stances_mod.by_subject(found, changes)}
    return once(st, "stances", compute)


def shown_stances(*groups) -> None:
    """Read the details of the positions about to be shown (``groups``:
    lists of positions and of changes)."""
    positions = [x for group in groups for item in group
                 for x in ((item.before, item.after) if isinstance(item, stances_mod.Change) else (item,))]
    with _filling:  # one filling at a time: the positions are shared by every request
        stances_mod.fill(store(), positions)


def change_json(change) -> dict:
    pair = lambda iri, label: {"iri": iri, "label": label, "page": links.href(iri)}  # noqa: E731
    return {"holder": pair(*change.holder), "topic": pair(*change.topic),
            "before": change.before.to_json(links.href), "after": change.after.to_json(links.href)}


def one_page(items: list, page_no: int, size: int) -> list:
    return items[(page_no - 1) * size: page_no * size]


def pages_of(*lengths: int, size: int) -> int:
    return max(1, *(math.ceil(n / size) for n in lengths))


@bp.get("/stances")
@bp.get("/stances.json")
def stances_index():
    """The holders and topics with most positions, and the changes of
    stance, latest first, a page at a time."""
    fmt = representation()
    data = all_stances()
    changes = data["changes"][::-1]
    page_no = page_number()
    pages = pages_of(len(changes), size=STANCES_PER_PAGE)
    if page_no > pages:
        raise NotFound(f"The changes of stance fill {pages} page(s).")
    shown = one_page(changes, page_no, STANCES_PER_PAGE)
    shown_stances(shown)
    index = {name: rows[:INDEX_CAP] for name, rows in data["index"].items()}
    alts = twins("/stances")
    if fmt is JSON:
        return respond(JSON, remembered(store(), ("stances.json", request.full_path, STANCES_PER_PAGE), lambda: {
            "positions": len(data["positions"]), "change_count": len(changes), "page": page_no, "pages": pages,
            "changes": [change_json(c) for c in shown], **{f"{name}_count": len(rows) for name, rows in data["index"].items()},
            **{name: [{"iri": i, "label": lab, "positions": n, "page": stance_href(i)} for i, lab, n in rows]
               for name, rows in index.items()}}), alts)
    body = remembered(store(), ("stances", request.full_path, STANCES_PER_PAGE), lambda: render_template(
        "stances.html", alternates=alts, index=index, counts={k: len(v) for k, v in data["index"].items()}, changes=shown,
        change_count=len(changes), total=len(data["positions"]), alts=alts, subject=None, held=[], on=[], held_count=0, on_count=0,
        page_no=page_no, pages=pages, example_url=example_url()))
    return respond(F.HTML, body, alts)


def example_url() -> str:
    """The SPARQL page running the stances example."""
    return "/sparql?" + urlencode({"query": find_example(STANCES_EXAMPLE).sparql})


def stance_href(iri: str) -> str:
    """The stances page of a holder or topic (``/stances/person/x``)."""
    prefix = links.entity_prefix()
    return "/stances/" + iri[len(prefix):] if iri.startswith(prefix) else "/stances/resource?" + urlencode({"iri": iri})


bp.add_app_template_global(stance_href, "stance_href")


@bp.get("/stances/<path:rest>")
def stances_of(rest: str):
    """The positions one party holds and the positions taken on one topic
    (a party, an event or a topic), with the changes of stance among them;
    each list a page at a time (``page``)."""
    fmt = representation()
    name = rest[: -len(".json")] if rest.endswith(".json") else rest
    iri = request.args.get("iri", "") if name == "resource" else links.iri_for_path(name)
    mine = all_stances()["by_subject"].get(iri)
    if mine is None:
        raise NotFound(f"No positions are held by or taken on <{iri}>.", detail={"iri": iri})
    page_no = page_number()
    pages = pages_of(*(len(v) for v in mine.values()), size=STANCES_PER_PAGE)
    if page_no > pages:
        raise NotFound(f"These positions fill {pages} page(s).")
    held, on, changes = (one_page(mine[k], page_no, STANCES_PER_PAGE) for k in ("held", "on", "changes"))
    shown_stances(held, on, changes)
    label = Labels.load(store(), [iri]).label(iri)
    alts = twins("/stances/" + name)
    if fmt is JSON:
        return respond(JSON, {"iri": iri, "label": label, "page": links.href(iri), "page_no": page_no, "pages": pages,
                              "held_count": len(mine["held"]), "on_count": len(mine["on"]), "change_count": len(mine["changes"]),
                              "held": [s.to_json(links.href) for s in held], "on": [s.to_json(links.href) for s in on],
                              "changes": [change_json(c) for c in changes]}, alts)
    body = remembered(store(), ("stances", request.full_path, STANCES_PER_PAGE), lambda: render_template(
        "stances.html", alternates=alts, subject=(iri, label), held=held, on=on, changes=changes, index=None,
        held_count=len(mine["held"]), on_count=len(mine["on"]), change_count=len(mine["changes"]),
        total=len(all_stances()["positions"]), alts=alts, page_no=page_no, pages=pages, path="/stances/" + name))
    return respond(F.HTML, body, alts)


# --------------------------------------------------------------------------
# Class tables
# --------------------------------------------------------------------------

def class_table(iri: str, whole: bool = True, st=None):
    """The table of class ``iri``, once per store version: ``whole``, every
    row with its values; else its outline (rows with labels, no values),
    which is all the unfiltered pages and the name filter need."""
    st = st or store()
    if whole:
        return once(st, ("class-table", iri, classes_mod.MAX_KEPT), lambda: classes_mod.load(st, iri))
    return once(st, ("class-outline", iri, classes_mod.MAX_KEPT), lambda: classes_mod.outline(st, iri))


def class_outlines(st) -> None:
    """The outline of each table the home page links to (the ontology's
    classes with instances), the largest first, but for the tables cut at
    ``classes_mod.MAX_KEPT`` rows (text spans, sentences: those cost the
    most to read and are the least read as tables)."""
    for iri, n in sorted(home_mod.home(st)["classes"], key=lambda cn: -cn[1]):
        if n <= classes_mod.MAX_KEPT and CLASS_NAME.fullmatch(iri[len(str(DIP)):]):
            class_table(iri, whole=False, st=st)


def _page_size() -> int:
    try:
        size = int(request.args.get("size", classes_mod.PAGE_SIZE))
    except ValueError as exc:
        raise BadRequest("size must be a whole number") from exc
    if not 1 <= size <= classes_mod.MAX_PAGE_SIZE:
        raise BadRequest(f"size must be between 1 and {classes_mod.MAX_PAGE_SIZE}")
    return size


def cell_json(cell) -> dict | str:
    return {"iri": cell.text, "label": cell.label, "page": links.href(cell.text)} if cell.is_iri else cell.text


@bp.get("/class/<name>")
def class_page(name: str):
    """The instances of ``dip:{name}`` as a table; ``.csv`` and ``.json``
    give the same rows (CSV: every matching row, JSON: the page)."""
    stem, _, ext = name.rpartition(".")
    fmt = {"csv": CSV, "json": JSON}.get(ext) if stem else None
    stem = stem if fmt else name
    if fmt is None:
        fmt = representation((F.HTML, JSON, CSV))
    iri = str(DIP) + stem
    if not CLASS_NAME.fullmatch(stem) or not classes_mod.exists(store(), iri):
        raise NotFound(f"The ontology has no class dip:{stem}.", detail={"iri": iri})
    q, prop, value = _arg("q"), _arg("property"), _arg("value")
    whole = bool(prop) or fmt is CSV  # filters by value, their counts and the CSV need every row's values
    table = class_table(iri, whole)
    if prop and prop not in {p for p, _, _ in table.columns}:
        raise BadRequest("property must be one of the table's columns: " + ", ".join(p for p, _, _ in table.columns))
    rows = table.filtered(q, prop, value)
    size, page_no = _page_size(), page_number()
    pages = max(1, math.ceil(len(rows) / size))
    if page_no > pages:
        raise NotFound(f"This table has {pages} page(s).")
    shown = rows[(page_no - 1) * size: page_no * size]
    if not whole:  # an outline: the values of the rows shown are read now
        shown = classes_mod.fill(store(), table, shown)
    kept = urlencode([(k, v) for k, v in request.args.items(multi=True) if k not in ("format", "page")])
    alts = twins(f"/class/{stem}", (F.HTML, JSON, CSV))
    if fmt is CSV:
        resp = respond(CSV, classes_csv(table, rows), alts)
        resp.headers["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return resp
    if fmt is JSON:
        return respond(JSON, {"class": iri, "label": table.label, "term": f"/ontology/{stem}", "total": table.total, "kept": len(table.rows),
                              "matching": len(rows), "page": page_no, "pages": pages, "size": size,
                              "columns": [{"property": p, "label": lab, "instances": n} for p, lab, n in table.columns],
                              "rows": [{"iri": s, "label": lab, "page": links.href(s),
                                        **{p: [cell_json(c) for c in cells.get(p, [])] for p, _, _ in table.columns}}
                                       for s, lab, cells in shown]}, alts)
    counts = table.counts(rows, prop) if prop else []
    return respond(F.HTML, render_template("class_table.html", alternates=alts, table=table, rows=shown, matching=len(rows), page_no=page_no,
                                           pages=pages, size=size, q=q, prop=prop, value=value, counts=counts, kept=kept,
                                           stem=stem, alts=alts), alts)


def classes_csv(table, rows) -> str:
    """The rows as CSV: IRI, label, then one column per property (values
    joined with `` | ``; IRIs as IRIs)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["iri", "label", *(lab for _, lab, _ in table.columns)])
    for s, lab, cells in rows:
        writer.writerow([s, lab, *(" | ".join(c.text for c in cells.get(p, [])) for p, _, _ in table.columns)])
    return out.getvalue()


# --------------------------------------------------------------------------
# Atom feed
# --------------------------------------------------------------------------

@bp.get("/feed.atom")
def feed():
    """The articles, newest first, each with the things it adds (Atom)."""
    root = request.url_root
    absolute = lambda path: root.rstrip("/") + path  # noqa: E731

    def article_url(iri: str) -> str:
        slug = links.article_slug(iri)
        return absolute(f"/article/{slug}") if slug else absolute(links.href(iri))

    body = remembered(store(), ("feed", root), lambda: feed_mod.atom(
        feed_entries(store()),
        feed_url=absolute("/feed.atom"), site_url=root, page_of=lambda iri: absolute(links.href(iri)), article_url=article_url))
    return respond(ATOM, body, [("/feed.atom", ATOM)])


def feed_entries(st) -> list:
    """The feed's entries (once per store version)."""
    return once(st, "feed-entries", lambda: feed_mod.entries(st, lambda iris: Labels.load(st, iris)))
