"""gunicorn serving the app on a free loopback port, started and stopped by its pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from webapp.config import ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")


class ServerError(RuntimeError):
    """gunicorn did not come up (or not all its workers did) in time."""


@dataclass(frozen=True)
class Server:
    """A running gunicorn: where it listens, its master's pid and its log."""

    url: str
    pid: int
    workers: int
    log: Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(
    database_url: str,
    instance: Path,
    *,
    workers: int = 4,
    timeout_s: float = 120,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Run ``gunicorn 'webapp:create_app()'`` as the Procfile does, on loopback only.

    Yields once every worker has loaded the app; stops the master by its pid (TERM,
    then KILL) on exit.
    """
    instance.mkdir(parents=True, exist_ok=True)
    ready = instance / "ready"
    ready.mkdir(exist_ok=True)
    for stale in ready.iterdir():
        stale.unlink()
    port = free_port()
    log = instance / "gunicorn.log"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RELOOP_INSTANCE_PATH": str(instance),
        "RELOOP_SECRET_KEY": "reliability-secret-key",
        "RELIABILITY_READY_DIR": str(ready),
        **(env or {}),
    }
    environment.pop("HUEY_URL", None)
    environment.pop("REDIS_URL", None)
    command = [
        str(GUNICORN),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--config",
        "python:reliability.gunicorn_conf",
        "--error-logfile",
        str(log),
        "webapp:create_app()",
    ]
    with log.open("ab") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=sink, stderr=subprocess.STDOUT)
    server = Server(url=f"http://127.0.0.1:{port}", pid=process.pid, workers=workers, log=log)
    try:
        _wait_ready(server, process, ready, timeout_s)
        yield server
    finally:
        stop(process)


def _wait_ready(server: Server, process: subprocess.Popen[bytes], ready: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(
                f"gunicorn exited with {process.returncode}; see {server.log}:\n{_tail(server.log)}"
            )
        if len(list(ready.iterdir())) >= server.workers and _healthy(server.url):
            return
        time.sleep(0.2)
    raise ServerError(f"gunicorn was not ready after {timeout_s:g} s; see {server.log}:\n{_tail(server.log)}")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:  # noqa: S310 (loopback)
            return answer.status == 200
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes], *, grace_s: float = 20) -> None:
    """Stop gunicorn by its master's pid: TERM lets workers finish, KILL if they do not."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
