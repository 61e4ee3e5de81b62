"""Benchmarks run by hand (``make bench`` or ``python -m bench [name]``): they print figures, not verdicts.

Each benchmark module in ``bench.__main__.BENCHMARKS`` has ``run(options) -> str`` that starts what it
needs as subprocesses, stops all of it before returning, writes its figures to ``bench/results/`` as
JSON and returns the table to print.
"""
