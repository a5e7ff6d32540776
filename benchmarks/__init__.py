"""Benchmarks for ``ikedoctor batch`` (see docs/batch.md)."""
