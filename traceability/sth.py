"""Signed tree heads (checkpoints): Ed25519 over a fixed binary serialization.

What is signed (``SignedTreeHead.signed_bytes``), all integers big-endian::

    b"ReLoop-STH-v1\\n"          14 bytes, domain separation and version
    len(log_id)                  1 byte
    log_id                       UTF-8, 1-255 bytes
    tree_size                    8 bytes, unsigned
    timestamp_ms                 8 bytes, unsigned, milliseconds since the Unix epoch (UTC)
    root_hash                    32 bytes (RFC 9162 Merkle tree hash)

Binary rather than JSON so there is no canonicalization question; the same layout
as RFC 9162's ``TreeHeadDataToBeSigned`` plus a prefix and the log id, so a head of
one log can never pass for another's.

The JSON form carries the public key too, but a key that travels with the head only
proves the head was not altered after signing: anyone can rewrite a log and sign it
with a key of their own. A verifier must check against a key it obtained out of band
(``public_key=`` of :func:`verify_tree_head`; :func:`~traceability.verify.verify_export`
requires it), or at least compare :func:`key_fingerprint` with the fingerprint the
company registered.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from traceability.merkle import HASH_SIZE

STH_PREFIX = b"ReLoop-STH-v1\n"
DEFAULT_LOG_ID = "reloop-battery-trace"
ALGORITHM = "Ed25519"
_MAX_U64 = 2**64 - 1


class TreeHeadError(ValueError):
    """A tree head, key or its JSON form is malformed."""


@dataclass(frozen=True)
class SignedTreeHead:
    """A signed statement of the log's size and root at one moment."""

    log_id: str
    tree_size: int
    timestamp_ms: int
    root_hash: bytes
    signature: bytes
    public_key: bytes

    def __post_init__(self) -> None:
        _check_fields(self.log_id, self.tree_size, self.timestamp_ms, self.root_hash)
        if len(self.signature) != 64 or len(self.public_key) != 32:
            raise TreeHeadError("an Ed25519 signature has 64 bytes and a public key 32")

    def signed_bytes(self) -> bytes:
        """The exact bytes the signature covers (see the module docstring)."""
        return tree_head_bytes(self.log_id, self.tree_size, self.timestamp_ms, self.root_hash)

    @property
    def key_id(self) -> str:
        """Hex SHA-256 of the raw public key: the fingerprint to pin."""
        return key_fingerprint(self.public_key)

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready form: hashes in hex, signature and key in base64."""
        return {
            "version": 1,
            "algorithm": ALGORITHM,
            "log_id": self.log_id,
            "tree_size": self.tree_size,
            "timestamp_ms": self.timestamp_ms,
            "root_hash": self.root_hash.hex(),
            "signature": base64.b64encode(self.signature).decode("ascii"),
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
            "key_id": self.key_id,
        }

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> SignedTreeHead:
        """Read the form written by :meth:`to_json_dict`.

        Raises
        ------
        TreeHeadError
            When a field is missing or malformed, or ``key_id`` does not match the key.
        """
        if not isinstance(data, Mapping):
            raise TreeHeadError(f"the tree head is not a JSON object (found {type(data).__name__})")
        try:
            if data.get("version") != 1 or data.get("algorithm") != ALGORITHM:
                raise TreeHeadError("unsupported tree head version or algorithm")
            head = cls(
                log_id=str(data["log_id"]),
                tree_size=_int(data["tree_size"]),
                timestamp_ms=_int(data["timestamp_ms"]),
                root_hash=bytes.fromhex(str(data["root_hash"])),
                signature=base64.b64decode(str(data["signature"]), validate=True),
                public_key=base64.b64decode(str(data["public_key"]), validate=True),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, TreeHeadError):
                raise
            raise TreeHeadError(f"malformed tree head: {exc!r}") from exc
        if "key_id" in data and data["key_id"] != head.key_id:
            raise TreeHeadError("key_id does not match public_key")
        return head


def _int(value: Any) -> int:
    if type(value) is not int:
        raise TreeHeadError(f"expected an integer, got {value!r}")
    return value


def _check_fields(log_id: str, tree_size: int, timestamp_ms: int, root_hash: bytes) -> None:
    if not 1 <= len(log_id.encode("utf-8")) <= 255:
        raise TreeHeadError("log_id must be 1-255 bytes of UTF-8")
    if not (0 <= tree_size <= _MAX_U64 and 0 <= timestamp_ms <= _MAX_U64):
        raise TreeHeadError("tree_size and timestamp_ms must be unsigned 64-bit integers")
    if len(root_hash) != HASH_SIZE:
        raise TreeHeadError(f"root_hash must be {HASH_SIZE} bytes")


def tree_head_bytes(log_id: str, tree_size: int, timestamp_ms: int, root_hash: bytes) -> bytes:
    """Serialize the signed fields of a tree head (see the module docstring)."""
    _check_fields(log_id, tree_size, timestamp_ms, root_hash)
    name = log_id.encode("utf-8")
    return b"".join(
        (STH_PREFIX, bytes([len(name)]), name, struct.pack(">QQ", tree_size, timestamp_ms), root_hash)
    )


def sign_tree_head(
    key: Ed25519PrivateKey,
    *,
    tree_size: int,
    root_hash: bytes,
    timestamp_ms: int | None = None,
    log_id: str = DEFAULT_LOG_ID,
) -> SignedTreeHead:
    """Sign a tree head; ``timestamp_ms`` defaults to now."""
    when = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    message = tree_head_bytes(log_id, tree_size, when, root_hash)
    return SignedTreeHead(
        log_id, tree_size, when, root_hash, key.sign(message), public_key_bytes(key.public_key())
    )


def verify_tree_head(
    head: SignedTreeHead | Mapping[str, Any], *, public_key: Ed25519PublicKey | bytes | None = None
) -> bool:
    """True when the signature is valid.

    Parameters
    ----------
    head
        A :class:`SignedTreeHead` or its JSON form.
    public_key
        The pinned key to check against. Without it the key carried in the head
        is used, which proves integrity but not who signed.
    """
    try:
        parsed = head if isinstance(head, SignedTreeHead) else SignedTreeHead.from_json_dict(head)
        key = parsed.public_key if public_key is None else public_key
        verifier = key if isinstance(key, Ed25519PublicKey) else load_public_key(key)
        verifier.verify(parsed.signature, parsed.signed_bytes())
    except (InvalidSignature, TreeHeadError):
        return False
    return True


def generate_key() -> Ed25519PrivateKey:
    """Return a new Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def load_private_key(data: bytes, *, password: bytes | None = None) -> Ed25519PrivateKey:
    """Load a signing key from PEM (PKCS#8) or 32 raw bytes."""
    try:
        if len(data) == 32:
            return Ed25519PrivateKey.from_private_bytes(data)
        key = serialization.load_pem_private_key(data, password=password)
    except (TypeError, ValueError, UnsupportedAlgorithm) as exc:
        raise TreeHeadError(f"not an Ed25519 private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise TreeHeadError("the PEM key is not an Ed25519 key")
    return key


def load_public_key(data: bytes) -> Ed25519PublicKey:
    """Load a verification key: PEM (SubjectPublicKeyInfo), 32 raw bytes, or those
    32 bytes in base64 (as the tree head's ``public_key`` carries them) or hex.

    Raises
    ------
    TreeHeadError
        When ``data`` is none of these, or a key of another algorithm.
    """
    text = data.strip()
    try:
        if len(data) == 32:
            return Ed25519PublicKey.from_public_bytes(data)
        if text.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(text)
        elif len(text) == 64:
            return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text.decode("ascii")))
        else:
            raw = base64.b64decode(text, validate=True)
            if len(raw) != 32:
                raise TreeHeadError(
                    "expected a PEM public key, or 32 bytes raw, in base64 or in hex "
                    f"(found {len(data)} bytes that are none of these)"
                )
            return Ed25519PublicKey.from_public_bytes(raw)
    except (TypeError, ValueError, UnsupportedAlgorithm) as exc:
        if isinstance(exc, TreeHeadError):
            raise
        raise TreeHeadError(f"not an Ed25519 public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        kind = type(key).__name__.strip("_").removesuffix("PublicKey")
        raise TreeHeadError(f"the PEM key is a {kind} key, not Ed25519")
    return key


def key_fingerprint(key: Ed25519PublicKey | bytes) -> str:
    """Hex SHA-256 of the 32 raw key bytes: the fingerprint a company publishes."""
    raw = key if isinstance(key, bytes) else public_key_bytes(key)
    return hashlib.sha256(raw).hexdigest()


def private_key_pem(key: Ed25519PrivateKey, *, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM of ``key``, encrypted when a password is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM of ``key``."""
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of ``key``."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
