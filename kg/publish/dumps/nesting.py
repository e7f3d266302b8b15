"""Which blank nodes Turtle and TriG write inline, as ``[ ... ]``.

A blank node is written inline where it is used when it is the object of
exactly one triple, occurs in one graph only (a node shared by graphs, or
naming one, keeps its label) and is not part of a cycle of such nodes (a
cycle has no outside place to be written in). Everything needed is in
the rows that mention a blank node, which the canonical order keeps in
memory anyway.
"""

from __future__ import annotations

from collections import Counter

from kg.publish.dumps.order import Row, fields


class Nesting:
    """Inline blank nodes of one dump, from its blank-node rows."""

    def __init__(self, blank_rows: list[Row]):
        self.own: dict[tuple[str, str], list[tuple[str, str]]] = {}
        uses: Counter = Counter()
        referrer: dict[tuple[str, str], str] = {}
        graphs: dict[str, set[str]] = {}
        for row in blank_rows:
            g, s, p, o = fields(row)
            for term in (s, o):
                if term.startswith("_:"):
                    graphs.setdefault(term, set()).add(g)
            if g.startswith("_:"):
                graphs.setdefault(g, set()).add("(graph name)")
            if s.startswith("_:"):
                self.own.setdefault((g, s), []).append((p, o))
            if o.startswith("_:"):
                uses[(g, o)] += 1
                referrer[(g, o)] = s
        # Once used, in one graph only (a node shared by graphs keeps its label).
        once = {key for key, n in uses.items() if n == 1 and len(graphs[key[1]]) == 1}
        self.inline = {key for key in once if not _in_cycle(key, once, referrer)}

    def is_inline(self, graph: str, node: str) -> bool:
        return (graph, node) in self.inline

    def inner(self, graph: str, term: str) -> list[tuple[str, str]] | None:
        """The predicate-object pairs to write inside ``[ ]``, or None if
        ``term`` is not written inline."""
        if term.startswith("_:") and (graph, term) in self.inline:
            return self.own.get((graph, term), [])
        return None


def _in_cycle(key: tuple[str, str], once: set, referrer: dict) -> bool:
    """Does following the single referrers from ``key`` come back to it?"""
    graph, node = key
    seen = {node}
    up = referrer[key]
    while up.startswith("_:") and (graph, up) in once:
        if up in seen:
            return True
        seen.add(up)
        up = referrer[(graph, up)]
    return False
