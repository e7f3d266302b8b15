"""Drafting: a new article in, a reviewed draft of its mapping out.

``kg draft`` reads an article, proposes entities (reusing the ids the graph
already knows), office holdings, quotes, positions, numbers, dates and
events by rules over the text, and writes them in the mapping format with
every proposal marked ``proposed: {rule, confidence}`` and every span
checked against the text. Nothing here loads a model: the rules are regular
expressions, the article's own sentence rule and an Aho-Corasick automaton
over the labels of the graph (``pyahocorasick``).

Modules: ``proposals`` (the shared data types), ``gazetteer`` (known
entities and new names), ``quotes``, ``positions``, ``numbers``, ``dates``,
``events``, ``pipeline`` (runs them in order), ``writer`` (YAML),
``score`` (precision and recall against a curated mapping) and ``review``
(the HTML review page).
"""

from kg.authoring.draft.pipeline import Draft, draft_article

__all__ = ["Draft", "draft_article"]
