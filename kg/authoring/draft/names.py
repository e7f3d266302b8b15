"""New names: titled persons and their offices, organisations, places and
the dateline; then every mention of a known or new entity.

"Secretary of State Marco Rubio" proposes the person, the office and an
office holding; a name the graph knows keeps its id.
"""

from __future__ import annotations

import re

from kg.authoring.draft.context import Context
from kg.authoring.draft.gazetteer import DEMONYMS, Known, Mention
from kg.authoring.draft.proposals import ENTITY_KINDS, slugify

TITLES = sorted([
    "Deputy Foreign Minister", "Foreign Minister", "Deputy Prime Minister", "Prime Minister", "Defense Minister",
    "Defence Minister", "Interior Minister", "Finance Minister", "Minister", "Secretary of State",
    "Defense Secretary", "Defence Secretary", "Secretary of Defense", "Secretary-General", "Secretary General",
    "Treasury Secretary", "Foreign Secretary", "National Security Adviser", "National Security Advisor",
    "Vice President", "President", "Chancellor", "Crown Prince", "Prince", "King", "Queen", "Emir", "Sheikh",
    "Ambassador", "Special Envoy", "Envoy", "Spokesperson", "Spokesman", "Spokeswoman", "Senator", "Governor",
    "Mayor", "Commander", "General", "Premier", "Speaker", "Pope", "Chief of Staff", "Foreign Policy Chief",
    "High Representative",
], key=len, reverse=True)
OCCUPATIONS = ("journalist", "spokesperson", "spokesman", "spokeswoman", "envoy", "analyst", "lawmaker", "activist")
_QUAL_WORDS = ["U.S.", "US", "U.K.", "UK", "EU", "UN", "NATO", "White House", "Kremlin"] + list(DEMONYMS)
_NAME = r"[A-Z][a-zà-ÿ’'-]+(?: (?:bin|bint|al|de|da|van|von|der|[A-Z][a-zà-ÿ’'-]+)){0,3}(?<![’'])"
_QUAL_STATE = {"U.S.": "United States", "US": "United States", "U.K.": "United Kingdom", "UK": "United Kingdom"}

ORG_HEADS = {"Ministry": "GovernmentBody", "Department": "GovernmentBody", "Office": "GovernmentBody",
             "Administration": "GovernmentBody", "Parliament": "GovernmentBody", "Kremlin": "GovernmentBody",
             "Council": "Organisation", "Commission": "Organisation", "Union": "Alliance", "Alliance": "Alliance",
             "Organization": "Organisation", "Organisation": "Organisation", "Agency": "Organisation",
             "Bureau": "Organisation", "Forces": "GovernmentBody", "Army": "GovernmentBody", "Navy": "GovernmentBody",
             "Assembly": "Organisation", "Bank": "Organisation", "Fund": "Organisation", "Committee": "Organisation",
             "Court": "Organisation", "Nations": "Alliance", "Institute": "Organisation", "Service": "GovernmentBody",
             "Group": "Organisation", "Red Cross": "Organisation"}
PLACE_HEADS = {"Sea": "Region", "Ocean": "Region", "Strait": "Region", "Peninsula": "Region", "Oblast": "Region",
               "Province": "Region", "Region": "Region", "Palace": "Venue", "Hotel": "Venue", "Centre": "Venue",
               "Center": "Venue", "Airport": "Venue", "Square": "Venue"}
ABBREVIATIONS = {"U.S.": "United States", "U.K.": "United Kingdom", "EU": "European Union", "UN": "United Nations",
                 "UAE": "United Arab Emirates"}
MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"}
WEEKDAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
_CAPRUN = re.compile(r"[A-Z][\w’'.-]*(?: (?:(?:of|for|and|the|des|de|du|di|del|della|la|le) )*[A-Z][\w’'.-]*)*")
#: a first word that makes a name a venue ("Palais des Nations", "Hotel Metropol")
VENUE_FIRST = {"Palais", "Palace", "Hotel", "Château", "Chateau", "Villa", "Palazzo", "Schloss"}
_OFFICE = re.compile(
    r"\b(?P<office>(?P<qual>(?:(?:" + "|".join(re.escape(q) for q in _QUAL_WORDS) + r"|[A-Z][a-z]+)[ \t]+)*?)"
    r"(?P<title>" + "|".join(re.escape(t) for t in TITLES) + r"))[ \t]+(?P<name>" + _NAME + r")"
)
_TITLE_CI = "|".join(re.escape(t) for t in TITLES)
_QUAL_CI = "|".join(re.escape(q) for q in _QUAL_WORDS)
#: "Rashad Guliyev, the Azerbaijani foreign minister": the title after the name, in any case
_APPOSED_AFTER = re.compile(r"\b(?P<name>" + _NAME + r"),[ \t]+(?P<office>(?:the|a|an)[ \t]+(?P<qual>(?:" + _QUAL_CI
                            + r")[ \t]+)?(?i:(?P<title>" + _TITLE_CI + r")))\b")
#: "Its foreign policy chief, Maria Lindqvist,": the title before the name, set off by commas
_APPOSED_BEFORE = re.compile(r"(?P<office>\b(?:(?P<owner>[Ii]ts|[Tt]heir)[ \t]+|(?:[Tt]he[ \t]+)?(?P<qual>(?:" + _QUAL_CI
                             + r")[ \t]+))(?i:(?P<title>" + _TITLE_CI + r"))),[ \t]+(?P<name>" + _NAME + r")(?=[,.])")
#: a capital standing for its state ("Baku said"), where it is not a place ("in Baku")
CAPITALS = {"Moscow": "Russia", "Kyiv": "Ukraine", "Beijing": "China", "Baku": "Azerbaijan", "Yerevan": "Armenia",
            "Tehran": "Iran", "Ankara": "Turkey", "Berlin": "Germany", "Paris": "France", "London": "United Kingdom",
            "Tokyo": "Japan", "Warsaw": "Poland", "Budapest": "Hungary", "Minsk": "Belarus", "Damascus": "Syria",
            "Cairo": "Egypt", "Doha": "Qatar", "Ottawa": "Canada", "Tbilisi": "Georgia", "Bern": "Switzerland",
            "Seoul": "South Korea", "Rome": "Italy", "Madrid": "Spain"}
_PLACE_BEFORE = re.compile(r"\b(?:[Ii]n|[Aa]t|to|from|near|via|visit(?:ed|s|ing)?|of)[ \t]+$")
_OCCUPATION = re.compile(r"\b(?P<occ>" + "|".join(OCCUPATIONS) + r")[ \t]+(?P<name>" + _NAME + r")")
_DATELINE = re.compile(r"\bdate (\d{4}-\d{2}-\d{2}) (?P<city>[A-Z][^,\n]{1,40}?), (?P<country>[A-Z][\w .]{0,30}?) [-–—] ")
_LOCAL_ORG = re.compile(r"\b(?:[Tt]he[ \t]+)?(?P<org>(?P<where>(?!The\b)[A-Z][\w’'-]+(?:[ \t]+[A-Z][\w’'-]+)?)[ \t]+"
                        r"(?:regional|city|municipal|local|provincial|state)[ \t]+(?:administration|government|council|authorities))\b")
_PLACE_PREP = re.compile(r"\b(?:[Ii]n|at|to|from|near|[Pp]ort of|city of|town of|village of)[ \t]+(?P<place>[A-Z][a-zà-ÿ-]+)\b(?![’']|[ \t]+[A-Z])")
_REGION = re.compile(r"\b(?P<place>[A-Z][a-zà-ÿ-]+[ \t]+(?:region|province|oblast))\b")
_POSSESSIVE_BODY = re.compile(r"\b(?P<org>(?P<state>[A-Z][\w.]+(?:[ \t]+[A-Z]\w+)?)[’']s[ \t]+(?:military|army|armed forces|navy|government|"
                              r"foreign ministry|defen[cs]e ministry|parliament))\b")
_GROUP = re.compile(r"\b(?P<group>(?P<who>" + "|".join(["U\\.S\\.", "European Union", "European", "Western", "Arab", "Gulf"] + list(DEMONYMS))
                    + r")[ \t]+(?:officials|leaders|allies|diplomats|representatives|negotiators|nations|partners|"
                    r"governments|lawmakers))\b")
