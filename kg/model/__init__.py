"""The model layer: namespaces and IRIs, the ontology's vocabulary, formats,
RDF terms and the typed errors. It imports nothing else from ``kg``."""
