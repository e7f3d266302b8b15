"""The timeline as a picture: an SVG axis with events placed in date order,
uncertain dates as ranges, undated events apart, labels that never overlap,
and filters by kind, actor and article that work without JavaScript."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from kg.views import timeline_axis
from kg.views.timeline import TimelineEvent
from server import create_app
from tests.explore_support import ID, three_article_store

SVG = "{http://www.w3.org/2000/svg}"
DIP = "https://kg.example.org/ontology/"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = three_article_store(tmp_path_factory.mktemp("timeline"))
    return create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()


def picture(html: str) -> ET.Element:
    """The timeline's SVG element, parsed."""
    svg = re.search(r'<figure class="tl-picture">\s*(<svg.*?</svg>)', html, re.S)
    assert svg, "the page has no timeline picture"
    return ET.fromstring(svg.group(1))


def marks(svg: ET.Element) -> list[dict]:
    """Each dated event: where it starts, its date, its label's box."""
    out = []
    for g in svg.iter(f"{SVG}g"):
        if "tl-mark" not in g.get("class", "").split():
            continue
        shape = g.find(f"{SVG}circle")
        x = float(shape.get("cx")) if shape is not None else float(g.find(f"{SVG}rect").get("x"))
        text = g.find(f"{SVG}text")
        out.append({"start": g.get("data-start"), "end": g.get("data-end"), "x": x, "class": g.get("class"),
                    "title": g.find(f"{SVG}title").text, "label": text.text, "tx": float(text.get("x")),
                    "ty": float(text.get("y")), "anchor": text.get("text-anchor"),
                    "rect": g.find(f"{SVG}rect")})
    return out


def test_dated_events_are_placed_in_date_order(client):
    svg = picture(client.get("/timeline").get_data(as_text=True))
    found = marks(svg)
    assert len(found) >= 6
    by_date = sorted(found, key=lambda m: (m["start"], m["x"]))
    xs = [m["x"] for m in by_date]
    assert xs == sorted(xs), [(m["start"], m["x"]) for m in by_date]
    # a later day is strictly to the right of an earlier one
    days = {}
    for m in found:
        days.setdefault(m["start"], m["x"])
    ordered = [days[d] for d in sorted(days)]
    assert all(a < b for a, b in zip(ordered, ordered[1:]))
    titles = {m["title"] for m in found}
    assert "Zelenskyy’s visit to Saudi Arabia (2025-03-10)" in titles
    assert "Russia–United States talks in Riyadh (by 2025-02-19)" in titles


def test_uncertain_dates_are_ranges_and_undated_events_apart(client):
    html = client.get("/timeline").get_data(as_text=True)
    found = {m["title"].split(" (")[0]: m for m in marks(picture(html))}
    wave = found["Overnight wave of Russian drone attacks on Ukraine"]
    assert "window" in wave["class"] and "uncertain" in wave["class"]
    assert (wave["start"], wave["end"]) == ("2025-02-18", "2025-02-19")
    assert float(wave["rect"].get("width")) > 10  # a bar over two days, not a dot
    assert "year" in found["Killing of Jamal Khashoggi"]["class"]
    svg = picture(html)
    undated = [g.find(f"{SVG}title").text for g in svg.iter(f"{SVG}g") if g.get("class") == "tl-undated"]
    assert "Rubio’s visit to Riyadh (made-up)" in undated and not set(undated) & set(found)
    head = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "tl-undated-head"]
    assert head == [f"Date unknown ({len(undated)})"]
    # below every dated mark
    lowest = max(m["ty"] for m in found.values())
    assert all(float(t.get("y")) > lowest for g in svg.iter(f"{SVG}g") if g.get("class") == "tl-undated" for t in g.iter(f"{SVG}text"))
    # the list stays below as text
    assert html.index("tl-picture") < html.index('<ol class="timeline">')


def test_labels_and_bars_never_overlap(client):
    found = marks(picture(client.get("/timeline").get_data(as_text=True)))
    boxes = []
    for m in found:
        w = len(m["label"]) * timeline_axis.CHAR_W
        lo, hi = (m["tx"], m["tx"] + w) if m["anchor"] == "start" else (m["tx"] - w, m["tx"])
        bar_hi = m["x"] + (float(m["rect"].get("width")) if m["rect"] is not None else 5)
        boxes.append((min(lo, m["x"] - 5), max(hi, bar_hi), m["ty"]))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a[2] == b[2]:  # same lane
                assert a[1] <= b[0] or b[1] <= a[0], (a, b)