FIXED = {"White House": ("org", "GovernmentBody", "United States"), "Kremlin": ("org", "GovernmentBody", "Russia"),
         "Pentagon": ("org", "GovernmentBody", "United States"), "State Department": ("org", "GovernmentBody", "United States"),
         "the West": ("group", "Group", None)}


def propose(ctx: Context) -> None:
    """Propose new entities into the gazetteer and the draft, then find
    every entity mention (known, new and demonym readings)."""
    text = ctx.text
    for abbreviation, label in ABBREVIATIONS.items():
        known = ctx.gazetteer.by_label(label, kinds=("state", "org"))
        if known is not None and abbreviation not in known.forms:
            ctx.gazetteer.add(Known(known.id, known.a, known.label, {abbreviation}))
    _dateline(ctx)
    _country_names(ctx)
    for name, (kind, cls, state) in FIXED.items():
        not_longer = r"(?![ \t]+[A-Z])" if name == "the West" else ""  # not "the West Bank"
        for match in re.finditer(rf"\b{re.escape(name)}\b{not_longer}", text):
            _new_entity(ctx, kind, cls, name, match.start(), match.end(), "fixed-name", 0.8,
                        partOfParty=_state_id(ctx, state))
    for match in _OFFICE.finditer(text):
        if not ctx.in_heading(match.start()):
            _titled_person(ctx, match)
    for match in _OCCUPATION.finditer(text):
        name = _no_possessive(match.group("name"))
        person = _person(ctx, name, match.start("name"), match.start("name") + len(name), "occupation", 0.7)
        if person is not None and person.id not in ctx.gazetteer_before:
            person.props.setdefault("occupation", match.group("occ"))
    for match in _LOCAL_ORG.finditer(text):
        _new_entity(ctx, "org", "GovernmentBody", match.group("org"), match.start("org"), match.end("org"),
                    "local-government", 0.7)
    for match in _POSSESSIVE_BODY.finditer(text):
        state = _known_form(ctx, match.group("state"), ("state",))
        if state is not None:
            _new_entity(ctx, "org", "GovernmentBody", match.group("org"), match.start(), match.end(), "state-body", 0.6,
                        partOfParty=state.id)
    for match in _GROUP.finditer(text):
        if re.search(r"(?:\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|dozen|hundred))[ \t]+$", text[max(0, match.start() - 12):match.start()]):
            continue  # "84 Ukrainian soldiers" is a count
        who = match.group("who")
        state = _state_id(ctx, _QUAL_STATE.get(who) or DEMONYMS.get(who))
        _new_entity(ctx, "group", "Group", match.group("group"), match.start(), match.end(), "group-name", 0.6,
                    partOfParty=state)
    for match in _REGION.finditer(text):
        _new_entity(ctx, "place", "Region", match.group("place"), match.start(), match.end(), "region-name", 0.7)
    for match in _CAPRUN.finditer(text):
        if not ctx.in_heading(match.start()):
            _capitalised_run(ctx, match)
    for match in _PLACE_PREP.finditer(text):
        word = match.group("place")
        if ctx.in_heading(match.start()) or word in MONTHS | WEEKDAYS or word in DEMONYMS or _known_form(ctx, word):
            continue
        rule, conf = ("port-of", 0.7) if re.match(r"(?:[Pp]ort|city|town|village) of", match.group()) else ("preposition-place", 0.45)
        _new_entity(ctx, "place", "Settlement", word, match.start("place"), match.end("place"), rule, conf)
    for match in _APPOSED_AFTER.finditer(text):
        if not ctx.in_heading(match.start()):
            _apposed_person(ctx, match)
    for match in _APPOSED_BEFORE.finditer(text):
        if not ctx.in_heading(match.start()):
            _apposed_person(ctx, match)
    _find_mentions(ctx)


# -- the dateline -------------------------------------------------------------
def _dateline(ctx: Context) -> None:
    match = _DATELINE.search(ctx.text[:400])
    if not match:
        return
    city = match.group("city").strip()
    ctx.meta["dateline"] = f"{city}, {match.group('country').strip()}"
    known = ctx.gazetteer.by_label(city, kinds=("place",))
    ident = known.id if known else f"place/{slugify(city)}"
    entry = known or Known(ident, "Settlement", city, {city})
    ctx.gazetteer.add(entry)
    node = ctx.node(ident, entry.a, entry.label, "dateline", 0.9)
    node.add_span(match.start("city"), match.end("country"))
    ctx.meta["datelinePlace"] = ident
    ctx.dateline_span = (match.start("city"), match.end("country"))
    ctx.body_start = match.end()


