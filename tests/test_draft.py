"""kg draft's rules, one proposal kind at a time, its writer and its
scorer; the targets of the real article against its curated mapping."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from kg.authoring.draft import draft_article
from kg.authoring.draft.gazetteer import Gazetteer
from kg.authoring.draft.score import score, table
from kg.authoring.draft.writer import DraftError, check_written, quote, write_mapping
from tests.conftest import FIXTURES, REPO, SLUG, data_folder

REAL = REPO / "data" / "articles" / SLUG
SECOND = FIXTURES / "draft" / "madeup-istanbul-shipping-talks-2025-03-14"
THIRD = FIXTURES / "draft" / "madeup-eu-china-call-2025-04-09"
FOURTH = FIXTURES / "draft" / "madeup-geneva-ceasefire-talks-2025-05-22"


@pytest.fixture(scope="module")
def gazetteer(tmp_path_factory) -> Gazetteer:
    """The graph knows the real article and the background only."""
    return Gazetteer.from_data(data_folder(tmp_path_factory.mktemp("gaz"), REAL))


def draft(text: str, gaz: Gazetteer | None = None, day=date(2025, 2, 19)):
    result = draft_article(text, day, "t", gazetteer=gaz or Gazetteer())
    return result, {n.id: n for n in result.nodes}


def by_class(nodes: dict, cls: str) -> list:
    return [n for n in nodes.values() if n.a == cls]


# -- entities -----------------------------------------------------------------
def test_known_entities_keep_their_ids_and_labels(gazetteer):
    text = "Rubio met officials in Riyadh. The Russian delegation left Russia early."
    result, nodes = draft(text, gazetteer)
    assert nodes["person/marco-rubio"].label == "Marco Rubio"
    assert nodes["person/marco-rubio"].spans == [(0, 5)]
    assert "person/marco-rubio" in result.known
    assert nodes["place/riyadh"].a == "Settlement"
    russia = nodes["state/russia"]
    assert (text.index("Russia early"), text.index("Russia early") + 6) in russia.spans
    assert (text.index("Russian"), text.index("Russian") + 7) not in russia.spans  # "Russian" is not "Russia"


def test_a_demonym_alone_proposes_the_state_with_low_confidence(gazetteer):
    _, nodes = draft("A French frigate docked.", gazetteer)
    assert nodes["state/france"].rule == "demonym" and nodes["state/france"].confidence < 0.6


def test_whole_words_only(gazetteer):
    _, nodes = draft("The Russians and Ukrainians met. Lavrovian ideas spread.", gazetteer)
    assert "state/russia" not in nodes and "person/sergey-lavrov" not in nodes


def test_titled_names_make_person_office_and_holding():
    _, nodes = draft("Turkish Foreign Minister Selim Karaca said Turkey was ready. Karaca left.")
    person = nodes["person/selim-karaca"]
    assert person.label == "Selim Karaca" and len(person.spans) == 2 and person.alt == ["Karaca"]
    office = nodes["office/turkish-foreign-minister"]
    assert office.label == "Foreign Minister of Turkey" and office.props["officeOf"] == "state/turkey"
    holding = nodes["holding/selim-karaca-turkish-foreign-minister"]
    assert holding.props == {"officeHolder": "person/selim-karaca", "office": "office/turkish-foreign-minister",
                             "isCurrent": True}


def test_known_office_is_reused(gazetteer):
    _, nodes = draft("U.S. Secretary of State Marco Rubio flew home.", gazetteer)
    assert nodes["holding/marco-rubio-us-secretary-of-state"].props["office"] == "office/us-secretary-of-state"


def test_organisations_places_and_groups():
    text = ("According to the International Maritime Bureau, ships wait. The Odesa regional administration said "
            "drones struck the port of Izmail and the Kherson region. Ukrainian officials met at Dolmabahce Palace.")
    _, nodes = draft(text)
    assert nodes["org/international-maritime-bureau"].a == "Organisation"
    assert nodes["org/odesa-regional-administration"].a == "GovernmentBody"
    assert nodes["place/izmail"].a == "Settlement"
    assert nodes["place/kherson-region"].a == "Region"
    assert nodes["place/dolmabahce-palace"].a == "Venue"
    assert nodes["group/ukrainian-officials"].a == "Group"


def test_dateline_place(gazetteer):
    result, nodes = draft(" date 2025-02-19 Washington, US - Talks ended.", gazetteer)
    assert result.meta == {"dateline": "Washington, US", "datelinePlace": "place/washington"}
    assert nodes["place/washington"].spans == [(17, 31)]
    assert "state/united-states" not in nodes


# -- quotes -------------------------------------------------------------------
def test_quotes_verbatim_with_speakers():
    text = ("Foreign Minister Anna Berg spoke. “We are close, but not there,” she said. “Nobody should rush.”\n"
            "Prime Minister Jon Dahl was calm. \"A deal is a deal,\" Dahl said.")
    _, nodes = draft(text)
    quotes = {n.props["quoteText"]: n.props["speaker"] for n in by_class(nodes, "Quotation")}
    assert quotes == {"We are close, but not there": "person/anna-berg", "Nobody should rush.": "person/anna-berg",
                      "A deal is a deal": "person/jon-dahl"}
    for node in by_class(nodes, "Quotation"):
        (start, end), = node.spans
        assert text[start:end] == node.props["quoteText"]


def test_quote_speaker_named_before_the_quote(gazetteer):
    text = "Lavrov echoed similar sentiments, calling the discussions “very useful” and left."
    _, nodes = draft(text, gazetteer)
    (q,) = by_class(nodes, "Quotation")
    assert q.props == {"quoteText": "very useful", "speaker": "person/sergey-lavrov"}


# -- positions ----------------------------------------------------------------
def test_positions_holder_modality_and_attribution():
    text = ("Prime Minister Jon Dahl suggested talks may resume. According to the Arctic Council, ice is thinning. "
            "The plan, described as bold, was shelved.")
    _, nodes = draft(text)
    positions = by_class(nodes, "Position")
    dahl = next(p for p in positions if p.props.get("holder") == "person/jon-dahl")
    assert dahl.props["stance"] == "dip:Suggests" and dahl.props["modality"] == "dip:Possible"
    assert dahl.props["reportingVerb"] == "suggested" and dahl.props["content"] == "talks may resume"
    council = next(p for p in positions if p.props.get("holder") == "org/arctic-council")
    assert council.props["content"] == "ice is thinning"
    assert any(p.props.get("unattributed") is True and p.props["reportingVerb"] == "described as" for p in positions)
    for p in positions:
        assert p.props["topic"] in nodes


# -- numbers ------------------------------------------------------------------
def test_numbers_with_what_they_count():
    text = ("Officials reported that 176 drones were fired, with a significant number intercepted, but some managed "
            "to strike. A drone hit a house, injuring a mother and her two children and forcing an evacuation of "
            "38 apartments. The talks lasted four and a half hours in 2022.")
    _, nodes = draft(text)
    found = {n.props["quantityPhrase"]: (n.props.get("value"), n.props.get("valueDerived"), n.props["quantityKind"])
             for n in by_class(nodes, "Quantity")}
    assert found == {
        "176 drones": (176, None, "dip:DronesLaunched"),
        "a significant number": (None, None, "dip:DronesIntercepted"),
        "some": (None, None, "dip:DronesHit"),
        "a mother and her two children": (3, True, "dip:PeopleInjured"),
        "38 apartments": (38, None, "dip:ApartmentsEvacuated"),
        "four and a half hours": (None, None, "quantitykind/hours"),
    }
    assert nodes["quantitykind/hours"].label == "hours"


def test_counts_of_counts_and_plurals_without_s():
    _, nodes = draft("They agreed on 12 of the 15 points. Russia freed 80 Russian servicemen. The two nations met.")
    found = {n.props["quantityPhrase"]: n.props.get("value") for n in by_class(nodes, "Quantity")}
    assert found == {"12 of the 15 points": 12, "15 points": 15, "80 Russian servicemen": 80}


# -- dates --------------------------------------------------------------------
@pytest.mark.parametrize("phrase, expected", [
    ("on Tuesday", {"date": date(2025, 2, 18)}),
    ("on March 10", {"date": date(2025, 3, 10)}),
    ("on 3 February", {"date": date(2025, 2, 3)}),
    ("on March 10, 2024", {"date": date(2024, 3, 10)}),
    ("overnight", {"earliestBegin": date(2025, 2, 18), "latestEnd": date(2025, 2, 19)}),
    ("last week", {"earliestBegin": date(2025, 2, 10), "latestEnd": date(2025, 2, 16)}),
    ("in 2022", {"year": 2022}),
    ("in January", {"earliestBegin": date(2025, 1, 1), "latestEnd": date(2025, 1, 31)}),
])
def test_dates_resolved_against_the_article_date(phrase, expected):
    text = f"Russian drones struck Kyiv {phrase}."
    _, nodes = draft(text)  # published Wednesday 2025-02-19
    (strike,) = by_class(nodes, "Strike")
    got = {k: strike.props[k] for k in ("date", "year", "earliestBegin", "latestEnd") if k in strike.props}
    assert got == expected
    assert strike.props["timePhrase"] == phrase.removeprefix("on ").removeprefix("in ") or phrase in text
    inferred = phrase not in ("on March 10, 2024", "in 2022")
    assert bool(strike.props.get("timeInferred")) == inferred
    assert ("timeResolution" in strike.props) == inferred


def test_future_weekday_and_month():
    _, nodes = draft("A visit to Oslo is scheduled for Monday, and talks will follow in April.", day=date(2025, 3, 14))
    visit = by_class(nodes, "Visit")[0]
    assert visit.props["date"] == date(2025, 3, 17)


# -- events -------------------------------------------------------------------
def test_events_from_triggers(gazetteer):
    text = ("The landmark discussions, held in Riyadh, ended. The talks were long. "
            "Overnight, a Russian drone hit a residential building in Dolynska.")
    _, nodes = draft(text, gazetteer)
    talks = nodes["event/riyadh-talks"]  # the graph's own event: its id, class and label
    assert talks.a == "Talks" and talks.label == "Russia–United States talks in Riyadh"
    assert len(talks.spans) == 2  # "The talks" is the same event
    strike = by_class(nodes, "Strike")[0]
    assert strike.props["weapon"] == "dip:Drone" and strike.props["place"] == "place/dolynska"
    assert strike.props["attacker"] == "state/russia" and strike.props["cameoCode"] == ["195", "1952"]


# -- writer -------------------------------------------------------------------
@pytest.mark.parametrize("hostile", ["line\u2028sep", "nel\x85x", 'quote " and \\ back', "tab\tand “curly”",
                                     "emoji 🕊", "#hash: colon", "<script>alert(1)</script>"])
def test_quoted_strings_read_back_exactly(hostile):
    assert yaml.safe_load(f"v: {quote(hostile)}")["v"] == hostile


def test_written_spans_are_checked():
    with pytest.raises(DraftError, match="not 'Rubio'"):
        check_written('nodes:\n  - id: person/x\n    evidence:\n      - [0, 5, "Rubio"]\n', "Marco Rubio")


def test_draft_marks_every_node_and_accept_all_marks_none(gazetteer):
    text = REAL.joinpath("article.txt").read_text(encoding="utf-8")
    result = draft_article(text, date(2025, 2, 19), SLUG, gazetteer=gazetteer)
    marked = yaml.safe_load(write_mapping(result))
    accepted = yaml.safe_load(write_mapping(result, accept_all=True))
    assert all(set(n["proposed"]) >= {"rule", "confidence"} for n in marked["nodes"])
    assert all("proposed" not in n for n in accepted["nodes"])
    assert len(marked["nodes"]) == len(accepted["nodes"]) == len(result.nodes)


# -- scorer -------------------------------------------------------------------
def test_gold_scores_perfectly_against_itself():
    gold = yaml.safe_load(REAL.joinpath("mapping.yaml").read_text(encoding="utf-8"))
    for kind, s in score(gold, gold).items():
        assert s["recall"] in (1.0, None) and s["precision"] in (1.0, None), kind


def test_scorer_counts_misses_and_wrong_values():
    gold = {"nodes": [{"id": "person/a", "label": "A"}, {"id": "state/b", "label": "B"},
                      {"id": "quantity/q", "a": "Quantity", "value": 3, "evidence": [[0, 5, "xxxxx"]]}]}
    draft_doc = {"nodes": [{"id": "person/a-2", "label": "A"}, {"id": "org/c", "label": "C"},
                           {"id": "quantity/r", "a": "Quantity", "value": 2, "evidence": [[1, 4, "xxx"]]}]}
    s = score(gold, draft_doc)
    assert (s["entities"]["recall"], s["entities"]["precision"]) == (0.5, 0.5)
    assert s["numbers"]["recall"] == 0.0
    assert "entities" in table(s).splitlines()[1]


def _scores(folder, gaz) -> dict:
    text = folder.joinpath("article.txt").read_text(encoding="utf-8")
    gold = yaml.safe_load(folder.joinpath("mapping.yaml").read_text(encoding="utf-8"))
    day = date.fromisoformat(str(gold["article"]["datePublished"]))
    result = draft_article(text, day, folder.name, gazetteer=gaz)
    return score(gold, yaml.safe_load(write_mapping(result)))


def test_targets_on_the_real_article(gazetteer):
    s = _scores(REAL, gazetteer)
    assert s["entities"]["recall"] >= 0.95 and s["entities"]["precision"] >= 0.90
    assert s["quotes with speaker"]["recall"] >= 0.90
    assert s["numbers"]["recall"] >= 0.90
    assert s["dates"]["recall"] >= 0.90
    assert s["position holders"]["recall"] >= 0.70


def test_second_article_stays_above_its_measured_floor(tmp_path):
    """The made-up article the gold of which was curated before the rules
    ran on it (README, the honest gap); floors a little under the figures."""
    s = _scores(SECOND, Gazetteer.from_data(data_folder(tmp_path, REAL)))
    assert s["entities"]["recall"] >= 0.85 and s["quotes with speaker"]["recall"] >= 0.75
    assert s["numbers"]["recall"] >= 0.8 and s["dates"]["recall"] >= 0.8
    third = _scores(THIRD, Gazetteer.from_data(data_folder(tmp_path / "3", REAL)))
    assert third["entities"]["recall"] >= 0.85 and third["numbers"]["recall"] >= 0.8 and third["dates"]["recall"] >= 0.7
    fourth = _scores(FOURTH, Gazetteer.from_data(data_folder(tmp_path / "4", REAL)))
    assert fourth["entities"]["recall"] >= 0.8 and fourth["office holdings"]["recall"] >= 0.9
    assert fourth["quotes with speaker"]["recall"] >= 0.85 and fourth["position holders"]["recall"] >= 0.85
    assert fourth["dates"]["recall"] >= 0.7 and fourth["events"]["recall"] >= 0.7


def test_edit_lines_pair_nodes_and_count_changed_lines_once():
    from kg.authoring.draft.score import edit_lines

    gold = ("article:\n  slug: s\nnodes:\n  - id: person/a\n    a: Person\n    label: A\n    evidence:\n"
            "      - [0, 1, \"A\"]\n\n  - id: position/p\n    a: Position\n    label: Gold words\n    evidence:\n"
            "      - [0, 9, \"A said so\"]\n")
    draft_text = ("article:\n  slug: s\nnodes:\n  - id: person/a\n    proposed: {rule: gazetteer, confidence: 0.95}\n"
                  "    a: Person\n    label: A\n    evidence:\n      - [0, 1, \"A\"]\n\n  - id: position/other\n"
                  "    a: Position\n    label: Draft words\n    evidence:\n      - [2, 6, \"said\"]\n\n"
                  "  - id: topic/t\n    a: Topic\n    label: T\n")
    e = edit_lines(draft_text, gold)
    # person: the marker deleted (1); position: paired by class and evidence, id, label, span changed (3);
    # topic: deleted (3 lines)
    assert (e["edit lines"], e["scratch lines"], e["paired nodes"]) == (7, 12, 2)


def test_doctests_of_the_draft_modules():
    import doctest

    from kg.authoring.draft import dates, numbers, proposals, quotes, writer

    for module in (numbers, proposals, writer, quotes, dates):
        failed, tried = doctest.testmod(module)
        assert failed == 0 and tried > 0, module.__name__


def test_duration_status_and_withholding():
    text = ("The talks lasted four and a half hours. A third round could be held in Ankara. "
            "U.S. officials refrained from specifying what compromises might be needed.")
    _, nodes = draft(text)
    talks = [n for n in by_class(nodes, "Talks")]
    assert talks[0].props["duration"] == "PT4H30M"
    assert talks[1].props["status"] == ["dip:Proposed"] and talks[1].props["place"] == "place/ankara"
    assert any(p.props["stance"] == "dip:Withholds" for p in by_class(nodes, "Position"))


def test_title_without_country_takes_the_state_of_its_sentence(gazetteer):
    _, nodes = draft("President Anna Berg said Ukraine would not accept it. President Jon Dahl smiled.", gazetteer)
    holding = nodes["holding/anna-berg-ukrainian-president"]  # the graph's office, found by its label
    assert holding.props["office"] == "office/ukrainian-president" and holding.rule == "title-state-in-sentence"
    assert nodes["office/ukrainian-president"].label == "President of Ukraine"
    assert not [n for n in nodes if n.startswith("holding/jon-dahl")]  # no country in sight: no office


def test_holders_of_relative_clauses_both_sides_and_possessives(gazetteer):
    text = ("The landmark discussions, held in Riyadh, ended as U.S. Secretary of State Marco Rubio and Russian "
            "Foreign Minister Sergey Lavrov outlined a roadmap. "
            "Both sides acknowledged that work remains. "
            "The talks worried Kyiv and its European allies, who fear being sidelined. "
            "Hegseth's words echo Moscow’s long-standing demands.")
    _, nodes = draft(text, gazetteer)
    positions = {p.props["reportingVerb"] if "reportingVerb" in p.props else p.props["content"]: p
                 for p in by_class(nodes, "Position")}
    assert positions["acknowledged"].props["holder"] == ["state/united-states", "state/russia"]
    assert positions["fear"].props["holder"] == ["state/ukraine", "group/european-allies-of-ukraine"]
    demands = positions["Moscow’s long-standing demands"]
    assert demands.props["holder"] == "state/russia" and demands.props["stance"] == "dip:Demands"


def test_random_texts_draft_without_error_and_every_span_exact(gazetteer):
    """Word salad from both articles with quotes, dates, markup, newlines
    and titles: drafting, both writers and the review page never fail, and
    the writer's own check (every span exact) passes."""
    import random

    from kg.authoring.draft.review import render

    words = (REAL / "article.txt").read_text(encoding="utf-8").split() + (SECOND / "article.txt").read_text(
        encoding="utf-8").split()
    words += ["“", "”", '"', "’s", "\n", "\n\n", "date 2025-01-01 Oslo, Norway - ", "March 32", "February 29",
              "<script>", "&amp;", "🕊", "President", "12 of the", "and a half", "a mother and her", ", who",
              "Both sides", "overnight", "last week", "in 9999"]
    for seed in range(40):
        rng = random.Random(seed)
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 250)))
        result = draft_article(text, date(2024, 2, 29), "fuzz", gazetteer=gazetteer)
        for accept in (False, True):
            doc = yaml.safe_load(write_mapping(result, accept_all=accept))
            assert isinstance(doc["nodes"], list)
        assert "<script>" not in render(result)


