"""The review page: the article with every proposal highlighted by kind
and confidence, each linked to its YAML entry, and the sentences no
proposal covers. One self-contained HTML file (no script, no external
resource); every piece of article text is escaped.
"""

from __future__ import annotations

import bisect
from html import escape

from kg.authoring.draft.pipeline import Draft
from kg.authoring.draft.writer import node_lines

GROUPS = {"person": "entity", "state": "entity", "org": "entity", "group": "entity", "place": "entity",
          "office": "office", "holding": "office", "event": "event", "participation": "event",
          "quote": "quote", "position": "position", "topic": "position", "quantity": "number",
          "quantitykind": "number"}
COLOURS = {"entity": "#cfe8ff", "office": "#e6d9ff", "event": "#ffe2bf", "quote": "#d5f5d0",
           "position": "#fff3a8", "number": "#ffd0dc"}
CSS = """
body{font:16px/1.55 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 2rem;color:#222}
article{white-space:pre-wrap;border:1px solid #ccc;padding:1rem;background:#fcfcfc}
a.p{color:inherit;text-decoration:none;border-bottom:2px solid #888}
a.p.c-low{border-bottom-style:dotted}a.p.c-mid{border-bottom-style:dashed}a.p.c-high{border-bottom-style:solid}
pre{background:#f4f4f4;padding:.5rem;overflow-x:auto;margin:.4rem 0}pre:target{outline:3px solid #c60}
.legend span{padding:0 .4rem;margin-right:.4rem}li.uncovered{margin:.3rem 0}
""" + "".join(f".k-{k}{{background:{v}}}" for k, v in COLOURS.items())


def _confidence_class(value: float) -> str:
    return "c-high" if value >= 0.8 else "c-mid" if value >= 0.5 else "c-low"


def render(draft: Draft) -> str:
    """The review page as one HTML document."""
    text = draft.text
    spans = []  # (start, end, node index)
    for index, node in enumerate(draft.nodes):
        for start, end in node.spans:
            spans.append((start, end, index))
    cuts = sorted({0, len(text)} | {s for s, _, _ in spans} | {e for _, e, _ in spans})
    best: dict[int, tuple[int, int]] = {}  # segment start -> (length, node index) of the shortest covering span
    for start, end, index in spans:
        i = bisect.bisect_left(cuts, start)
        while i < len(cuts) - 1 and cuts[i] < end:
            current = best.get(cuts[i])
            if current is None or end - start < current[0]:
                best[cuts[i]] = (end - start, index)
            i += 1
    parts = []
    for a, b in zip(cuts, cuts[1:]):
        piece = escape(text[a:b])
        if a in best:
            node = draft.nodes[best[a][1]]
            group = GROUPS.get(node.kind, "position")
            title = escape(f"{node.id} · {node.rule} · confidence {node.confidence:.2f}")
            parts.append(f'<a class="p k-{group} {_confidence_class(node.confidence)}" href="#n-{best[a][1]}" '
                         f'title="{title}" data-id="{escape(node.id)}">{piece}</a>')
        else:
            parts.append(piece)
    entries = []
    for index, node in enumerate(draft.nodes):
        yaml_text = "\n".join(node_lines(node, text, accept_all=False, known=node.id in draft.known))
        entries.append(f'<pre id="n-{index}" class="entry k-{GROUPS.get(node.kind, "position")}">{escape(yaml_text)}</pre>')
    covered = [(s, e) for s, e, _ in spans]
    uncovered = [escape(text[s:e]) for s, e in draft.sentences if not any(cs < e and s < ce for cs, ce in covered)]
    counts = {}
    for node in draft.nodes:
        counts[GROUPS.get(node.kind, "position")] = counts.get(GROUPS.get(node.kind, "position"), 0) + 1
    legend = "".join(f'<span class="k-{k}">{k}: {counts.get(k, 0)}</span>' for k in COLOURS)
    uncovered_html = "".join(f'<li class="uncovered">{u}</li>' for u in uncovered) or "<li>none</li>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Draft review: {escape(draft.slug)}</title><style>{CSS}</style></head>
<body>
<h1>Draft review: {escape(draft.slug)}</h1>
<p>Published {draft.published.isoformat()}. {len(draft.nodes)} proposals. Underline: solid = confidence ≥ 0.8,
dashed ≥ 0.5, dotted below. Each highlight links to its entry in the draft mapping.</p>
<p class="legend">{legend}</p>
<h2>Article</h2>
<article id="text">{''.join(parts)}</article>
<h2 id="uncovered-title">Sentences no proposal covers ({len(uncovered)})</h2>
<ol id="uncovered">{uncovered_html}</ol>
<h2>Draft mapping entries</h2>
<section id="entries">{''.join(entries)}</section>
</body></html>
"""
