"""Offline verification of exports: the log, tree heads, tamper localisation."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.traceability.conftest import EventFactory
from traceability import (
    MerkleTree,
    TraceLog,
    VerifyResult,
    generate_key,
    leaf_hash,
    verify_consistency,
    verify_export,
    verify_inclusion,
)

SIZE = 12
Verify = Callable[..., VerifyResult]


@pytest.fixture
def verify(key: Ed25519PrivateKey) -> Verify:
    """verify_export with the signer's real key as the trusted key."""
    return functools.partial(verify_export, public_key=key.public_key())


@pytest.fixture
def log(event: EventFactory) -> TraceLog:
    log = TraceLog()
    for n in range(SIZE):
        log.append(
            event(
                "received_at_outlet",
                f"S01PE0A1234567S5A{n:07d}",
                actor="o1",
                role="collector",
                location="O1",
                payload={"mass_g": 1000 + n},
            )
        )
    return log


@pytest.fixture
def lines(log: TraceLog) -> list[str]:
    return list(log.export_lines())


@pytest.fixture
def head(log: TraceLog, key: Ed25519PrivateKey) -> dict[str, Any]:
    return log.tree_head(key, timestamp_ms=1).to_json_dict()


def test_untouched_export_verifies(verify: Verify, lines: list[str], head: dict[str, Any]) -> None:
    """An export and its tree head verify."""
    result = verify(lines, head)
    assert result.ok and result.reason == "verified" and result.entries_read == SIZE


def test_log_root_is_the_merkle_root_of_its_lines(log: TraceLog, lines: list[str]) -> None:
    """The export lines are exactly the leaves."""
    tree = MerkleTree()
    for line in lines:
        tree.append(line.rstrip("\n").encode())
    assert tree.root() == log.root()


def test_inclusion_proof_for_an_event(log: TraceLog) -> None:
    """An event's leaf is proven to be in the signed tree."""
    proof = log.inclusion_proof(5)
    assert verify_inclusion(log.entry(5).leaf_hash, 5, log.size, proof, log.root())


def test_consistency_between_two_heads(log: TraceLog) -> None:
    """A later head extends an earlier one."""
    proof = log.consistency_proof(5)
    assert verify_consistency(5, log.size, log.root(5), log.root(), proof)


@pytest.mark.parametrize("index", [0, 4, SIZE - 2])
def test_changed_event_is_named(verify: Verify, lines: list[str], head: dict[str, Any], index: int) -> None:
    """A changed event is reported by index and id, wherever it is."""
    lines[index] = lines[index].replace('"mass_g":', '"mass_g":9')
    result = verify(lines, head)
    assert (result.ok, result.reason, result.first_bad_index) == (False, "changed", index)
    assert result.first_bad_event_id == f"e{index + 1}"


@pytest.mark.parametrize("index", [0, 4, SIZE - 2])
def test_removed_event_is_named(verify: Verify, lines: list[str], head: dict[str, Any], index: int) -> None:
    """A removed event is reported at its position."""
    del lines[index]
    result = verify(lines, head)
    assert (result.ok, result.reason, result.first_bad_index) == (False, "removed", index)


@pytest.mark.parametrize("index", [0, 4, SIZE - 2])
def test_swapped_events_are_named(verify: Verify, lines: list[str], head: dict[str, Any], index: int) -> None:
    """Two swapped events are reported at the first of them."""
    lines[index], lines[index + 1] = lines[index + 1], lines[index]
    result = verify(lines, head)
    assert (result.reason, result.first_bad_index) == ("reordered", index)


@pytest.mark.parametrize("index", [0, 4, SIZE - 1])
def test_inserted_copy_is_named(verify: Verify, lines: list[str], head: dict[str, Any], index: int) -> None:
    """A duplicated line inserted anywhere is reported where it sits."""
    lines.insert(index, lines[(index + 3) % SIZE])
    result = verify(lines, head)
    assert (result.ok, result.reason, result.first_bad_index) == (False, "inserted", index)


def test_forged_insert_with_consistent_fields_is_named(
    verify: Verify, log: TraceLog, event: EventFactory, head: dict[str, Any]
) -> None:
    """A forged entry that claims the right seq and prev is still found."""
    forged_log = TraceLog()
    for seq in range(4):
        forged_log.append(log.entry(seq).event)
    forged_log.append(
        event("received_at_outlet", "S01PE0A1234567S5A9999999", actor="o1", role="collector", location="O1")
    )
    lines = list(log.export_lines())
    lines.insert(4, next(forged_log.export_lines(start=4)))
    result = verify(lines, head)
    assert (result.reason, result.first_bad_index) == ("inserted", 4)


def test_appended_event_is_refused_by_default(
    verify: Verify, log: TraceLog, event: EventFactory, head: dict[str, Any]
) -> None:
    """Entries beyond the signed size fail unless newer exports are allowed."""
    log.append(
        event("received_at_outlet", "S01PE0A1234567S5A8888888", actor="o1", role="collector", location="O1")
    )
    lines = list(log.export_lines())
    assert verify(lines, head).reason == "extra_entries"
    assert verify(lines, head, allow_newer=True).ok


def test_truncated_export_fails(verify: Verify, lines: list[str], head: dict[str, Any]) -> None:
    """An export shorter than the signed size fails as missing entries, without guessing where."""
    result = verify(lines[:-3], head)
    assert (result.ok, result.reason, result.first_bad_index) == (False, "removed", None)
    assert "3 are missing" in result.message


def test_forged_signature_fails(verify: Verify, lines: list[str], head: dict[str, Any]) -> None:
    """A head whose signature does not match is refused before any hashing."""
    bad = {**head, "tree_size": SIZE - 1}
    assert verify(lines, bad).reason == "bad_signature"


def test_pinned_key_rejects_a_resigned_export(verify: Verify, log: TraceLog, lines: list[str]) -> None:
    """Re-signing with another key fails: the head does not carry the trusted key."""
    other = log.tree_head(generate_key()).to_json_dict()
    assert verify(lines, other).reason == "untrusted_key"


def test_blank_lines_are_ignored(verify: Verify, lines: list[str], head: dict[str, Any]) -> None:
    """Trailing or interleaved blank lines carry nothing."""
    assert verify(["\n", *lines, "\n"], head).ok


def test_canonical_check_catches_a_reformatted_line(
    verify: Verify, lines: list[str], head: dict[str, Any]
) -> None:
    """With check_canonical, a line that is not a valid entry is named."""
    lines[2] = lines[2].replace('"o1"', '"o1" ', 1)
    result = verify(lines, head, check_canonical=True)
    assert (result.reason, result.first_bad_index) == ("not_canonical", 2)


def test_leaf_hash_of_line_matches_entry(log: TraceLog, lines: list[str]) -> None:
    """A regulator can hash a line themselves and find it in the tree."""
    assert leaf_hash(lines[3].rstrip("\n").encode()) == log.tree.leaf_hash(3)
