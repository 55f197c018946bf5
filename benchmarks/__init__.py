"""Benchmarks of IOP Outcomes against its peers, run by ``make bench`` (see README.md)."""
