"""Reproducible performance measurements; run each module with ``python -m benchmarks.<name>``."""
