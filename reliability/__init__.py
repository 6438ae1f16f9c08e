"""Reliability runs of issue 8: load, faults and hostile input against a real server.

These are pytest files that take minutes, so they live outside ``tests/`` and run
with ``make reliability`` (on SQLite and on PostgreSQL), never with ``make test``.
Each run reports its figures with :func:`reliability.figures.report`.
"""