def test_drafting_leaves_the_given_gazetteer_unchanged(gazetteer):
    before = {k: set(v.forms) for k, v in gazetteer.known.items()}
    draft_article("Foreign Minister Anna Berg met Selim Karaca in Oslo.", date(2025, 3, 14), "x", gazetteer=gazetteer)
    assert {k: set(v.forms) for k, v in gazetteer.known.items()} == before


def test_calls_visits_spokespeople_and_offices_of_bodies(gazetteer):
    text = ("European Commission President Ursula Keller spoke by phone on Tuesday with Chinese Premier Wen Liqiang, "
            "a Commission spokesperson said. The call lasted 45 minutes. Dozens of firms complained. "
            "Hungarian Prime Minister Gabor Vass will visit Washington on Friday.")
    _, nodes = draft(text, gazetteer, day=date(2025, 4, 9))
    call = next(n for n in by_class(nodes, "Meeting"))
    assert call.props["date"] == date(2025, 4, 8) and call.props["duration"] == "PT45M" and len(call.spans) == 2
    visit = by_class(nodes, "Visit")[0]
    assert visit.props["place"] == "place/washington" and visit.props["date"] == date(2025, 4, 11)
    assert "state/united-states" not in nodes  # "visit Washington" is the city
    office = nodes["office/european-commission-president"]
    assert office.label == "President of the European Commission" and office.props["officeOf"] == "org/european-commission"
    said = next(p for p in by_class(nodes, "Position") if p.props["reportingVerb"] == "said")
    assert said.props["holder"] == "org/european-commission"
    assert {n.props["quantityPhrase"] for n in by_class(nodes, "Quantity")} == {"45 minutes", "Dozens of firms"}


