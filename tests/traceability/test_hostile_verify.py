"""Hostile exports and tree heads: forged signers, re-chained rewrites, junk heads and keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.traceability.conftest import EventFactory
from traceability import (
    Reference,
    TraceEvent,
    TraceLog,
    generate_key,
    public_key_bytes,
    public_key_pem,
    verify_export,
)

SIZE = 10


@pytest.fixture
def events(event: EventFactory) -> list[TraceEvent]:
    return [
        event(
            "received_at_outlet",
            f"S01PE0A1234567S5A{n:07d}",
            actor="o1",
            role="collector",
            location="O1",
            payload={"mass_g": 1000 + n},
        )
        for n in range(SIZE)
    ]


def _log(events: Sequence[TraceEvent]) -> TraceLog:
    log = TraceLog()
    for item in events:
        log.append(item)
    return log


@pytest.fixture
def signed(events: list[TraceEvent], key: Ed25519PrivateKey) -> tuple[list[str], dict[str, Any]]:
    """The genuine export and its head, signed by the company's key."""
    log = _log(events)
    return list(log.export_lines()), log.tree_head(key, timestamp_ms=1).to_json_dict()


def _rechained(events: Sequence[TraceEvent]) -> list[str]:
    """An export rebuilt from ``events``: every seq and prev consistent again."""
    return list(_log(events).export_lines())


def _changed(events: list[TraceEvent], index: int) -> list[TraceEvent]:
    forged = list(events)
    forged[index] = dataclasses.replace(events[index], location="FORGED")
    return forged


def test_a_forged_log_resigned_with_another_key_is_refused(
    events: list[TraceEvent], key: Ed25519PrivateKey
) -> None:
    """A wholly rewritten log with a valid signature by the attacker's key fails: untrusted key."""
    forged = _log(_changed(events, 3))
    head = forged.tree_head(generate_key()).to_json_dict()
    result = verify_export(list(forged.export_lines()), head, public_key=key.public_key())
    assert (result.ok, result.reason) == (False, "untrusted_key")


def test_a_truncated_log_resigned_with_another_key_is_refused(
    events: list[TraceEvent], key: Ed25519PrivateKey
) -> None:
    """Cutting the log and signing the shorter tree with another key fails."""
    short = _log(events[:4])
    head = short.tree_head(generate_key()).to_json_dict()
    assert verify_export(list(short.export_lines()), head, public_key=key.public_key()).reason == (
        "untrusted_key"
    )


def test_an_empty_log_with_a_foreign_size_zero_head_is_refused(key: Ed25519PrivateKey) -> None:
    """An empty export and a size-0 head signed by someone else fail."""
    head = TraceLog().tree_head(generate_key()).to_json_dict()
    assert verify_export([], head, public_key=key.public_key()).reason == "untrusted_key"


def test_a_size_zero_head_of_the_trusted_key_verifies_nothing(key: Ed25519PrivateKey) -> None:
    """A genuine size-0 head over an empty export is only 'consistent with an empty log', not OK."""
    head = TraceLog().tree_head(key, timestamp_ms=1).to_json_dict()
    result = verify_export([], head, public_key=key.public_key())
    assert (result.ok, result.reason) == (False, "empty_log")
    assert "nothing is verified" in result.message and "1970-01-01" in result.message


def test_the_trusted_key_is_accepted_as_pem_raw_base64_or_hex(
    signed: tuple[list[str], dict[str, Any]], key: Ed25519PrivateKey
) -> None:
    """Every form the app hands out (PEM file, the head's base64, raw, hex) pins the same key."""
    import base64

    lines, head = signed
    raw = public_key_bytes(key.public_key())
    for form in (public_key_pem(key.public_key()), raw, base64.b64encode(raw) + b"\n", raw.hex().encode()):
        assert verify_export(lines, head, public_key=form).ok


@pytest.mark.parametrize("index", [0, 3, SIZE - 1])
def test_a_changed_and_rechained_log_is_not_blamed_on_the_last_entry(
    events: list[TraceEvent], signed: tuple[list[str], dict[str, Any]], key: Ed25519PrivateKey, index: int
) -> None:
    """Without a reference the verifier says the log was re-chained and names no entry."""
    _lines, head = signed
    result = verify_export(_rechained(_changed(events, index)), head, public_key=key.public_key())
    assert (result.ok, result.reason, result.first_bad_index) == (False, "root_mismatch", None)
    assert "re-chained" in result.message


@pytest.mark.parametrize("index", [0, 3, SIZE - 1])
def test_a_changed_and_rechained_log_names_the_first_changed_entry(
    events: list[TraceEvent], signed: tuple[list[str], dict[str, Any]], key: Ed25519PrivateKey, index: int
) -> None:
    """With an earlier export as reference, the first changed entry is named by seq and event id."""
    lines, head = signed
    result = verify_export(
        _rechained(_changed(events, index)),
        head,
        public_key=key.public_key(),
        reference=Reference.from_lines(lines),
    )
    assert (result.reason, result.first_bad_index) == ("changed", index)
    assert result.first_bad_event_id == events[index].event_id


