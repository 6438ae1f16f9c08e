"""The battery traceability log in the database: recording, proofs, tree heads, ingest.

- ``operations``: :func:`record_events` / :func:`record_event`, the one way into the log.
- ``inputs`` / ``csvimport``: checking events from JSON and CSV.
- ``store``: the ``merkle_node`` table as a :class:`traceability.NodeStore`.
- ``treeheads`` / ``verification``: signed heads, inclusion and consistency proofs, the badge.
- ``api`` (``/api/v1``), ``views`` (staff actions), ``cli`` (``reloop trace``), ``demo``.
"""
