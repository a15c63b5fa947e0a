"""Benchmarks run by ``nox -s bench``; each module's ``run()`` returns rows for the docs."""