# -- persons and offices ------------------------------------------------------
def _known_form(ctx: Context, form: str, kinds=None) -> Known | None:
    return ctx.gazetteer.by_form(form, kinds)


def _person(ctx: Context, name: str, start: int, end: int, rule: str, conf: float, prefix: str = ""):
    known = (_known_form(ctx, f"{prefix} {name}".strip(), ("person",)) if prefix else None) \
        or _known_form(ctx, name, ("person",))
    if known is None and " " not in name:
        return None  # a lone word after a title is too weak for a new person
    if known is None:
        parts = name.split()
        known = Known(f"person/{slugify(name)}", "Person", name, {name, parts[-1]})
        alone = re.search(rf"\b{re.escape(parts[0])}\b(?![ \t]+{re.escape(parts[1])})", ctx.text)
        if alone and _known_form(ctx, parts[0]) is None:  # "Wen said" after "Wen Liqiang": family name first
            known.forms.add(parts[0])
    else:
        known.forms.add(name)
        if len(name.split()) > 1 and name == known.label:  # "Rubio" after "Marco Rubio"
            known.forms.add(name.split()[-1])
    ctx.gazetteer.add(known)
    if known.id in ctx.gazetteer_before:
        rule, conf = "gazetteer", 0.95 if name == known.label else 0.85
    node = ctx.node(known.id, known.a, known.label, rule, conf)
    node.add_span(start, end)
    return node


def _state_of(ctx: Context, qual: str) -> Known | None:
    words = qual.split()
    for word in (qual.strip(), *words):
        label = _QUAL_STATE.get(word) or DEMONYMS.get(word)
        if label:
            known = ctx.gazetteer.by_label(label, kinds=("state",))
            if known is None:  # a state the graph does not know yet: a new candidate
                known = Known(f"state/{slugify(label)}", "State", label, {label})
                ctx.gazetteer.add(known)
            return known
    if "White House" in qual:
        return ctx.gazetteer.by_label("White House", kinds=("org",))
    return None


def _qualifier(ctx: Context, match: re.Match) -> tuple[str, int, Known | None]:
    """The words before a title that name its state or body ("U.S.",
    "European Commission"), their start, and that state or body; words
    that name neither ("Under", "Then") are not part of the office."""
    raw = match.group("qual")
    words = raw.split()
    for i in range(len(words)):
        candidate = " ".join(words[i:])
        if all(w in _QUAL_WORDS or w in ("White", "House") for w in words[i:]):
            found = _state_of(ctx, candidate)
        else:
            found = _org_of(ctx, candidate)
        if found is not None:
            return candidate, match.start("qual") + raw.rfind(candidate), found
    return "", match.start("title"), None


def _titled_person(ctx: Context, match: re.Match) -> None:
    name, title = _no_possessive(match.group("name")), match.group("title")
    if name.split()[0] in MONTHS | WEEKDAYS | set(DEMONYMS) or _known_form(ctx, name.split()[0], ("state", "org", "place")):
        return
    person = _person(ctx, name, match.start("name"), match.start("name") + len(name), "titled-name", 0.85, prefix=title)
    if person is None:
        return
    qual, office_start, qualified = _qualifier(ctx, match)
    office_text = ctx.text[office_start:match.end("office")]
    known_office = _known_form(ctx, office_text, ("office",)) or _known_form(ctx, f"{title} {name}", ("office",))
    rule, confidence = "titled-name", 0.75
    if known_office is not None:
        office = ctx.node(known_office.id, known_office.a, known_office.label, "gazetteer", 0.85)
    else:
        state = qualified if qual else _state_in_sentence(ctx, match.end())
        if state is None:
            return  # "President X" and no country in sight: the office is the curator's call
        if not qual:
            rule, confidence = "title-state-in-sentence", 0.4
        short = "us" if state.label == "United States" else slugify(qual or state.label)
        the = "the " if state.label.startswith("United") or state.id.startswith("org/") else ""
        label = f"{title} of {the}{state.label}"
        known = ctx.gazetteer.by_label(label, ("office",)) or ctx.gazetteer.known.get(f"office/{short}-{slugify(title)}")
        ident = known.id if known else f"office/{short}-{slugify(title)}"
        office = ctx.node(ident, "Office", known.label if known else label, rule, confidence, officeOf=state.id)
        if state.id not in ctx.nodes and qual and state.id.startswith("state/"):  # evidence: the adjective
            ctx.entity(state, "demonym", 0.5, office_start, office_start + len(qual))
    office.add_span(office_start, match.end("office"))
    before = ctx.text[max(0, office_start - 12):office_start]
    holding = ctx.node(f"holding/{person.id.split('/')[1]}-{office.id.split('/')[1]}", "OfficeHolding",
                       f"{person.label}, {office_text}", rule, confidence + 0.05,
                       officeHolder=person.id, office=office.id, isCurrent="former" not in before)
    holding.add_span(office_start, match.end())