def test_long_labels_are_cut_with_the_full_title_on_hover():
    long = TimelineEvent("x", "An event with a very long name that cannot fit on one line at all", "e", date=dt.date(2025, 1, 1))
    (mark,) = timeline_axis.layout([long])["marks"]
    assert mark.label.endswith("…") and len(mark.label) == timeline_axis.LABEL_CHARS
    assert mark.title.startswith(long.label)


def test_scale_keeps_order_over_years_and_days():
    days = [dt.date(2018, 1, 1), dt.date(2022, 1, 1), dt.date(2025, 2, 18), dt.date(2025, 2, 19), dt.date(2025, 3, 10)]
    place = timeline_axis.scale(days, 0, 900)
    xs = [place(d) for d in days]
    assert xs[0] == 0 and xs[-1] == 900 and all(a < b for a, b in zip(xs, xs[1:]))
    assert xs[3] - xs[2] >= 40  # one day apart stays visible next to four years


def test_open_ranges_fade_on_their_open_side():
    before = TimelineEvent("b", "Before", "e", latest=dt.date(2025, 2, 19))
    after = TimelineEvent("a", "After", "e", earliest=dt.date(2025, 2, 1))
    assert timeline_axis.span_of(before) == (dt.date(2025, 1, 20), dt.date(2025, 2, 19))
    assert timeline_axis.span_of(after)[0] == dt.date(2025, 2, 1)
    assert timeline_axis.span_of(TimelineEvent("u", "U", "e")) is None


def test_filters_by_kind_actor_and_article(client):
    strike = client.get("/timeline.json", query_string={"kind": DIP + "Strike"}).get_json()
    assert strike["count"] >= 1 and {e["kind"] for e in strike["events"]} == {DIP + "Strike"}
    russia = client.get("/timeline.json", query_string={"actor": ID + "state/russia"}).get_json()
    assert russia["count"] >= 1 and all(ID + "state/russia" in e["actors"] for e in russia["events"])
    assert ID + "event/riyadh-talks" in {e["iri"] for e in russia["events"]}
    visit = client.get("/timeline.json", query_string={"article": ID + "article/madeup-rubio-visit-2025-03-01"}).get_json()
    assert [e["iri"] for e in visit["events"]] == [ID + "event/madeup-rubio-visit-to-riyadh"]
    everything = client.get("/timeline.json").get_json()
    assert russia["count"] < everything["count"]


def test_filter_form_works_without_javascript(client):
    page = client.get("/timeline", query_string={"article": ID + "article/madeup-rubio-visit-2025-03-01"}).get_data(as_text=True)
    assert re.search(r'<form class="filters" method="get" action="/timeline">', page)
    for name in ("kind", "actor", "article"):
        assert f'<select name="{name}">' in page
    assert f'<option value="{ID}article/madeup-rubio-visit-2025-03-01" selected>' in page
    listed = page[page.index('<ol class="timeline">'):]
    assert "1 of " in page and "Rubio’s visit to Riyadh (made-up)" in listed and "Russia–United States talks" not in listed
    assert re.search(r'<link rel="alternate" type="application/json" href="/timeline.json\?article=', page)


def test_no_match_is_a_page_not_an_error(client):
    resp = client.get("/timeline", query_string={"actor": "https://example.org/nobody"})
    assert resp.status_code == 200 and "No events match these filters." in resp.get_data(as_text=True)
    assert client.get("/timeline", query_string={"actor": "x" * 3000}).status_code == 400


def test_filters_offer_the_values_with_most_events_and_keep_the_chosen_one(client, monkeypatch):
    monkeypatch.setattr("server.explore.FACET_OPTIONS", 1)
    article = ID + "article/madeup-rubio-visit-2025-03-01"
    page = client.get("/timeline", query_string={"article": article, "kind": DIP + "Visit"}).get_data(as_text=True)
    select = re.search(r'<select name="article">(.*?)</select>', page, re.S).group(1)
    values = re.findall(r'<option value="([^"]*)"', select)
    assert values == ["", ID + "article/riyadh-talks-2025-02-19", article]  # most events first, then the chosen one


def test_tick_labels_never_collide():
    days = [dt.date(2022, 1, 1), dt.date(2025, 2, 18), dt.date(2025, 2, 19)]
    place = timeline_axis.scale(days, 30, 930)
    ticks = timeline_axis._ticks(days, place, set())
    extents = []
    for t in ticks:
        if t.text:
            w = len(t.text) * timeline_axis.TICK_CHAR_W
            lo = t.x if t.anchor == "start" else (t.x - w if t.anchor == "end" else t.x - w / 2)
            extents.append((lo, lo + w))
    assert len(extents) >= 2 and all(a[1] <= b[0] for a, b in zip(extents, extents[1:]))
    assert ticks[0].anchor == "start" and ticks[-1].anchor == "end"