def test_a_name_whose_first_word_is_used_alone():
    _, nodes = draft("Chinese Premier Wen Liqiang spoke. Wen said China was \"open to dialogue\".")
    person = nodes["person/wen-liqiang"]
    assert "Wen" in person.alt
    (quote,) = by_class(nodes, "Quotation")
    assert quote.props["speaker"] == "person/wen-liqiang"


# -- rules added for the misses of the fourth made-up article -----------------
# (each on sentences of its own, not the fixture's text)
def test_a_state_named_by_its_name_and_by_its_capital():
    text = ("Talks between Armenia and Azerbaijan resumed in Geneva. Baku said it was ready. Envoys then flew to Baku. "
            "The Paris Agreement and Jack London were not mentioned.")
    _, nodes = draft(text, day=date(2025, 5, 22))
    assert "state/france" not in nodes and "state/united-kingdom" not in nodes
    state = nodes["state/azerbaijan"]
    assert (text.index("Azerbaijan"), text.index("Azerbaijan") + 10) in state.spans
    first = text.index("Baku said")
    assert (first, first + 4) in state.spans and "Baku" in state.alt
    assert (text.rindex("Baku"), text.rindex("Baku") + 4) not in state.spans  # "to Baku" is the city
    assert "state/armenia" in nodes


