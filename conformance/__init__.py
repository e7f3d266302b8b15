"""The W3C SPARQL 1.0 and 1.1 query-evaluation tests, run over HTTP.

``python -m conformance.run`` (``make conformance``) serves each test's
dataset with ``kg serve --data FILE.nq --no-union-default-graph``, sends the
query through the SPARQL protocol and compares the answer with the expected
result using strict RDF term equality (blank nodes up to isomorphism).
"""
