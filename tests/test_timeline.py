"""The timeline: events in date order, uncertain dates shown as such."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kg.views.timeline import TimelineEvent, events
from server import create_app
from tests.test_pages import ID, fixture_store


@pytest.fixture(scope="module")
def store():
    return fixture_store()


def test_events_in_date_order_without_consequences(store):
    found = events(store)
    assert [e.iri for e in found] == [ID + "event/dolynska-strike", ID + "event/riyadh-talks"]
    strike, talks = found
    assert (strike.earliest, strike.latest, strike.phrase) == (dt.date(2025, 2, 18), dt.date(2025, 2, 19), "overnight")
    assert strike.precision == "window" and strike.uncertain
    assert talks.date == dt.date(2025, 2, 18) and talks.precision == "day" and not talks.uncertain
    assert talks.type_label == "talks"


@pytest.mark.parametrize("kwargs, precision, uncertain", [
    ({"date": dt.date(2025, 3, 10)}, "day", False),
    ({"date": dt.date(2025, 3, 10), "inferred": True}, "day", True),
    ({"year": 2022}, "year", True),
    ({"latest": dt.date(2025, 2, 19)}, "before", True),
    ({"earliest": dt.date(2025, 2, 18), "latest": dt.date(2025, 2, 18)}, "day", False),
    ({}, "unknown", True),
])
def test_precision_and_uncertainty(kwargs, precision, uncertain):
    ev = TimelineEvent("x", "x", "event", **kwargs)
    assert ev.precision == precision and ev.uncertain == uncertain


def test_sort_key_places_years_and_undated_events():
    evs = [TimelineEvent("a", "undated", "event"), TimelineEvent("b", "war", "event", year=2022),
           TimelineEvent("c", "talks", "event", latest=dt.date(2025, 2, 19)), TimelineEvent("d", "killing", "event", year=2018)]
    assert [e.label for e in sorted(evs, key=lambda e: e.sort_key)] == ["killing", "war", "talks", "undated"]


def test_timeline_page_shows_uncertain_dates_as_such(store):
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    page = client.get("/timeline").get_data(as_text=True)
    items = re.findall(r'<li class="tl-item( uncertain)?">(.*?)</li>', page, re.S)
    assert len(items) == 2
    (strike_flag, strike), (talks_flag, talks) = items
    assert strike_flag and 'between <time datetime="2025-02-18">18 February 2025</time> and <time datetime="2025-02-19">19 February 2025</time>' in strike
    assert "uncertain date" in strike and "“overnight”" in strike
    assert not talks_flag and '<time datetime="2025-02-18">18 February 2025</time>' in talks
    assert 'href="/id/event/riyadh-talks"' in talks
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", page) == ["2025"]


def test_timeline_pages_a_long_history(store, monkeypatch):
    monkeypatch.setattr("server.explore.EVENTS_PER_PAGE", 1)
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    first = client.get("/timeline").get_data(as_text=True)
    assert "Drone strike on Dolynska" in first and "Riyadh talks" not in first and "page 1 of 2" in first
    second = client.get("/timeline?page=2").get_data(as_text=True)
    assert "Riyadh talks" in second and 'rel="prev" href="/timeline?page=1"' in second
    assert client.get("/timeline?page=3", headers={"Accept": "application/json"}).status_code == 404
    assert client.get("/timeline?page=x", headers={"Accept": "application/json"}).status_code == 400


def test_an_undated_part_takes_its_parents_time_marked_as_inferred():
    store = fixture_store()
    store.load(f"<{ID}event/dolynska-strike> <https://kg.example.org/ontology/partOfEvent> <{ID}event/wave> . "
               f"<{ID}event/wave> a <https://kg.example.org/ontology/Strike> ; <http://www.w3.org/2000/01/rdf-schema#label> \"Wave\" ; "
               f"<https://kg.example.org/ontology/date> \"2025-02-17\"^^<http://www.w3.org/2001/XMLSchema#date> . "
               f"<{ID}event/part> a <https://kg.example.org/ontology/Strike> ; <http://www.w3.org/2000/01/rdf-schema#label> \"Part\" ; "
               f"<https://kg.example.org/ontology/partOfEvent> <{ID}event/wave> .".encode(), __import__("kg.model.formats", fromlist=["TURTLE"]).TURTLE)
    found = {e.label: e for e in events(store)}
    part = found["Part"]
    assert part.date == dt.date(2025, 2, 17) and part.inferred and part.dated_by == "Wave" and part.uncertain
    assert found["Drone strike on Dolynska"].earliest == dt.date(2025, 2, 18)  # its own dates stay
    assert found["Drone strike on Dolynska"].dated_by == ""
