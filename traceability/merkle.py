"""RFC 9162 (Certificate Transparency 2.0) Merkle tree: hashes, proofs, verification.

Hashes are SHA-256 with domain separation (§2.1.1): a leaf is
``SHA-256(0x00 || data)``, an interior node ``SHA-256(0x01 || left || right)`` and
the empty tree ``SHA-256("")``. A tree of ``n`` leaves splits at the largest power of
two below ``n``, with no duplication of odd nodes.

:class:`MerkleTree` keeps every complete subtree's hash in a :class:`NodeStore`
(level 0 holds the leaf hashes, level ``k`` index ``i`` covers leaves
``[i * 2**k, (i + 1) * 2**k)``). Appending writes at most ``log2 n`` nodes, and any
root, inclusion proof or consistency proof, for the current or an earlier size, is
put together from ``O(log² n)`` stored nodes without rehashing leaves. A database
can stand in for the in-memory store by implementing the three-method protocol.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """A proof was asked for sizes or indexes the tree does not have."""


def leaf_hash(data: bytes) -> bytes:
    """Return ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(size: int) -> int:
    """Largest power of two strictly below ``size`` (``size`` >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


class CompactRange:
    """The roots of the perfect subtrees covering leaves ``[0, size)``.

    Enough to append and to compute the root, in ``O(log n)`` memory; used to hash a
    stream (an export) without keeping it.
    """

    __slots__ = ("_stack", "size")

    def __init__(self) -> None:
        self._stack: list[bytes] = []
        self.size = 0

    def append(self, digest: bytes) -> None:
        """Add the next leaf hash."""
        self.size += 1
        remaining = self.size
        stack = self._stack
        # Each trailing zero bit of the new size completes one more perfect subtree.
        while not remaining & 1:
            digest = hashlib.sha256(_NODE_PREFIX + stack.pop() + digest).digest()
            remaining >>= 1
        stack.append(digest)

    def root(self) -> bytes:
        """Return the Merkle tree hash of the leaves appended so far."""
        if not self._stack:
            return EMPTY_ROOT
        root = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            root = node_hash(left, root)
        return root


def root_from_leaf_hashes(hashes: Iterable[bytes]) -> bytes:
    """Return the Merkle tree hash (MTH) of a sequence of leaf hashes."""
    compact = CompactRange()
    for digest in hashes:
        compact.append(digest)
    return compact.root()


def root_hash(leaves: Iterable[bytes]) -> bytes:
    """Return the Merkle tree hash (MTH) of a sequence of leaf inputs."""
    return root_from_leaf_hashes(leaf_hash(leaf) for leaf in leaves)


class NodeStore(Protocol):
    """Where a :class:`MerkleTree` keeps the hashes of its complete subtrees."""

    def append(self, level: int, digest: bytes) -> None:
        """Store the next node of ``level``."""

    def get(self, level: int, index: int) -> bytes:
        """Return node ``index`` of ``level``."""

    def count(self, level: int) -> int:
        """Return how many nodes ``level`` holds."""


class MemoryNodeStore:
    """Node hashes in one ``bytearray`` per level: about 64 bytes per leaf in all."""

    def __init__(self) -> None:
        self._levels: list[bytearray] = []

    def append(self, level: int, digest: bytes) -> None:
        """Store the next node of ``level``."""
        if level == len(self._levels):
            self._levels.append(bytearray())
        self._levels[level] += digest

    def get(self, level: int, index: int) -> bytes:
        """Return node ``index`` of ``level``."""
        start = index * HASH_SIZE
        return bytes(self._levels[level][start : start + HASH_SIZE])

    def count(self, level: int) -> int:
        """Return how many nodes ``level`` holds."""
        if level >= len(self._levels):
            return 0
        return len(self._levels[level]) // HASH_SIZE


class MerkleTree:
    """An append-only RFC 9162 tree over a :class:`NodeStore`.

    Parameters
    ----------
    store
        Node storage; a fresh :class:`MemoryNodeStore` by default. A store that
        already holds nodes is reopened at the size of its level 0.
    """

    def __init__(self, store: NodeStore | None = None) -> None:
        self.store: NodeStore = store if store is not None else MemoryNodeStore()
        self.size = self.store.count(0)

    def append(self, data: bytes) -> int:
        """Append a leaf input; return its index."""
        return self.append_hash(leaf_hash(data))

    def append_hash(self, digest: bytes) -> int:
        """Append a leaf hash; return its index."""
        if len(digest) != HASH_SIZE:
            raise ValueError(f"a leaf hash has {HASH_SIZE} bytes, got {len(digest)}")
        index = self.size
        self.store.append(0, digest)
        level, position = 0, index
        while position & 1:
            digest = node_hash(self.store.get(level, position - 1), digest)
            level, position = level + 1, position >> 1
            self.store.append(level, digest)
        self.size = index + 1
        return index

    def leaf_hash(self, index: int) -> bytes:
        """Return the stored hash of leaf ``index``."""
        self._check_size(index + 1)
        return self.store.get(0, index)

    def root(self, size: int | None = None) -> bytes:
        """Return the root of the first ``size`` leaves (default: all)."""
        size = self.size if size is None else size
        self._check_size(size)
        return EMPTY_ROOT if size == 0 else self.subtree_hash(0, size)

    def subtree_hash(self, start: int, end: int) -> bytes:
        """Return MTH of leaves ``[start, end)``, a node of the RFC 9162 tree.

        ``start`` must be a multiple of the largest power of two not above
        ``end - start`` (true of every node reached by splitting from the root).
        """
        width = end - start
        if width & (width - 1) == 0:
            level = width.bit_length() - 1
            return self.store.get(level, start >> level)
        k = _split(width)
        return node_hash(self.subtree_hash(start, start + k), self.subtree_hash(start + k, end))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Return the audit path of leaf ``index`` in the tree of ``size`` leaves (§2.1.3.1)."""
        size = self.size if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
        path = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                path.append(self.subtree_hash(start + k, end))
                end = start + k
            else:
                path.append(self.subtree_hash(start, start + k))
                start += k
        return path[::-1]

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Return the proof that the ``old_size`` tree is a prefix of the ``new_size`` one.

        Follows SUBPROOF of RFC 9162 §2.1.4.1; empty when ``old_size`` is 0 or equal to
        ``new_size``.
        """
        new_size = self.size if new_size is None else new_size
        self._check_size(new_size)
        if not 0 <= old_size <= new_size:
            raise ProofError(f"no consistency proof from size {old_size} to {new_size}")
        if old_size in (0, new_size):
            return []
        proof = []
        start, end, whole = 0, new_size, True
        while old_size != end:
            k = _split(end - start)
            if old_size <= start + k:
                proof.append(self.subtree_hash(start + k, end))
                end = start + k
            else:
                proof.append(self.subtree_hash(start, start + k))
                start, whole = start + k, False
        if not whole:
            proof.append(self.subtree_hash(start, end))
        return proof[::-1]

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ProofError(f"the tree has {self.size} leaves, not {size}")


def root_from_inclusion_proof(digest: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """Recompute the root from a leaf hash and its audit path (RFC 9162 §2.1.3.2).

    Raises
    ------
    ProofError
        When the index is out of range or the path has the wrong length or shape.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    if any(len(p) != HASH_SIZE for p in (digest, *proof)):
        raise ProofError("hashes must be 32 bytes")
    fn, sn, result = index, size - 1, digest
    for sibling in proof:
        if sn == 0:
            raise ProofError("the proof is too long")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof is too short")
    return result


def verify_inclusion(digest: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """True when ``proof`` shows leaf hash ``digest`` at ``index`` under ``root``."""
    try:
        return root_from_inclusion_proof(digest, index, size, proof) == root
    except ProofError:
        return False


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True when ``proof`` shows the ``old_size`` tree is a prefix of the ``new_size`` one.

    RFC 9162 §2.1.4.2 for ``0 < old_size < new_size``. Equal sizes need an empty proof
    and equal roots; an empty old tree needs an empty proof and the empty-tree root.
    """
    if not 0 <= old_size <= new_size or any(len(p) != HASH_SIZE for p in proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = [old_root, *proof] if old_size & (old_size - 1) == 0 else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first = second = path[0]
    for sibling in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first, second = node_hash(sibling, first), node_hash(sibling, second)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            second = node_hash(second, sibling)
        fn, sn = fn >> 1, sn >> 1
    return first == old_root and second == new_root and sn == 0
