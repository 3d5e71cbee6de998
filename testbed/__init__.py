"""What the tests and the benchmarks both stand on: local servers, builders of feeds and pages,
settings for a sandboxed run, the delivery worker a crash test kills.

Neither the product nor a test module: ``tests/`` and ``bench/`` import it, so a benchmark never
imports test code, and it is not installed with the package (only ``monitor*`` is).
"""
