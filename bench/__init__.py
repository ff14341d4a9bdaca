"""Benchmark: throughput and peak memory of the bulk-export taps (python -m bench)."""
