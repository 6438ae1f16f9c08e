"""The Merkle tree's nodes in the ``merkle_node`` table.

:class:`DbNodeStore` implements :class:`traceability.NodeStore`, so the pure
:class:`~traceability.MerkleTree` appends and proves over the database exactly as
it does in memory. Two things keep it fast:

- appends are buffered and written in one ``executemany`` by :meth:`DbNodeStore.flush`;
  the left siblings an append needs were written by earlier appends and are cached;
- a proof first runs over a :class:`_KeyRecorder` that notes which nodes it reads, then
  those are fetched in one query (:func:`planned`), so a proof costs one round trip
  instead of one per node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from traceability import MerkleTree
from webapp.models import MerkleNode
from webapp.trace.records import insert_rows

T = TypeVar("T")
_ZERO = bytes(32)
_CHUNK = 500  # keys per IN list: far below both databases' parameter limits


def leaf_count(session: Session) -> int:
    """Number of leaves in the stored tree (level 0 is indexed by its primary key)."""
    top = session.execute(select(func.max(MerkleNode.idx)).where(MerkleNode.level == 0)).scalar()
    return 0 if top is None else int(top) + 1


class DbNodeStore:
    """A :class:`traceability.NodeStore` over the ``merkle_node`` table.

    Level ``k`` of a tree with ``n`` leaves holds exactly ``n >> k`` complete subtrees,
    so :meth:`count` needs only the leaf count, read once when the store opens.
    """

    def __init__(self, session: Session, *, size: int | None = None) -> None:
        self._session = session
        self._size = leaf_count(session) if size is None else size
        self._cache: dict[tuple[int, int], bytes] = {}
        self._pending: list[dict[str, Any]] = []

    def append(self, level: int, digest: bytes) -> None:
        """Buffer the next node of ``level``."""
        if level == 0:
            index = self._size
            self._size += 1
        else:
            # MerkleTree appends the leaf first, then each subtree it completes.
            index = (self._size >> level) - 1
        self._cache[(level, index)] = digest
        self._pending.append({"level": level, "idx": index, "digest": digest.hex()})

    def get(self, level: int, index: int) -> bytes:
        """Return node ``index`` of ``level``."""
        key = (level, index)
        if key not in self._cache:
            self.prefetch([key])
        try:
            return self._cache[key]
        except KeyError:
            raise LookupError(f"merkle_node ({level}, {index}) is missing") from None

    def count(self, level: int) -> int:
        """Return how many nodes ``level`` holds."""
        return self._size >> level

    def prefetch(self, keys: Iterable[tuple[int, int]]) -> None:
        """Load the nodes ``keys`` (``(level, index)`` pairs) in as few queries as possible."""
        missing = sorted({k for k in keys if k not in self._cache})
        for start in range(0, len(missing), _CHUNK):
            by_level: dict[int, list[int]] = {}
            for level, index in missing[start : start + _CHUNK]:
                by_level.setdefault(level, []).append(index)
            # "level = ? AND idx IN (...)" per level, OR-ed: both backends walk the
            # primary key for each term (SQLite scans the table for a row-value IN).
            rows = self._session.execute(
                select(MerkleNode.level, MerkleNode.idx, MerkleNode.digest).where(
                    or_(
                        *(
                            and_(MerkleNode.level == level, MerkleNode.idx.in_(indexes))  # type: ignore[attr-defined]
                            for level, indexes in by_level.items()
                        )
                    )
                )
            )
            for level, index, digest in rows:
                self._cache[(level, index)] = bytes.fromhex(digest)

    def prefetch_frontier(self) -> None:
        """Load the last leaf and the left siblings the next appends will read, in one query."""
        size = self._size
        keys = {(0, size - 1)} if size else set()
        level = 0
        while (size >> level) & 1:
            keys.add((level, (size >> level) - 1))
            level += 1
        self.prefetch(keys)

    def flush(self) -> int:
        """Write the buffered nodes; returns how many."""
        if not self._pending:
            return 0
        count = len(self._pending)
        insert_rows(self._session, MerkleNode.__table__, self._pending)  # type: ignore[attr-defined]
        self._pending = []
        return count


class _KeyRecorder:
    """A stand-in store that answers every read with zeros and remembers the keys."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.keys: set[tuple[int, int]] = set()

    def append(self, level: int, digest: bytes) -> None:
        raise TypeError("a key recorder is read-only")

    def get(self, level: int, index: int) -> bytes:
        self.keys.add((level, index))
        return _ZERO

    def count(self, level: int) -> int:
        return self.size >> level


def planned(store: DbNodeStore, compute: Callable[[MerkleTree], T]) -> T:
    """Run ``compute`` on the stored tree after fetching every node it reads at once.

    ``compute`` must read the same nodes whatever their values are, which holds for
    roots and proofs (their shape depends on sizes and indexes only).
    """
    recorder = _KeyRecorder(store.count(0))
    compute(MerkleTree(recorder))
    store.prefetch(recorder.keys)
    return compute(MerkleTree(store))