def _country_names(ctx: Context) -> None:
    """A state named by its own name ("Azerbaijan") is a candidate even
    when the graph does not know it yet (the states of ``DEMONYMS``)."""
    for label in sorted(set(DEMONYMS.values())):
        if ctx.gazetteer.by_label(label, kinds=("state",)) is None and re.search(rf"\b{re.escape(label)}\b", ctx.text):
            ctx.gazetteer.add(Known(f"state/{slugify(label)}", "State", label, {label}))
            ctx.new_rules.setdefault(f"state/{slugify(label)}", ("country-name", 0.8))


def _apposed_person(ctx: Context, match: re.Match) -> None:
    """A name with its title in apposition: "Rashad Guliyev, the Azerbaijani
    foreign minister" or "Its foreign policy chief, Maria Lindqvist": the
    person, the office of the state the qualifier names (or of the party
    "its" points back to) and the holding."""
    name = _no_possessive(match.group("name"))
    if name.split()[0] in MONTHS | WEEKDAYS | set(DEMONYMS) or _known_form(ctx, name.split()[0], ("state", "org", "place")):
        return
    title = next(t for t in TITLES if t.lower() == match.group("title").lower())
    qual = (match.group("qual") or "").strip()
    if qual:
        owner = _state_of(ctx, qual) or _org_of(ctx, qual)
    elif match.groupdict().get("owner"):
        s_start, _ = ctx.sentence_at(match.start())
        before = ctx.gazetteer.mentions(ctx.text[max(0, s_start - 400):s_start], kinds=("org", "state"))
        owner = ctx.gazetteer.known[before[-1].ids[0]] if before else None
    else:
        owner = _state_in_sentence(ctx, match.end())
    person = _person(ctx, name, match.start("name"), match.start("name") + len(name), "apposition", 0.8)
    if person is None or owner is None:
        return
    office_text = ctx.text[match.start("office"):match.end("office")]
    known_office = _known_form(ctx, office_text, ("office",)) or _known_form(ctx, f"{qual} {title}".strip(), ("office",))
    if known_office is not None:
        office = ctx.node(known_office.id, known_office.a, known_office.label, "gazetteer", 0.85)
    else:
        short = "us" if owner.label == "United States" else slugify(qual or owner.label)
        the = "the " if owner.label.startswith("United") or owner.id.startswith("org/") else ""
        label = f"{title} of {the}{owner.label}"
        found = ctx.gazetteer.by_label(label, ("office",))
        ident = found.id if found else f"office/{short}-{slugify(title)}"
        office = ctx.node(ident, "Office", found.label if found else label, "apposition", 0.6, officeOf=owner.id)
    office.add_span(match.start("office"), match.end("office"))
    start, end = min(match.start("office"), match.start("name")), max(match.end("office"), match.end("name"))
    holding = ctx.node(f"holding/{person.id.split('/')[1]}-{office.id.split('/')[1]}", "OfficeHolding",
                       f"{person.label}, {office_text}", "apposition", 0.65,
                       officeHolder=person.id, office=office.id, isCurrent=True)
    holding.add_span(start, end)


def _no_possessive(name: str) -> str:
    return re.sub(r"[’']s$", "", name)


