"""An append-only event log: entries chained by hash, a Merkle tree over them.

This in-memory log is the reference the database-backed one must match: same
entries (:func:`~traceability.events.next_entry`), same tree
(:class:`~traceability.merkle.MerkleTree` over any :class:`NodeStore`), same
export lines.
"""

from __future__ import annotations

from collections.abc import Iterator

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from traceability._model import TraceEvent
from traceability.events import LogEntry, next_entry
from traceability.merkle import MerkleTree, NodeStore
from traceability.sth import DEFAULT_LOG_ID, SignedTreeHead, sign_tree_head


class TraceLog:
    """Events in the order they were recorded, with proofs over them.

    Parameters
    ----------
    store
        Node store for the Merkle tree; in memory by default.
    log_id
        Name of the log, signed into every tree head.
    """

    def __init__(self, *, store: NodeStore | None = None, log_id: str = DEFAULT_LOG_ID) -> None:
        self.tree = MerkleTree(store)
        if self.tree.size:
            raise ValueError("TraceLog starts empty; reopen a stored log through MerkleTree")
        self.log_id = log_id
        self._entries: list[LogEntry] = []

    @property
    def size(self) -> int:
        """Number of entries."""
        return len(self._entries)

    def append(self, event: TraceEvent) -> LogEntry:
        """Append ``event`` and return its entry."""
        entry = next_entry(self._entries[-1] if self._entries else None, event)
        self.tree.append_hash(entry.leaf_hash)
        self._entries.append(entry)
        return entry

    def entry(self, seq: int) -> LogEntry:
        """Return entry ``seq``."""
        return self._entries[seq]

    def root(self, size: int | None = None) -> bytes:
        """Root of the first ``size`` entries (default: all)."""
        return self.tree.root(size)

    def tree_head(self, key: Ed25519PrivateKey, *, timestamp_ms: int | None = None) -> SignedTreeHead:
        """Sign the current size and root."""
        return sign_tree_head(
            key,
            tree_size=self.size,
            root_hash=self.tree.root(),
            timestamp_ms=timestamp_ms,
            log_id=self.log_id,
        )

    def inclusion_proof(self, seq: int, *, tree_size: int | None = None) -> list[bytes]:
        """Audit path of entry ``seq`` in the tree of ``tree_size`` entries."""
        return self.tree.inclusion_proof(seq, tree_size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Proof that the log at ``old_size`` is a prefix of the log at ``new_size``."""
        return self.tree.consistency_proof(old_size, new_size)

    def export_lines(self, *, start: int = 0, stop: int | None = None) -> Iterator[str]:
        """Export lines (with their ``"\\n"``) of entries ``[start, stop)``."""
        for entry in self._entries[start:stop]:
            yield entry.line() + "\n"
