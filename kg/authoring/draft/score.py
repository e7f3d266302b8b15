"""Precision and recall of a draft against a curated mapping, per kind.

* entities (persons, states, organisations, groups, places): same id, or
  same label;
* office holdings: the same holder (entities aligned as above);
* quotes: the exact quote text; and with the right speaker;
* numbers: overlapping spans and the same value (both vague counts too);
* dates: the set of date and year values on all nodes;
* positions: overlapping evidence and the same holder ("unattributed"
  counts as a holder); ``position holders`` is recall over the positions
  the curator gave a holder;
* events: overlapping evidence and the same class.

Recall is matched gold / gold, precision matched draft / draft.
"""

from __future__ import annotations

import json

from kg.authoring.draft.proposals import ENTITY_KINDS

DATE_KEYS = ("date", "year", "earliestBegin", "latestEnd")


def _nodes(doc) -> list[dict]:
    return [n for n in (doc or {}).get("nodes") or [] if isinstance(n, dict) and isinstance(n.get("id"), str)]


def _kind(node) -> str:
    return node["id"].split("/", 1)[0]


def _list(value) -> list:
    return [] if value is None else (value if isinstance(value, list) else [value])


def _spans(node) -> list[tuple[int, int]]:
    return [(s[0], s[1]) for s in _list(node.get("evidence")) if isinstance(s, list) and len(s) == 3]


def _overlap(a, b) -> bool:
    return any(x[0] < y[1] and y[0] < x[1] for x in _spans(a) for y in _spans(b))


def _result(gold_hits: int, gold: int, draft_hits: int, draft: int) -> dict:
    return {"gold": gold, "draft": draft, "found": gold_hits, "correct": draft_hits,
            "recall": round(gold_hits / gold, 3) if gold else None,
            "precision": round(draft_hits / draft, 3) if draft else None}


def _match(gold_items, draft_items, same) -> dict:
    gold_hits = sum(1 for g in gold_items if any(same(g, d) for d in draft_items))
    draft_hits = sum(1 for d in draft_items if any(same(g, d) for g in gold_items))
    return _result(gold_hits, len(gold_items), draft_hits, len(draft_items))


def score(gold_doc, draft_doc) -> dict:
    """Scores per kind: {kind: {gold, draft, found, correct, recall, precision}}."""
    gold, draft = _nodes(gold_doc), _nodes(draft_doc)
    g_ent = [n for n in gold if _kind(n) in ENTITY_KINDS]
    d_ent = [n for n in draft if _kind(n) in ENTITY_KINDS]
    gold_labels = {str(n.get("label", "")).casefold(): n["id"] for n in gold if n.get("label")}
    align = {}  # draft id -> gold id
    for node in draft:
        if any(g["id"] == node["id"] for g in gold):
            align[node["id"]] = node["id"]
        elif str(node.get("label", "")).casefold() in gold_labels:
            align[node["id"]] = gold_labels[str(node.get("label", "")).casefold()]

    def same_id(g_id, d_id) -> bool:
        return align.get(d_id, d_id) == g_id

    result = {"entities": _match(g_ent, d_ent, lambda g, d: same_id(g["id"], d["id"]))}

    def holdings(nodes):
        return [n for n in nodes if n.get("a") == "OfficeHolding"]

    result["office holdings"] = _match(holdings(gold), holdings(draft),
                                       lambda g, d: same_id(g.get("officeHolder"), d.get("officeHolder")))

    def quotes(nodes):
        return [n for n in nodes if n.get("a") == "Quotation"]

    result["quotes"] = _match(quotes(gold), quotes(draft), lambda g, d: g.get("quoteText") == d.get("quoteText"))
    result["quotes with speaker"] = _match(
        quotes(gold), quotes(draft),
        lambda g, d: g.get("quoteText") == d.get("quoteText") and same_id(g.get("speaker"), d.get("speaker")))

    def quantities(nodes):
        return [n for n in nodes if n.get("a") == "Quantity"]

    result["numbers"] = _match(quantities(gold), quantities(draft),
                               lambda g, d: _overlap(g, d) and g.get("value") == d.get("value"))

    def date_values(nodes):
        return sorted({str(v) for n in nodes for k in DATE_KEYS for v in _list(n.get(k))})

    g_dates, d_dates = date_values(gold), date_values(draft)
    result["dates"] = _result(len(set(g_dates) & set(d_dates)), len(g_dates), len(set(g_dates) & set(d_dates)), len(d_dates))

    def positions(nodes):
        return [n for n in nodes if n.get("a") == "Position"]

    def holders(node):
        return set(_list(node.get("holder"))) or {"unattributed"}

    def same_holder(g, d):
        return _overlap(g, d) and any(same_id(h, dh) for h in holders(g) for dh in holders(d))

    result["positions"] = _match(positions(gold), positions(draft), same_holder)
    attributed = [n for n in positions(gold) if n.get("holder")]
    result["position holders"] = _match(attributed, [n for n in positions(draft) if n.get("holder")], same_holder)

    def events(nodes):
        return [n for n in nodes if _kind(n) == "event"]

    result["events"] = _match(events(gold), events(draft),
                              lambda g, d: same_id(g["id"], d["id"]) or (_overlap(g, d) and g.get("a") == d.get("a")))
    return result


