"""The Ed25519 key that signs tree heads.

Production points ``RELOOP_TRACE_KEY`` at a PEM file (PKCS#8, optionally encrypted
with ``RELOOP_TRACE_KEY_PASSWORD``) kept outside the database: whoever can write the
database must not also be able to sign. Without it, a key is generated once into the
instance folder so the embedded demo signs with a stable key.

Read here rather than in ``webapp.config`` because only the trace package uses it;
the value is still checked once, at first use, with a message naming the variable.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import Flask, current_app

from traceability import (
    TreeHeadError,
    generate_key,
    load_private_key,
    private_key_pem,
    public_key_bytes,
)

KEY_FILE = "trace-signing-key.pem"
_EXTENSION = "reloop.trace_key"


class TraceKeyError(RuntimeError):
    """The signing key cannot be loaded; the message names the setting."""


def signing_key(app: Flask | None = None) -> Ed25519PrivateKey:
    """The app's signing key, loaded (or generated) once per process."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if _EXTENSION not in app.extensions:
        app.extensions[_EXTENSION] = _load(app)
    key: Ed25519PrivateKey = app.extensions[_EXTENSION]
    return key


def public_key(app: Flask | None = None) -> Ed25519PublicKey:
    """The key a verifier pins."""
    return signing_key(app).public_key()


def public_key_id(app: Flask | None = None) -> str:
    """Hex SHA-256 of the raw public key: the fingerprint a regulator pins."""
    return hashlib.sha256(public_key_bytes(public_key(app))).hexdigest()


def _load(app: Flask) -> Ed25519PrivateKey:
    path = app.config.get("RELOOP_TRACE_KEY") or os.environ.get("RELOOP_TRACE_KEY")
    if path:
        password = os.environ.get("RELOOP_TRACE_KEY_PASSWORD")
        try:
            data = Path(path).read_bytes()
            return load_private_key(data, password=password.encode() if password else None)
        except OSError as exc:
            raise TraceKeyError(f"RELOOP_TRACE_KEY: cannot read {path}: {exc.strerror}") from exc
        except TreeHeadError as exc:
            raise TraceKeyError(f"RELOOP_TRACE_KEY: {path} is not an Ed25519 key: {exc}") from exc
    return _instance_key(Path(app.instance_path) / KEY_FILE)


def _instance_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_key_pem(generate_key()))
        # link() fails if the name exists: of two processes starting together, the
        # first key wins whole and the other process reads it.
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return load_private_key(path.read_bytes())