def test_titles_in_apposition_after_and_before_the_name():
    text = ('"We will sign," said Lena Ortiz, the Polish foreign minister. The European Union agreed. '
            "Its foreign policy chief, Jan Novak, said the bloc would pay. Ortiz said more talks would follow.")
    _, nodes = draft(text, day=date(2025, 5, 22))
    holding = nodes["holding/lena-ortiz-polish-foreign-minister"]
    assert holding.props == {"officeHolder": "person/lena-ortiz", "office": "office/polish-foreign-minister",
                             "isCurrent": True}
    office = nodes["office/polish-foreign-minister"]
    assert office.label == "Foreign Minister of Poland" and office.props["officeOf"] == "state/poland"
    assert [text[s:e] for s, e in office.spans] == ["the Polish foreign minister"]
    novak = next(n for n in by_class(nodes, "OfficeHolding") if n.props["officeHolder"] == "person/jan-novak")
    assert nodes[novak.props["office"]].props["officeOf"] == "org/european-union"
    assert [text[s:e] for s, e in novak.spans] == ["Its foreign policy chief, Jan Novak"]
    (quote,) = by_class(nodes, "Quotation")
    assert quote.props == {"quoteText": "We will sign", "speaker": "person/lena-ortiz"}
    holders = {p.props["content"]: p.props.get("holder") for p in by_class(nodes, "Position")}
    assert holders["We will sign"] == "person/lena-ortiz"  # "..., said X": the content is the quote before
    assert holders["more talks would follow"] == "person/lena-ortiz"  # "Ortiz" alone, after the full name
    assert holders["the bloc would pay"] == "person/jan-novak"


