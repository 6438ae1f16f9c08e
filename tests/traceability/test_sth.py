"""Signed tree heads: serialization, signing, verification, keys."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from traceability import (
    SignedTreeHead,
    TreeHeadError,
    generate_key,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_bytes,
    public_key_pem,
    sign_tree_head,
    verify_tree_head,
)
from traceability.sth import tree_head_bytes

ROOT = hashlib.sha256(b"root").digest()


def head(key: Ed25519PrivateKey) -> SignedTreeHead:
    return sign_tree_head(key, tree_size=42, root_hash=ROOT, timestamp_ms=1_740_000_000_000)


def test_signed_bytes_follow_the_documented_layout() -> None:
    """Prefix, log id with its length, size and time as big-endian u64, then the root."""
    data = tree_head_bytes("log", 1, 2, ROOT)
    assert data == b"ReLoop-STH-v1\n" + b"\x03log" + (1).to_bytes(8, "big") + (2).to_bytes(8, "big") + ROOT


def test_signed_head_verifies(key: Ed25519PrivateKey) -> None:
    """A fresh head verifies with its own key."""
    assert verify_tree_head(head(key))


def test_json_round_trip_verifies(key: Ed25519PrivateKey) -> None:
    """The JSON form carries all a verifier needs."""
    data = head(key).to_json_dict()
    assert data["key_id"] == hashlib.sha256(public_key_bytes(key.public_key())).hexdigest()
    assert SignedTreeHead.from_json_dict(data) == head(key)
    assert verify_tree_head(data)


@pytest.mark.parametrize("field", ["tree_size", "timestamp_ms", "root_hash", "log_id"])
def test_changed_field_fails(key: Ed25519PrivateKey, field: str) -> None:
    """Changing any signed field breaks the signature."""
    original = head(key)
    changed: dict[str, Any] = {"tree_size": 43, "timestamp_ms": 1, "root_hash": bytes(32), "log_id": "x"}
    assert not verify_tree_head(dataclasses.replace(original, **{field: changed[field]}))


def test_pinned_key_rejects_a_head_signed_by_another(key: Ed25519PrivateKey) -> None:
    """A head carrying its signer's key fails against the pinned key."""
    forged = head(generate_key())
    assert verify_tree_head(forged)
    assert not verify_tree_head(forged, public_key=key.public_key())


def test_key_id_must_match_the_key(key: Ed25519PrivateKey) -> None:
    """A JSON head whose key_id names another key is malformed."""
    data = {**head(key).to_json_dict(), "key_id": "00" * 32}
    with pytest.raises(TreeHeadError):
        SignedTreeHead.from_json_dict(data)
    assert not verify_tree_head(data)


def test_float_size_in_json_is_malformed(key: Ed25519PrivateKey) -> None:
    """Sizes are integers."""
    with pytest.raises(TreeHeadError):
        SignedTreeHead.from_json_dict({**head(key).to_json_dict(), "tree_size": 42.0})


def test_pem_round_trip_keeps_the_key(key: Ed25519PrivateKey) -> None:
    """Private and public keys load back from PEM, encrypted or not."""
    loaded = load_private_key(private_key_pem(key, password=b"pw"), password=b"pw")
    public = load_public_key(public_key_pem(key.public_key()))
    assert verify_tree_head(head(loaded), public_key=public)


def test_raw_keys_load(key: Ed25519PrivateKey) -> None:
    """32 raw bytes are accepted for both keys."""
    raw = public_key_bytes(key.public_key())
    assert verify_tree_head(head(key), public_key=raw)
    assert load_public_key(raw) == key.public_key()


def test_garbage_key_is_refused() -> None:
    """Loading something that is not a key raises TreeHeadError."""
    with pytest.raises(TreeHeadError):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