def table(scores: dict) -> str:
    """The scores as a fixed-width text table."""
    rows = [f"{'kind':<20} {'gold':>5} {'draft':>6} {'recall':>7} {'precision':>10}"]
    for kind, s in scores.items():
        fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
        rows.append(f"{kind:<20} {s['gold']:>5} {s['draft']:>6} {fmt(s['recall']):>7} {fmt(s['precision']):>10}")
    return "\n".join(rows)


def to_json(scores: dict) -> str:
    return json.dumps(scores, indent=2, sort_keys=False)


def edit_lines(draft_text: str, gold_text: str) -> dict:
    """How many lines a curator adds or deletes to turn the draft into the
    curated mapping, against the lines of writing it from scratch.

    Nodes are paired as the curator would edit them: the same id, else the
    same class with overlapping evidence (first come, first paired); each
    pair costs the lines changed, added or deleted between them (a changed
    line counts once), an unpaired draft node the lines deleted, an
    unpaired gold node the lines written. Comments and blank
    lines do not count, nor does the order of nodes.
    """
    import difflib

    import yaml

    def blocks(text):
        head, _, body = text.partition("\nnodes:\n")
        nodes, current = {}, None
        for line in body.splitlines():
            if line.startswith("  - id: "):
                current = line[8:].strip()
                nodes[current] = []
            if current and line.strip() and not line.lstrip().startswith("#"):
                nodes[current].append(line)
        return [line for line in head.splitlines() if line.strip() and not line.lstrip().startswith("#")], nodes

    def diff(a, b):  # a changed line is one edit; so is an added or a deleted one
        ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")

    d_head, d_blocks = blocks(draft_text)
    g_head, g_blocks = blocks(gold_text)
    d_nodes = {n["id"]: n for n in _nodes(yaml.safe_load(draft_text))}
    g_nodes = {n["id"]: n for n in _nodes(yaml.safe_load(gold_text))}
    pairs, free = {}, set(g_nodes)
    for ident in d_nodes:
        if ident in free:
            pairs[ident] = ident
            free.discard(ident)
    for ident, node in d_nodes.items():
        if ident in pairs:
            continue
        match = next((g for g in g_nodes if g in free and g_nodes[g].get("a") == node.get("a")
                      and _overlap(g_nodes[g], node)), None)
        if match:
            pairs[ident] = match
            free.discard(match)
    edits = diff(d_head, g_head)
    for ident, lines in d_blocks.items():
        edits += diff(lines, g_blocks.get(pairs[ident], [])) if ident in pairs else len(lines)
    edits += sum(len(g_blocks.get(g, [])) for g in free)
    scratch = len(g_head) + sum(len(v) for v in g_blocks.values())
    return {"edit lines": edits, "scratch lines": scratch, "ratio": round(edits / scratch, 3) if scratch else None,
            "paired nodes": len(pairs), "draft nodes": len(d_nodes), "gold nodes": len(g_nodes)}
