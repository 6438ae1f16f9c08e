"""RFC 9162 Merkle tree: reference vectors, proof properties, tamper detection.

Reference vectors: transparency-dev/merkle (formerly google/trillian),
``testonly/constants.go`` (leaf inputs, node hashes, root hashes) and
``proof/verify_test.go`` (inclusion and consistency proofs; its leaf numbers are
1-based). The same vectors appear in certificate-transparency-go.
"""

from __future__ import annotations

import random

import pytest

from traceability import (
    EMPTY_ROOT,
    CompactRange,
    MemoryNodeStore,
    MerkleTree,
    ProofError,
    leaf_hash,
    root_from_leaf_hashes,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
# (0-based leaf index, tree size, audit path)
INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def tree_of(count: int) -> MerkleTree:
    tree = MerkleTree()
    for n in range(count):
        tree.append(n.to_bytes(4, "big"))
    return tree


@pytest.fixture(scope="module")
def reference() -> MerkleTree:
    tree = MerkleTree()
    for leaf in LEAVES:
        tree.append(leaf)
    return tree


@pytest.fixture(scope="module")
def tree() -> MerkleTree:
    return tree_of(70)


def tampered(proof: list[bytes]) -> list[list[bytes]]:
    """Every single-point corruption of a proof: bit flips, drops, additions."""
    variants = []
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([proof[i][0] ^ 1]) + proof[i][1:]
        variants.append(flipped)
        variants.append(proof[:i] + proof[i + 1 :])
    variants.append([*proof, proof[-1] if proof else EMPTY_ROOT])
    variants.append([EMPTY_ROOT, *proof])
    return variants


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    """MTH({}) = SHA-256("")."""
    assert MerkleTree().root() == root_hash([]) == ROOTS[0]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_reference_vectors(reference: MerkleTree, size: int) -> None:
    """Every prefix of the 8 reference leaves has its published root."""
    assert reference.root(size) == ROOTS[size] == root_hash(LEAVES[:size])


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_reference_vectors(
    reference: MerkleTree, index: int, size: int, path: list[str]
) -> None:
    """Generated audit paths equal the published ones and verify."""
    proof = reference.inclusion_proof(index, size)
    assert [p.hex() for p in proof] == path
    assert verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_match_reference_vectors(
    reference: MerkleTree, old: int, new: int, path: list[str]
) -> None:
    """Generated consistency proofs equal the published ones and verify."""
    proof = reference.consistency_proof(old, new)
    assert [p.hex() for p in proof] == path
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


def test_every_inclusion_proof_verifies(tree: MerkleTree) -> None:
    """For all sizes up to 70 and every leaf, the audit path verifies."""
    for size in range(1, tree.size + 1):
        root = tree.root(size)
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert verify_inclusion(tree.leaf_hash(index), index, size, proof, root)


def test_every_consistency_proof_verifies(tree: MerkleTree) -> None:
    """For all pairs of sizes up to 70, the consistency proof verifies."""
    for new in range(tree.size + 1):
        for old in range(new + 1):
            proof = tree.consistency_proof(old, new)
            assert verify_consistency(old, new, tree.root(old), tree.root(new), proof)


def test_tampered_inclusion_proofs_fail(tree: MerkleTree) -> None:
    """Any corrupted path, wrong index or wrong leaf fails verification."""
    for size in (1, 2, 7, 8, 33, 70):
        root = tree.root(size)
        for index in range(size):
            proof, digest = tree.inclusion_proof(index, size), tree.leaf_hash(index)
            for bad in tampered(proof):
                assert not verify_inclusion(digest, index, size, bad, root)
            assert not verify_inclusion(digest, index ^ 1, size, proof, root) or size == 1
            assert not verify_inclusion(leaf_hash(b"forged"), index, size, proof, root)


def test_tampered_consistency_proofs_fail(tree: MerkleTree) -> None:
    """Any corrupted proof, wrong size or swapped roots fails verification."""
    for new in (3, 8, 21, 70):
        for old in range(1, new):
            proof = tree.consistency_proof(old, new)
            old_root, new_root = tree.root(old), tree.root(new)
            for bad in tampered(proof):
                assert not verify_consistency(old, new, old_root, new_root, bad)
            assert not verify_consistency(old, new, new_root, old_root, proof)
            assert not verify_consistency(old + 1, new, old_root, new_root, proof)


def test_consistency_from_empty_needs_empty_root() -> None:
    """The empty tree is a prefix of any tree, with an empty proof."""
    assert verify_consistency(0, 5, EMPTY_ROOT, b"\x01" * 32, [])
    assert not verify_consistency(0, 5, b"\x02" * 32, b"\x01" * 32, [])


def test_compact_range_matches_full_tree() -> None:
    """The streaming root equals the stored tree's root at every size."""
    rng = random.Random(7)
    hashes = [rng.randbytes(32) for _ in range(300)]
    compact, tree = CompactRange(), MerkleTree()
    for digest in hashes:
        compact.append(digest)
        tree.append_hash(digest)
        assert compact.root() == tree.root()
    assert root_from_leaf_hashes(hashes) == tree.root()


def test_tree_reopens_from_its_store() -> None:
    """A tree built on an existing store continues where it stopped."""
    store = MemoryNodeStore()
    first = MerkleTree(store)
    for n in range(11):
        first.append(n.to_bytes(4, "big"))
    again = MerkleTree(store)
    again.append((11).to_bytes(4, "big"))
    assert again.size == 12 and again.root() == tree_of(12).root()


def test_proof_beyond_the_tree_is_refused(tree: MerkleTree) -> None:
    """Asking for a leaf or size the tree does not have raises ProofError."""
    with pytest.raises(ProofError):
        tree.inclusion_proof(70, 70)
    with pytest.raises(ProofError):
        tree.consistency_proof(3, 71)
