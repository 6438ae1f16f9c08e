"""Running a locustfile headless in its own process, bounded in time.

Locust patches the standard library with gevent when it is imported, so it never
runs inside the pytest process: it runs as ``locust --headless`` and its locustfile
writes what the simulated users saw to ``RELOOP_LOAD_OUT`` as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LOCUST = Path(sys.executable).with_name("locust")


class SwarmError(RuntimeError):
    """Locust did not finish or wrote nothing; the message ends with its log."""


def run_locust(
    locustfile: str,
    user_class: str,
    *,
    host: str,
    users: int,
    run_time_s: int,
    out_dir: Path,
    env: dict[str, str],
    spawn_rate: float | None = None,
    stop_timeout_s: int = 15,
) -> dict[str, Any]:
    """Run ``users`` of ``user_class`` against ``host`` (a loopback URL) for at most ``run_time_s``.

    Returns the JSON the locustfile wrote when it quit. Locust's own exit status is
    not used: it says only that some request failed, which the caller counts itself.
    """
    if not host.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise SwarmError(f"load runs target loopback addresses only, not {host}")
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{user_class}.json"
    log = out_dir / f"{user_class}.log"
    command = [
        str(LOCUST),
        "-f",
        str(HERE / locustfile),
        user_class,
        "--headless",
        "--host",
        host,
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate or users),
        "--run-time",
        f"{run_time_s}s",
        "--stop-timeout",
        str(stop_timeout_s),
        "--only-summary",
    ]
    environment = {**os.environ, **env, "RELOOP_LOAD_OUT": str(out)}
    with log.open("wb") as sink:
        try:
            subprocess.run(
                command,
                env=environment,
                stdout=sink,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=run_time_s + stop_timeout_s + 60,
            )
        except subprocess.TimeoutExpired:
            raise SwarmError(f"locust ran past its time limit:\n{_tail(log)}") from None
    if not out.exists():
        raise SwarmError(f"locust wrote no results:\n{_tail(log)}")
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
