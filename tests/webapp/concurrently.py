"""Helpers of the concurrency tests: the app served on loopback by a threaded server, and
a burst of requests released together from real threads.

Each request gets its own thread, app context and database connection, as under
gunicorn; the barrier lines the threads up so their checks and writes overlap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import requests
from flask import Flask
from werkzeug.serving import make_server

from reliability import figures

T = TypeVar("T")


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` with one thread per request on a free 127.0.0.1 port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=30)


def burst(count: int, send: Callable[[int], T]) -> list[T]:
    """Call ``send(0..count-1)`` from ``count`` threads released at the same moment."""
    start = threading.Barrier(count)

    def run(index: int) -> T:
        start.wait(timeout=60)
        return send(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def post_json(url: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
    """POST JSON with a fresh connection; (status, parsed body or the text)."""
    response = requests.post(url, json=body, headers=headers, timeout=120)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text[:500]


def report(app: Flask, section: str, statuses: list[int], *, stored: int) -> None:
    """Add a race's figures to ``make reliability``'s table: requests, rows beyond one, 5xx."""
    backend = app.extensions["reloop.engine"].dialect.name
    figures.report(
        f"{section}-{backend}",
        requests=len(statuses),
        duplicated=max(stored - 1, 0),
        server_errors=sum(s >= 500 for s in statuses),
    )
