"""Benchmarks of rongrian against two reference servers; run with ``python -m bench``.

Nothing here is imported by the product or the tests; see bench/README.md.
"""