def test_a_quote_that_runs_on_into_the_next_paragraph():
    text = ('"We are ready," said Prime Minister Jon Dahl. "The rest is detail.\n\n'
            '"Nobody should doubt it."\n\nAnna Berg, a lawyer, was not sure. "Maybe," said Foreign Minister Pia Lund.')
    _, nodes = draft(text)
    quotes = {n.props["quoteText"]: n.props["speaker"] for n in by_class(nodes, "Quotation")}
    assert quotes == {"We are ready": "person/jon-dahl", "The rest is detail.": "person/jon-dahl",
                      "Nobody should doubt it.": "person/jon-dahl", "Maybe": "person/pia-lund"}
    for node in by_class(nodes, "Quotation"):
        (start, end), = node.spans
        assert text[start:end] == node.props["quoteText"]


def test_a_pronoun_speaker_is_the_subject_before_not_the_last_name():
    text = ('Foreign Minister Anna Berg said she had called Prime Minister Jon Dahl on Monday. '
            '"I asked him to wait," she added.')
    _, nodes = draft(text)
    (quote,) = by_class(nodes, "Quotation")
    assert quote.props["speaker"] == "person/anna-berg"
    added = next(p for p in by_class(nodes, "Position") if p.props["reportingVerb"] == "added")
    assert added.props["holder"] == "person/anna-berg"


