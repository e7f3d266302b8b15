"""Scale work: the synthetic corpus generator and the benchmark suite
(``make bench`` runs ``python -m bench.run``; never part of ``make test``)."""
