"""The views layer: what pages show, as data. ``assemble`` has one assembler
per page kind, each returning the context that both the HTML template and the
JSON twin render (``context.jsonable``); the other modules arrange
descriptions, profiles, evidence, search, timeline and ontology docs for
them. Imports ``kg.model`` and ``kg.storage``."""
