"""gunicorn settings for the reliability runs (``-c python:reliability.gunicorn_conf``).

Only a hook: each worker, once it has loaded the app, leaves a file named by its pid
in ``RELIABILITY_READY_DIR``, so a run starts its load when every worker can answer,
not while some are still importing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def post_worker_init(worker: Any) -> None:
    ready = os.environ.get("RELIABILITY_READY_DIR")
    if ready:
        (Path(ready) / str(worker.pid)).touch()