def _org_of(ctx: Context, qual: str) -> Known | None:
    """The organisation a qualifier names ("European Commission President")."""
    known = _known_form(ctx, qual, ("org",))
    if known is None and any(qual.endswith(head) for head in ORG_HEADS):
        known = Known(f"org/{slugify(qual)}", ORG_HEADS[next(h for h in ORG_HEADS if qual.endswith(h))], qual, {qual})
        ctx.gazetteer.add(known)
        ctx.new_rules.setdefault(known.id, ("organisation-name", 0.7))
        _head_form(ctx, known)
    return known


def _head_form(ctx: Context, known: Known | None) -> None:
    """ "the Commission" after "the European Commission": the head word
    names the body too, while no other entity has it."""
    head = known.label.split()[-1] if known is not None else ""
    if head in ("Commission", "Council", "Parliament", "Assembly") and " " in known.label \
            and _known_form(ctx, head) is None:
        ctx.gazetteer.add(Known(known.id, known.a, known.label, {head}))


def _state_in_sentence(ctx: Context, pos: int) -> Known | None:
    """The first state named after ``pos`` in its sentence ("President X
    said Ukraine ..."), for a title that names no country."""
    _, end = ctx.sentence_at(pos)
    found = ctx.gazetteer.mentions(ctx.text[pos:end], kinds=("state",))
    return ctx.gazetteer.known[found[0].ids[0]] if found else None


# -- organisations and places -------------------------------------------------
def _new_entity(ctx: Context, kind: str, cls: str, label: str, start: int, end: int, rule: str, conf: float,
                **props) -> None:
    known = _known_form(ctx, label)
    if known is None:
        known = Known(f"{kind}/{slugify(label)}", cls, label, {label})
        props = {k: v for k, v in props.items() if v}
        if props:
            ctx.new_props.setdefault(known.id, props)
    ctx.gazetteer.add(known)
    ctx.new_rules.setdefault(known.id, (rule, conf))


def _state_id(ctx: Context, label: str | None) -> str | None:
    if not label:
        return None
    known = ctx.gazetteer.by_label(label, kinds=("state",))
    return known.id if known else None


def _capitalised_run(ctx: Context, match: re.Match) -> None:
    run = re.sub(r"^(?:The|A|An)[ \t]+", "", match.group())
    start = match.end() - len(run)
    stop = re.search(r"(?<!\b[A-Z])\.(?= )", run)
    if stop:  # "Palais des Nations. In Washington": a sentence ends inside the run
        run = run[:stop.start()]
    if run.endswith(".") and not re.search(r"\b(?:[A-Z]\.)+$", run):
        run = run[:-1]  # the sentence's full stop, not an abbreviation's
    if _known_form(ctx, run) or " " not in run.strip() and run not in ("Kremlin",):
        return
    words = run.split()
    if words[0] in VENUE_FIRST:
        _new_entity(ctx, "place", "Venue", run, start, start + len(run), "place-name", 0.7)
        return
    for head, cls in ORG_HEADS.items():
        if head in words[-2:] or run.endswith(head):
            _new_entity(ctx, "org", cls, run, start, start + len(run), "organisation-name", 0.7)
            _head_form(ctx, _known_form(ctx, run, ("org",)))
            return
    for head, cls in PLACE_HEADS.items():
        if words[-1] == head:
            _new_entity(ctx, "place", cls, run, start, start + len(run), "place-name", 0.7)
            return