def test_a_pronoun_keeps_to_the_person_it_named_before():
    text = ('Foreign Minister Anna Berg spoke first. "The deal is fair," she said. '
            'Prime Minister Jon Dahl agreed, and Berg thanked Dahl. "It will hold," she added.')
    _, nodes = draft(text)
    speakers = {n.props["quoteText"]: n.props["speaker"] for n in by_class(nodes, "Quotation")}
    assert speakers == {"The deal is fair": "person/anna-berg", "It will hold": "person/anna-berg"}


def test_the_clause_of_a_time_says_whether_it_lies_ahead():
    text = "After talks on Wednesday, the sides said a ceasefire will take effect on Saturday."
    _, nodes = draft(text, day=date(2025, 5, 22))  # a Thursday
    (talks,) = by_class(nodes, "Talks")
    assert talks.props["date"] == date(2025, 5, 21)  # the day before, though the sentence speaks of the future
    ceasefire = next(n for n in by_class(nodes, "Event") if n.props.get("cameoCode") == "0871")
    assert ceasefire.props["date"] == date(2025, 5, 24) and ceasefire.props["status"] == ["dip:Scheduled"]


def test_a_planned_event_takes_no_past_date():
    text = "The ministers agreed on Wednesday to a truce, to take effect at midnight on Saturday."
    _, nodes = draft(text, day=date(2025, 5, 22))
    (truce,) = [n for n in by_class(nodes, "Event") if n.props.get("ploverCode") == "RETREAT"]
    assert truce.props["date"] == date(2025, 5, 24) and truce.props["timePhrase"] == "on Saturday"


