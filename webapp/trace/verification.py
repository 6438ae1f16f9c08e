"""The verification badge: recompute a battery's entries against the latest signed head.

Nothing stored is taken on trust except the bytes being checked: each entry's leaf
hash is recomputed from its stored line, its audit path is rebuilt from the stored
nodes, and the root it leads to must be the root signed in the latest tree head,
whose signature is checked with the app's public key (the key a regulator pins,
shown by its ``key_id``). Entries newer than that head are reported as pending.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session, col, select

from traceability import (
    SignedTreeHead,
    leaf_hash,
    public_key_bytes,
    verify_consistency,
    verify_inclusion,
    verify_tree_head,
)
from webapp.models import BatteryLink, TraceEventRow
from webapp.trace.store import DbNodeStore, planned
from webapp.trace.treeheads import latest_tree_head, tree_heads


class CheckStatus(StrEnum):
    """Outcome for one entry, and for the battery as a whole."""

    VERIFIED = "verified"
    PENDING = "pending"  # newer than the latest signed head
    FAILED = "failed"
    NO_TREE_HEAD = "no_tree_head"


@dataclass(frozen=True)
class EntryCheck:
    """How one entry fared."""

    seq: int
    event_id: str
    status: CheckStatus
    reason: str = ""


@dataclass(frozen=True)
class Verification:
    """The badge: overall status, the head checked against and each entry's result."""

    code: str
    status: CheckStatus
    tree_head: SignedTreeHead | None
    key_id: str
    checks: tuple[EntryCheck, ...]
    reason: str = ""

    @property
    def verified_count(self) -> int:
        """Entries proven included under the signed root."""
        return sum(1 for c in self.checks if c.status is CheckStatus.VERIFIED)


def verify_battery(session: Session, code: str, key: Ed25519PublicKey) -> Verification:
    """Recompute every entry that touched ``code`` against the latest signed head."""
    key_id = _key_id(key)
    rows = _entries(session, code)
    head = latest_tree_head(session)
    if head is None:
        return Verification(code, CheckStatus.NO_TREE_HEAD, None, key_id, ())
    if not verify_tree_head(head, public_key=key):
        return Verification(
            code,
            CheckStatus.FAILED,
            head,
            key_id,
            (),
            "the tree head signature does not verify with the pinned key",
        )
    store = DbNodeStore(session)
    if head.tree_size > store.count(0):
        return Verification(
            code,
            CheckStatus.FAILED,
            head,
            key_id,
            (),
            f"the signed head covers {head.tree_size} entries; the database holds {store.count(0)}",
        )
    covered = [seq for seq, *_ in rows if seq < head.tree_size]
    paths = planned(store, lambda t: {s: t.inclusion_proof(s, head.tree_size) for s in covered})
    checks = tuple(
        _check(seq, event_id, line, stored, head, paths.get(seq)) for seq, event_id, stored, line in rows
    )
    return Verification(code, _overall(checks), head, key_id, checks)


def _check(
    seq: int, event_id: str, line: str, stored: str, head: SignedTreeHead, path: list[bytes] | None
) -> EntryCheck:
    digest = leaf_hash(line.encode("utf-8"))
    if digest.hex() != stored:
        return EntryCheck(
            seq, event_id, CheckStatus.FAILED, "the stored line does not hash to its recorded leaf hash"
        )
    if path is None:
        return EntryCheck(seq, event_id, CheckStatus.PENDING, "recorded after the latest signed tree head")
    if not verify_inclusion(digest, seq, head.tree_size, path, head.root_hash):
        return EntryCheck(
            seq, event_id, CheckStatus.FAILED, "the entry is not included under the signed root"
        )
    return EntryCheck(seq, event_id, CheckStatus.VERIFIED)


def _overall(checks: tuple[EntryCheck, ...]) -> CheckStatus:
    statuses = {c.status for c in checks}
    if CheckStatus.FAILED in statuses:
        return CheckStatus.FAILED
    if CheckStatus.PENDING in statuses:
        return CheckStatus.PENDING
    return CheckStatus.VERIFIED


def _entries(session: Session, code: str) -> list[tuple[int, str, str, str]]:
    # Raw rows, not parsed events: a tampered line must reach the check, not crash a parser.
    linked = session.exec(
        select(BatteryLink.since_seq, BatteryLink.until_seq).where(BatteryLink.child_code == code)
    ).all()
    seqs = {s for pair in linked for s in pair if s is not None}
    columns = (TraceEventRow.seq, TraceEventRow.event_id, TraceEventRow.leaf_hash, TraceEventRow.line)
    # Two indexed lookups: "code = ... OR seq IN (...)" may scan the whole log.
    rows = {
        r[0]: tuple(r) for r in session.exec(select(*columns).where(TraceEventRow.battery_code == code)).all()
    }
    if seqs:
        rows.update(
            {
                r[0]: tuple(r)
                for r in session.exec(select(*columns).where(col(TraceEventRow.seq).in_(seqs))).all()
            }
        )
    return [rows[seq] for seq in sorted(rows)]  # type: ignore[misc]


def _key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_key_bytes(key)).hexdigest()


@dataclass(frozen=True)
class HeadCheck:
    """One issued head: its signature, and its consistency with the head before it."""

    head: SignedTreeHead
    signature_ok: bool
    consistent_with_previous: bool | None  # None for the first head


def check_heads(session: Session, key: Ed25519PublicKey, *, limit: int = 30) -> list[HeadCheck]:
    """Newest heads first, each checked against the pinned key and its predecessor.

    Consecutive heads must be prefixes of one another (RFC 9162 consistency proof
    rebuilt from the stored nodes): a log that was rewritten after a head was
    signed fails here even if every current entry verifies against the newest head.
    """
    heads = sorted(tree_heads(session, limit=limit), key=lambda h: (h.timestamp_ms, h.tree_size))
    store = DbNodeStore(session)
    checks: list[HeadCheck] = []
    for previous, head in zip([None, *heads], heads, strict=False):
        consistent = None
        if previous is not None:
            consistent = _consistent(store, previous, head)
        checks.append(HeadCheck(head, verify_tree_head(head, public_key=key), consistent))
    return checks[::-1]


def _consistent(store: DbNodeStore, old: SignedTreeHead, new: SignedTreeHead) -> bool:
    if not old.tree_size <= new.tree_size <= store.count(0):
        return False
    proof = planned(store, lambda t: t.consistency_proof(old.tree_size, new.tree_size))
    return verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof)