# -- mentions -----------------------------------------------------------------
def _find_mentions(ctx: Context) -> None:
    text = ctx.text
    mentions, nested = ctx.gazetteer.mentions(text, kinds=ENTITY_KINDS, nested=True)
    taken = [(m.start, m.end) for m in mentions]
    for word, label in DEMONYMS.items():
        known = ctx.gazetteer.by_label(label, kinds=("state",))
        if known is None:
            continue
        for match in re.finditer(rf"\b{re.escape(word)}\b", text):
            if not any(s < match.end() and match.start() < e for s, e in taken):
                mentions.append(Mention(match.start(), match.end(), word, [known.id], rule="demonym"))
    for capital, label in CAPITALS.items():
        if _known_form(ctx, capital) is not None and _known_form(ctx, capital, ("place",)) is None:
            continue  # a form of a state, an organisation or a person already
        for match in re.finditer(rf"\b{re.escape(capital)}\b", text):
            if _PLACE_BEFORE.search(text[max(0, match.start() - 12):match.start()]):
                continue  # "in Baku": the city
            if re.match(r"[ \t]+[A-Z]", text[match.end():match.end() + 2]) \
                    or re.search(r"(?:\b[Tt]he|[A-Z][\w’'-]*)[ \t]+$", text[max(0, match.start() - 20):match.start()]):
                continue  # "the Paris Agreement", "Jack London": part of another name
            at = [m for m in mentions if m.start < match.end() and match.start() < m.end]
            if at and not (len(at) == 1 and (at[0].start, at[0].end) == match.span()
                           and at[0].ids[0].startswith("place/") and at[0].ids[0] not in ctx.gazetteer_before):
                continue  # part of a longer name, or a place the graph knows
            known = ctx.gazetteer.by_label(label, kinds=("state",))
            if known is None:
                known = Known(f"state/{slugify(label)}", "State", label, {label})
                ctx.gazetteer.add(known)
                ctx.new_rules.setdefault(known.id, ("capital-for-state", 0.6))
            ctx.gazetteer.add(Known(known.id, known.a, known.label, {capital}))
            if at:
                mentions.remove(at[0])
            mentions.append(Mention(match.start(), match.end(), capital, [known.id], rule="capital"))
    mentions.sort(key=lambda m: m.start)
    dateline = getattr(ctx, "dateline_span", None)
    for mention in mentions:
        mention.ids = [_choose(ctx, mention, dateline)]
    ctx.mentions = mentions
    for mention in nested:  # "European Union" inside "European Union leaders": the entity is named too
        known = ctx.gazetteer.known[mention.ids[0]]
        rule, conf = _rule_for(ctx, mention, known)
        node = ctx.node(known.id, known.a, known.label, rule, conf, **ctx.new_props.get(known.id, {}))
        if not node.spans:
            node.add_span(mention.start, mention.end)
    forms_seen: dict[str, set[str]] = {}
    for mention in sorted(mentions, key=lambda m: m.rule == "demonym"):  # a name before an adjective reading
        ident = mention.ids[0]
        if dateline and mention.start >= dateline[0] and mention.end <= dateline[1] and ident != ctx.meta.get("datelinePlace"):
            continue
        known = ctx.gazetteer.known[ident]
        rule, conf = _rule_for(ctx, mention, known)
        node = ctx.node(ident, known.a, known.label, rule, conf, **ctx.new_props.get(ident, {}))
        if node.id == ctx.meta.get("datelinePlace") and dateline and mention.start < dateline[1]:
            continue
        seen = forms_seen.setdefault(ident, set())
        if mention.form not in seen and len(node.spans) < 3 and mention.rule != "demonym":
            node.add_span(mention.start, mention.end)
            seen.add(mention.form)
            if mention.form != known.label and mention.form not in node.alt:
                node.alt.append(mention.form)
        elif not node.spans:
            node.add_span(mention.start, mention.end)


def _choose(ctx: Context, mention: Mention, dateline) -> str:
    ids = mention.ids
    if len(ids) == 1:
        return ids[0]
    in_dateline = dateline and dateline[0] <= mention.start < dateline[1]
    visited = re.search(r"\b(?:visit|visits|visited|visiting|arrived in|flew to|travel(?:led)? to|[Ii]n|at)[ \t]+$",
                        ctx.text[max(0, mention.start - 20):mention.start])
    order = ("place",) if in_dateline or visited else ("state", "org", "person", "group", "place")
    return sorted(ids, key=lambda i: order.index(i.split("/")[0]) if i.split("/")[0] in order else 9)[0]


def _rule_for(ctx: Context, mention: Mention, known: Known) -> tuple[str, float]:
    if known.id in ctx.new_rules:
        return ctx.new_rules[known.id]
    if mention.rule == "demonym":
        return "demonym", 0.5
    if mention.rule == "capital" and known.id not in ctx.gazetteer_before:
        return "capital-for-state", 0.6
    if known.id in ctx.gazetteer_before:
        return "gazetteer", 0.95 if mention.form == known.label else 0.85
    return "titled-name", 0.85
