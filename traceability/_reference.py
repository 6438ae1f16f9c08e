"""Leaf hashes the auditor already trusts, to name the first entry an export changed.

A signed root proves that an export differs from the log, not where: someone who
changes (or moves, or removes) an entry and re-computes every later entry's ``prev``
leaves a chain that holds together, and only the root disagrees. To point at the
first changed entry the verifier compares the export's leaf hashes, one by one, with
a reference authenticated by a signed head: an earlier export, or the list of leaf
hashes the company's tree holds (``reloop trace export --leaf-hashes``). Either is
trusted only if its leaves rebuild the signed root, so a reference forged along with
the export is refused rather than believed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from traceability.merkle import HASH_SIZE, leaf_hash, root_from_leaf_hashes


class ReferenceError(ValueError):
    """A reference file is neither an export nor a list of leaf hashes."""


@dataclass(frozen=True)
class Reference:
    """Leaf hashes in log order, with each entry's event id when read from an export."""

    leaves: tuple[bytes, ...]
    event_ids: tuple[str | None, ...] | None = None

    @classmethod
    def from_lines(cls, lines: Iterable[str] | Iterable[bytes]) -> Reference:
        """Read an earlier export (one entry per line), or a file of hex leaf hashes."""
        texts = [
            data
            for raw in lines
            if (data := (raw.encode("utf-8") if isinstance(raw, str) else raw).strip(b"\r\n \t"))
        ]
        if texts and all(len(t) == 2 * HASH_SIZE and _is_hex(t) for t in texts):
            return cls(tuple(bytes.fromhex(t.decode("ascii")) for t in texts))
        if any(not t.startswith(b"{") for t in texts):
            raise ReferenceError("the reference is neither an export (JSON lines) nor one leaf hash per line")
        return cls(tuple(leaf_hash(t) for t in texts), tuple(event_id(t) for t in texts))

    def authenticates(self, tree_size: int, root: bytes) -> bool:
        """True when the first ``tree_size`` leaves rebuild ``root``."""
        return len(self.leaves) >= tree_size and root_from_leaf_hashes(self.leaves[:tree_size]) == root

    def classify(self, index: int, current: Sequence[tuple[bytes, str | None]]) -> tuple[str, str]:
        """Reason and message for the first difference at ``index``.

        ``current`` holds the export's (leaf hash, event id) at ``index`` and the line
        after it, as far as the export goes.
        """
        ref = self.leaves
        here = current[0] if current else None
        after = current[1] if len(current) > 1 else None
        ids = self.event_ids
        ref_id = ids[index] if ids is not None and index < len(ids) else None
        next_ref_id = ids[index + 1] if ids is not None and index + 1 < len(ids) else None
        if here is None:
            return "removed", f"the export ends here; the signed log has {len(ref) - index} more entries"
        digest, cur_id = here
        if index >= len(ref):
            return "extra_entries", "the signed log ends before this entry"
        if cur_id is not None and cur_id == ref_id:
            return "changed", "this entry differs from the one the signed log holds here"
        if after is not None and (
            (after[0] == ref[index] and index + 1 < len(ref) and digest == ref[index + 1])
            or (cur_id is not None and cur_id == next_ref_id and after[1] == ref_id and ref_id is not None)
        ):
            return "reordered", f"entries {index} and {index + 1} are swapped"
        skipped = index + 1 < len(ref) and digest == ref[index + 1]
        if skipped or (cur_id is not None and cur_id == next_ref_id):
            return "removed", f"entry {index} of the signed log ({ref_id or 'unknown event'}) is missing here"
        if after is not None and (after[0] == ref[index] or (ref_id is not None and after[1] == ref_id)):
            return "inserted", "this entry is not in the signed log"
        if ids is not None and cur_id is not None and cur_id in ids:
            return "reordered", f"this entry stands at position {ids.index(cur_id)} in the signed log"
        return "changed", "this entry differs from the one the signed log holds here"


def event_id(text: bytes) -> str | None:
    """The ``event.id`` of an entry line, if it has one."""
    try:
        value = json.loads(text)["event"]["id"]
    except (ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, str) else None


def _is_hex(text: bytes) -> bool:
    try:
        bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return False
    return True
