"""Benchmarks: scripts that print figures (``python -m bench.<name>``); ``make bench`` runs them all through
``python -m bench.suite``, which prints one table of their headline figures (``bench.results``)."""