@pytest.mark.parametrize("phrase, expected", [
    ("since March", {"earliestBegin": date(2025, 3, 1)}),
    ("within two weeks", {"earliestBegin": date(2025, 5, 22), "latestEnd": date(2025, 6, 5)}),
    ("within 10 days", {"earliestBegin": date(2025, 5, 22), "latestEnd": date(2025, 6, 1)}),
])
def test_since_and_within(phrase, expected):
    _, nodes = draft(f"Russia will release 11 detained soldiers {phrase}.", day=date(2025, 5, 22))
    (release,) = by_class(nodes, "Event")
    assert release.props["cameoCode"] == "0841"
    got = {k: release.props[k] for k in ("date", "earliestBegin", "latestEnd") if k in release.props}
    assert got == expected and release.props["timeInferred"] is True


def test_shelling_calls_later_meetings_and_words_inside_quotes():
    text = ("The ministers met in Oslo on Monday and said they would meet again in June. "
            "On Sunday, artillery shelled the town of Lori, killing two civilians. "
            '"Nobody wants more shelling," the mayor said. Anna Berg said she had spoken by phone with Jon Dahl. '
            "The fighting stopped.")
    _, nodes = draft(text, day=date(2025, 5, 22))
    events = sorted((n.a, str(n.props.get("date") or n.props.get("earliestBegin"))) for n in nodes.values()
                    if n.id.startswith("event/"))
    assert events == [("ArmedConflict", "None"), ("Meeting", "2025-05-19"), ("Meeting", "2025-06-01"),
                      ("Meeting", "None"), ("Strike", "2025-05-18")]
    (strike,) = by_class(nodes, "Strike")  # the mayor's "more shelling" is no event; "killing" is the strike's
    assert strike.props["place"] == "place/lori" and len(strike.spans) == 1
    assert not by_class(nodes, "Killing")


def test_venues_by_their_first_word_and_places_after_in(gazetteer):
    text = "The envoys met at the Palais des Nations. In Washington, officials said Washington would wait."
    _, nodes = draft(text, gazetteer, day=date(2025, 5, 22))
    assert nodes["place/palais-des-nations"].a == "Venue"
    first = text.index("Washington")
    assert (first, first + 10) in nodes["place/washington"].spans  # "In Washington": the city
    assert (text.rindex("Washington"), text.rindex("Washington") + 10) in nodes["state/united-states"].spans


def test_a_deadline_is_a_time_not_a_count():
    _, nodes = draft("Russia will release 11 detained soldiers within two weeks.", day=date(2025, 5, 22))
    assert {n.props["quantityPhrase"] for n in by_class(nodes, "Quantity")} == {"11 detained soldiers"}
