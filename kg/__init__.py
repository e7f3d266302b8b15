"""Diplomatic news as an RDF knowledge graph: ontology, build, store, queries.

The library knows nothing about the web service; ``server`` imports ``kg``,
never the reverse.
"""

__version__ = "0.1.0"
