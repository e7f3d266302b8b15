"""Why each remaining conformance test fails: a cause per test or per group.

``python -m conformance.causes build/conformance.json`` prints the Markdown
table of ``docs/conformance.md`` from a ``conformance.run --report`` file.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ENTAILMENT = "Needs an entailment regime (RDFS, OWL, D-entailment); the endpoint evaluates under simple entailment only."
SERVICE = "Uses SERVICE: refused on purpose, the endpoint never connects to another server (see README, Security)."
BY_VALUE = ("Oxigraph stores literals of XSD numeric, boolean and date types by value: a non-canonical lexical form "
            "(`01`, `+1`, `1.0e0`, `1.0E6`) or a derived integer type comes back in canonical form, so strict term equality fails.")
ENGINE_VALUE_MATCH = ("Same root cause: the store matches and compares such literals by value, so patterns and `sameTerm` "
                      "find terms that are only equal in value.")
# Tests whose cause was found by reading the answer (see docs/conformance.md).
BY_TEST = {
    "sparql10/open-world#open-eq-01": ENGINE_VALUE_MATCH,
    "sparql10/open-world#date-2": ENGINE_VALUE_MATCH,
    "sparql10/open-world#date-3": ENGINE_VALUE_MATCH,
    "sparql10/expr-builtin#dawg-str-1": ENGINE_VALUE_MATCH,
    "sparql10/expr-builtin#dawg-str-2": ENGINE_VALUE_MATCH,
    "sparql10/expr-builtin#sameTerm-simple": ENGINE_VALUE_MATCH,
    "sparql10/expr-builtin#sameTerm-eq": ENGINE_VALUE_MATCH,
    "sparql10/expr-builtin#sameTerm-not-eq": ENGINE_VALUE_MATCH,
    "sparql10/expr-equals#eq-graph-1": ENGINE_VALUE_MATCH,
    "sparql10/expr-equals#eq-graph-2": ENGINE_VALUE_MATCH,
    "sparql10/distinct#distinct-1": ENGINE_VALUE_MATCH,
    "sparql10/distinct#distinct-9": ENGINE_VALUE_MATCH,
    "sparql11/csv-tsv-res#csv03": BY_VALUE,
    "sparql10/expr-builtin#case-insensitive-booleans": "Oxigraph's parser rejects upper-case `TRUE` / `FALSE` boolean literals.",
    "sparql11/aggregates#agg-groupconcat-04": "GROUP_CONCAT of language-tagged strings: Oxigraph keeps the common language tag, the test expects a simple literal.",
    "sparql11/aggregates#agg-groupconcat-06": "GROUP_CONCAT of language-tagged strings: Oxigraph keeps the common language tag, the test expects a simple literal.",
    "sparql11/aggregates#agg-empty-group-count-graph": "Engine: an aggregate sub-select inside GRAPH ?g is evaluated once, not per named graph.",
    "sparql11/bindings#graph": "Engine: VALUES binding ?g inside GRAPH ?g is not joined per named graph.",
    "sparql11/functions#bnode01": "Engine: BNODE(str) returns the same blank node for the same string across solutions; the spec scopes it to one solution.",
    "sparql11/negation#graph-minus": "Engine: MINUS inside GRAPH ?g removes solutions across graphs.",
    "sparql10/graph#graph-variable-scope": "Engine: inside GRAPH ?g, ?g is bound for FILTER; the spec says it is not yet bound there.",
    "sparql10/graph#graph-optional": "Engine: OPTIONAL inside GRAPH ?g joining on ?g.",
    "sparql11/property-path#zero_or_more_set_start": "Engine: a zero-length path between constants on an empty dataset yields no solution.",
    "sparql11/property-path#zero_or_more_set_end": "Engine: a zero-length path between constants on an empty dataset yields no solution.",
    "sparql11/property-path#zero_or_one_set_start": "Engine: a zero-length path between constants on an empty dataset yields no solution.",
    "sparql11/property-path#zero_or_one_set_end": "Engine: a zero-length path between constants on an empty dataset yields no solution.",
}


def cause(test: str, reason: str) -> str:
    """The documented cause of one failure."""
    if test.startswith("sparql11/entailment"):
        return ENTAILMENT
    if test.startswith("sparql11/service#"):
        return SERVICE
    if test in BY_TEST:
        return BY_TEST[test]
    if "compared by value" in reason:
        return BY_VALUE
    return "Not yet explained: " + reason


def table(failures: list[dict]) -> str:
    rows = ["| test | cause |", "|---|---|"]
    for failure in failures:
        rows.append(f"| `{failure['test']}` | {cause(failure['test'], failure['reason'])} |")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    failures = json.loads(Path(argv[0]).read_text())
    counts = Counter(cause(f["test"], f["reason"]) for f in failures)
    for text, n in counts.most_common():
        print(f"<!-- {n}: {text[:70]} -->")
    print(table(failures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
