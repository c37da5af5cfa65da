"""Benchmarks: `make bench` (see bench/README.md). Nothing here runs in the test suite."""