def test_leaf_hashes_locate_the_change_as_well_as_an_export(
    events: list[TraceEvent], signed: tuple[list[str], dict[str, Any]], key: Ed25519PrivateKey
) -> None:
    """A reference of hex leaf hashes (the tree's level 0) names the same first entry."""
    _lines, head = signed
    hashes = [_log(events).tree.leaf_hash(i).hex() + "\n" for i in range(SIZE)]
    result = verify_export(
        _rechained(_changed(events, 6)),
        head,
        public_key=key.public_key(),
        reference=Reference.from_lines(hashes),
    )
    assert (result.reason, result.first_bad_index) == ("changed", 6)


@pytest.mark.parametrize("index", [0, 4, SIZE - 2])
def test_a_reordered_and_rechained_log_names_the_first_moved_entry(
    events: list[TraceEvent], signed: tuple[list[str], dict[str, Any]], key: Ed25519PrivateKey, index: int
) -> None:
    """Two entries swapped and the chain rebuilt: reported as reordered at the first of them."""
    lines, head = signed
    swapped = list(events)
    swapped[index], swapped[index + 1] = swapped[index + 1], swapped[index]
    result = verify_export(
        _rechained(swapped), head, public_key=key.public_key(), reference=Reference.from_lines(lines)
    )
    assert (result.reason, result.first_bad_index) == ("reordered", index)


@pytest.mark.parametrize("index", [0, 4, SIZE - 2])
def test_a_deletion_with_the_rest_rechained_is_not_a_truncation(
    events: list[TraceEvent], signed: tuple[list[str], dict[str, Any]], key: Ed25519PrivateKey, index: int
) -> None:
    """A removed entry is named where it was, with its event id, not at the end of the export."""
    lines, head = signed
    shorter = _rechained(events[:index] + events[index + 1 :])
    plain = verify_export(shorter, head, public_key=key.public_key())
    assert (plain.reason, plain.first_bad_index) == ("removed", None) and "ends" not in plain.message
    located = verify_export(shorter, head, public_key=key.public_key(), reference=Reference.from_lines(lines))
    assert (located.reason, located.first_bad_index) == ("removed", index)
    assert located.first_bad_event_id == events[index].event_id


def test_an_insertion_with_the_rest_rechained_is_named(
    events: list[TraceEvent],
    signed: tuple[list[str], dict[str, Any]],
    key: Ed25519PrivateKey,
    event: EventFactory,
) -> None:
    """An entry slipped in and the chain rebuilt is reported as inserted where it sits."""
    lines, head = signed
    extra = event(
        "received_at_outlet", "S01PE0A1234567S5A7777777", actor="o1", role="collector", location="O1"
    )
    longer = _rechained([*events[:5], extra, *events[5:]])
    result = verify_export(
        longer, head, public_key=key.public_key(), reference=Reference.from_lines(lines), allow_newer=True
    )
    assert (result.reason, result.first_bad_index, result.first_bad_event_id) == (
        "inserted",
        5,
        extra.event_id,
    )


def test_a_reference_forged_with_the_log_is_refused(
    events: list[TraceEvent], signed: tuple[list[str], dict[str, Any]], key: Ed25519PrivateKey
) -> None:
    """A reference that does not rebuild the signed root cannot vouch for anything."""
    _lines, head = signed
    forged = _rechained(_changed(events, 2))
    result = verify_export(forged, head, public_key=key.public_key(), reference=Reference.from_lines(forged))
    assert result.reason == "bad_reference"


@pytest.mark.parametrize("junk", [[1, 2], "head", 7, None, True])
def test_a_head_that_is_not_an_object_gets_a_message(
    signed: tuple[list[str], dict[str, Any]], key: Ed25519PrivateKey, junk: Any
) -> None:
    """A JSON array, string, number or null as the head is refused with a message, no traceback."""
    lines, _head = signed
    result = verify_export(lines, junk, public_key=key.public_key())
    assert (result.reason, result.ok) == ("bad_tree_head", False) and "not a JSON object" in result.message


def _foreign_pem(kind: str) -> bytes:
    private = (
        rsa.generate_private_key(65537, 2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())
    )
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize("kind", ["rsa", "ec", "junk", "empty"])
def test_a_trusted_key_that_is_not_ed25519_gets_a_message(
    signed: tuple[list[str], dict[str, Any]], kind: str
) -> None:
    """An RSA or EC key, random bytes or an empty file is refused as a key, with no traceback."""
    lines, head = signed
    data = {"junk": b"not a key at all \x00\xff", "empty": b""}.get(kind) or _foreign_pem(kind)
    result = verify_export(lines, head, public_key=data)
    assert (result.ok, result.reason) == (False, "bad_key") and "key" in result.message
