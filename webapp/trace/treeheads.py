"""Signed tree heads, inclusion and consistency proofs over the stored tree.

A tree head is computed from the committed Merkle nodes of a size, which never
change once written, so issuing one needs no lock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, select

from traceability import ProofError, SignedTreeHead, sign_tree_head
from webapp.models import TraceEventRow, TreeHead
from webapp.trace.store import DbNodeStore, leaf_count, planned


class ProofRequestError(ValueError):
    """A proof was asked for something the log does not have; ``field`` names the input."""

    def __init__(self, field: str, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass(frozen=True)
class InclusionProof:
    """The audit path of one event in the tree of ``tree_size`` entries."""

    event_id: str
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    path: tuple[bytes, ...]
    root_hash: bytes

    def as_dict(self) -> dict[str, Any]:
        """JSON form: hashes in hex."""
        return {
            "event_id": self.event_id,
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
            "audit_path": [h.hex() for h in self.path],
            "root_hash": self.root_hash.hex(),
        }


@dataclass(frozen=True)
class ConsistencyProof:
    """Proof that the tree of ``first`` entries is a prefix of the tree of ``second``."""

    first: int
    second: int
    first_root: bytes
    second_root: bytes
    path: tuple[bytes, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON form: hashes in hex."""
        return {
            "first": self.first,
            "second": self.second,
            "first_root": self.first_root.hex(),
            "second_root": self.second_root.hex(),
            "proof": [h.hex() for h in self.path],
        }


def issue_tree_head(
    session: Session, key: Ed25519PrivateKey, *, timestamp_ms: int | None = None
) -> SignedTreeHead:
    """Sign the current size and root, store the head and commit."""
    store = DbNodeStore(session)
    size = store.count(0)
    root = planned(store, lambda tree: tree.root(size))
    head = sign_tree_head(
        key, tree_size=size, root_hash=root, timestamp_ms=timestamp_ms or int(time.time() * 1000)
    )
    session.add(
        TreeHead(
            log_id=head.log_id,
            tree_size=size,
            timestamp_ms=head.timestamp_ms,
            root_hash=root.hex(),
            key_id=head.key_id,
            signature=head.to_json_dict()["signature"],
            body=head.to_json_dict(),
        )
    )
    session.commit()
    return head


def latest_tree_head(session: Session) -> SignedTreeHead | None:
    """The most recently issued head."""
    row = session.exec(
        select(TreeHead).order_by(TreeHead.timestamp_ms.desc(), TreeHead.id.desc()).limit(1)
    ).first()  # type: ignore[attr-defined,union-attr]
    return None if row is None else SignedTreeHead.from_json_dict(row.body)


def tree_heads(session: Session, *, limit: int = 50) -> list[SignedTreeHead]:
    """Issued heads, newest first."""
    rows = session.exec(
        select(TreeHead).order_by(TreeHead.timestamp_ms.desc(), TreeHead.id.desc()).limit(limit)
    )  # type: ignore[attr-defined,union-attr]
    return [SignedTreeHead.from_json_dict(row.body) for row in rows]


def inclusion_proof(
    session: Session, event_id: str, tree_size: int | None = None, *, store: DbNodeStore | None = None
) -> InclusionProof:
    """The audit path of ``event_id`` in the tree of ``tree_size`` entries (default: all)."""
    row = session.exec(
        select(TraceEventRow.seq, TraceEventRow.leaf_hash).where(TraceEventRow.event_id == event_id)
    ).first()
    if row is None:
        raise ProofRequestError("event_id", f"no event {event_id} in the log", status=404)
    store = store or DbNodeStore(session)
    size = store.count(0) if tree_size is None else tree_size
    seq, leaf = row
    if not seq < size <= store.count(0):
        raise ProofRequestError(
            "tree_size",
            f"event {event_id} is entry {seq}; tree_size must be from {seq + 1} to {store.count(0)}",
        )
    path, root = planned(store, lambda t: (t.inclusion_proof(seq, size), t.root(size)))
    return InclusionProof(event_id, seq, size, bytes.fromhex(leaf), tuple(path), root)


def consistency_proof(session: Session, first: int, second: int) -> ConsistencyProof:
    """The proof that the log at ``first`` entries is a prefix of the log at ``second``."""
    store = DbNodeStore(session)
    if not 0 <= first <= second:
        raise ProofRequestError("first", "first must be from 0 to second")
    if second > store.count(0):
        raise ProofRequestError("second", f"the log has {store.count(0)} entries")
    try:
        path, old, new = planned(
            store, lambda t: (t.consistency_proof(first, second), t.root(first), t.root(second))
        )
    except ProofError as exc:  # sizes were checked; kept for a store that changed under us
        raise ProofRequestError("second", str(exc)) from exc
    return ConsistencyProof(first, second, old, new, tuple(path))


def log_size(session: Session) -> int:
    """Number of entries in the log."""
    return leaf_count(session)


def export_lines(session: Session, *, stop: int | None = None, batch: int = 5000) -> Iterator[str]:
    """The log's lines in order (with ``"\\n"``), read in pages of ``batch`` rows."""
    start = 0
    while stop is None or start < stop:
        upper = start + batch if stop is None else min(start + batch, stop)
        lines = session.exec(
            select(TraceEventRow.line)
            .where(TraceEventRow.seq >= start, TraceEventRow.seq < upper)
            .order_by(TraceEventRow.seq)
        ).all()  # type: ignore[arg-type]
        if not lines:
            return
        for line in lines:
            yield line + "\n"
        start = upper
